"""The refund service's values: a sale as it can be refunded, what the cashier asks, the
plan (a quote) and the result; and the VAT of planned lines (:func:`with_vat`), the house
rule applied once per class. Kept apart from :mod:`pos.services.refunds` (the use cases)
so the screens and the document codec can use them without the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pos.domain.messages import Message, define
from pos.domain.money import Money, allocate
from pos.domain.refund import RefundReceipt, TenderHow
from pos.domain.tax import TaxClass, VatLine, vat_from_gross
from pos.services.auth import Permission
from pos.services.refund_attempts import RefundAttemptState
from sync.protocol.refunds import REFUND_VAT_SLACK

REFUSED_TODO = define(
    "refund_refused_todo",
    "{amount} went back here for receipt {original}, but head office does not count it: it "
    "keeps refund {number} as a conflict for review. Do not give that money back again; "
    "tell head office what was handed over.",
)


@dataclass(frozen=True, slots=True)
class RefundableLine:
    """A line of the original sale: what was sold and what went back already."""

    line_no: int
    name: str
    sku: str
    quantity: int
    refunded_quantity: int
    unit_price: Money
    total: Money  # what the line cost, after its discounts
    refunded: Money

    @property
    def left(self) -> int:
        """Units that can still go back: never below zero, even when refunds head office
        refused (money handed back at two tills) count more than was sold."""
        return max(0, self.quantity - self.refunded_quantity)


@dataclass(frozen=True, slots=True)
class RefundableTender:
    """A payment of the original sale and the ways its money can go back."""

    payment_id: str
    method: str
    label: str
    paid: Money
    refunded: Money
    reference: str
    ways: tuple[TenderHow, ...]  # the first is the default


@dataclass(frozen=True, slots=True)
class RefusedRefund:
    """A refund of the sale that head office refused (its event parked on this till):
    the money went back here, and head office does not count it; a person follows it up."""

    number: str
    reason: Message  # in the reader's language where head office gave a code
    original_number: str = ""  # the receipt it refunded
    amount: Money | None = None  # what was handed back

    @property
    def todo(self) -> Message:
        """What the manager does about it: the money went back here and is not counted at
        head office, which keeps the refund as a conflict for review."""
        return REFUSED_TODO(
            number=self.number, original=self.original_number or "?", amount=self.amount or ""
        )


@dataclass(frozen=True, slots=True)
class PendingRefund:
    """A refund through a method still waiting to be resolved, as the screens show it:
    ``state`` says where it stands, ``message`` what the method last said and ``todo``
    what the manager does now."""

    attempt_id: str
    refund_id: str
    sale_id: str
    sale_number: str
    label: str
    amount: Money
    state: RefundAttemptState
    since: datetime
    message: str
    todo: Message | str


@dataclass(frozen=True, slots=True)
class ResolvedRefund:
    """What resolving one refund came to: ``outcome`` is ``completed`` (the document is
    written now: ``number``), ``not_refunded`` (nothing went back; the sale can be
    refunded again) or ``waiting`` (still open: see :class:`PendingRefund`)."""

    refund_id: str
    sale_id: str
    outcome: str
    number: str = ""
    message: str = ""
    done: RefundDone | None = None  # completed now: its receipt, to print


@dataclass(frozen=True, slots=True)
class RefundableSale:
    sale_id: str
    number: str
    closed_at: datetime
    day: date
    total: Money
    lines: tuple[RefundableLine, ...]
    tenders: tuple[RefundableTender, ...]
    refunds: tuple[str, ...]  # numbers of the refunds made already
    refused: tuple[RefusedRefund, ...] = ()  # of those, what head office refused
    #: refunds through a method still waiting for its answer (the sale takes no other)
    waiting: tuple[PendingRefund, ...] = ()
    #: the till that sold it, when that is another till (found at head office); "" here
    sold_at: str = ""
    #: for such a sale, when head office answered with it (its count of refunds is of
    #: then: a copy kept on this till is shown while head office cannot be reached)
    found_at: datetime | None = None

    @property
    def fully_refunded(self) -> bool:
        return all(line.left == 0 for line in self.lines)


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """What the cashier chose: ``quantities`` by original line number (1-based); ``how``
    and ``references`` by original payment id (a reversal's reference for ``by_hand``)."""

    sale_id: str
    quantities: Mapping[int, int]
    reason_code: str
    reason: str = ""
    how: Mapping[str, TenderHow] = field(default_factory=dict)
    references: Mapping[str, str] = field(default_factory=dict)
    restock: bool = True


@dataclass(frozen=True, slots=True)
class PlannedTender:
    payment_id: str  # the original payment ("" for a return without a receipt)
    method: str
    label: str
    amount: Money
    how: TenderHow
    reference: str = ""
    foreign: Money | None = None  # what a foreign-currency method gives back


@dataclass(frozen=True, slots=True)
class PlannedLine:
    original_line_no: int | None
    original_line_id: str | None
    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    quantity: int
    unit_price: Money
    total: Money
    tax_class: TaxClass
    vat: Money


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """What a refund would give back, line by line and tender by tender (a quote)."""

    sale_id: str
    original_number: str
    original_day: date | None
    lines: tuple[PlannedLine, ...]
    tenders: tuple[PlannedTender, ...]
    total: Money
    vat: tuple[VatLine, ...]
    needs: frozenset[Permission]


@dataclass(frozen=True, slots=True)
class RefundDone:
    refund_id: str
    number: str
    total: Money
    cash_out: Money  # what the drawer hands over now
    receipt: RefundReceipt


#: a planned line before its VAT: original line no and id, product id, SKU, barcode, name,
#: quantity, unit price, total, tax class
Row = tuple[int | None, str | None, int | None, str, str | None, str, int, Money, Money, TaxClass]


def with_vat(
    rows: Any, currency: str, before: Mapping[str, tuple[int, int]] | None = None
) -> list[PlannedLine]:
    """Lines with their VAT, per class by the house rule, then shared over the class's
    lines by largest remainder.

    ``before`` (class code: gross and VAT the sale's earlier refunds gave back in that
    class) makes the rule cumulative: the class's VAT is the VAT of everything refunded
    in it so far, this refund included, less the VAT refunded already. Refunded in parts,
    a sale then gives back exactly its own VAT per class (each part is within a cent of
    its own VAT); without ``before`` (a return without a receipt) the refund is alone."""
    items: list[Row] = list(rows)
    vat_of: dict[int, int] = {}
    for code in dict.fromkeys(r[9].code for r in items):
        members = [i for i, r in enumerate(items) if r[9].code == code]
        gross = sum(items[i][8].minor for i in members)
        tax_class = items[members[0]][9]
        vat = class_vat(gross, tax_class, currency, (before or {}).get(code, (0, 0)))
        shares = (
            allocate(vat, [items[i][8].minor for i in members]) if gross else [0] * len(members)
        )
        vat_of.update(zip(members, shares, strict=True))
    return [PlannedLine(*r, vat=Money(vat_of[i], currency)) for i, r in enumerate(items)]


def class_vat(gross: int, tax_class: TaxClass, currency: str, before: tuple[int, int]) -> int:
    """VAT (minor units) of ``gross`` more refunded in ``tax_class`` after ``before``
    (gross, VAT) went back in it: VAT(all so far) - VAT already back.

    Kept within :data:`~sync.protocol.refunds.REFUND_VAT_SLACK` of the refund's own VAT
    (what head office accepts: earlier refunds made by the per-document rule, before
    this one, then close over more than one refund), and between 0 and ``gross`` so the
    lines stay self-consistent (net + VAT = total, net >= 0)."""
    earlier_gross, earlier_vat = before
    if tax_class.exempt or tax_class.rate == 0 or gross <= 0:
        return 0  # zero-rated, exempt or nothing: no VAT, whatever went before
    own = vat_from_gross(Money(gross, currency), tax_class).minor
    cumulative = vat_from_gross(Money(earlier_gross + gross, currency), tax_class).minor
    wanted = cumulative - earlier_vat
    wanted = max(own - REFUND_VAT_SLACK, min(own + REFUND_VAT_SLACK, wanted))
    return max(0, min(gross, wanted))


def vat_rows(
    lines: list[PlannedLine] | tuple[PlannedLine, ...], currency: str
) -> tuple[VatLine, ...]:
    rows: dict[str, VatLine] = {}
    for ln in lines:
        known = rows.get(ln.tax_class.code)
        if known is None:
            rows[ln.tax_class.code] = VatLine(ln.tax_class, ln.total, ln.vat)
        else:
            rows[ln.tax_class.code] = VatLine(
                ln.tax_class, known.gross + ln.total, known.vat + ln.vat
            )
    return tuple(rows.values())
