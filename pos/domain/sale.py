"""The sale: a basket of lines, discounts and payments, and the rules that keep it right.

A ``Sale`` is the one mutable aggregate of the domain. Every change goes through a method
that checks the rule and raises a :class:`DomainError` with a cashier-readable message, so
an invalid basket cannot be built. Totals are always derived (``totals()``), never stored
alongside the lines, so they cannot disagree with them.

Money rules (docs/money.md):
- line gross = unit price * quantity; a percent line discount is rounded half-up once;
- an order discount is spread over the lines in proportion to their value
  (largest remainder), so every line — and every VAT class — knows its exact share;
- VAT is extracted per class from the class total (see ``tax``);
- cash rounding changes only what is collected, recorded as a separate adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pos.domain.buyer import Buyer
from pos.domain.errors import (
    DomainError,
    InsufficientTender,
    InvalidAmount,
    InvalidDiscount,
    InvalidQuantity,
    SaleStateError,
)
from pos.domain.messages import Template, define
from pos.domain.money import Money, allocate, round_half_up
from pos.domain.tax import TaxTable, VatLine, vat_breakdown

#: Quantity limits for one line. A till that accepts 100000 bottles by a slip of the
#: finger is a till that prints a wrong receipt.
MAX_QUANTITY = 9999

# -- what the cashier reads when a rule is broken (English here; Kiswahili in the .ts) ------
NOT_A_PERCENTAGE = define("sale.not_a_percentage", "{value} is not a percentage.")
DISCOUNT_CURRENCY = define("sale.discount_currency", "The discount must be in {currency}.")
DISCOUNT_TOO_LARGE = {
    "line": define(
        "sale.discount_too_large.line", "A discount of {amount} is larger than the line ({base})."
    ),
    "order": define(
        "sale.discount_too_large.order",
        "A discount of {amount} is larger than the order ({base}).",
    ),
}
DISCOUNT_TOO_LARGE_NAMED = define(
    "sale.discount_too_large.named",
    "A discount of {amount} is larger than the line {name} ({base}).",
)
SAVED_DISCOUNT_KIND = define(
    "sale.saved_discount_kind", "A saved discount has an unknown kind {kind}."
)
QUANTITY_TOO_LARGE = define(
    "sale.quantity_too_large", "Quantity {quantity} is too large (at most {limit})."
)
#: "This sale is parked; it cannot be changed." per state (each translated whole)
NOT_OPEN: dict[str, Template] = {
    "parked": define("sale.not_open.parked", "This sale is parked; it cannot be changed."),
    "completed": define("sale.not_open.completed", "This sale is completed; it cannot be changed."),
    "voided": define("sale.not_open.voided", "This sale is voided; it cannot be changed."),
}
#: "A completed sale cannot be voided; refund it." per state
NOT_VOIDABLE: dict[str, Template] = {
    "completed": define(
        "sale.not_voidable.completed", "A completed sale cannot be voided; refund it."
    ),
    "voided": define("sale.not_voidable.voided", "A voided sale cannot be voided; refund it."),
}
PRICED_IN = define("sale.priced_in", "{name} is priced in {currency}.")
NEGATIVE_PRICE = define("sale.negative_price", "{name} has a negative price; fix the catalog.")
PRICE_CURRENCY = define("sale.price_currency", "The price must be in {currency}.")
CASH_CURRENCY = define("sale.cash_currency", "Cash must be in {currency}.")
PAYMENT_CURRENCY = define("sale.payment_currency", "The payment must be applied in {currency}.")
NO_CHANGE_GIVEN = define(
    "sale.no_change_given", "{amount} is more than the {allowed} due; {method} gives no change."
)
CASH_BETWEEN = define(
    "sale.cash_between",
    "{tendered} is more than the {due} left but less than the {cash_due} to pay in cash. "
    "Take {cash_text} as the full payment.",
)
CASH_SHORT = define(
    "sale.cash_short",
    "{tendered} is less than the {cash_due} due. "
    "Enter at least {cash_text}, or take a part payment.",
)
OVERPAID_NON_CASH = define(
    "sale.overpaid_non_cash",
    "{amount} was overpaid by a non-cash method; refund it before completing.",
)
STILL_DUE = define("sale.still_due", "{due} is still due; take payment first.")
BUYER_AFTER_PAYMENT = define(
    "sale.buyer_after_payment",
    "Money was taken on this sale: the buyer's KRA PIN can only be added or removed "
    "before payment.",
)


class SaleStatus(StrEnum):
    OPEN = "open"
    PARKED = "parked"
    COMPLETED = "completed"
    VOIDED = "voided"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class CashRounding(StrEnum):
    NEAREST = "nearest"
    DOWN = "down"
    UP = "up"


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount as the cashier entered it: a percent (two decimals) or an amount."""

    kind: DiscountKind
    percent: Decimal = Decimal(0)
    amount: Money | None = None

    @classmethod
    def of_percent(cls, value: Decimal | int | str) -> Discount:
        try:
            pct = Decimal(str(value)).normalize()
        except InvalidOperation:
            raise InvalidDiscount(NOT_A_PERCENTAGE(value=repr(value))) from None
        if not pct.is_finite() or pct <= 0 or pct > 100:
            raise InvalidDiscount("A percent discount must be more than 0 and at most 100.")
        if pct.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidDiscount("A percent discount has at most two decimals.")
        return cls(DiscountKind.PERCENT, percent=pct)

    @classmethod
    def of_amount(cls, value: Money) -> Discount:
        if value.minor <= 0:
            raise InvalidDiscount("A discount amount must be more than zero.")
        return cls(DiscountKind.AMOUNT, amount=value)

    def amount_of(self, base: Money, what: str = "line", name: str = "") -> Money:
        """The discount in money on ``base``; larger than ``base`` is refused.

        ``what``: "line" or "order" (the base the message names); ``name``: the line's
        product, named in the message when given."""
        if self.kind is DiscountKind.PERCENT:
            return Money(round_half_up(Decimal(base.minor) * self.percent / 100), base.currency)
        assert self.amount is not None
        if self.amount.currency != base.currency:
            raise InvalidDiscount(DISCOUNT_CURRENCY(currency=base.currency))
        if self.amount > base:
            if name:
                raise InvalidDiscount(
                    DISCOUNT_TOO_LARGE_NAMED(amount=self.amount, name=name, base=base)
                )
            template = DISCOUNT_TOO_LARGE.get(what, DISCOUNT_TOO_LARGE["line"])
            raise InvalidDiscount(template(amount=self.amount, base=base))
        return self.amount

    def percent_of(self, base: Money) -> Decimal:
        """The effective percent of ``base`` (for approval limits)."""
        if self.kind is DiscountKind.PERCENT:
            return self.percent
        assert self.amount is not None
        if base.minor <= 0:
            return Decimal(100)
        return Decimal(self.amount.minor) * 100 / Decimal(base.minor)

    def describe(self) -> str:
        if self.kind is DiscountKind.PERCENT:
            return f"{self.percent:f}%"
        assert self.amount is not None
        return str(self.amount)

    def to_dict(self) -> dict[str, Any]:
        if self.kind is DiscountKind.PERCENT:
            return {"kind": "percent", "percent": str(self.percent)}
        assert self.amount is not None
        return {"kind": "amount", "minor": self.amount.minor, "currency": self.amount.currency}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Discount:
        """Restore a saved discount through the same rules as entering it: a percent
        above 0 and at most 100 (two decimals), an amount above zero; else InvalidDiscount."""
        if not isinstance(data, dict):
            raise InvalidDiscount("A saved discount is damaged (not an object).")
        if data.get("kind") == "percent":
            if not isinstance(data.get("percent"), str):
                raise InvalidDiscount("A saved percent discount has no percentage.")
            return cls.of_percent(data["percent"])
        if data.get("kind") == "amount":
            minor, currency = data.get("minor"), data.get("currency")
            if not isinstance(minor, int) or isinstance(minor, bool):
                raise InvalidDiscount("A saved discount amount is not a whole number of cents.")
            if not isinstance(currency, str):
                raise InvalidDiscount("A saved discount amount has no currency.")
            return cls.of_amount(Money(minor, currency))
        raise InvalidDiscount(SAVED_DISCOUNT_KIND(kind=repr(data.get("kind"))))


@dataclass(frozen=True, slots=True)
class ProductRef:
    """What a line remembers of the product at the moment it was rung up."""

    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    unit_price: Money
    vat_class: str


@dataclass(frozen=True, slots=True)
class SaleLine:
    line_id: str
    product: ProductRef
    quantity: int
    price_override: Money | None = None
    discount: Discount | None = None

    @property
    def unit_price(self) -> Money:
        return self.price_override if self.price_override is not None else self.product.unit_price

    @property
    def gross(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Payment:
    """Money applied to the sale. ``tendered``/``change`` matter for cash.

    ``reference`` is the gateway's proof (M-Pesa receipt, PayPal capture id); ``details``
    carries what a receipt must show about it, e.g. the foreign amount and exchange rate
    of a PayPal tender, or the masked payer phone.
    """

    payment_id: str
    method: str
    amount: Money
    tendered: Money
    change: Money
    at: datetime
    reference: str = ""
    details: tuple[tuple[str, str], ...] = ()

    def detail(self, key: str) -> str | None:
        return dict(self.details).get(key)


@dataclass(frozen=True, slots=True)
class LineTotals:
    line_id: str
    gross: Money
    line_discount: Money
    order_discount: Money
    #: gross - line discount - order discount: derived once (receipts, VAT allocation and
    #: the sale's wire document each read it several times per line)
    total: Money = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.gross - self.line_discount - self.order_discount)


@dataclass(frozen=True, slots=True)
class SaleTotals:
    """Everything a screen or receipt shows about the money of a sale, derived."""

    currency: str
    lines: tuple[LineTotals, ...]
    subtotal: Money  # sum of line gross
    line_discounts: Money
    order_discount: Money
    total: Money  # what the goods cost, VAT included
    vat: tuple[VatLine, ...]
    rounding: Money  # cash rounding adjustment so far
    paid: Money
    item_count: int

    @property
    def discounts(self) -> Money:
        return self.line_discounts + self.order_discount

    @property
    def payable(self) -> Money:
        return self.total + self.rounding

    @property
    def due(self) -> Money:
        """What is still to be paid (never negative: overpayment is change)."""
        remaining = self.payable - self.paid
        return remaining if remaining.minor > 0 else Money.zero(self.currency)

    @property
    def vat_total(self) -> Money:
        total = Money.zero(self.currency)
        for v in self.vat:
            total += v.vat
        return total


def round_cash(amount: Money, increment: int, mode: CashRounding) -> Money:
    """Round an amount due in cash to the smallest coin ``increment`` (minor units).

    Symmetric: a negative amount (cash going back, a refund) rounds as its magnitude does,
    so KES 10.50 -> 11.00 and -10.50 -> -11.00 (nearest, half away from zero); ``down``
    is towards zero and ``up`` away from it, whichever way the money goes."""
    if increment <= 1:
        return amount
    sign = -1 if amount.minor < 0 else 1
    q, r = divmod(abs(amount.minor), increment)
    if r == 0:
        return amount
    if mode is CashRounding.DOWN:
        whole = q
    elif mode is CashRounding.UP:
        whole = q + 1
    else:
        whole = q + 1 if r * 2 >= increment else q
    return Money(sign * whole * increment, amount.currency)


def check_quantity(quantity: int) -> int:
    """Validate a line quantity, with a message that says the allowed range."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("Quantity must be a whole number.")
    if quantity <= 0:
        raise InvalidQuantity("Quantity must be at least 1. To take an item off, remove the line.")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(QUANTITY_TOO_LARGE(quantity=quantity, limit=MAX_QUANTITY))
    return quantity


@dataclass
class Sale:
    """An open (or parked, completed, voided) sale on one terminal."""

    sale_id: str
    currency: str
    opened_at: datetime
    cashier_id: str
    status: SaleStatus = SaleStatus.OPEN
    lines: list[SaleLine] = field(default_factory=list)
    order_discount: Discount | None = None
    payments: list[Payment] = field(default_factory=list)
    rounding: Money | None = None
    void_reason: str = ""
    note: str = ""
    #: the business the tax invoice names (its KRA PIN), if the buyer asked for one
    buyer: Buyer | None = None
    _totals_memo: tuple[object, SaleTotals] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    #: the part of the totals that payments do not change (lines, discounts, VAT), so a
    #: payment only re-adds what was paid instead of recomputing the basket
    _goods_memo: tuple[object, SaleTotals] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def copy(self) -> Sale:
        """An independent working copy: lines, payments and money are immutable values,
        so copying the two lists is enough (changes are tried on a copy, then kept)."""
        twin = replace(self, lines=list(self.lines), payments=list(self.payments))
        # the memos are keyed by value, so they stay right for the copy whatever it changes
        twin._totals_memo = self._totals_memo
        twin._goods_memo = self._goods_memo
        return twin

    # -- state ------------------------------------------------------------------------
    @property
    def tender_started(self) -> bool:
        """True once money was taken: from then on, removing goods needs approval."""
        return bool(self.payments)

    def _require_open(self) -> None:
        if self.status is not SaleStatus.OPEN:
            raise SaleStateError(NOT_OPEN[self.status.value]())

    def line(self, line_id: str) -> SaleLine:
        """The line with ``line_id``; a cashier-readable error if it is gone."""
        return self._line(line_id)[1]

    def _line(self, line_id: str) -> tuple[int, SaleLine]:
        for i, line in enumerate(self.lines):
            if line.line_id == line_id:
                return i, line
        raise DomainError("That line is no longer in the basket.", code="no_such_line")

    # -- basket -----------------------------------------------------------------------
    def add_product(self, product: ProductRef, quantity: int, line_id: str) -> SaleLine:
        """Add ``quantity`` of a product; a plain line of the same product grows instead."""
        self._require_open()
        check_quantity(quantity)
        if product.unit_price.currency != self.currency:
            raise InvalidAmount(PRICED_IN(name=product.name, currency=product.unit_price.currency))
        if product.unit_price.minor < 0:
            raise InvalidAmount(NEGATIVE_PRICE(name=product.name))
        for i, line in enumerate(self.lines):
            if line.product == product and line.price_override is None and line.discount is None:
                merged = replace(line, quantity=check_quantity(line.quantity + quantity))
                self.lines[i] = merged
                return merged
        line = SaleLine(line_id=line_id, product=product, quantity=quantity)
        self.lines.append(line)
        return line

    def set_quantity(self, line_id: str, quantity: int) -> SaleLine:
        self._require_open()
        i, line = self._line(line_id)
        new = replace(line, quantity=check_quantity(quantity))
        self._check_line_discount(new)
        self.lines[i] = new
        try:
            self._check_order_discount(self.order_discount)
        except InvalidDiscount:
            self.lines[i] = line  # refused: the basket stays exactly as it was
            raise
        return new

    def remove_line(self, line_id: str) -> SaleLine:
        self._require_open()
        i, line = self._line(line_id)
        del self.lines[i]
        if not self.lines:
            self.order_discount = None
        else:
            self._check_order_discount(self.order_discount, drop_if_too_large=True)
        return line

    def override_price(self, line_id: str, price: Money) -> SaleLine:
        self._require_open()
        if price.currency != self.currency:
            raise InvalidAmount(PRICE_CURRENCY(currency=self.currency))
        if price.minor < 0:
            raise InvalidAmount("A price cannot be negative.")
        i, line = self._line(line_id)
        new = replace(line, price_override=price)
        self._check_line_discount(new)
        self.lines[i] = new
        self._check_order_discount(self.order_discount, drop_if_too_large=True)
        return new

    def set_line_discount(self, line_id: str, discount: Discount | None) -> SaleLine:
        self._require_open()
        i, line = self._line(line_id)
        new = replace(line, discount=discount)
        self._check_line_discount(new)
        self.lines[i] = new
        self._check_order_discount(self.order_discount, drop_if_too_large=True)
        return new

    def set_order_discount(self, discount: Discount | None) -> None:
        self._require_open()
        if discount is not None and not self.lines:
            raise InvalidDiscount("Add items before giving an order discount.")
        self._check_order_discount(discount)
        self.order_discount = discount

    def _check_line_discount(self, line: SaleLine) -> None:
        if line.discount is not None:
            line.discount.amount_of(line.gross, what="line", name=line.product.name)

    def _check_order_discount(
        self, discount: Discount | None, *, drop_if_too_large: bool = False
    ) -> None:
        if discount is None:
            return
        base = self.order_discount_base()
        try:
            discount.amount_of(base, what="order")
        except InvalidDiscount:
            if not drop_if_too_large:
                raise
            self.order_discount = None

    def order_discount_base(self) -> Money:
        """What an order discount applies to: the lines after their own discounts."""
        total = Money.zero(self.currency)
        for line in self.lines:
            disc = (
                line.discount.amount_of(line.gross) if line.discount else Money.zero(self.currency)
            )
            total += line.gross - disc
        return total

    # -- money ------------------------------------------------------------------------
    def totals(self, table: TaxTable) -> SaleTotals:
        """Everything money about the sale, derived from lines, discounts and payments.

        Memoised by value: the key is the (immutable) lines, discount, payments and
        rounding themselves, so any change, however it is made, gives fresh totals.
        """
        goods_key = (id(table), table, tuple(self.lines), self.order_discount)
        key = (goods_key, tuple(self.payments), self.rounding)
        if self._totals_memo is not None and self._totals_memo[0] == key:
            return self._totals_memo[1]
        if self._goods_memo is not None and self._goods_memo[0] == goods_key:
            goods = self._goods_memo[1]
        else:
            goods = self._compute_totals(table)
            self._goods_memo = (goods_key, goods)
        zero = Money.zero(self.currency)
        totals = replace(
            goods,
            rounding=self.rounding or zero,
            paid=sum((p.amount for p in self.payments), zero),
        )
        self._totals_memo = (key, totals)
        return totals

    def _compute_totals(self, table: TaxTable) -> SaleTotals:
        """The totals of the goods alone (nothing paid, no rounding): see :meth:`totals`."""
        zero = Money.zero(self.currency)
        grosses = [line.gross for line in self.lines]
        line_discs = [
            line.discount.amount_of(line.gross) if line.discount else zero for line in self.lines
        ]
        nets = [g - d for g, d in zip(grosses, line_discs, strict=True)]
        base = sum(nets, zero)
        order_disc = self.order_discount.amount_of(base, "order") if self.order_discount else zero
        shares = allocate(order_disc.minor, [n.minor for n in nets])
        line_totals = tuple(
            LineTotals(line.line_id, g, d, Money(s, self.currency))
            for line, g, d, s in zip(self.lines, grosses, line_discs, shares, strict=True)
        )
        total = sum((lt.total for lt in line_totals), zero)
        vat = vat_breakdown(
            [
                (line.product.vat_class, lt.total)
                for line, lt in zip(self.lines, line_totals, strict=True)
            ],
            table,
            self.currency,
        )
        return SaleTotals(
            currency=self.currency,
            lines=line_totals,
            subtotal=sum(grosses, zero),
            line_discounts=sum(line_discs, zero),
            order_discount=order_disc,
            total=total,
            vat=vat,
            rounding=zero,
            paid=zero,
            item_count=sum(line.quantity for line in self.lines),
        )

    def cash_due(self, table: TaxTable, increment: int, mode: CashRounding) -> Money:
        """What the customer hands over in cash to settle the rest, after rounding."""
        totals = self.totals(table)
        return round_cash(totals.due, increment, mode)

    def pay_cash(
        self,
        tendered: Money,
        *,
        table: TaxTable,
        increment: int,
        mode: CashRounding,
        payment_id: str,
        at: datetime,
        allow_partial: bool = False,
    ) -> Payment:
        """Take cash. Full payment applies rounding and gives change; partial is explicit."""
        self._require_open()
        if not self.lines:
            raise SaleStateError("The basket is empty: scan an item first.")
        if tendered.currency != self.currency:
            raise InvalidAmount(CASH_CURRENCY(currency=self.currency))
        totals = self.totals(table)
        due = totals.due
        if due.minor == 0:
            raise SaleStateError("Nothing is due on this sale.")
        cash_due = round_cash(due, increment, mode)
        if tendered.minor < 0 or (tendered.minor == 0 and cash_due.minor > 0):
            raise InvalidAmount("Enter the amount the customer handed over.")
        if tendered >= cash_due:
            self.rounding = totals.rounding + (cash_due - due)
            payment = Payment(payment_id, "cash", cash_due, tendered, tendered - cash_due, at)
        elif allow_partial and tendered <= due:
            payment = Payment(payment_id, "cash", tendered, tendered, Money.zero(self.currency), at)
        elif allow_partial:
            # covers the exact due but not the rounded cash due: neither a part payment
            # (nothing would be left) nor a full one (change would be below the smallest coin)
            raise InsufficientTender(
                CASH_BETWEEN(
                    tendered=tendered, due=due, cash_due=cash_due, cash_text=cash_due.amount_text()
                )
            )
        else:
            raise InsufficientTender(
                CASH_SHORT(tendered=tendered, cash_due=cash_due, cash_text=cash_due.amount_text())
            )
        self.payments.append(payment)
        return payment

    def add_payment(
        self, payment: Payment, table: TaxTable, *, rounding: Money | None = None
    ) -> Payment:
        """Apply a captured non-cash payment (M-Pesa, PayPal, card).

        Such a payment gives no change, so it may not exceed what is due; ``rounding`` is
        an explicit adjustment the method needed (M-Pesa takes whole shillings: a due of
        99.50 is pushed as 100.00 with +0.50 rounding), recorded like cash rounding.
        """
        self._require_open()
        if payment.amount.currency != self.currency:
            raise InvalidAmount(PAYMENT_CURRENCY(currency=self.currency))
        if payment.amount.minor <= 0:
            raise InvalidAmount("A payment must be more than zero.")
        extra = rounding or Money.zero(self.currency)
        totals = self.totals(table)
        allowed = totals.due + extra
        if payment.amount > allowed:
            raise InvalidAmount(
                NO_CHANGE_GIVEN(amount=payment.amount, allowed=allowed, method=payment.method)
            )
        if extra:
            self.rounding = totals.rounding + extra
        self.payments.append(payment)
        return payment

    def is_fully_paid(self, table: TaxTable) -> bool:
        totals = self.totals(table)
        return bool(self.lines) and totals.paid >= totals.payable

    def settle_overpayment(
        self,
        table: TaxTable,
        increment: int = 1,
        mode: CashRounding = CashRounding.NEAREST,
    ) -> Money:
        """Hand back money paid beyond the total (goods removed after a part payment).

        The payable is first rounded to the smallest coin (change is paid in coins), then
        the excess comes off the cash payments, newest first, and becomes their change, so
        tenders always add up to what the sale took. Returns the extra change.
        """
        self._require_open()
        totals = self.totals(table)
        if totals.paid > totals.payable:
            coined = round_cash(totals.payable, increment, mode)
            if coined != totals.payable:
                self.rounding = totals.rounding + (coined - totals.payable)
                totals = self.totals(table)
        over = totals.paid - totals.payable
        if over.minor <= 0:
            return Money.zero(self.currency)
        left = over
        for i in range(len(self.payments) - 1, -1, -1):
            p = self.payments[i]
            if p.method != "cash" or not left:
                continue
            take = p.amount if p.amount < left else left
            self.payments[i] = replace(p, amount=p.amount - take, change=p.change + take)
            left = left - take
        if left:
            raise SaleStateError(OVERPAID_NON_CASH(amount=left))
        return over

    def change_due(self, table: TaxTable) -> Money:
        """Cash handed back: overpayment beyond the payable total (e.g. after a removal)."""
        totals = self.totals(table)
        tendered_change = sum((p.change for p in self.payments), Money.zero(self.currency))
        over = totals.paid - totals.payable
        return tendered_change + (over if over.minor > 0 else Money.zero(self.currency))

    def complete(self, table: TaxTable) -> None:
        self._require_open()
        if not self.is_fully_paid(table):
            due = self.totals(table).due
            raise InsufficientTender(STILL_DUE(due=due))
        self.status = SaleStatus.COMPLETED

    def void(self, reason: str) -> None:
        if self.status not in (SaleStatus.OPEN, SaleStatus.PARKED):
            raise SaleStateError(NOT_VOIDABLE[self.status.value]())
        reason = reason.strip()
        if len(reason) < 3:
            raise DomainError("Give a reason for the void (at least 3 characters).", code="reason")
        self.void_reason = reason
        self.status = SaleStatus.VOIDED

    def park(self, note: str = "") -> None:
        self._require_open()
        if not self.lines:
            raise SaleStateError("An empty basket cannot be parked.")
        if self.payments:
            raise SaleStateError("Money was taken on this sale: finish or void it, do not park.")
        self.note = note.strip()
        self.status = SaleStatus.PARKED

    def set_buyer(self, buyer: Buyer | None) -> None:
        """Name the buyer's KRA PIN on this sale's tax invoice (None: take it off).

        Only before payment: the receipt a customer has started paying for is the one
        they were shown, and KRA gets the PIN the invoice was paid under."""
        self._require_open()
        if self.payments:
            raise SaleStateError(BUYER_AFTER_PAYMENT(), code="buyer_after_payment")
        self.buyer = buyer

    def resume(self) -> None:
        if self.status is not SaleStatus.PARKED:
            raise SaleStateError("Only a parked sale can be recalled.")
        self.status = SaleStatus.OPEN

    # -- persistence of drafts ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot, used to save the open basket on every change."""

        def money(m: Money | None) -> dict[str, Any] | None:
            return None if m is None else {"minor": m.minor, "currency": m.currency}

        return {
            "v": 1,
            "sale_id": self.sale_id,
            "currency": self.currency,
            "opened_at": self.opened_at.isoformat(),
            "cashier_id": self.cashier_id,
            "status": self.status.value,
            "order_discount": self.order_discount.to_dict() if self.order_discount else None,
            "rounding": money(self.rounding),
            "void_reason": self.void_reason,
            "note": self.note,
            "buyer": self.buyer.to_dict() if self.buyer else None,
            "lines": [
                {
                    "line_id": ln.line_id,
                    "product_id": ln.product.product_id,
                    "sku": ln.product.sku,
                    "barcode": ln.product.barcode,
                    "name": ln.product.name,
                    "unit_price": money(ln.product.unit_price),
                    "vat_class": ln.product.vat_class,
                    "quantity": ln.quantity,
                    "price_override": money(ln.price_override),
                    "discount": ln.discount.to_dict() if ln.discount else None,
                }
                for ln in self.lines
            ],
            "payments": [
                {
                    "payment_id": p.payment_id,
                    "method": p.method,
                    "amount": money(p.amount),
                    "tendered": money(p.tendered),
                    "change": money(p.change),
                    "at": p.at.isoformat(),
                    "reference": p.reference,
                    "details": [list(kv) for kv in p.details],
                }
                for p in self.payments
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sale:
        """Restore a snapshot written by :meth:`to_dict` (a draft, or a journalled sale).

        Refused with :class:`~pos.domain.snapshot.InvalidSnapshot` (a ``DomainError``
        naming the reason) when it breaks a rule the methods keep: a quantity of zero or
        less, a discount beyond its line or the order, currencies mixed, tenders that do
        not add up, a ``completed`` sale not fully paid. See ``pos.domain.snapshot``.
        """
        from pos.domain.snapshot import restore_sale  # the snapshot rules import Sale

        return restore_sale(data)
