"""Kaunta documents for the eTIMS tests, made by the till's own domain and builders:
sales in every VAT class (16 %, 8 %, zero-rated, exempt) and every tender, and refunds."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pos.domain.ids import uuid7
from pos.domain.money import Money
from pos.domain.sale import CashRounding, Discount, Payment, ProductRef, Sale
from pos.domain.tax import TaxClass, TaxTable
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.etims.models import RegisteredItem
from sync.protocol.fields import Amount
from sync.protocol.refunds import OriginalSale, RefundCompleted, RefundLine, RefundTender
from sync.protocol.sales import VatClass, VatTotal, vat_of

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
TABLE = TaxTable(
    (
        TaxClass("S", "VAT 16%", Decimal(16)),
        TaxClass("R", "VAT 8%", Decimal(8)),
        TaxClass("Z", "Zero-rated", Decimal(0)),
        TaxClass("E", "Exempt", Decimal(0), exempt=True),
    )
)
BAND = {"S": "B", "R": "E", "Z": "C", "E": "A"}
_ids = itertools.count(1)
_receipts = itertools.count(1)


def new_id(at: datetime = T0) -> str:
    n = next(_ids)
    unique = (os.getpid() << 48) | n  # distinct across the test's child processes
    return str(uuid7(int(at.timestamp() * 1000) + n, unique.to_bytes(10, "big")))


CASHIER = new_id()

#: sku -> (name, price, VAT class)
PRODUCTS: dict[str, tuple[str, str, str]] = {
    "SODA-500": ("Soda 500ml", "58", "S"),
    "TEA-250": ("Tea 250g", "120", "S"),
    "PETROL-1": ("Lamp oil 1l", "173.33", "R"),
    "MILK-500": ("Milk 500ml", "65", "Z"),
    "BREAD-400": ("Bread 400g", "65", "E"),
}


def items() -> dict[str, RegisteredItem]:
    out = {}
    for n, (sku, (_, _, vat)) in enumerate(sorted(PRODUCTS.items()), start=1):
        out[sku] = RegisteredItem(sku, f"KE2NTU{n:014d}", "5059690800", "NT", "U", BAND[vat])
    return out


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def sale_body(
    lines: list[tuple[str, int]],
    *,
    tender: str = "cash",
    at: datetime = T0,
    terminal: str = "T1",
    line_discount: str | None = None,
    order_discount: str | None = None,
    customer: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A completed sale's body: ``lines`` of (sku, quantity), paid by ``tender``."""
    sale = Sale(new_id(at), "KES", at, CASHIER)
    for pid, (sku, qty) in enumerate(lines, start=1):
        name, price, vat = PRODUCTS[sku]
        sale.add_product(ProductRef(pid, sku, None, name, kes(price), vat), qty, new_id(at))
    if line_discount:
        sale.set_line_discount(sale.lines[0].line_id, Discount.of_percent(line_discount))
    if order_discount:
        sale.set_order_discount(Discount.of_amount(kes(order_discount)))
    due = sale.totals(TABLE).due
    if tender == "cash":
        sale.pay_cash(
            due + kes("50"),
            table=TABLE,
            increment=100,
            mode=CashRounding.NEAREST,
            payment_id=new_id(at),
            at=at,
        )
    else:
        refs = {"mpesa": "QKJ3ABC123", "paypal": "3C679366HH908993F"}
        ref = refs.get(tender, "AUTH42")  # card, card_zvt, card_manual
        sale.add_payment(Payment(new_id(at), tender, due, due, Money.zero("KES"), at, ref), TABLE)
    sale.complete(TABLE)
    seq = next(_receipts)
    header = JournalHeader(
        cashier_id=CASHIER,
        number=f"DEMO-{terminal}-{seq:06d}",
        seq=seq,
        store_id="DEMO",
        terminal_id=terminal,
        cashier_name="Amina",
        closed_at=at + timedelta(minutes=1),
        business_date=at.date().isoformat(),
        training=False,
        change=sale.change_due(TABLE),
    )
    doc = sale_document(sale, sale.totals(TABLE), TABLE, header, event_id=new_id(at), seq=seq)
    body: dict[str, Any] = doc["body"]
    if customer is not None:
        body["customer"] = {"tax_pin": customer[0], "name": customer[1]}
    return body


def _amount(minor: int) -> Amount:
    return Amount(minor, "KES")


def refund_body(
    original: dict[str, Any],
    take: list[tuple[int, int]],
    *,
    reason_code: str = "damaged",
    at: datetime = T0 + timedelta(hours=2),
    customer: dict[str, Any] | str | None = "same",
) -> dict[str, Any]:
    """A refund of ``take`` = (line index, quantity) of ``original`` (one line per VAT
    class, full unit price), in cash."""
    lines = []
    per_class: dict[str, tuple[VatClass, int, int]] = {}
    for index, qty in take:
        ln = original["lines"][index]
        vc = VatClass(
            ln["vat_class"]["code"], Decimal(ln["vat_class"]["rate"]), ln["vat_class"]["exempt"]
        )
        total = ln["unit_price"]["minor"] * qty
        vat = vat_of(total, vc.rate, vc.exempt)
        assert vc.code not in per_class, "one refunded line per VAT class in these tests"
        per_class[vc.code] = (vc, total, vat)
        lines.append(
            RefundLine(
                new_id(at),
                ln["line_id"],
                ln["product_id"],
                ln["sku"],
                ln["barcode"],
                ln["name"],
                qty,
                _amount(ln["unit_price"]["minor"]),
                _amount(total),
                vc,
                _amount(total - vat),
                _amount(vat),
                True,
            )
        )
    total = sum(t for _, t, _ in per_class.values())
    picked = original["customer"] if customer == "same" else customer
    cust: dict[str, Any] | None = None if isinstance(picked, str) else picked  # "same" only
    from sync.protocol.sales import Customer

    refund = RefundCompleted(
        refund_id=new_id(at),
        receipt_number=f"DEMO-T1-{next(_receipts):06d}",
        business_date=at.date(),
        closed_at=at,
        cashier_id=CASHIER,
        approved_by=None,
        original=OriginalSale(original["sale_id"], original["receipt_number"], at.date()),
        reason_code=reason_code,
        reason="Seal broken",
        currency="KES",
        customer=None if not cust else Customer(cust["tax_pin"], cust["name"]),
        lines=tuple(lines),
        vat=tuple(
            VatTotal(vc, _amount(t), _amount(t - v), _amount(v)) for vc, t, v in per_class.values()
        ),
        total=_amount(total),
        vat_total=_amount(sum(v for _, _, v in per_class.values())),
        tenders=(
            RefundTender(
                "r-" + new_id(at)[-8:], "cash", _amount(total), "", None, False, None, None
            ),
        ),
    )
    return refund.to_json()
