"""Sales of another till of the store, found at head office for a refund here.

A customer brings back goods bought at the front till to the back till. The back till's
journal does not hold that sale, so an enrolled till asks head office
(``GET /api/v1/sales-for-refund``, ``sync/server/api/refund_lookup.py``) by the receipt
number (the printed barcode holds it) or a payment reference. The answer is parsed here into
a :class:`RemoteSale`: the sale's lines and tenders as the selling till sent them, and the
refunds head office counted already, each by id. Then the normal refund flow runs on it
(:class:`~pos.services.refunds.RefundService`): what was refunded of each line and tender is
head office's count plus this till's own refunds of the sale that head office has not
counted yet (:func:`counted`), never one twice. The refund is this till's document and
outbox event like any other; head office checks it again when it arrives and rejects the
second of two tills racing on one receipt (the till parks it and says so).

The lookup itself is a :data:`SaleLookup` the composition root supplies (``pos.refund_link``
over the sync agent's HTTP client); it runs as a network step, never on the till worker.
An unreachable head office is :class:`LookupUnavailable` (the cashier is told, nothing
changes); a refused question is :class:`LookupRefused`.

Every sale found is kept on this till (:func:`keep`: head office's answer as it came, a
``sync_state`` named value ``refund_sale.<sale id>``, the table of named values the till
already has), so a restart during a refund through a method loses nothing (the waiting
refund is resolved from the kept copy, :func:`kept`) and the refund screen can show the
sale again while head office cannot be reached (:func:`kept_matching`). The kept copy is
head office's count as it was then: a refund of it is checked again by head office.

Kept copies do not stay forever (:func:`prune_kept`): one goes once it was found longer ago
than ``[policy] kept_sale_days`` (90 days by default; the till has no refund time limit of
its own, so this is the window the copy serves) and no refund of that sale made here still
needs it: none waiting to be sent to head office or parked there (an outbox event not
acknowledged), none waiting for its method's answer (an open refund attempt). A sale
refunded after that is simply looked up at head office again. The prune runs with the
till's refund housekeeping after each login (:meth:`RefundService.resolve_pending_steps
<pos.services.refunds.RefundService.resolve_pending_steps>`), on the till worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pos.domain.messages import define
from pos.domain.money import Money
from pos.domain.tax import TaxClass
from pos.services.refund_attempts import OPEN as OPEN_ATTEMPTS
from pos.store import sync_state
from pos.store.models import (
    OutboxEvent,
    RefundAttemptRecord,
    RefundLineRecord,
    RefundRecord,
    RefundTenderRecord,
    SyncState,
)

#: ask head office for sales matching what the cashier typed or scanned
SaleLookup = Callable[[str], list[dict[str, Any]]]

NOT_ENROLLED = define(
    "refund_remote_not_enrolled",
    "No receipt {text} in this till's journal, and this till is not linked to a head office "
    "that could find it: refund it at the till that sold it.",
)
UNREACHABLE = define(
    "refund_remote_unreachable",
    "No receipt {text} in this till's journal, and head office cannot be reached to look "
    "for it ({problem}). Nothing was changed: try again when the till is online, or refund "
    "it at the till that sold it.",
)
REFUSED = define(
    "refund_remote_refused",
    "Head office did not look the receipt up: {problem}",
)
UNREADABLE = define(
    "refund_remote_unreadable",
    "Head office answered with a sale this till cannot read ({problem}). Nothing was "
    "changed: refund it at the till that sold it.",
)
NOT_HERE = define(
    "refund_remote_forgotten",
    "That sale is not in this till's journal: look it up again (head office finds it).",
)


class LookupUnavailable(Exception):
    """Head office could not be reached, or did not answer in time (nothing changed)."""


class LookupRefused(Exception):
    """Head office refused the question (a revoked till, a bad query)."""


@dataclass(frozen=True, slots=True)
class RemoteLine:
    line_id: str
    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    quantity: int
    unit_price: Money
    total: Money  # after the line's discounts
    tax_class: TaxClass


@dataclass(frozen=True, slots=True)
class RemotePayment:
    payment_id: str
    method: str
    amount: Money
    reference: str
    details: Mapping[str, str]
    #: what the method took, in the currency it took it (PayPal: the captured USD); None
    #: when head office's answer does not say (then it goes back by hand or as cash)
    taken: Money | None = None


@dataclass(frozen=True, slots=True)
class RemoteRefund:
    """A refund of the sale in head office's ledger (from any terminal)."""

    refund_id: str
    number: str
    lines: Mapping[str, tuple[int, int]]  # original line id: (units, minor)
    tenders: Mapping[str, int]  # original payment id: minor


@dataclass(frozen=True, slots=True)
class RemoteSale:
    """A sale of another till of the store as head office holds it."""

    sale_id: str
    number: str
    terminal_id: str  # the till that sold it
    completed: bool
    closed_at: datetime
    day: date
    currency: str
    total: Money
    lines: tuple[RemoteLine, ...]
    payments: tuple[RemotePayment, ...]
    refunds: tuple[RemoteRefund, ...]
    #: when head office answered with this copy (its count of refunds is of then)
    found_at: datetime | None = None
    #: the buyer's KRA PIN and name on the sale's tax invoice (None: none named, or an
    #: answer from a head office older than the field); a refund's credit note names it
    buyer_pin: str | None = None
    buyer_name: str | None = None


def parse_sale(doc: Mapping[str, Any]) -> RemoteSale:
    """One sale of head office's answer; :class:`ValueError` naming what is wrong."""
    try:
        currency = str(doc["currency"])

        def money(value: Any) -> Money:
            return Money(int(value), currency)

        lines = tuple(
            RemoteLine(
                line_id=str(ln["line_id"]),
                product_id=None if ln.get("product_id") is None else int(ln["product_id"]),
                sku=str(ln.get("sku") or ""),
                barcode=None if ln.get("barcode") is None else str(ln["barcode"]),
                name=str(ln["name"]),
                quantity=int(ln["quantity"]),
                unit_price=money(ln["unit_price_minor"]),
                total=money(ln["total_minor"]),
                tax_class=TaxClass(
                    str(ln["vat_code"]),
                    str(ln["vat_code"]),
                    Decimal(str(ln["vat_rate"])),
                    bool(ln["vat_exempt"]),
                ),
            )
            for ln in doc["lines"]
        )
        payments = tuple(
            RemotePayment(
                payment_id=str(p["payment_id"]),
                method=str(p["method"]),
                amount=money(p["amount_minor"]),
                reference=str(p.get("reference") or ""),
                details={str(k): str(v) for k, v in dict(p.get("details") or {}).items()},
                taken=_taken(p),
            )
            for p in doc["payments"]
        )
        refunds = tuple(
            RemoteRefund(
                refund_id=str(r["refund_id"]),
                number=str(r["receipt_number"]),
                lines=_sum_lines(r["lines"]),
                tenders=_sum_tenders(r["tenders"]),
            )
            for r in doc["refunds"]
        )
        closed = datetime.fromisoformat(str(doc["closed_at"]))
        if closed.tzinfo is None:
            raise ValueError("closed_at has no time zone")
        buyer = doc.get("buyer")
        if buyer is not None and not isinstance(buyer, Mapping):
            raise ValueError("buyer is not an object")
        return RemoteSale(
            buyer_pin=None if not buyer or not buyer.get("tax_pin") else str(buyer["tax_pin"]),
            buyer_name=None if not buyer or not buyer.get("name") else str(buyer["name"]),
            sale_id=str(doc["sale_id"]),
            number=str(doc["receipt_number"]),
            terminal_id=str(doc["terminal_id"]),
            completed=doc["status"] == "completed",
            closed_at=closed,
            day=date.fromisoformat(str(doc["business_date"])),
            currency=currency,
            total=money(doc["total_minor"]),
            lines=lines,
            payments=payments,
            refunds=refunds,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from None


def _taken(p: Mapping[str, Any]) -> Money | None:
    """The payment's ``taken_minor``/``taken_currency`` (a head office that predates
    them sends neither: None)."""
    if p.get("taken_minor") is None or not p.get("taken_currency"):
        return None
    taken = Money(int(p["taken_minor"]), str(p["taken_currency"]))
    if taken.minor <= 0:
        raise ValueError("taken_minor is not more than zero")
    return taken


#: the named value (``sync_state``) a sale found at head office is kept under
KEPT_PREFIX = "refund_sale."


def keep(s: Session, doc: Mapping[str, Any], found_at: datetime) -> None:
    """Keep head office's answer for one sale on this till (replacing an older copy), so
    a refund of it survives a restart and the sale can be shown again offline."""
    value = json.dumps(
        {"found_at": found_at.isoformat(), "sale": dict(doc)},
        separators=(",", ":"),
        sort_keys=True,
    )
    sync_state.set_value(s, f"{KEPT_PREFIX}{doc['sale_id']}", value)


def kept(s: Session, sale_id: str) -> RemoteSale | None:
    """The kept copy of a sale found at head office (None: never found here, or the copy
    no longer reads, which is then as if never found)."""
    value = sync_state.get_value(s, f"{KEPT_PREFIX}{sale_id}")
    return None if value is None else _read_kept(value)


def _read_kept(value: str) -> RemoteSale | None:
    try:
        data = json.loads(value)
        sale = parse_sale(data["sale"])
        return replace(sale, found_at=datetime.fromisoformat(str(data["found_at"])))
    except (ValueError, KeyError, TypeError):
        return None


def kept_matching(s: Session, text: str) -> list[RemoteSale]:
    """Kept sales whose receipt number or a payment reference is ``text`` (exactly, case
    ignored, as head office matches), newest first."""
    wanted = " ".join(text.split()).casefold()
    out: list[RemoteSale] = []
    for (value,) in s.execute(
        select(SyncState.value).where(SyncState.name.startswith(KEPT_PREFIX))
    ).all():
        sale = _read_kept(value)
        if sale is None:
            continue
        if sale.number.casefold() == wanted or any(
            p.reference and p.reference.casefold() == wanted for p in sale.payments
        ):
            out.append(sale)
    return sorted(out, key=lambda x: x.closed_at, reverse=True)


#: ``[policy] kept_sale_days`` when the config does not say
KEEP_DAYS = 90


def _found_at(value: str) -> datetime | None:
    """When a kept copy was found (None: the copy does not read, so it serves nothing)."""
    try:
        found = datetime.fromisoformat(str(json.loads(value)["found_at"]))
    except (ValueError, KeyError, TypeError):
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def prune_kept(s: Session, now: datetime, keep_for: timedelta) -> list[str]:
    """Forget the kept copies found longer than ``keep_for`` before ``now`` (and those that
    no longer read) unless a refund of that sale made here still needs the copy: its
    outbox event not yet acknowledged (waiting, or parked by head office), or one of its
    refund attempts still open. Returns the sale ids forgotten. Runs inside the caller's
    write transaction."""
    cutoff = now - keep_for
    old: list[str] = []
    for name, value in s.execute(
        select(SyncState.name, SyncState.value).where(SyncState.name.startswith(KEPT_PREFIX))
    ).all():
        found = _found_at(value)
        if found is None or found < cutoff:
            old.append(name.removeprefix(KEPT_PREFIX))
    if not old:
        return []
    needed = set(
        s.scalars(
            select(RefundRecord.original_sale_id)
            .join(OutboxEvent, OutboxEvent.aggregate_id == RefundRecord.id)
            .where(
                RefundRecord.original_sale_id.in_(old),
                OutboxEvent.kind == "refund.completed",
                OutboxEvent.sent_at.is_(None),
            )
        ).all()
    )
    needed.update(
        s.scalars(
            select(RefundAttemptRecord.sale_id).where(
                RefundAttemptRecord.sale_id.in_(old),
                RefundAttemptRecord.state.in_([st.value for st in OPEN_ATTEMPTS]),
            )
        ).all()
    )
    gone = [sale_id for sale_id in old if sale_id not in needed]
    if gone:
        s.execute(delete(SyncState).where(SyncState.name.in_([f"{KEPT_PREFIX}{g}" for g in gone])))
    return gone


def _sum_lines(rows: Any) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for ln in rows:
        qty, minor = out.get(str(ln["line_id"]), (0, 0))
        out[str(ln["line_id"])] = (qty + int(ln["quantity"]), minor + int(ln["total_minor"]))
    return out


def _sum_tenders(rows: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in rows:
        out[str(t["payment_id"])] = out.get(str(t["payment_id"]), 0) + int(t["amount_minor"])
    return out


@dataclass(frozen=True, slots=True)
class Counted:
    """What went back of a remote sale already: by line number (1-based) units and minor
    units, by payment id minor units, and the refunds' numbers (head office's first)."""

    lines: Mapping[int, tuple[int, int]]
    payments: Mapping[str, int]
    numbers: tuple[str, ...]


def counted(s: Session, sale: RemoteSale) -> Counted:
    """Head office's refunds of ``sale`` plus this till's own that it has not counted yet
    (not synced, or parked): each refund once, by its id."""
    known = {r.refund_id for r in sale.refunds}
    line_no = {ln.line_id: n for n, ln in enumerate(sale.lines, start=1)}
    lines: dict[int, tuple[int, int]] = {}
    payments: dict[str, int] = {}
    numbers = [r.number for r in sale.refunds]

    def add_line(no: int, qty: int, minor: int) -> None:
        q, m = lines.get(no, (0, 0))
        lines[no] = (q + qty, m + minor)

    for r in sale.refunds:
        for line_id, (qty, minor) in r.lines.items():
            if line_id in line_no:
                add_line(line_no[line_id], qty, minor)
        for pid, minor in r.tenders.items():
            payments[pid] = payments.get(pid, 0) + minor
    mine = [
        (rid, number)
        for rid, number in s.execute(
            select(RefundRecord.id, RefundRecord.number)
            .where(RefundRecord.original_sale_id == sale.sale_id)
            .order_by(RefundRecord.seq)
        ).all()
        if rid not in known
    ]
    if mine:
        ids = [rid for rid, _ in mine]
        for no, qty, minor in s.execute(
            select(
                RefundLineRecord.original_line_no,
                RefundLineRecord.quantity,
                RefundLineRecord.total_minor,
            ).where(
                RefundLineRecord.refund_id.in_(ids),
                RefundLineRecord.original_line_no.is_not(None),
            )
        ).all():
            if no is not None:
                add_line(int(no), int(qty), int(minor))
        for pid, minor in s.execute(
            select(RefundTenderRecord.original_payment_id, RefundTenderRecord.amount_minor).where(
                RefundTenderRecord.refund_id.in_(ids)
            )
        ).all():
            if pid:
                payments[str(pid)] = payments.get(str(pid), 0) + int(minor)
        numbers.extend(number for _, number in mine)
    return Counted(lines, payments, tuple(numbers))
