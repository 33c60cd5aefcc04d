"""Restoring a saved sale: the snapshot must keep the rules the sale's methods keep.

A draft basket is saved on every change and a finished sale is kept in the journal as a
snapshot (``Sale.to_dict``). Reading one back goes through the same rules as building it:
quantities from 1 to ``MAX_QUANTITY``, no discount beyond its line or the order, one
currency throughout, tenders that add up (tendered = taken + change), and a ``completed``
sale fully paid. A snapshot that breaks one is refused with :class:`InvalidSnapshot`
naming the reason, never restored into a basket that could not have been built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pos.domain.buyer import Buyer
from pos.domain.errors import DomainError, InsufficientTender, InvalidAmount, InvalidQuantity
from pos.domain.messages import define
from pos.domain.money import Money
from pos.domain.sale import (
    Discount,
    Payment,
    ProductRef,
    Sale,
    SaleLine,
    SaleStatus,
    check_quantity,
)
from pos.domain.text import with_article

# -- why a saved sale is refused (a till's support reads these; the cashier sees them when a
# parked or draft sale cannot be brought back) ----------------------------------------------
UNKNOWN_VERSION = define("snapshot.unknown_version", "unknown sale snapshot version {version}")
REFUSED = define("snapshot.refused", "Saved sale refused: {reason}")
DAMAGED = define("snapshot.damaged", "Saved sale refused: it is damaged ({kind}: {detail}).")
LINE_REFUSED = define("snapshot.line_refused", "Saved sale refused: {name}: {reason}")
NEGATIVE_PRICE = define("snapshot.negative_price", "{name} has a negative price.")
NEGATIVE_PAYMENT = define(
    "snapshot.negative_payment",
    "{a_method} payment has a negative amount or change.",
    also=("method",),
)
UNBALANCED_PAYMENT = define(
    "snapshot.unbalanced_payment",
    "{a_method} payment does not add up: {tendered} tendered is not "
    "{amount} taken plus {change} change.",
    also=("method",),
)
UNPAID = define("snapshot.unpaid", "A completed sale must be paid: {paid} paid of {payable}.")
NOT_TEXT = define("snapshot.not_text", "Saved sale refused: {field} is not text.")
NOT_AN_AMOUNT = define("snapshot.not_an_amount", "Saved sale refused: {field} is not an amount.")
MIXED_CURRENCY = define(
    "snapshot.mixed_currency",
    "Saved sale refused: {field} is in {code} but the sale is in {currency}; currencies never mix.",
)


class InvalidSnapshot(DomainError, ValueError):
    """A saved sale that breaks the sale's rules (or is damaged): refused, not restored."""

    code = "invalid_snapshot"


def restore_sale(data: dict[str, Any]) -> Sale:
    """The sale a snapshot describes, or :class:`InvalidSnapshot` saying why not."""
    if not isinstance(data, dict) or data.get("v") != 1:
        version = data.get("v") if isinstance(data, dict) else None
        raise InvalidSnapshot(UNKNOWN_VERSION(version=repr(version)), code="version")
    try:
        sale = _build(data)
        _check(sale)
    except InvalidSnapshot:
        raise
    except DomainError as exc:
        raise InvalidSnapshot(REFUSED(reason=exc.msg), code=exc.code) from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidSnapshot(
            DAMAGED(kind=type(exc).__name__, detail=str(exc)), code="malformed"
        ) from exc
    return sale


def _build(data: dict[str, Any]) -> Sale:
    """Build the sale from its snapshot; the rules are checked afterwards."""
    currency = _text(data["currency"], "currency")
    sale = Sale(
        sale_id=_text(data["sale_id"], "sale_id"),
        currency=currency,
        opened_at=datetime.fromisoformat(_text(data["opened_at"], "opened_at")),
        cashier_id=_text(data["cashier_id"], "cashier_id"),
        status=SaleStatus(data["status"]),
        order_discount=Discount.from_dict(data["order_discount"])
        if data["order_discount"]
        else None,
        rounding=_snapshot_money(data["rounding"], currency, "The rounding")
        if data["rounding"] is not None
        else None,
        void_reason=_text(data.get("void_reason", ""), "void_reason"),
        note=_text(data.get("note", ""), "note"),
        # older snapshots have no buyer: a sale without a PIN on its invoice
        buyer=Buyer.from_dict(data["buyer"]) if data.get("buyer") else None,
    )
    for ln in data["lines"]:
        name = _text(ln["name"], "name")
        override = ln["price_override"]
        sale.lines.append(
            SaleLine(
                line_id=_text(ln["line_id"], "line_id"),
                product=ProductRef(
                    ln["product_id"],
                    _text(ln["sku"], "sku"),
                    ln["barcode"],
                    name,
                    _snapshot_money(ln["unit_price"], currency, f"The price of {name}"),
                    _text(ln["vat_class"], "vat_class"),
                ),
                quantity=ln["quantity"],
                price_override=None
                if override is None
                else _snapshot_money(override, currency, f"The price of {name}"),
                discount=Discount.from_dict(ln["discount"]) if ln["discount"] else None,
            )
        )
    for p in data["payments"]:
        method = _text(p["method"], "method")
        what = f"{with_article(method, capital=True)} payment"
        sale.payments.append(
            Payment(
                _text(p["payment_id"], "payment_id"),
                method,
                _snapshot_money(p["amount"], currency, what),
                _snapshot_money(p["tendered"], currency, what),
                _snapshot_money(p["change"], currency, what),
                datetime.fromisoformat(_text(p["at"], "at")),
                _text(p.get("reference", ""), "reference"),
                tuple((str(k), str(v)) for k, v in p.get("details", [])),
            )
        )
    return sale


def _check(sale: Sale) -> None:
    """The rules a restored sale must keep; a discount beyond its line or the order
    raises ``InvalidDiscount`` from ``Discount.amount_of`` itself."""
    zero = Money.zero(sale.currency)
    for line in sale.lines:
        try:
            check_quantity(line.quantity)
        except InvalidQuantity as exc:
            raise InvalidSnapshot(
                LINE_REFUSED(name=line.product.name, reason=exc.msg), code=exc.code
            ) from exc
        if line.unit_price.is_negative or line.product.unit_price.is_negative:
            raise InvalidAmount(NEGATIVE_PRICE(name=line.product.name))
        if line.discount is not None:
            line.discount.amount_of(line.gross, what="line", name=line.product.name)
    if sale.order_discount is not None:
        sale.order_discount.amount_of(sale.order_discount_base(), what="order")
    for p in sale.payments:
        a_method = with_article(p.method, capital=True)
        if p.amount.is_negative or p.change.is_negative:
            raise InvalidAmount(NEGATIVE_PAYMENT(a_method=a_method, method=p.method))
        if p.tendered != p.amount + p.change:
            raise InvalidAmount(
                UNBALANCED_PAYMENT(
                    a_method=a_method,
                    method=p.method,
                    tendered=p.tendered,
                    amount=p.amount,
                    change=p.change,
                )
            )
    if sale.status is SaleStatus.COMPLETED:
        base = sale.order_discount_base()
        order = sale.order_discount.amount_of(base, "order") if sale.order_discount else zero
        payable = base - order + (sale.rounding or zero)
        paid = sum((p.amount for p in sale.payments), zero)
        if not sale.lines or paid < payable:
            raise InsufficientTender(UNPAID(paid=paid, payable=payable), code="unpaid")


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidSnapshot(NOT_TEXT(field=what), code="malformed")
    return value


def _snapshot_money(data: object, currency: str, what: str) -> Money:
    """Saved money of the sale's own currency: whole minor units, never mixed."""
    if not isinstance(data, dict):
        raise InvalidSnapshot(NOT_AN_AMOUNT(field=what), code="malformed")
    minor, code = data.get("minor"), data.get("currency")
    if not isinstance(minor, int) or isinstance(minor, bool) or not isinstance(code, str):
        raise InvalidSnapshot(NOT_AN_AMOUNT(field=what), code="malformed")
    if code != currency:
        raise InvalidSnapshot(
            MIXED_CURRENCY(field=what, code=code, currency=currency), code="currency_mismatch"
        )
    return Money(minor, code)
