"""The receipt document and its plain-text rendering."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.errors import InvalidAmount
from pos.domain.money import Money
from pos.domain.receipt import (
    TRAINING_MARK,
    Receipt,
    StoreInfo,
    build_receipt,
    render_text,
)
from pos.domain.sale import CashRounding, Discount, Payment, ProductRef, Sale, SaleStatus
from pos.domain.tax import KENYA_VAT

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
WIDTHS = [32, 42, 48]
STORE = StoreInfo(
    store_id="store-1",
    name="Duka la Mama Njeri",
    address=("Moi Avenue 12", "Nairobi"),
    phone="+254 700 000000",
    tax_pin="P051234567X",
)


def kes(text: str) -> Money:
    """Shorthand: a KES amount from text."""
    return Money.parse(text)


def product(sku: str, name: str, price: str, vat: str) -> ProductRef:
    """A catalog product as a line remembers it."""
    return ProductRef(None, sku, None, name, kes(price), vat)


def paid_sale() -> Sale:
    """S, Z and E lines, a line and an order discount, rounded cash with change.

    Totals: subtotal 694.99, discounts 24.50, total 670.49, rounded to 670.00 (-0.49),
    1,000.00 tendered, 330.00 change.
    """
    sale = Sale(sale_id="0190a1b2-sale", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("SUGAR", "Sugar 1kg", "150.00", "S"), 2, "L1")
    sale.add_product(product("MILK", "Fresh milk 500ml", "65.00", "Z"), 3, "L2")
    sale.add_product(product("FLOUR", "Maize flour 2kg", "199.99", "E"), 1, "L3")
    sale.set_line_discount("L2", Discount.of_percent(10))
    sale.set_order_discount(Discount.of_amount(kes("5.00")))
    sale.pay_cash(
        kes("1,000.00"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id="P1",
        at=T0,
    )
    sale.complete(KENYA_VAT)
    return sale


def receipt_of(sale: Sale, *, training: bool = False) -> Receipt:
    """Build the receipt of ``sale`` as the till would."""
    return build_receipt(
        sale,
        sale.totals(KENYA_VAT),
        store=STORE,
        terminal_id="T1",
        number="T1-000042",
        issued_at=datetime(2024, 5, 1, 9, 41, tzinfo=UTC),
        cashier="Amina",
        training=training,
        change=sale.change_due(KENYA_VAT),
    )


def line_starting(lines: list[str], prefix: str) -> str:
    """The single rendered line that starts with ``prefix``."""
    found = [ln for ln in lines if ln.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]


def test_build_receipt_freezes_the_totals() -> None:
    """The document carries the sale's lines, totals, VAT, payments and change."""
    receipt = receipt_of(paid_sale())
    assert receipt.status is SaleStatus.COMPLETED
    assert receipt.item_count == 6
    assert [(ln.name, ln.quantity, ln.vat_code) for ln in receipt.lines] == [
        ("Sugar 1kg", 2, "S"),
        ("Fresh milk 500ml", 3, "Z"),
        ("Maize flour 2kg", 1, "E"),
    ]
    # Per-line discount = line discount + share of the order discount.
    assert [ln.discount for ln in receipt.lines] == [kes("2.22"), kes("20.80"), kes("1.48")]
    assert [ln.total for ln in receipt.lines] == [kes("297.78"), kes("174.20"), kes("198.51")]
    assert sum((ln.total for ln in receipt.lines), Money(0)) == receipt.total
    assert (receipt.subtotal, receipt.discounts, receipt.total) == (
        kes("694.99"),
        kes("24.50"),
        kes("670.49"),
    )
    assert receipt.rounding == kes("-0.49")
    assert receipt.change == kes("330.00")
    assert [(p.method, p.amount, p.tendered, p.change) for p in receipt.payments] == [
        ("cash", kes("670.00"), kes("1,000.00"), kes("330.00"))
    ]
    assert [(v.tax_class.code, v.net, v.vat, v.gross) for v in receipt.vat] == [
        ("S", kes("256.71"), kes("41.07"), kes("297.78")),
        ("Z", kes("174.20"), Money(0), kes("174.20")),
        ("E", kes("198.51"), Money(0), kes("198.51")),
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("training", [False, True])
def test_every_line_fits_the_paper(width: int, training: bool) -> None:
    """No rendered line is wider than the printer."""
    lines = render_text(receipt_of(paid_sale(), training=training), width)
    assert len(lines) > 20
    too_wide = [ln for ln in lines if len(ln) > width]
    assert too_wide == []
    assert "-" * width in lines


@pytest.mark.parametrize("width", WIDTHS)
def test_totals_text(width: int) -> None:
    """Subtotal, discounts, total, rounding, amount to pay, tender and change are printed."""
    lines = render_text(receipt_of(paid_sale()), width)
    expected = {
        "Subtotal (6 items)": "694.99",
        "Discounts": "-24.50",
        "TOTAL KES": "670.49",
        "Cash rounding": "-0.49",
        "TO PAY": "670.00",
        "Cash": "1,000.00",
        "Change": "330.00",
        "Receipt": "T1-000042",
        "Date": "2024-05-01 09:41",
        "Cashier": "Amina",
    }
    for label, amount in expected.items():
        pattern = re.compile(rf"{re.escape(label)} +{re.escape(amount)}")
        matching = [ln for ln in lines if pattern.fullmatch(ln)]
        assert len(matching) == 1, (label, amount, lines)
        assert len(matching[0]) == width
    assert "Sugar 1kg" in lines
    assert any(ln.startswith("  2 x 150.00") and ln.endswith("300.00 S") for ln in lines)


@pytest.mark.parametrize(("quantity", "words"), [(1, "1 item"), (2, "2 items")])
def test_subtotal_counts_one_item_in_the_singular(quantity: int, words: str) -> None:
    """The subtotal says "(1 item)", never "(1 items)"; two or more are "items"."""
    sale = Sale(sale_id="s", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("SUGAR", "Sugar 1kg", "150.00", "S"), quantity, "L1")
    line = line_starting(render_text(receipt_of(sale)), "Subtotal")
    assert re.fullmatch(rf"Subtotal \({words}\) +[\d,.]+", line), line


@pytest.mark.parametrize("width", WIDTHS)
def test_header_shows_the_store(width: int) -> None:
    """Store name (upper case), address, phone and KRA PIN are centred at the top."""
    lines = render_text(receipt_of(paid_sale()), width)
    assert [ln.strip() for ln in lines[:5]] == [
        "DUKA LA MAMA NJERI",
        "Moi Avenue 12",
        "Nairobi",
        "Tel +254 700 000000",
        "PIN P051234567X",
    ]
    assert lines[-1].strip() == "Sale 0190a1b2-sale"
    assert "Thank you for shopping with us!" in [ln.strip() for ln in lines]


def vat_table(lines: list[str], width: int) -> dict[str, list[Money]]:
    """The amounts of each VAT class, read back from the rendered VAT section.

    Layout-agnostic: a row may be on one line or split over several (narrow paper);
    amounts are collected in order (net, VAT, gross) under the class that starts the row.
    """
    header = line_starting(lines, "VAT ")
    assert header.endswith("Net      VAT    Gross")
    start = lines.index(header) + 1
    end = lines.index("-" * width, start)
    table: dict[str, list[Money]] = {}
    current = ""
    for line in lines[start:end]:
        if not line.startswith(" ") and not line[0].isdigit():
            current = line.split()[0]
            assert current not in table
            table[current] = []
        for token in line.split():
            try:
                table[current].append(Money.parse(token))
            except InvalidAmount:
                continue  # a label: "16%", "Exempt", "Net", ...
    return table


@pytest.mark.parametrize("width", WIDTHS)
def test_vat_table_sums(width: int) -> None:
    """Each rendered VAT row has net + vat == gross and the gross column sums to TOTAL."""
    table = vat_table(render_text(receipt_of(paid_sale()), width), width)
    assert table == {
        "S": [kes("256.71"), kes("41.07"), kes("297.78")],
        "Z": [kes("174.20"), Money(0), kes("174.20")],
        "E": [kes("198.51"), Money(0), kes("198.51")],
    }
    for net, vat, gross in table.values():
        assert net + vat == gross
    assert sum((row[2] for row in table.values()), Money(0)) == kes("670.49")


@pytest.mark.parametrize("width", [42, 48])
def test_vat_rows_show_the_rate(width: int) -> None:
    """At 42 and 48 columns each VAT row names its class and rate."""
    lines = render_text(receipt_of(paid_sale()), width)
    assert any(ln.startswith("S 16% ") for ln in lines)
    assert any(ln.startswith("Z 0% ") for ln in lines)
    assert any(ln.startswith("E Exempt ") for ln in lines)


def test_vat_rows_show_the_rate_at_32_columns() -> None:
    """At the minimum width (58 mm paper) the rate must not be cut to a misleading 'S 1'."""
    lines = render_text(receipt_of(paid_sale()), 32)
    assert any(ln.startswith("S 16%") for ln in lines)
    assert any(ln.startswith("E Exempt") for ln in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_training_mark_first_and_last(width: int) -> None:
    """Training receipts start and end with the training mark."""
    lines = render_text(receipt_of(paid_sale(), training=True), width)
    assert "TRAINING - NOT A VALID RECEIPT" in lines[0]
    assert lines[-1] == lines[0]
    assert sum("TRAINING" in ln for ln in lines) == 2


@pytest.mark.parametrize("width", [42, 48])
def test_training_mark_is_complete(width: int) -> None:
    """Where it fits, the mark is printed in full."""
    lines = render_text(receipt_of(paid_sale(), training=True), width)
    assert lines[0].strip() == TRAINING_MARK
    assert lines[-1].strip() == TRAINING_MARK


def test_training_mark_is_complete_at_32_columns() -> None:
    """The training warning must be readable in full on 32-column paper too."""
    lines = render_text(receipt_of(paid_sale(), training=True), 32)
    assert "NOT A VALID RECEIPT" in lines[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_training_mark_on_real_receipts(width: int) -> None:
    """A real receipt never mentions training."""
    lines = render_text(receipt_of(paid_sale(), training=False), width)
    assert not any("TRAINING" in ln for ln in lines)
    assert lines[0].strip() == "DUKA LA MAMA NJERI"


@pytest.mark.parametrize("width", WIDTHS)
def test_voided_sale_shows_voided_and_reason(width: int) -> None:
    """A voided sale's receipt says VOIDED and why; no payments or change are printed."""
    sale = Sale(sale_id="void-1", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("SUGAR", "Sugar 1kg", "150.00", "S"), 1, "L1")
    sale.void("Customer changed mind")
    receipt = receipt_of(sale)
    assert receipt.status is SaleStatus.VOIDED
    assert receipt.void_reason == "Customer changed mind"
    lines = render_text(receipt, width)
    assert "*** VOIDED ***" in [ln.strip() for ln in lines]
    assert "Reason: Customer changed mind" in lines
    assert not any(ln.startswith(("Change", "Cash ")) for ln in lines)
    assert all(len(ln) <= width for ln in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_reprint_is_marked_as_a_copy(width: int) -> None:
    """A reprint says COPY under the header; an original never does."""
    receipt = receipt_of(paid_sale())
    assert receipt.reprint is False
    original = render_text(receipt, width)
    assert not any("COPY" in ln for ln in original)
    copy = render_text(replace(receipt, reprint=True), width)
    assert [ln.strip() for ln in copy if "COPY" in ln] == ["*** COPY - REPRINT ***"]
    assert copy.index(line_starting(copy, "Cashier")) + 1 == next(
        i for i, ln in enumerate(copy) if "COPY" in ln
    )
    assert len(copy) == len(original) + 1


def test_completed_sale_has_no_void_lines() -> None:
    """VOIDED never appears on a completed sale's receipt."""
    lines = render_text(receipt_of(paid_sale()))
    assert not any("VOIDED" in ln or ln.startswith("Reason:") for ln in lines)


def test_price_override_is_marked() -> None:
    """A re-priced line says so next to the quantity."""
    sale = Sale(sale_id="s", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("SUGAR", "Sugar 1kg", "150.00", "S"), 1, "L1")
    sale.override_price("L1", kes("140.00"))
    lines = render_text(receipt_of(sale), 48)
    assert any(ln.startswith("  1 x 140.00 (price changed)") for ln in lines)


def test_long_names_and_mpesa_reference_fit_the_width() -> None:
    """Long product names and payment references never overflow the paper."""
    sale = Sale(sale_id="s", currency="KES", opened_at=T0, cashier_id="c7")
    name = "Extra long product name " * 4
    sale.add_product(product("X", name, "10.00", "S"), 1, "L1")
    reference = "SGH7XK2LQP" * 5
    labels = (("label", "M-Pesa"), ("reference_label", "M-Pesa receipt"))
    sale.payments.append(
        Payment("P1", "mpesa", kes("10.00"), kes("10.00"), Money(0), T0, reference, details=labels)
    )
    sale.complete(KENYA_VAT)
    lines = render_text(receipt_of(sale), 32)
    # The name is printed whole (wrapped), between the rule and the quantity line.
    first = lines.index("-" * 32, lines.index(line_starting(lines, "Cashier"))) + 1
    qty = next(i for i, ln in enumerate(lines) if ln.startswith("  1 x 10.00"))
    assert " ".join(lines[first:qty]).split() == name.split()
    assert f"  M-Pesa receipt {reference}"[:32] in lines
    assert any(re.fullmatch(r"M-Pesa +10\.00", ln) for ln in lines)
    assert all(len(ln) <= 32 for ln in lines)


def test_a_payment_prints_its_own_label_or_else_its_code() -> None:
    """Labels come from the payment (the method described itself when it was taken), so
    a reprint shows what the receipt said, and an unknown method still prints."""
    sale = Sale(sale_id="s", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("X", "Bread", "10.00", "S"), 1, "L1")
    sale.payments.append(
        Payment("P1", "gift_voucher", kes("10.00"), kes("10.00"), Money(0), T0, "V-1")
    )
    sale.complete(KENYA_VAT)
    lines = render_text(receipt_of(sale), 32)
    assert any(re.fullmatch(r"Gift Voucher +10\.00", ln) for ln in lines)
    assert "  Ref V-1" in lines


@pytest.mark.parametrize("width", [31, 20, 0, -1])
def test_narrow_paper_is_refused(width: int) -> None:
    """Fewer than 32 columns cannot hold a receipt."""
    with pytest.raises(ValueError, match="at least 32 columns"):
        render_text(receipt_of(paid_sale()), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_large_sale_renders_without_cutting_amounts(width: int) -> None:
    """A 1,000,000.00 sale renders on every paper width with every amount whole."""
    sale = Sale(sale_id="big", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("CEM", "Cement 50kg x 1000", "1,000,000.00", "S"), 1, "L1")
    lines = render_text(receipt_of(sale), width)
    assert all(len(ln) <= width for ln in lines)
    assert any(re.fullmatch(r"TOTAL KES +1,000,000\.00", ln) for ln in lines)
    # The VAT row still reads 862,068.97 + 137,931.03 = 1,000,000.00.
    assert vat_table(lines, width) == {
        "S": [kes("862,068.97"), kes("137,931.03"), kes("1,000,000.00")]
    }
    assert any(ln.startswith("S 16%") for ln in lines)


@st.composite
def random_sales(draw: st.DrawFn) -> Sale:
    """A completed cash sale of 1-8 lines, up to 50,000.00 x 9,999 each, S/Z/E."""
    sale = Sale(sale_id="prop", currency="KES", opened_at=T0, cashier_id="c7")
    for i in range(draw(st.integers(1, 8))):
        price = Money(draw(st.integers(0, 5_000_000)))
        vat = draw(st.sampled_from(["S", "Z", "E"]))
        ref = ProductRef(i, f"P{i}", None, draw(st.text("abc XYZ", max_size=60)), price, vat)
        sale.add_product(ref, draw(st.integers(1, 9_999)), f"L{i}")
        if draw(st.booleans()):
            sale.set_line_discount(f"L{i}", Discount.of_percent(draw(st.integers(1, 100))))
    if sale.totals(KENYA_VAT).total:
        due = sale.cash_due(KENYA_VAT, 100, CashRounding.NEAREST)
        sale.pay_cash(
            Money(max(1, due.minor + draw(st.integers(0, 10**6)))),
            table=KENYA_VAT,
            increment=100,
            mode=CashRounding.NEAREST,
            payment_id="P",
            at=T0,
        )
    sale.complete(KENYA_VAT)
    return sale


@settings(max_examples=60, deadline=None)
@given(sale=random_sales(), width=st.sampled_from(WIDTHS), training=st.booleans())
def test_any_receipt_fits_and_its_vat_table_adds_up(sale: Sale, width: int, training: bool) -> None:
    """For any sale and paper width: no line too wide, VAT rows read back and sum to TOTAL."""
    receipt = receipt_of(sale, training=training)
    lines = render_text(receipt, width)
    assert [ln for ln in lines if len(ln) > width] == []
    table = vat_table(lines, width)
    assert list(table) == [v.tax_class.code for v in receipt.vat]
    for net, vat, gross in table.values():
        assert net + vat == gross
    assert sum((row[2] for row in table.values()), Money(0)) == receipt.total
    total_text = receipt.total.amount_text()
    assert any(re.fullmatch(rf"(TOTAL KES +)?{re.escape(total_text)}", ln.strip()) for ln in lines)
    assert ("TRAINING" in lines[0]) is training
    assert ("TRAINING" in lines[-1]) is training


def test_a_methods_own_rounding_prints_under_its_name_not_as_cash_rounding() -> None:
    """Regression: M-Pesa's whole-shilling round-up printed as "Cash rounding"."""
    sale = Sale(sale_id="s", currency="KES", opened_at=T0, cashier_id="c7")
    sale.add_product(product("X", "Bread", "64.50", "S"), 1, "L1")
    details = (("label", "M-Pesa"), ("rounding", "50"))
    sale.add_payment(
        Payment("P1", "mpesa", kes("65.00"), kes("65.00"), Money(0), T0, "SGH7", details),
        KENYA_VAT,
        rounding=kes("0.50"),
    )
    sale.complete(KENYA_VAT)
    lines = render_text(receipt_of(sale), 32)
    assert any(re.fullmatch(r"M-Pesa rounding +0\.50", ln) for ln in lines)
    assert not any("Cash rounding" in ln for ln in lines)
