"""Shared makers for protocol tests: ids, envelopes, and one valid document per event type.

Fixtures here are session-scoped factories, so hypothesis tests can use them too.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from pos.domain.ids import uuid7
from pos.domain.money import Money
from pos.domain.sale import CashRounding, Discount, Payment, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.protocol import (
    EventType,
    cash_moved,
    late_settled,
    payment_late,
    payment_resolved,
    refund_completed,
    shift_closed,
    shift_opened,
    z_report,
)
from sync.protocol.fields import Amount
from sync.protocol.refunds import OriginalSale, RefundCompleted, RefundLine, RefundTender
from sync.protocol.sales import VatClass, VatTotal
from sync.protocol.shifts import (
    CashCount,
    CashierTotal,
    CashSummary,
    CountValue,
    Denomination,
    PreviousZ,
    ShiftClosed,
    ShiftOpened,
    TenderCheck,
    TenderTotal,
    VatSummary,
    ZReport,
)

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
Document = dict[str, Any]

_counter = itertools.count(1)


def new_id(at: datetime = T0) -> str:
    """A fresh UUIDv7 (distinct, time-ordered), as the till's IdFactory makes them."""
    n = next(_counter)
    return str(uuid7(int(at.timestamp() * 1000) + n, n.to_bytes(10, "big")))


CASHIER = new_id()
MANAGER = new_id()


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def envelope(seq: int = 1, *, at: datetime = T0) -> dict[str, Any]:
    """The envelope arguments every builder takes."""
    return {
        "event_id": new_id(at),
        "store_id": "DEMO",
        "terminal_id": "T1",
        "seq": seq,
        "created_at": at,
        "training": False,
    }


def header(number: int = 1, *, change: Money | None = None) -> JournalHeader:
    return JournalHeader(
        cashier_id=CASHIER,
        number=f"DEMO-T1-{number:06d}",
        seq=number,
        store_id="DEMO",
        terminal_id="T1",
        cashier_name="Amina",
        closed_at=T0 + timedelta(minutes=3),
        business_date="2026-03-02",
        training=False,
        change=change or Money.zero("KES"),
    )


def rich_sale() -> Sale:
    """Three VAT classes, a line discount, an order discount, M-Pesa (with whole-shilling
    rounding), PayPal in USD and cash with change."""
    sale = Sale(new_id(), "KES", T0, CASHIER)
    sale.add_product(
        ProductRef(1, "DAI-0001", "6168232712628", "Milk 500ml", kes("65"), "Z"), 3, new_id()
    )
    sale.add_product(
        ProductRef(2, "DAI-0003", "6168232799285", "UHT 500ml", kes("75.50"), "S"), 2, new_id()
    )
    sale.add_product(
        ProductRef(3, "FLR-0001", "6162393385004", "Maize flour", kes("88"), "E"), 1, new_id()
    )
    sale.set_line_discount(sale.lines[1].line_id, Discount.of_percent("12.5"))
    sale.set_order_discount(Discount.of_amount(kes("10")))
    mpesa = Payment(
        new_id(),
        "mpesa",
        kes("100"),
        kes("100"),
        Money.zero(),
        T0,
        "QKJ3ABC123",
        (("payer", "2547******49"),),
    )
    sale.add_payment(mpesa, KENYA_VAT)
    paypal = Payment(
        new_id(),
        "paypal",
        kes("129.50"),
        kes("129.50"),
        Money.zero(),
        T0,
        "3C679366HH908993F",
        (("foreign", "USD 1.00"), ("rate", "129.50 KES/USD"), ("payer", "w***@example.com")),
    )
    sale.add_payment(paypal, KENYA_VAT)
    sale.pay_cash(
        kes("500"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id="tap-1",
        at=T0,
    )
    sale.complete(KENYA_VAT)
    return sale


def completed_document() -> Document:
    sale = rich_sale()
    totals = sale.totals(KENYA_VAT)
    return sale_document(
        sale, totals, KENYA_VAT, header(change=sale.change_due(KENYA_VAT)), event_id=new_id(), seq=1
    )


def voided_document() -> Document:
    sale = Sale(new_id(), "KES", T0, CASHIER)
    sale.add_product(ProductRef(1, "DAI-0001", None, "Milk 500ml", kes("65"), "Z"), 2, new_id())
    sale.pay_cash(
        kes("50"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id=new_id(),
        at=T0,
        allow_partial=True,
    )
    sale.void("customer changed mind, call 0722 123 456")
    totals = sale.totals(KENYA_VAT)
    return sale_document(
        sale, totals, KENYA_VAT, header(2), event_id=new_id(), seq=2, approved_by=MANAGER
    )


def resolved_document(outcome: str = "captured") -> Document:
    captured = outcome == "captured"
    return payment_resolved(
        **envelope(3),
        attempt_id=new_id(),
        sale_id=new_id(),
        method="mpesa",
        outcome=outcome,
        tendered=kes("100"),
        captured=kes("100") if captured else None,
        applied=kes("99.50"),
        rounding=kes("0.50"),
        rate="",
        payer_masked="2547******49",
        gateway_ref="ws_CO_191220191020363925",
        receipt_ref="QKJ3ABC123" if captured else "",
        code="ok" if captured else "mpesa.1032",
        message="Paid." if captured else "The customer cancelled on 254712345678.",
        started_at=T0,
        resolved_at=T0 + timedelta(seconds=40),
    )


def paypal_resolved_document() -> Document:
    return payment_resolved(
        **envelope(4),
        attempt_id=new_id(),
        sale_id=new_id(),
        method="paypal",
        outcome="captured",
        tendered=usd("7.72"),
        captured=usd("7.72"),
        applied=kes("1000"),
        rounding=Money.zero(),
        rate="129.50 KES/USD",
        payer_masked="w***@example.com",
        gateway_ref="5O190127TN364715T",
        receipt_ref="3C679366HH908993F",
        code="ok",
        message="Captured.",
        started_at=T0,
        resolved_at=T0 + timedelta(seconds=70),
    )


def late_document() -> Document:
    return payment_late(
        **envelope(5),
        attempt_id=new_id(),
        sale_id=new_id(),
        method="mpesa",
        tendered=kes("65"),
        captured=kes("65"),
        applied=kes("65"),
        rounding=Money.zero(),
        rate=None,
        payer_masked="2547******49",
        gateway_ref="ws_CO_191220191020363925",
        receipt_ref="QKJ3ABC124",
        reason="sale_closed",
        message="Paid after the sale was finished in cash.",
        flagged_at=T0 + timedelta(minutes=2),
    )


def settled_document(settlement: str = "refunded_by_hand") -> Document:
    return late_settled(
        **envelope(6),
        attempt_id=new_id(),
        sale_id=new_id(),
        method="mpesa",
        amount=kes("65"),
        settlement=settlement,
        reference="RFD123" if settlement == "refunded" else "",
        note="KES 65 cash from drawer to 0722123456",
        settled_by=MANAGER,
        approved_by=None,
        settled_at=T0 + timedelta(minutes=20),
    )


def _kes_amount(text: str) -> Amount:
    return Amount.of(kes(text))


def refund_document(*, original: bool = True) -> Document:
    s16 = VatClass("S", Decimal(16), False)
    z0 = VatClass("Z", Decimal(0), False)
    # 2 x 75.50 at 16 %: 151.00 gross, VAT 20.83; 1 x 65.00 zero-rated.
    lines = (
        RefundLine(
            new_id(),
            new_id(),
            2,
            "DAI-0003",
            "6168232799285",
            "UHT 500ml",
            2,
            _kes_amount("75.50"),
            _kes_amount("151"),
            s16,
            _kes_amount("130.17"),
            _kes_amount("20.83"),
            True,
        ),
        RefundLine(
            new_id(),
            None,
            1,
            "DAI-0001",
            None,
            "Milk 500ml",
            1,
            _kes_amount("65"),
            _kes_amount("65"),
            z0,
            _kes_amount("65"),
            _kes_amount("0"),
            False,
        ),
    )
    refund = RefundCompleted(
        refund_id=new_id(),
        receipt_number="DEMO-T1-000007",
        business_date=T0.date(),
        closed_at=T0 + timedelta(hours=2),
        cashier_id=CASHIER,
        approved_by=MANAGER,
        original=OriginalSale(new_id(), "DEMO-T2-000003", T0.date()) if original else None,
        reason_code="damaged",
        reason="Seal broken",
        currency="KES",
        customer=None,
        lines=lines,
        vat=(
            VatTotal(s16, _kes_amount("151"), _kes_amount("130.17"), _kes_amount("20.83")),
            VatTotal(z0, _kes_amount("65"), _kes_amount("65"), _kes_amount("0")),
        ),
        total=_kes_amount("216"),
        vat_total=_kes_amount("20.83"),
        tenders=(
            RefundTender("r-1", "cash", _kes_amount("116"), "", None, False, None, None),
            RefundTender(
                new_id(),
                "mpesa",
                _kes_amount("100"),
                "QKJ3REV001",
                new_id(),
                True,
                "2547******49",
                None,
            ),
        ),
    )
    return refund_completed(**envelope(7), refund=refund)


SHIFT = new_id()


def _float_count() -> CashCount:
    return CashCount(
        (Denomination(100000, 2), Denomination(5000, 4), Denomination(100, 30)), _kes_amount("2230")
    )


def shift_opened_document() -> Document:
    return shift_opened(
        **envelope(8),
        shift=ShiftOpened(SHIFT, T0, T0.date(), CASHIER, "KES", _float_count()),
    )


def cash_moved_document() -> Document:
    return cash_moved(
        **envelope(9),
        movement_id=new_id(),
        shift_id=SHIFT,
        at=T0 + timedelta(hours=1),
        direction="out",
        kind="paid_out",
        amount=kes("300"),
        reason="Milk delivery paid in cash",
        by=CASHIER,
        approved_by=MANAGER,
    )


def _cash() -> CashSummary:
    # float 2,230 + cash sales 5,000 - refunds 116 + in 0 - out 300 = 6,814
    return CashSummary(
        _kes_amount("2230"),
        _kes_amount("5000"),
        _kes_amount("116"),
        _kes_amount("0"),
        _kes_amount("300"),
        _kes_amount("6814"),
    )


def shift_closed_document() -> Document:
    counted = CashCount(
        (Denomination(100000, 6), Denomination(5000, 16), Denomination(100, 10)),
        _kes_amount("6810"),
    )
    return shift_closed(
        **envelope(10),
        shift=ShiftClosed(
            shift_id=SHIFT,
            opened_at=T0,
            closed_at=T0 + timedelta(hours=9),
            business_date=T0.date(),
            closed_by=CASHIER,
            approved_by=None,
            currency="KES",
            cash=_cash(),
            counted=counted,
            tenders=(
                TenderCheck("cash", _kes_amount("6814"), _kes_amount("6810"), _kes_amount("-4")),
                TenderCheck(
                    "paypal", Amount.of(usd("7.72")), Amount.of(usd("7.72")), Amount.of(usd("0"))
                ),
            ),
            sales_count=42,
            no_sale_count=1,
            note="4 shillings short",
        ),
    )


def z_document(number: int = 2) -> Document:
    return z_report(
        **envelope(11),
        report=ZReport(
            z_id=new_id(),
            z_number=number,
            previous=PreviousZ(new_id(), "sha256:" + "ab" * 32) if number > 1 else None,
            business_date=T0.date(),
            period_start=T0,
            period_end=T0 + timedelta(hours=14),
            shift_ids=(SHIFT,),
            closed_by=MANAGER,
            currency="KES",
            gross_sales=_kes_amount("12000"),
            discounts=_kes_amount("500"),
            refunds=CountValue(1, _kes_amount("216")),
            voids=CountValue(2, _kes_amount("130")),
            net_sales=_kes_amount("11284"),
            vat=(
                VatSummary(
                    VatClass("S", Decimal(16), False),
                    _kes_amount("8000"),
                    _kes_amount("6896.55"),
                    _kes_amount("1103.45"),
                ),
            ),
            tenders=(
                TenderTotal("cash", 30, _kes_amount("5000")),
                TenderTotal("paypal", 1, Amount.of(usd("7.72"))),
            ),
            cash=_cash(),
            sales_count=42,
            no_sale_count=1,
            by_cashier=(
                CashierTotal(CASHIER, 40, _kes_amount("11000")),
                CashierTotal(MANAGER, 2, _kes_amount("284")),
            ),
        ),
    )


#: One valid document maker per event type.
SAMPLES: dict[EventType, Callable[[], Document]] = {
    EventType.SALE_COMPLETED: completed_document,
    EventType.SALE_VOIDED: voided_document,
    EventType.PAYMENT_RESOLVED: resolved_document,
    EventType.PAYMENT_LATE: late_document,
    EventType.PAYMENT_LATE_SETTLED: settled_document,
    EventType.REFUND_COMPLETED: refund_document,
    EventType.SHIFT_OPENED: shift_opened_document,
    EventType.SHIFT_CLOSED: shift_closed_document,
    EventType.CASH_MOVED: cash_moved_document,
    EventType.Z_REPORT: z_document,
}


@pytest.fixture(scope="session")
def samples() -> dict[EventType, Callable[[], Document]]:
    return SAMPLES


@pytest.fixture(scope="session")
def kit() -> ModuleType:
    """This module: the makers above, for tests to call (``kit.completed_document()``)."""
    return sys.modules[__name__]
