"""The receipt as a document: built once from a completed sale, rendered many ways.

The on-screen receipt and (in the printer issue) the ESC/POS receipt are two renderings of
the same :class:`Receipt`, so what the cashier sees is what the customer gets.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pos.domain.messages import Message, define
from pos.domain.money import Money
from pos.domain.sale import Sale, SaleStatus, SaleTotals
from pos.domain.tax import VatLine

TRAINING_MARK = "*** TRAINING - NOT A VALID RECEIPT ***"

#: How a receipt says its labels: a message in the receipt's language(s). The UI passes
#: one built from the ``[receipt] language`` setting ("en", "sw" or "both": each label in
#: both languages); without one, English.
Say = Callable[[Message], str]

# The receipt's labels (translated like every other message; "{…}" are values).
R_TRAINING = define("receipt.training", "*** TRAINING - NOT A VALID RECEIPT ***")
# (the literal again: the translation tool reads texts from the source, not variables)
R_TRAINING_SHORT = define("receipt.training_short", "TRAINING - NOT A VALID RECEIPT")
R_TEL = define("receipt.tel", "Tel {phone}")
R_PIN = define("receipt.pin", "PIN {pin}")
R_RECEIPT = define("receipt.receipt", "Receipt")
R_DATE = define("receipt.date", "Date")
R_CASHIER = define("receipt.cashier", "Cashier")
R_COPY = define("receipt.copy", "*** COPY - REPRINT ***")
R_VOIDED = define("receipt.voided", "*** VOIDED ***")
R_REASON = define("receipt.reason", "Reason: {reason}")
R_PRICE_CHANGED = define("receipt.price_changed", "(price changed)")
R_DISCOUNT = define("receipt.discount", "Discount")
R_SUBTOTAL = define(
    "receipt.subtotal", "Subtotal (1 item)", other="Subtotal ({count} items)", count="count"
)
R_DISCOUNTS = define("receipt.discounts", "Discounts")
R_TOTAL = define("receipt.total", "TOTAL {currency}")
R_ROUNDING = define("receipt.rounding", "{method} rounding")
R_CASH_ROUNDING = define("receipt.cash_rounding", "Cash rounding")
R_TO_PAY = define("receipt.to_pay", "TO PAY")
R_REF = define("receipt.ref", "Ref")
R_FOREIGN = define("receipt.foreign", "Paid {amount} at {rate}")
R_PAYER = define("receipt.payer", "Payer {payer}")
R_CARD = define("receipt.card", "Card {card}")
R_CARD_TERMINAL = define("receipt.card_terminal", "Terminal {terminal_id}")
R_CHANGE = define("receipt.change", "Change")
R_VAT = define("receipt.vat", "VAT")
R_VAT_HEAD = define("receipt.vat_head", "Net      VAT    Gross")
R_NET = define("receipt.net", "Net")
R_GROSS = define("receipt.gross", "Gross")
R_SALE = define("receipt.sale", "Sale {sale_id}")
#: the buyer's KRA PIN (a business claiming the input VAT), and its name if given
R_BUYER_PIN = define("receipt.buyer_pin", "Buyer's PIN")
R_BUYER_NAME = define("receipt.buyer_name", "Buyer")

#: Keys of a payment's ``details`` naming how it prints (set from the method's own
#: description when the payment is taken; a payment without them prints its code).
LABEL_DETAIL = "label"
REFERENCE_LABEL_DETAIL = "reference_label"
#: the payment's own rounding in minor units (M-Pesa takes whole shillings)
ROUNDING_DETAIL = "rounding"


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """Who issues the receipt."""

    store_id: str
    name: str
    address: tuple[str, ...] = ()
    phone: str = ""
    tax_pin: str = ""  # KRA PIN in Kenya
    footer: tuple[str, ...] = ("Thank you for shopping with us!",)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    quantity: int
    unit_price: Money
    gross: Money
    discount: Money
    total: Money
    vat_code: str
    price_overridden: bool


@dataclass(frozen=True, slots=True)
class ReceiptPayment:
    method: str
    amount: Money
    tendered: Money
    change: Money
    reference: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Receipt:
    store: StoreInfo
    terminal_id: str
    number: str
    sale_id: str
    issued_at: datetime
    cashier: str
    status: SaleStatus
    training: bool
    lines: tuple[ReceiptLine, ...]
    subtotal: Money
    discounts: Money
    total: Money
    rounding: Money
    vat: tuple[VatLine, ...]
    payments: tuple[ReceiptPayment, ...]
    change: Money
    void_reason: str = ""
    reprint: bool = False
    #: the buyer's KRA PIN on the tax invoice ("" when none was asked for), and its name
    buyer_pin: str = ""
    buyer_name: str = ""

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def build_receipt(
    sale: Sale,
    totals: SaleTotals,
    *,
    store: StoreInfo,
    terminal_id: str,
    number: str,
    issued_at: datetime,
    cashier: str,
    training: bool,
    change: Money,
) -> Receipt:
    """Freeze a sale and its derived totals into a receipt document."""
    by_id = {lt.line_id: lt for lt in totals.lines}
    lines = tuple(
        ReceiptLine(
            name=line.product.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            gross=by_id[line.line_id].gross,
            discount=by_id[line.line_id].line_discount + by_id[line.line_id].order_discount,
            total=by_id[line.line_id].total,
            vat_code=line.product.vat_class,
            price_overridden=line.price_override is not None,
        )
        for line in sale.lines
    )
    payments = tuple(
        ReceiptPayment(p.method, p.amount, p.tendered, p.change, p.reference, p.details)
        for p in sale.payments
    )
    return Receipt(
        store=store,
        terminal_id=terminal_id,
        number=number,
        sale_id=sale.sale_id,
        issued_at=issued_at,
        cashier=cashier,
        status=sale.status,
        training=training,
        lines=lines,
        subtotal=totals.subtotal,
        discounts=totals.discounts,
        total=totals.total,
        rounding=totals.rounding,
        vat=totals.vat,
        payments=payments,
        change=change,
        void_reason=sale.void_reason,
        buyer_pin=sale.buyer.pin if sale.buyer else "",
        buyer_name=sale.buyer.name if sale.buyer else "",
    )


def _pair(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line; when they do not fit, ``left`` on its own line
    and ``right`` right-aligned below. Amounts are never cut."""
    if len(left) + 1 + len(right) <= width:
        return [f"{left:<{width - len(right) - 1}} {right}"]
    return [left[:width], right.rjust(width)[-width:]]


def _center(text: str, width: int) -> str:
    return text[:width].center(width).rstrip()


def training_mark(width: int, say: Say | None = None) -> str:
    """The training warning, shortened (never cut) on narrow paper."""
    speak = say or str
    mark = speak(R_TRAINING())
    return mark if len(mark) <= width else speak(R_TRAINING_SHORT())


def _vat_rows(v: VatLine, width: int, say: Say) -> list[str]:
    code = f"{v.tax_class.code} {v.tax_class.rate_text}"
    cols = f"{v.net.amount_text():>9} {v.vat.amount_text():>8} {v.gross.amount_text():>9}"
    if len(code) + 1 + len(cols) <= width:
        return _pair(code, cols, width)
    if len(cols) <= width:
        return [code, cols.rjust(width)]
    return [
        code,
        *_pair("  " + say(R_NET()), v.net.amount_text(), width),
        *_pair("  " + say(R_VAT()), v.vat.amount_text(), width),
        *_pair("  " + say(R_GROSS()), v.gross.amount_text(), width),
    ]


def buyer_rows(receipt: Receipt, width: int, say: Say | None = None) -> list[str]:
    """The buyer's PIN (and name) under the cashier: what the business shows to claim its
    input VAT. None when no PIN was asked for. Shared by the screen and the printer."""
    said: Say = say or str
    if not receipt.buyer_pin:
        return []
    out = _pair(said(R_BUYER_PIN()), receipt.buyer_pin, width)
    if receipt.buyer_name:
        out.extend(_pair(said(R_BUYER_NAME()), receipt.buyer_name, width))
    return out


def render_text(receipt: Receipt, width: int = 42, say: Say | None = None) -> list[str]:
    """Plain-text lines of ``width`` characters, as a receipt printer lays them out, with
    labels said by ``say`` (English without it)."""
    said: Say = say or str
    if width < 32:
        raise ValueError("receipts need at least 32 columns")
    rule = "-" * width
    out: list[str] = []
    if receipt.training:
        out.append(_center(training_mark(width, said), width))
    out.append(_center(receipt.store.name.upper(), width))
    out.extend(_center(a, width) for a in receipt.store.address)
    if receipt.store.phone:
        out.append(_center(said(R_TEL(phone=receipt.store.phone)), width))
    if receipt.store.tax_pin:
        out.append(_center(said(R_PIN(pin=receipt.store.tax_pin)), width))
    out.append(rule)
    out.extend(_pair(said(R_RECEIPT()), receipt.number, width))
    # English alone keeps the ISO date; a receipt in Kiswahili (or both) has dd/mm/yyyy
    issued = receipt.issued_at.strftime("%Y-%m-%d %H:%M" if say is None else "%d/%m/%Y %H:%M")
    out.extend(_pair(said(R_DATE()), issued, width))
    out.extend(_pair(said(R_CASHIER()), receipt.cashier, width))
    out.extend(buyer_rows(receipt, width, said))
    if receipt.reprint:
        out.append(_center(said(R_COPY()), width))
    if receipt.status is SaleStatus.VOIDED:
        out.append(_center(said(R_VOIDED()), width))
        out.extend(textwrap.wrap(said(R_REASON(reason=receipt.void_reason)), width))
    out.append(rule)
    for line in receipt.lines:
        out.extend(textwrap.wrap(line.name, width) or [""])
        qty = f"  {line.quantity} x {line.unit_price.amount_text()}"
        if line.price_overridden:
            qty += " " + said(R_PRICE_CHANGED())
        out.extend(_pair(qty, f"{line.gross.amount_text()} {line.vat_code}", width))
        if line.discount:
            out.extend(_pair("  " + said(R_DISCOUNT()), f"-{line.discount.amount_text()}  ", width))
    out.append(rule)
    out.extend(
        _pair(
            said(R_SUBTOTAL(count=receipt.item_count)),
            receipt.subtotal.amount_text(),
            width,
        )
    )
    if receipt.discounts:
        out.extend(_pair(said(R_DISCOUNTS()), f"-{receipt.discounts.amount_text()}", width))
    out.extend(
        _pair(said(R_TOTAL(currency=receipt.total.currency)), receipt.total.amount_text(), width)
    )
    if receipt.rounding:
        # each method's own rounding (M-Pesa's whole shillings) under its name; the rest
        # is cash rounding
        cash_rounding = receipt.rounding
        for p in receipt.payments:
            info = dict(p.details)
            own = Money(int(info.get(ROUNDING_DETAIL, "0") or 0), receipt.total.currency)
            if own:
                label = info.get(LABEL_DETAIL) or p.method.replace("_", " ").title()
                out.extend(_pair(said(R_ROUNDING(method=label)), own.amount_text(), width))
                cash_rounding = cash_rounding - own
        if cash_rounding:
            out.extend(_pair(said(R_CASH_ROUNDING()), cash_rounding.amount_text(), width))
        out.extend(_pair(said(R_TO_PAY()), (receipt.total + receipt.rounding).amount_text(), width))
    for p in receipt.payments:
        info = dict(p.details)
        label = info.get(LABEL_DETAIL) or p.method.replace("_", " ").title()
        out.extend(_pair(label, p.tendered.amount_text(), width))
        if p.reference:
            ref_label = info.get(REFERENCE_LABEL_DETAIL) or said(R_REF())
            out.extend(textwrap.wrap(f"  {ref_label} {p.reference}", width))
        if "foreign" in info:
            paid = R_FOREIGN(amount=info["foreign"], rate=info.get("rate", "?"))
            out.extend(textwrap.wrap("  " + said(paid), width))
        if "payer" in info:
            out.extend(textwrap.wrap("  " + said(R_PAYER(payer=info["payer"])), width))
    if receipt.payments:
        out.extend(_pair(said(R_CHANGE()), receipt.change.amount_text(), width))
    out.append(rule)
    out.extend(_pair(said(R_VAT()), said(R_VAT_HEAD()), width))
    for v in receipt.vat:
        out.extend(_vat_rows(v, width, said))
    out.append(rule)
    out.extend(_center(f, width) for f in receipt.store.footer)
    out.append(_center(said(R_SALE(sale_id=receipt.sale_id)), width))
    if receipt.training:
        out.append(_center(training_mark(width, said), width))
    return out
