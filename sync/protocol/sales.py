"""Sale documents: ``sale.completed`` and ``sale.voided``.

A sale on the wire carries what its receipt printed and everything needed to check it: per
line the quantity, prices, discounts, VAT class and net/VAT/gross; the order discounts; the
totals with VAT per class; and the tenders. The parser re-does the arithmetic and refuses a
document that does not add up, so the head office never books a sale the till could not
have made: a quantity of zero or less, a discount beyond its line or order, currencies
mixed, VAT off the house rule, or a completed sale whose tenders minus change are not its
total (takings = tenders - change).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sync.protocol.envelope import Header
from sync.protocol.fields import (
    CODE_RE,
    CURRENCY_RE,
    Amount,
    Fields,
    decimal_text,
    iso_utc,
)

#: Most of one product on one line (the till allows far fewer).
MAX_QUANTITY = 1_000_000
VAT_CODE_RE = re.compile(r"[A-Za-z0-9]{1,8}")
TAX_PIN_RE = re.compile(r"[A-Z0-9]{1,20}")
_RECEIPT_TAIL_RE = re.compile(r"\d{1,12}")
#: Payment ids are UUIDs made on the till, or the request id a screen chose for a tender.
PAYMENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def half_up(value: Decimal) -> int:
    """The house rounding rule (``pos.domain.money.round_half_up``), restated here so the
    protocol stays standard-library only."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def vat_of(gross_minor: int, rate: Decimal, exempt: bool) -> int:
    """VAT inside a VAT-inclusive amount by the house rule (docs/money.md)."""
    if exempt or rate == 0:
        return 0
    return half_up(Decimal(gross_minor) * rate / (100 + rate))


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class DiscountEntry:
    """A discount as the cashier entered it: a percent, or an amount of money."""

    kind: DiscountKind
    percent: Decimal | None = None
    amount: Amount | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "percent": None if self.percent is None else decimal_text(self.percent),
            "amount": None if self.amount is None else self.amount.to_json(),
        }

    def applied(self, base_minor: int) -> int:
        """What this discount takes off ``base_minor``, by the house rule."""
        if self.kind is DiscountKind.PERCENT:
            assert self.percent is not None
            return half_up(Decimal(base_minor) * self.percent / 100)
        assert self.amount is not None
        return self.amount.minor

    @classmethod
    def parse(cls, f: Fields, currency: str) -> DiscountEntry:
        kind = f.choice("kind", DiscountKind)
        if kind is DiscountKind.PERCENT:
            percent = f.decimal("percent", maximum=Decimal(100))
            if percent <= 0 or percent.as_tuple().exponent < -2:  # type: ignore[operator]
                f.fail("percent", "must be more than 0 and at most 100, with two decimals")
            if not f.is_null("amount"):
                f.fail("amount", "must be null for a percent discount")
            return cls(kind, percent=percent)
        if not f.is_null("percent"):
            f.fail("percent", "must be null for an amount discount")
        return cls(kind, amount=f.money("amount", currency=currency, positive=True))


@dataclass(frozen=True, slots=True)
class VatClass:
    """A VAT class as it was on the day: ``code`` (S, Z, E in Kenya), rate in percent."""

    code: str
    rate: Decimal
    exempt: bool

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "rate": decimal_text(self.rate), "exempt": self.exempt}

    @classmethod
    def parse(cls, f: Fields) -> VatClass:
        vat = cls(
            f.text("code", pattern=VAT_CODE_RE, max_len=8),
            f.decimal("rate", maximum=Decimal(100)),
            f.flag("exempt"),
        )
        if vat.exempt and vat.rate != 0:
            f.fail("rate", "must be 0 for an exempt class")
        return vat


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One line: ``gross`` = unit price x quantity; ``total`` = gross - line discount -
    share of the order discounts (VAT included); ``net`` + ``vat`` = ``total``."""

    line_id: str
    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    quantity: int
    unit_price: Amount
    list_price: Amount
    discount: DiscountEntry | None
    line_discount: Amount
    order_discount: Amount
    gross: Amount
    total: Amount
    vat_class: VatClass
    net: Amount
    vat: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "product_id": self.product_id,
            "sku": self.sku,
            "barcode": self.barcode,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": self.unit_price.to_json(),
            "list_price": self.list_price.to_json(),
            "discount": None if self.discount is None else self.discount.to_json(),
            "line_discount": self.line_discount.to_json(),
            "order_discount": self.order_discount.to_json(),
            "gross": self.gross.to_json(),
            "total": self.total.to_json(),
            "vat_class": self.vat_class.to_json(),
            "net": self.net.to_json(),
            "vat": self.vat.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> SaleLine:
        quantity = f.integer("quantity", minimum=1, maximum=MAX_QUANTITY)
        unit_price = f.nonneg_money("unit_price", currency=currency)
        gross = f.nonneg_money("gross", currency=currency)
        if gross.minor != unit_price.minor * quantity:
            f.fail("gross", f"is {gross.minor}, not unit price x quantity")
        discount_f = f.opt_obj("discount")
        discount = None if discount_f is None else DiscountEntry.parse(discount_f, currency)
        line_discount = f.nonneg_money("line_discount", currency=currency)
        if discount is None and line_discount.minor:
            f.fail("line_discount", "is not zero but the line has no discount")
        if discount is not None:
            if discount.applied(gross.minor) > gross.minor:
                f.fail("discount", f"is larger than the line ({gross.minor})")
            if line_discount.minor != discount.applied(gross.minor):
                f.fail("line_discount", "does not match the discount entered on the line")
        order_discount = f.nonneg_money("order_discount", currency=currency)
        if line_discount.minor + order_discount.minor > gross.minor:
            f.fail("order_discount", "takes the line below zero: discounts beyond the line")
        total = f.nonneg_money("total", currency=currency)
        if total.minor != gross.minor - line_discount.minor - order_discount.minor:
            f.fail("total", "is not gross - line discount - order discount")
        vat_class = VatClass.parse(f.obj("vat_class"))
        net = f.nonneg_money("net", currency=currency)
        vat = f.nonneg_money("vat", currency=currency)
        if net.minor + vat.minor != total.minor:
            f.fail("net", "net + vat is not the line total")
        if vat.minor and (vat_class.exempt or vat_class.rate == 0):
            f.fail("vat", f"is not zero in VAT class {vat_class.code} ({vat_class.rate}%)")
        return cls(
            line_id=f.uuid("line_id"),
            product_id=f.opt_integer("product_id", minimum=1, maximum=2**62),
            sku=f.text("sku", min_len=1, max_len=64),
            barcode=f.opt_text("barcode", min_len=1, max_len=32),
            name=f.text("name", min_len=1, max_len=200),
            quantity=quantity,
            unit_price=unit_price,
            list_price=f.nonneg_money("list_price", currency=currency),
            discount=discount,
            line_discount=line_discount,
            order_discount=order_discount,
            gross=gross,
            total=total,
            vat_class=vat_class,
            net=net,
            vat=vat,
        )


@dataclass(frozen=True, slots=True)
class OrderDiscount:
    """A discount on the whole order; ``applied`` is spread over the lines' shares."""

    discount: DiscountEntry
    applied: Amount

    def to_json(self) -> dict[str, Any]:
        return {**self.discount.to_json(), "applied": self.applied.to_json()}

    @classmethod
    def parse(cls, f: Fields, currency: str, base_minor: int) -> OrderDiscount:
        discount = DiscountEntry.parse(f, currency)
        applied = f.nonneg_money("applied", currency=currency)
        wanted = discount.applied(base_minor)
        if wanted > base_minor:
            f.fail("amount", f"is larger than the order ({base_minor}): a discount beyond it")
        if applied.minor != wanted:
            f.fail("applied", f"is {applied.minor}, but the discount entered gives {wanted}")
        return cls(discount, applied)


@dataclass(frozen=True, slots=True)
class VatTotal:
    """VAT of one class over the document: extracted once from the class's gross."""

    vat_class: VatClass
    gross: Amount
    net: Amount
    vat: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            **self.vat_class.to_json(),
            "gross": self.gross.to_json(),
            "net": self.net.to_json(),
            "vat": self.vat.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> VatTotal:
        vat_class = VatClass.parse(f)
        gross = f.money("gross", currency=currency)
        net = f.money("net", currency=currency)
        vat = f.money("vat", currency=currency)
        if net.minor + vat.minor != gross.minor:
            f.fail("net", "net + vat is not the gross of the class")
        rule = vat_of(gross.minor, vat_class.rate, vat_class.exempt)
        if vat.minor != rule:
            f.fail("vat", f"is {vat.minor}; {vat_class.rate}% inside {gross.minor} is {rule}")
        return cls(vat_class, gross, net, vat)


def check_vat(
    f: Fields,
    lines: list[tuple[VatClass, Amount, Amount]],
    vat: list[VatTotal],
    vat_path: str = "totals.vat",
) -> None:
    """The VAT rows (at ``vat_path``) are one per class in the lines, each the sum of its
    lines (``lines`` holds each line's class, total and VAT)."""
    by_code: dict[str, tuple[VatClass, int, int]] = {}
    for i, (vat_class, total, line_vat) in enumerate(lines):
        known = by_code.get(vat_class.code)
        if known is not None and known[0] != vat_class:
            f.fail(f"lines[{i}].vat_class", f"class {vat_class.code} has two rates in one sale")
        gross, tax = (known[1], known[2]) if known else (0, 0)
        by_code[vat_class.code] = (vat_class, gross + total.minor, tax + line_vat.minor)
    codes = [row.vat_class.code for row in vat]
    if len(set(codes)) != len(codes) or set(codes) != set(by_code):
        f.fail(vat_path, f"has classes {codes}; the lines have {sorted(by_code)}")
    for i, row in enumerate(vat):
        vat_class, gross, tax = by_code[row.vat_class.code]
        if row.vat_class != vat_class:
            f.fail(f"{vat_path}[{i}]", "rate differs from the lines' class")
        if row.gross.minor != gross:
            f.fail(f"{vat_path}[{i}].gross", f"is not the sum of its lines ({gross})")
        if row.vat.minor != tax:
            f.fail(f"{vat_path}[{i}].vat", f"is not the sum of its lines' VAT ({tax})")


@dataclass(frozen=True, slots=True)
class SaleTotals:
    """``gross`` (before discounts) - ``discounts`` = ``total``, VAT included."""

    gross: Amount
    line_discounts: Amount
    order_discounts: Amount
    discounts: Amount
    total: Amount
    vat: tuple[VatTotal, ...]
    vat_total: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "gross": self.gross.to_json(),
            "line_discounts": self.line_discounts.to_json(),
            "order_discounts": self.order_discounts.to_json(),
            "discounts": self.discounts.to_json(),
            "total": self.total.to_json(),
            "vat": [v.to_json() for v in self.vat],
            "vat_total": self.vat_total.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> SaleTotals:
        totals = cls(
            gross=f.nonneg_money("gross", currency=currency),
            line_discounts=f.nonneg_money("line_discounts", currency=currency),
            order_discounts=f.nonneg_money("order_discounts", currency=currency),
            discounts=f.nonneg_money("discounts", currency=currency),
            total=f.nonneg_money("total", currency=currency),
            vat=tuple(VatTotal.parse(v, currency) for v in f.items("vat", max_len=50)),
            vat_total=f.nonneg_money("vat_total", currency=currency),
        )
        if totals.discounts.minor != totals.line_discounts.minor + totals.order_discounts.minor:
            f.fail("discounts", "is not line discounts + order discounts")
        if totals.total.minor != totals.gross.minor - totals.discounts.minor:
            f.fail("total", "is not gross - discounts")
        if totals.vat_total.minor != sum(v.vat.minor for v in totals.vat):
            f.fail("vat_total", "is not the sum of the VAT rows")
        return totals


@dataclass(frozen=True, slots=True)
class Foreign:
    """A tender taken in another currency (PayPal in USD): the amount and the rate, in
    units of the sale's currency per unit of the foreign one."""

    amount: Amount
    rate: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount.to_json(), "rate": decimal_text(self.rate)}


@dataclass(frozen=True, slots=True)
class Tender:
    """One payment on the sale. ``amount`` is what it applied; ``tendered`` what the
    customer handed over; ``change`` what went back (``tendered`` = ``amount`` + change)."""

    payment_id: str
    method: str
    amount: Amount
    tendered: Amount
    change: Amount
    at: datetime
    reference: str
    payer_masked: str | None
    foreign: Foreign | None
    details: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "method": self.method,
            "amount": self.amount.to_json(),
            "tendered": self.tendered.to_json(),
            "change": self.change.to_json(),
            "at": iso_utc(self.at),
            "reference": self.reference,
            "payer_masked": self.payer_masked,
            "foreign": None if self.foreign is None else self.foreign.to_json(),
            "details": dict(self.details),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> Tender:
        amount = f.nonneg_money("amount", currency=currency)
        tendered = f.nonneg_money("tendered", currency=currency)
        change = f.nonneg_money("change", currency=currency)
        if tendered.minor != amount.minor + change.minor:
            f.fail("tendered", "is not amount + change")
        foreign = None
        foreign_f = f.opt_obj("foreign")
        if foreign_f is not None:
            foreign_amount = foreign_f.money("amount", positive=True)
            if foreign_amount.currency == currency:
                foreign_f.fail("amount", f"is in {currency}, the sale's own currency")
            rate = foreign_f.decimal("rate")
            if rate <= 0:
                foreign_f.fail("rate", "must be more than zero")
            foreign = Foreign(foreign_amount, rate)
        return cls(
            payment_id=f.text("payment_id", pattern=PAYMENT_ID_RE, max_len=64),
            method=f.text("method", pattern=CODE_RE, max_len=40),
            amount=amount,
            tendered=tendered,
            change=change,
            at=f.timestamp("at"),
            reference=f.text("reference", max_len=80),
            payer_masked=f.opt_text("payer_masked", max_len=80, free=True),
            foreign=foreign,
            details=f.text_map("details"),
        )


@dataclass(frozen=True, slots=True)
class Customer:
    """Who bought, when the receipt names them (a tax PIN for a tax invoice)."""

    tax_pin: str | None
    name: str | None

    def to_json(self) -> dict[str, Any]:
        return {"tax_pin": self.tax_pin, "name": self.name}

    @classmethod
    def parse(cls, f: Fields) -> Customer:
        return cls(
            f.opt_text("tax_pin", pattern=TAX_PIN_RE, max_len=20),
            f.opt_text("name", max_len=60, free=True),
        )


def check_receipt_number(f: Fields, name: str, header: Header) -> str:
    """``STORE-TERMINAL-SEQ`` of the store and terminal that sent the event."""
    number = f.text(name, max_len=100)
    prefix = f"{header.store_id}-{header.terminal_id}-"
    tail = number[len(prefix) :] if number.startswith(prefix) else ""
    if not _RECEIPT_TAIL_RE.fullmatch(tail):
        f.fail(name, f"{number!r} is not {prefix}<number>")
    return number


@dataclass(frozen=True, slots=True)
class SaleBody:
    """The sale as the receipt showed it, with everything needed to check its sums.
    ``cashier_id`` finished the sale; ``opened_by`` started it (often the same person)."""

    sale_id: str
    receipt_number: str
    business_date: date
    opened_at: datetime
    closed_at: datetime
    cashier_id: str
    opened_by: str
    currency: str
    customer: Customer | None
    lines: tuple[SaleLine, ...]
    order_discounts: tuple[OrderDiscount, ...]
    totals: SaleTotals
    payments: tuple[Tender, ...]
    rounding: Amount
    change: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "sale_id": self.sale_id,
            "receipt_number": self.receipt_number,
            "business_date": self.business_date.isoformat(),
            "opened_at": iso_utc(self.opened_at),
            "closed_at": iso_utc(self.closed_at),
            "cashier_id": self.cashier_id,
            "opened_by": self.opened_by,
            "currency": self.currency,
            "customer": None if self.customer is None else self.customer.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "order_discounts": [d.to_json() for d in self.order_discounts],
            "totals": self.totals.to_json(),
            "payments": [p.to_json() for p in self.payments],
            "rounding": self.rounding.to_json(),
            "change": self.change.to_json(),
        }

    @property
    def paid(self) -> int:
        """Takings in minor units: tenders - change."""
        return sum(p.tendered.minor for p in self.payments) - self.change.minor

    @classmethod
    def parse(cls, f: Fields, header: Header, *, min_lines: int) -> SaleBody:
        currency = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        lines = tuple(SaleLine.parse(ln, currency) for ln in f.items("lines", min_len=min_lines))
        ids = [ln.line_id for ln in lines]
        if len(set(ids)) != len(ids):
            f.fail("lines", "has two lines with the same line_id")
        base = sum(ln.gross.minor - ln.line_discount.minor for ln in lines)
        order_discounts: list[OrderDiscount] = []
        for d in f.items("order_discounts", max_len=10):
            left = base - sum(o.applied.minor for o in order_discounts)
            order_discounts.append(OrderDiscount.parse(d, currency, left))
        shares = sum(ln.order_discount.minor for ln in lines)
        if shares != sum(o.applied.minor for o in order_discounts):
            f.fail("order_discounts", f"apply {shares} over the lines but say otherwise")
        totals_f = f.obj("totals")
        totals = SaleTotals.parse(totals_f, currency)
        for name, value in (
            ("gross", sum(ln.gross.minor for ln in lines)),
            ("line_discounts", sum(ln.line_discount.minor for ln in lines)),
            ("order_discounts", shares),
            ("total", sum(ln.total.minor for ln in lines)),
        ):
            if getattr(totals, name).minor != value:
                totals_f.fail(name, f"is not the sum over the lines ({value})")
        check_vat(f, [(ln.vat_class, ln.total, ln.vat) for ln in lines], list(totals.vat))
        payments = tuple(Tender.parse(p, currency) for p in f.items("payments", max_len=100))
        pay_ids = [p.payment_id for p in payments]
        if len(set(pay_ids)) != len(pay_ids):
            f.fail("payments", "has two payments with the same payment_id")
        change = f.nonneg_money("change", currency=currency)
        if change.minor != sum(p.change.minor for p in payments):
            f.fail("change", "is not the sum of the payments' change")
        customer_f = f.opt_obj("customer")
        return cls(
            sale_id=f.uuid("sale_id", v7=True),
            receipt_number=check_receipt_number(f, "receipt_number", header),
            business_date=f.day("business_date"),
            opened_at=f.timestamp("opened_at"),
            closed_at=f.timestamp("closed_at"),
            cashier_id=f.uuid("cashier_id"),
            opened_by=f.uuid("opened_by"),
            currency=currency,
            customer=None if customer_f is None else Customer.parse(customer_f),
            lines=lines,
            order_discounts=tuple(order_discounts),
            totals=totals,
            payments=payments,
            rounding=f.money("rounding", currency=currency),
            change=change,
        )


@dataclass(frozen=True, slots=True)
class SaleCompleted:
    """``sale.completed``: a paid sale, now in the journal."""

    sale: SaleBody

    def to_json(self) -> dict[str, Any]:
        return self.sale.to_json()

    @classmethod
    def parse(cls, f: Fields, header: Header) -> SaleCompleted:
        sale = SaleBody.parse(f, header, min_lines=1)
        payable = sale.totals.total.minor + sale.rounding.minor
        if sale.paid != payable:
            f.fail(
                "payments",
                f"tenders - change = {sale.paid}, but the sale's total with rounding is "
                f"{payable}: a completed sale must be paid exactly",
            )
        return cls(sale)


@dataclass(frozen=True, slots=True)
class VoidInfo:
    """Why the sale was voided, who approved it, and what money went back."""

    reason: str
    approved_by: str | None
    returned: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "approved_by": self.approved_by,
            "returned": self.returned.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SaleVoided:
    """``sale.voided``: a sale abandoned with a reason; kept in the journal, numbered.
    ``void.returned`` is what was taken before the void and goes back by its tender."""

    sale: SaleBody
    void: VoidInfo

    def to_json(self) -> dict[str, Any]:
        return {**self.sale.to_json(), "void": self.void.to_json()}

    @classmethod
    def parse(cls, f: Fields, header: Header) -> SaleVoided:
        sale = SaleBody.parse(f, header, min_lines=0)
        v = f.obj("void")
        info = VoidInfo(
            reason=v.text("reason", min_len=3, max_len=200, free=True),
            approved_by=v.opt_uuid("approved_by"),
            returned=v.nonneg_money("returned", currency=sale.currency),
        )
        if info.returned.minor != sale.paid:
            v.fail("returned", f"is not what the payments took ({sale.paid})")
        return cls(sale, info)
