"""The refund receipt on screen (``pos.domain.refund.render_refund_text``) speaks the receipt
language, as the sale receipt on screen and the refund on paper do, through the real
translator (the compiled ``kaunta_sw.qm``); in Kiswahili the document is "Marejesho"
throughout, never the button's "Rejesha pesa"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import dev
from pos.domain.messages import Template
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.refund import (
    RF_BY_HAND,
    RF_REFUND,
    RF_REFUND_ID,
    RF_REFUND_TITLE,
    RF_RETURN_TITLE,
    RF_TOTAL,
    RefundReceipt,
    RefundReceiptLine,
    RefundReceiptTender,
    TenderHow,
    render_refund_text,
)
from pos.domain.tax import TaxClass, VatLine
from pos.ui import i18n

#: every English label the refund text has (values such as names and numbers aside)
ENGLISH_LABELS = (
    "REFUND",
    "Refund ",
    "For receipt",
    "Date",
    "Cashier",
    "Approved by",
    "COPY",
    "Reason:",
    "Given back",
    "Ref ",
    "Net",
    "Gross",
    "TRAINING",
)


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")
    i18n.set_receipt_language("en")


def refund(*, original: str = "DEMO-T1-000042") -> RefundReceipt:
    """A training refund of two lines, given back by PayPal (in USD) and by an M-Pesa
    reversal, reprinted, approved by a supervisor."""
    kes = "KES"
    return RefundReceipt(
        store=StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue", "Nairobi"), tax_pin="P051"),
        number="DEMO-T1-R00007",
        refund_id="01a23c36-0000-7000-8000-000000000007",
        original_number=original,
        issued_at=datetime(2026, 12, 3, 11, 36, tzinfo=UTC),
        cashier="Amina Wanjiru",
        training=True,
        reason="wrong item",
        lines=(
            RefundReceiptLine(
                "Brookside Fresh Milk 500ml", 2, Money(6500, kes), Money(13000, kes), "Z"
            ),
            RefundReceiptLine("Kabras Sugar 500g", 1, Money(8500, kes), Money(8500, kes), "S"),
        ),
        total=Money(21500, kes),
        vat=(
            VatLine(TaxClass("S", "VAT 16%", Decimal(16)), Money(8500, kes), Money(1172, kes)),
            VatLine(TaxClass("Z", "Zero-rated", Decimal(0)), Money(13000, kes), Money(0, kes)),
        ),
        tenders=(
            RefundReceiptTender("PayPal", Money(15000, kes), "CAP-1", TenderHow.METHOD, "USD 1.16"),
            RefundReceiptTender("M-Pesa", Money(6500, kes), "SBX123", TenderHow.BY_HAND),
        ),
        reprint=True,
        approved_by="Carol Njeri",
    )


def test_english_is_the_refund_text_as_it_always_was() -> None:
    lines = render_refund_text(refund())
    assert render_refund_text(refund(), 42, i18n.receipt_say("en")) == lines
    text = "\n".join(lines)
    for label in ENGLISH_LABELS:
        assert label in text
    assert "*** REFUND ***" in text
    assert "2026-12-03 11:36" in text  # English alone keeps the ISO date
    assert any(line.startswith("M-Pesa (reversal)") for line in lines)


@pytest.mark.parametrize("width", [32, 42, 48])
def test_the_kiswahili_refund_text_has_no_english_label_left(width: int) -> None:
    lines = render_refund_text(refund(), width, i18n.receipt_say("sw"))
    text = "\n".join(lines)
    left = [label for label in ENGLISH_LABELS if label in text]
    assert left == [], f"English on the Kiswahili refund: {left}\n{text}"
    assert "*** MAREJESHO ***" in text
    assert "Tarehe" in text
    assert "03/12/2026 11:36" in text
    assert "Imerudishwa USD 1.16" in text
    assert all(len(line) <= width for line in lines)
    # names, numbers and references stay as they are
    for value in ("Amina Wanjiru", "DEMO-T1-R00007", "DEMO-T1-000042", "SBX123", "-215.00"):
        assert value in text


def test_a_return_without_a_receipt_says_so_in_kiswahili() -> None:
    text = "\n".join(render_refund_text(refund(original=""), 42, i18n.receipt_say("sw")))
    assert "Kurudisha bila risiti" in text
    assert "*** MAREJESHO YA BIDHAA ***" in text


def test_both_languages_side_by_side_fit_the_paper() -> None:
    lines = render_refund_text(refund(), 42, i18n.receipt_say("both"))
    assert any(line.startswith("Date / Tarehe") for line in lines)
    assert all(len(line) <= 42 for line in lines)


@pytest.mark.parametrize(
    "label", [RF_REFUND_TITLE, RF_RETURN_TITLE, RF_REFUND, RF_TOTAL, RF_REFUND_ID]
)
def test_the_refund_document_is_marejesho_in_kiswahili(label: Template) -> None:
    """One term for the document, on screen and on paper (the same labels): its title,
    its number's row, its total and its id line."""
    values = {name: "X" for name in label.fields()}
    said = i18n.render(label(**values), "sw")
    assert said.lower().startswith("marejesho"), said
    assert "rejesha pesa" not in said.lower()


def test_the_reversal_label_keeps_the_method_name() -> None:
    assert i18n.render(RF_BY_HAND(label="M-Pesa"), "sw").startswith("M-Pesa")
