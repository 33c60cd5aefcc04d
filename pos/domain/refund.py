"""Refund arithmetic and the refund receipt: pure, so every rule can be tested alone.

A sale line of ``n`` units that cost ``total`` (after its discounts) gives back, over all
its refunds together, ``floor(total * r / n)`` for the first ``r`` units and exactly
``total`` for all ``n``: however the units are refunded (one at a time, in any order of
partial refunds), the line never gives back more than the customer paid for it, and a full
refund gives back every cent. :func:`line_refund` works from what was actually refunded
before (not from a formula), so it stays right even if an earlier refund was computed
differently. One exception: a sale collected in cash with a rounding down (KES 60.45 of
goods paid as 60.00) gives back, over all its refunds, what the customer paid; the last
refund gives back the rounding less (:func:`trim_to_paid`).

Money goes back to the sale's own tenders, each at most what it paid less what went back
to it already (:func:`allocate_tenders`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pos.domain.errors import DomainError
from pos.domain.messages import define
from pos.domain.money import Money
from pos.domain.receipt import (
    R_CASHIER,
    R_COPY,
    R_DATE,
    R_PIN,
    R_REASON,
    R_REF,
    R_VAT,
    R_VAT_HEAD,
    Say,
    StoreInfo,
    training_mark,
)
from pos.domain.tax import VatLine

#: What a refund is for: lower-case codes the head office maps to KRA's credit-note
#: reasons (``sync.protocol.refunds``); ``other`` needs a written reason.
REASON_CODES = ("damaged", "wrong_item", "wrong_price", "changed_mind", "expired", "other")


ONLY_LEFT = define(
    "refund_only_left",
    "Only {left} of the {sold} sold can still be refunded ({refunded} went back already).",
)
PAYMENTS_LEFT = define(
    "refund_payments_left",
    "The sale's payments have only {left} left to give back, not {amount}.",
)


# The refund document's own labels (the rest are the sale receipt's: date, cashier, VAT,
# COPY…), one set for the screen and for paper (``pos.services.refund_receipts`` lays the
# same document out for the printer). In Kiswahili the document is "Marejesho" throughout.
RF_REFUND_TITLE = define("refund.receipt.title", "REFUND")
RF_RETURN_TITLE = define("refund.receipt.return_title", "RETURN")
RF_REFUND = define("refund.receipt.refund", "Refund")
RF_NO_RECEIPT = define("refund.receipt.no_receipt", "Return without a receipt")
RF_FOR_RECEIPT = define("refund.receipt.for_receipt", "For receipt")
RF_APPROVED_BY = define("refund.receipt.approved_by", "Approved by")
RF_TOTAL = define("refund.receipt.total", "REFUND {currency}")
RF_BY_HAND = define("refund.receipt.by_hand", "{label} (reversal)")
RF_GIVEN_BACK = define("refund.receipt.given_back", "Given back {amount}")
RF_ORIGINAL = define("refund.receipt.original", "Original receipt")
RF_REFUND_ID = define("refund.receipt.refund_id", "Refund {refund_id}")


class RefundError(DomainError):
    """A refund that cannot be made as asked (more than was sold, nothing chosen...)."""


def line_refund(
    total_minor: int, sold: int, refunded_qty: int, refunded_minor: int, quantity: int
) -> int:
    """Minor units to give back for ``quantity`` more units of a line.

    ``total_minor``: what the ``sold`` units cost together; ``refunded_qty`` and
    ``refunded_minor``: what earlier refunds of this line gave back. Raises
    :class:`RefundError` when ``quantity`` is not a positive number of units still there.
    """
    if quantity < 1:
        raise RefundError("Choose at least one unit to refund.")
    left = sold - refunded_qty
    if quantity > left:
        raise RefundError(ONLY_LEFT(left=left, sold=sold, refunded=refunded_qty))
    after = refunded_qty + quantity
    cumulative = total_minor if after == sold else total_minor * after // sold
    return max(0, min(cumulative, total_minor) - refunded_minor)


def trim_to_paid(amounts: list[int], left: int, rounded_off: int) -> list[int]:
    """``amounts`` (what each chosen line gives back, in minor units) trimmed, from the
    last line back, so that together they give back no more than the sale's tenders have
    ``left``, when the excess comes from the cash rounding taken off the sale
    (``rounded_off``: how much less than its goods the customer paid, 0 if not less).

    A sale of KES 60.45 collected as 60.00 in cash paid 60.00: the refund of all of it
    gives back 60.00 (what the customer paid), not 60.45, which no tender has and which
    would refuse the refund outright. An excess beyond the rounding is left as it is (the
    tenders' check refuses it with its own message)."""
    excess = sum(amounts) - left
    if excess <= 0 or excess > max(0, rounded_off):
        return list(amounts)
    out = list(amounts)
    for i in range(len(out) - 1, -1, -1):
        take = min(out[i], excess)
        out[i] -= take
        excess -= take
        if excess == 0:
            break
    return out


@dataclass(frozen=True, slots=True)
class TenderShare:
    """One tender of the original sale and what can still go back to it."""

    payment_id: str
    method: str
    paid: Money
    refunded: Money

    @property
    def left(self) -> Money:
        return self.paid - self.refunded


def allocate_tenders(amount: Money, tenders: list[TenderShare]) -> list[tuple[TenderShare, Money]]:
    """Split ``amount`` over the sale's tenders: non-cash first (money goes back where it
    came from, in the order it was paid), cash last, none above what it has left.

    Raises :class:`RefundError` when the tenders together have less left than ``amount``.
    """
    order = [t for t in tenders if t.method != "cash"] + [t for t in tenders if t.method == "cash"]
    remaining = amount
    out: list[tuple[TenderShare, Money]] = []
    for share in order:
        if remaining.minor <= 0:
            break
        if share.left.minor <= 0:
            continue
        take = min(share.left, remaining)
        out.append((share, take))
        remaining = remaining - take
    if remaining.minor > 0:
        raise RefundError(PAYMENTS_LEFT(left=amount - remaining, amount=amount))
    return out


def foreign_share(
    kes_total: int, foreign_total: int, kes_refunded: int, foreign_refunded: int, kes: int
) -> int:
    """The part of a foreign-currency tender (PayPal in USD) that ``kes`` more gives back:
    proportional over all refunds of the tender, exact when it is all given back."""
    after = kes_refunded + kes
    if after >= kes_total:
        return foreign_total - foreign_refunded
    return max(0, foreign_total * after // kes_total - foreign_refunded)


class TenderHow(StrEnum):
    """How one tender's money goes back."""

    METHOD = "method"  # through the method itself (PayPal capture refund, card terminal)
    BY_HAND = "by_hand"  # a reversal made outside the till (M-Pesa), with its reference
    CASH = "cash"  # cash from the drawer (for a non-cash tender: with a manager's approval)


@dataclass(frozen=True, slots=True)
class RefundReceiptLine:
    name: str
    quantity: int
    unit_price: Money
    total: Money
    vat_code: str


@dataclass(frozen=True, slots=True)
class RefundReceiptTender:
    label: str
    amount: Money
    reference: str
    how: TenderHow
    foreign: str = ""  # "USD 3.86" when the method gave back a foreign currency


@dataclass(frozen=True, slots=True)
class RefundReceipt:
    """The customer's copy of a refund (a credit note), built from the stored refund."""

    store: StoreInfo
    number: str
    refund_id: str
    original_number: str  # "" for a return without a receipt
    issued_at: datetime
    cashier: str
    training: bool
    reason: str
    lines: tuple[RefundReceiptLine, ...]
    total: Money
    vat: tuple[VatLine, ...]
    tenders: tuple[RefundReceiptTender, ...]
    reprint: bool = False
    approved_by: str = ""  # the name of the supervisor or manager who approved it

    @property
    def is_return(self) -> bool:
        """A return without a receipt (no original sale)."""
        return not self.original_number


def _pair(left: str, right: str, width: int) -> list[str]:
    if len(left) + 1 + len(right) <= width:
        return [f"{left:<{width - len(right) - 1}} {right}"]
    return [left[:width], right.rjust(width)[-width:]]


def _center(text: str, width: int) -> str:
    return text[:width].center(width).rstrip()


def render_refund_text(
    receipt: RefundReceipt, width: int = 42, say: Say | None = None
) -> list[str]:
    """Plain-text lines of ``width`` characters, as the receipt printer lays them out, with
    labels said by ``say`` (the receipt language the UI passes, as for a sale's receipt:
    ``pos.ui.i18n.receipt_say()``; English, with the ISO date, without it)."""
    said: Say = say or str
    if width < 32:
        raise ValueError("receipts need at least 32 columns")
    rule = "-" * width
    out: list[str] = []
    if receipt.training:
        out.append(_center(training_mark(width, said), width))
    out.append(_center(receipt.store.name.upper(), width))
    out.extend(_center(a, width) for a in receipt.store.address)
    if receipt.store.tax_pin:
        out.append(_center(said(R_PIN(pin=receipt.store.tax_pin)), width))
    out.append(rule)
    title = RF_RETURN_TITLE if receipt.is_return else RF_REFUND_TITLE
    out.append(_center(f"*** {said(title())} ***", width))
    out.extend(_pair(said(RF_REFUND()), receipt.number, width))
    if receipt.original_number:
        out.extend(_pair(said(RF_FOR_RECEIPT()), receipt.original_number, width))
    else:
        out.append(said(RF_NO_RECEIPT())[:width])
    issued = receipt.issued_at.strftime("%Y-%m-%d %H:%M" if say is None else "%d/%m/%Y %H:%M")
    out.extend(_pair(said(R_DATE()), issued, width))
    out.extend(_pair(said(R_CASHIER()), receipt.cashier, width))
    if receipt.approved_by:
        out.extend(_pair(said(RF_APPROVED_BY()), receipt.approved_by, width))
    if receipt.reprint:
        out.append(_center(said(R_COPY()), width))
    if receipt.reason:
        out.extend(textwrap.wrap(said(R_REASON(reason=receipt.reason)), width))
    out.append(rule)
    for line in receipt.lines:
        out.extend(textwrap.wrap(line.name, width) or [""])
        qty = f"  {line.quantity} x {line.unit_price.amount_text()}"
        out.extend(_pair(qty, f"-{line.total.amount_text()} {line.vat_code}", width))
    out.append(rule)
    total = said(RF_TOTAL(currency=receipt.total.currency))
    out.extend(_pair(total, f"-{receipt.total.amount_text()}", width))
    for t in receipt.tenders:
        label = t.label if t.how is not TenderHow.BY_HAND else said(RF_BY_HAND(label=t.label))
        out.extend(_pair(label, f"-{t.amount.amount_text()}", width))
        if t.foreign:
            out.extend(textwrap.wrap("  " + said(RF_GIVEN_BACK(amount=t.foreign)), width))
        if t.reference:
            out.extend(textwrap.wrap(f"  {said(R_REF())} {t.reference}", width))
    out.append(rule)
    out.extend(_pair(said(R_VAT()), said(R_VAT_HEAD()), width))
    for v in receipt.vat:
        code = f"{v.tax_class.code} {v.tax_class.rate_text}"
        cols = f"{v.net.amount_text():>9} {v.vat.amount_text():>8} {v.gross.amount_text():>9}"
        out.extend(_pair(code, cols, width))
    out.append(rule)
    out.append(_center(said(RF_REFUND_ID(refund_id=receipt.refund_id)), width))
    if receipt.training:
        out.append(_center(training_mark(width, said), width))
    return out
