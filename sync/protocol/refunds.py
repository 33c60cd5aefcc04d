"""``refund.completed``: money given back for goods, as its own numbered document.

Designed now for the refunds issue: a refund is linked to its original sale (``original``)
or, for a return without a receipt, says so (``original`` null: a manager's approval and a
reason are then required). Lines carry what goes back, tenders how the money goes back
(through the original tender's gateway where it can, or by hand). The head office checks
that refunds never exceed what was sold across all terminals; the document itself must add
up: quantities above zero, no line refunding more than its quantity at its unit price, VAT
per class within one minor unit of the house rule (:func:`parse_refund_vat`: the till's
cumulative rule, so a sale refunded in parts gives back exactly its VAT), and tenders
summing to the refund's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sync.protocol.envelope import Header
from sync.protocol.fields import CODE_RE, CURRENCY_RE, Amount, Fields, iso_utc
from sync.protocol.sales import (
    MAX_QUANTITY,
    PAYMENT_ID_RE,
    Customer,
    Foreign,
    VatClass,
    VatTotal,
    check_receipt_number,
    check_vat,
    vat_of,
)

#: how far a refund's VAT in one class may be from the house rule applied to the refund
#: alone: the till's cumulative rule (VAT of all refunded so far in the class, less what
#: went back already) moves a part by at most one minor unit
REFUND_VAT_SLACK = 1


@dataclass(frozen=True, slots=True)
class OriginalSale:
    """The sale being refunded (it may have been made on another terminal)."""

    sale_id: str
    receipt_number: str
    business_date: date

    def to_json(self) -> dict[str, Any]:
        return {
            "sale_id": self.sale_id,
            "receipt_number": self.receipt_number,
            "business_date": self.business_date.isoformat(),
        }

    @classmethod
    def parse(cls, f: Fields) -> OriginalSale:
        return cls(
            f.uuid("sale_id", v7=True),
            f.text("receipt_number", min_len=3, max_len=100),
            f.day("business_date"),
        )


@dataclass(frozen=True, slots=True)
class RefundLine:
    """What goes back: ``total`` (VAT included) is the money refunded for the line, at most
    ``unit_price`` x ``quantity`` (less when the original line was discounted)."""

    line_id: str
    original_line_id: str | None
    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    quantity: int
    unit_price: Amount
    total: Amount
    vat_class: VatClass
    net: Amount
    vat: Amount
    restock: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "original_line_id": self.original_line_id,
            "product_id": self.product_id,
            "sku": self.sku,
            "barcode": self.barcode,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": self.unit_price.to_json(),
            "total": self.total.to_json(),
            "vat_class": self.vat_class.to_json(),
            "net": self.net.to_json(),
            "vat": self.vat.to_json(),
            "restock": self.restock,
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> RefundLine:
        quantity = f.integer("quantity", minimum=1, maximum=MAX_QUANTITY)
        unit_price = f.nonneg_money("unit_price", currency=currency)
        total = f.nonneg_money("total", currency=currency)
        if total.minor > unit_price.minor * quantity:
            f.fail("total", "refunds more than quantity x unit price")
        vat_class = VatClass.parse(f.obj("vat_class"))
        net = f.nonneg_money("net", currency=currency)
        vat = f.nonneg_money("vat", currency=currency)
        if net.minor + vat.minor != total.minor:
            f.fail("net", "net + vat is not the line total")
        if vat.minor and (vat_class.exempt or vat_class.rate == 0):
            f.fail("vat", f"is not zero in VAT class {vat_class.code}")
        return cls(
            line_id=f.uuid("line_id"),
            original_line_id=f.opt_uuid("original_line_id"),
            product_id=f.opt_integer("product_id", minimum=1, maximum=2**62),
            sku=f.text("sku", min_len=1, max_len=64),
            barcode=f.opt_text("barcode", min_len=1, max_len=32),
            name=f.text("name", min_len=1, max_len=200),
            quantity=quantity,
            unit_price=unit_price,
            total=total,
            vat_class=vat_class,
            net=net,
            vat=vat,
            restock=f.flag("restock"),
        )


@dataclass(frozen=True, slots=True)
class RefundTender:
    """How money went back: ``by_hand`` when the till could not do it through the method
    (an M-Pesa reversal made by the manager, cash from the drawer)."""

    payment_id: str
    method: str
    amount: Amount
    reference: str
    original_payment_id: str | None
    by_hand: bool
    payer_masked: str | None
    foreign: Foreign | None

    def to_json(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "method": self.method,
            "amount": self.amount.to_json(),
            "reference": self.reference,
            "original_payment_id": self.original_payment_id,
            "by_hand": self.by_hand,
            "payer_masked": self.payer_masked,
            "foreign": None if self.foreign is None else self.foreign.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> RefundTender:
        foreign = None
        foreign_f = f.opt_obj("foreign")
        if foreign_f is not None:
            foreign_amount = foreign_f.money("amount", positive=True)
            if foreign_amount.currency == currency:
                foreign_f.fail("amount", f"is in {currency}, the refund's own currency")
            rate = foreign_f.decimal("rate")
            if rate <= 0:
                foreign_f.fail("rate", "must be more than zero")
            foreign = Foreign(foreign_amount, rate)
        return cls(
            payment_id=f.text("payment_id", pattern=PAYMENT_ID_RE, max_len=64),
            method=f.text("method", pattern=CODE_RE, max_len=40),
            amount=f.money("amount", currency=currency, positive=True),
            reference=f.text("reference", max_len=80),
            original_payment_id=f.opt_text("original_payment_id", pattern=PAYMENT_ID_RE),
            by_hand=f.flag("by_hand"),
            payer_masked=f.opt_text("payer_masked", max_len=80, free=True),
            foreign=foreign,
        )


def parse_refund_vat(f: Fields, currency: str) -> VatTotal:
    """One VAT row of a refund: net + VAT = gross, VAT within :data:`REFUND_VAT_SLACK`
    of the house rule on the row's gross (exactly zero in a zero-rated or exempt class),
    never below zero nor above the gross. A sale's rows keep the exact rule
    (:meth:`VatTotal.parse`); a refund's may differ by a cent, so that all refunds of a
    sale together give back exactly the sale's VAT."""
    vat_class = VatClass.parse(f)
    gross = f.money("gross", currency=currency)
    net = f.money("net", currency=currency)
    vat = f.money("vat", currency=currency)
    if net.minor + vat.minor != gross.minor:
        f.fail("net", "net + vat is not the gross of the class")
    rule = vat_of(gross.minor, vat_class.rate, vat_class.exempt)
    slack = 0 if rule == 0 and (vat_class.exempt or vat_class.rate == 0) else REFUND_VAT_SLACK
    if abs(vat.minor - rule) > slack or not 0 <= vat.minor <= max(gross.minor, 0):
        f.fail(
            "vat",
            f"is {vat.minor}; {vat_class.rate}% inside {gross.minor} is {rule} "
            f"(a refund may differ by {slack})",
        )
    return VatTotal(vat_class, gross, net, vat)


@dataclass(frozen=True, slots=True)
class RefundCompleted:
    """``refund.completed``: a refund document with its own receipt number."""

    refund_id: str
    receipt_number: str
    business_date: date
    closed_at: datetime
    cashier_id: str
    approved_by: str | None
    original: OriginalSale | None
    reason_code: str
    reason: str
    currency: str
    customer: Customer | None
    lines: tuple[RefundLine, ...]
    vat: tuple[VatTotal, ...]
    total: Amount
    vat_total: Amount
    tenders: tuple[RefundTender, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id,
            "receipt_number": self.receipt_number,
            "business_date": self.business_date.isoformat(),
            "closed_at": iso_utc(self.closed_at),
            "cashier_id": self.cashier_id,
            "approved_by": self.approved_by,
            "original": None if self.original is None else self.original.to_json(),
            "reason_code": self.reason_code,
            "reason": self.reason,
            "currency": self.currency,
            "customer": None if self.customer is None else self.customer.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "vat": [v.to_json() for v in self.vat],
            "total": self.total.to_json(),
            "vat_total": self.vat_total.to_json(),
            "tenders": [t.to_json() for t in self.tenders],
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> RefundCompleted:
        currency = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        lines = tuple(RefundLine.parse(ln, currency) for ln in f.items("lines", min_len=1))
        ids = [ln.line_id for ln in lines]
        if len(set(ids)) != len(ids):
            f.fail("lines", "has two lines with the same line_id")
        vat = tuple(parse_refund_vat(v, currency) for v in f.items("vat", max_len=50))
        total = f.nonneg_money("total", currency=currency)
        if total.minor != sum(ln.total.minor for ln in lines):
            f.fail("total", "is not the sum of the lines")
        vat_total = f.nonneg_money("vat_total", currency=currency)
        if vat_total.minor != sum(v.vat.minor for v in vat):
            f.fail("vat_total", "is not the sum of the VAT rows")
        check_vat(f, [(ln.vat_class, ln.total, ln.vat) for ln in lines], list(vat), "vat")
        tenders = tuple(RefundTender.parse(t, currency) for t in f.items("tenders", min_len=1))
        if sum(t.amount.minor for t in tenders) != total.minor:
            f.fail("tenders", f"give back {sum(t.amount.minor for t in tenders)}, not the total")
        original_f = f.opt_obj("original")
        original = None if original_f is None else OriginalSale.parse(original_f)
        approved_by = f.opt_uuid("approved_by")
        reason = f.text("reason", max_len=200, free=True)
        if original is None and (approved_by is None or len(reason.strip()) < 3):
            f.fail("original", "a return without a receipt needs a manager's approval and a reason")
        customer_f = f.opt_obj("customer")
        return cls(
            refund_id=f.uuid("refund_id", v7=True),
            receipt_number=check_receipt_number(f, "receipt_number", header),
            business_date=f.day("business_date"),
            closed_at=f.timestamp("closed_at"),
            cashier_id=f.uuid("cashier_id"),
            approved_by=approved_by,
            original=original,
            reason_code=f.text("reason_code", pattern=CODE_RE, max_len=40),
            reason=reason,
            currency=currency,
            customer=None if customer_f is None else Customer.parse(customer_f),
            lines=lines,
            vat=vat,
            total=total,
            vat_total=vat_total,
            tenders=tenders,
        )
