"""Shifts and the cash drawer: open with a counted float, cash in and out, "no sale"
openings, and the close with a blind count.

A sale needs an open shift on its terminal (``CheckoutService`` asks
:func:`require_open_shift` inside the sale's own transaction). A shift belongs to the
terminal, not to a cashier: whoever is logged in sells into it, and the close counts the
drawer. It may run past midnight: its ``business_date`` is the day it opened, while each
sale keeps its own business day (the calendar day it closed in the shop's time zone).
Reports go by shift (close, X, Z) or by business day (the daily totals view).

Every document is written with its outbox event (``shift.opened``, ``cash.moved``,
``shift.closed``) and its audit entry in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from pos.domain.messages import define
from pos.domain.money import Money
from pos.services.audit import AuditWriter
from pos.services.auth import Approval, AuthService, Permission
from pos.services.cashup import CashCount, CashSummary, needs_approval
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import ServiceError
from pos.services.period import CASH, CountedRow, PeriodReport, build_period
from pos.services.shift_limits import ShiftLimits  # its home, apart for pos.config
from pos.store import repositories as repo
from pos.store import shifts as store
from pos.store.db import Database
from pos.store.models import CashMovementRecord, ShiftCloseRecord, ShiftRecord
from sync.protocol import builders
from sync.protocol.fields import Amount
from sync.protocol.shifts import CashCount as WireCount
from sync.protocol.shifts import CashSummary as WireCash
from sync.protocol.shifts import Denomination, ShiftClosed, ShiftOpened, TenderCheck

RECEIPT_COUNTER = "receipt"  # as CheckoutService numbers receipts
REFUND_COUNTER = "refund"  # as RefundService numbers refunds

NO_SHIFT = define(
    "shift_none",
    "No shift is open on this till: open one with the float counted (Manager tools, Ctrl+M).",
)
ALREADY_OPEN = define(
    "shift_already_open", "Shift {number} is already open on this till: close it first."
)
BASKET_OPEN = define(
    "shift_basket_open",
    "A sale is open on this till: finish, park or void it before closing the shift.",
)
BAD_AMOUNT = define("shift_bad_amount", "Enter an amount above zero.")
SHORT_REASON = define("shift_short_reason", "Give a reason (at least 3 characters).")
NOT_IN_DRAWER = define(
    "shift_not_in_drawer",
    "The drawer should hold {expected}; {amount} cannot be taken out of it.",
)
NOTE_NEEDED = define(
    "shift_note_needed",
    "The count is {difference} off what was expected: write a note saying why.",
)
UNKNOWN_KIND = define("shift_unknown_kind", "{kind} is not a kind of cash movement.")
#: what an approver is asked to approve (the approval dialog's title, in their language):
#: a cash movement over the limit, one text per kind, and a close that is off
APPROVE_MOVE = {
    "float_top_up": define("shift_approve_float_top_up", "Cash in of {amount} (float top-up)"),
    "paid_in": define("shift_approve_paid_in", "Cash in of {amount} (paid in)"),
    "paid_out": define("shift_approve_paid_out", "Cash out of {amount} (paid out)"),
    "drop": define("shift_approve_drop", "Cash out of {amount} (drop)"),
}
APPROVE_CLOSE = define("shift_approve_close", "Closing the shift {difference} off")
#: (the count stands after a colon, so neither language needs a plural form for it)
REFUNDS_WAITING_CLOSE = define(
    "shift_refunds_waiting",
    "Refunds still waiting on this till: {count}; the first is {amount} by {method}. The "
    "money may already be back with the customer, and the shift close would leave it out. "
    "Resolve each from the refund dialog (Check again, or settle by hand), then close.",
)
REFUNDS_WAITING_Z = define(
    "z_refunds_waiting",
    "Refunds still waiting on this till: {count}; the first is {amount} by {method}. The "
    "money may already be back with the customer, and the Z report would leave it out. "
    "Resolve each from the refund dialog (Check again, or settle by hand), then make the Z.",
)


@dataclass(frozen=True, slots=True)
class WaitingRefund:
    """A refund attempt of this terminal that is not resolved yet (created, pending,
    approved or unknown): money may be back with the customer, but no refund document is
    written, so no shift close or Z would count it."""

    attempt_id: str
    refund_id: str
    sale_id: str
    method: str
    state: str
    amount: Money
    created_at: datetime


def waiting_refunds(s: Session, terminal_id: str) -> list[WaitingRefund]:
    """The terminal's unresolved refund attempts, oldest first (read only)."""
    from pos.services.refund_attempts import open_attempts

    return [
        WaitingRefund(
            a.attempt_id, a.refund_id, a.sale_id, a.method, a.state.value, a.amount, a.created_at
        )
        for a in open_attempts(s, terminal_id)
    ]


def refuse_if_refunds_wait(s: Session, terminal_id: str, *, z: bool = False) -> None:
    """Refuse a shift close or Z while a refund of this terminal waits (each is final, and
    a refund whose money went back but whose document is not written would be in none)."""
    waiting = waiting_refunds(s, terminal_id)
    if waiting:
        first = waiting[0]
        message = REFUNDS_WAITING_Z if z else REFUNDS_WAITING_CLOSE
        raise ServiceError(message(count=len(waiting), amount=first.amount, method=first.method))


#: kinds of cash movement, by direction
KINDS_IN = ("float_top_up", "paid_in")
KINDS_OUT = ("paid_out", "drop")


@dataclass(frozen=True, slots=True)
class ShiftView:
    shift_id: str
    number: int
    opened_at_iso: str
    opened_by: str
    business_date: str
    opening_float: Money
    float_count: CashCount


@dataclass(frozen=True, slots=True)
class CloseResult:
    """What the close found, shown only after the blind count was entered."""

    shift: ShiftView
    report: PeriodReport
    counted: Money
    expected: Money
    difference: Money
    tenders: tuple[CountedRow, ...]
    approved_by: str = ""


@dataclass(slots=True)
class ShiftService:
    db: Database
    ctx: TerminalContext
    clock: Clock
    ids: IdFactory
    auth: AuthService
    limits: ShiftLimits = field(default_factory=ShiftLimits)

    @property
    def _audit(self) -> AuditWriter:
        return AuditWriter(self.ctx, self.clock, self.ids)

    def _counters(self) -> tuple[str, str]:
        t = self.ctx.terminal_id
        return f"{RECEIPT_COUNTER}:{t}", f"{REFUND_COUNTER}:{t}"

    # -- reading ----------------------------------------------------------------------------
    def current(self) -> ShiftView | None:
        """The shift open on this till (None: sales are refused until one is opened)."""
        with self.db.session() as s:
            row = store.open_shift(s, self.ctx.terminal_id)
            return None if row is None else self._view(row)

    def _view(self, row: ShiftRecord) -> ShiftView:
        counts = dict(store.counts_of(row.float_counts))
        return ShiftView(
            row.id,
            row.number,
            row.opened_at.isoformat(),
            row.opened_by_name,
            row.business_date,
            Money(row.float_minor, row.currency),
            CashCount.of(counts, row.currency),
        )

    def drawer(self) -> CashSummary:
        """Where the open shift's expected cash comes from (a manager's view: the close
        itself is blind, so this needs the reports permission)."""
        self.auth.require(Permission.VIEW_REPORTS)
        with self.db.session() as s:
            shift = self._require_open(s)
            return self._period(s, shift, "shift").cash

    # -- open -------------------------------------------------------------------------------
    def open(self, pieces: Mapping[int, int]) -> ShiftView:
        """Open a shift with the float counted by denomination (all zeros is allowed)."""
        user = self.auth.require(Permission.SELL)
        return self._open(user.user_id, user.name, CashCount.of(pieces, self.ctx.currency))

    def open_for_demo(self, user_id: str, name: str) -> ShiftView:
        """Training seeding only: open the first shift with a zero float so the quick
        start sells at once (a live till, and training after that, asks for the float)."""
        if not self.ctx.training:
            raise ServiceError("Only a training till opens a shift by itself.")
        return self._open(user_id, name, CashCount.zero(self.ctx.currency))

    def _open(self, user_id: str, name: str, count: CashCount) -> ShiftView:
        now = self.clock.now()
        receipts, refunds = self._counters()
        with self.db.session() as s:
            latest = store.latest_shift(s, self.ctx.terminal_id)
            if latest is not None and latest[1] is None:
                raise ServiceError(ALREADY_OPEN(number=latest[0].number))
            row = ShiftRecord(
                id=self.ids.new(),
                terminal_id=self.ctx.terminal_id,
                number=(latest[0].number if latest else 0) + 1,
                opened_by=user_id,
                opened_by_name=name,
                opened_at=now,
                business_date=self.ctx.business_date(now),
                currency=self.ctx.currency,
                float_minor=count.total.minor,
                float_counts=store.counts_json(list(count.counts)),
                first_sale_seq=store.counter_value(s, receipts) + 1,
                first_refund_seq=store.counter_value(s, refunds) + 1,
                training=self.ctx.training,
            )
            store.add(s, row)
            seq = repo.next_outbox_seq(s)
            doc = builders.shift_opened(
                event_id=self.ids.new(),
                store_id=self.ctx.store.store_id,
                terminal_id=self.ctx.terminal_id,
                seq=seq,
                created_at=now,
                training=self.ctx.training,
                shift=ShiftOpened(
                    shift_id=row.id,
                    opened_at=now,
                    business_date=date.fromisoformat(row.business_date),
                    opened_by=user_id,
                    currency=row.currency,
                    opening_float=_wire_count(count),
                ),
            )
            self._outbox(s, doc, row.id, seq)
            self._audit.write(
                s,
                user_id=user_id,
                action="shift_opened",
                document_id=row.id,
                detail={"number": row.number, "float": row.float_minor},
            )
            return self._view(row)

    # -- the drawer during the shift ----------------------------------------------------------
    def cash_in(
        self, amount: Money, kind: str, reason: str, approval: Approval | None = None
    ) -> Money:
        """Cash put into the drawer (a float top-up); returns the new expected cash."""
        if kind not in KINDS_IN:
            raise ServiceError(UNKNOWN_KIND(kind=kind))
        return self._move("in", amount, kind, reason, approval)

    def cash_out(
        self, amount: Money, kind: str, reason: str, approval: Approval | None = None
    ) -> Money:
        """Cash taken out (a paid-out with its reason, a drop to the safe); never more
        than the drawer should hold. Returns the new expected cash."""
        if kind not in KINDS_OUT:
            raise ServiceError(UNKNOWN_KIND(kind=kind))
        return self._move("out", amount, kind, reason, approval)

    def _move(
        self, direction: str, amount: Money, kind: str, reason: str, approval: Approval | None
    ) -> Money:
        user = self.auth.require(Permission.SELL)
        reason = reason.strip()
        if amount.currency != self.ctx.currency or amount.minor <= 0:
            raise ServiceError(BAD_AMOUNT())
        if len(reason) < 3:
            raise ServiceError(SHORT_REASON())
        who = user.user_id
        if amount.minor > self.limits.cash_movement_approval_above:
            label = APPROVE_MOVE[kind](amount=amount)
            who = self.auth.authorize(Permission.CASH_OVER_LIMIT, approval, label)
        approved_by = "" if who == user.user_id else who
        now = self.clock.now()
        with self.db.session() as s:
            shift = self._require_open(s)
            expected = self._period(s, shift, "shift").cash.expected
            if direction == "out" and amount > expected:
                raise ServiceError(NOT_IN_DRAWER(expected=expected, amount=amount))
            row = CashMovementRecord(
                id=self.ids.new(),
                shift_id=shift.id,
                at=now,
                direction=direction,
                kind=kind,
                amount_minor=amount.minor,
                currency=amount.currency,
                reason=reason,
                by_user=user.user_id,
                approved_by=approved_by,
            )
            store.add(s, row)
            seq = repo.next_outbox_seq(s)
            doc = builders.cash_moved(
                event_id=self.ids.new(),
                store_id=self.ctx.store.store_id,
                terminal_id=self.ctx.terminal_id,
                seq=seq,
                created_at=now,
                training=self.ctx.training,
                movement_id=row.id,
                shift_id=shift.id,
                at=now,
                direction=direction,
                kind=kind,
                amount=amount,
                reason=reason,
                by=user.user_id,
                approved_by=approved_by or None,
            )
            self._outbox(s, doc, row.id, seq)
            self._audit.write(
                s,
                user_id=user.user_id,
                action=f"cash_{direction}",
                document_id=row.id,
                approved_by=approved_by,
                detail={"kind": kind, "amount": amount.minor, "reason": reason},
            )
            return expected + amount if direction == "in" else expected - amount

    def no_sale(self, reason: str = "") -> int:
        """The drawer opened without a sale: counted on the close and the reports, and
        audited. Returns how many this shift has had."""
        user = self.auth.require(Permission.SELL)
        now = self.clock.now()
        with self.db.session() as s:
            shift = self._require_open(s)
            store.add(
                s,
                CashMovementRecord(
                    id=self.ids.new(),
                    shift_id=shift.id,
                    at=now,
                    direction="none",
                    kind="no_sale",
                    amount_minor=0,
                    currency=self.ctx.currency,
                    reason=reason.strip()[:200],
                    by_user=user.user_id,
                    approved_by="",
                ),
            )
            self._audit.write(s, user_id=user.user_id, action="no_sale", document_id=shift.id)
            return store.movement_sums(s, [shift.id])[2]

    # -- close --------------------------------------------------------------------------------
    def tenders_to_count(self) -> list[str]:
        """The codes of the non-cash methods that took money in the open shift, so the
        close can ask for a count of each (the M-Pesa statement, the card batch total).
        Only the codes: the close is blind, what each should come to is shown after it."""
        self.auth.require(Permission.SELL)
        with self.db.session() as s:
            shift = self._require_open(s)
            report = self._period(s, shift, "shift")
            return [
                t.method for t in report.tenders if t.method != CASH and (t.count or t.refunded)
            ]

    def close(
        self,
        pieces: Mapping[int, int],
        note: str = "",
        other_counts: Mapping[str, Money] | None = None,
        approval: Approval | None = None,
    ) -> CloseResult:
        """Close the shift with a blind count of the drawer by denomination.

        ``other_counts``: what the manager counted for other tenders (the M-Pesa
        statement, the card terminal's batch total); a tender not given counts as
        expected. A difference needs a note; one beyond the limit needs a manager.
        """
        user = self.auth.require(Permission.SELL)
        count = CashCount.of(pieces, self.ctx.currency)
        note = note.strip()
        now = self.clock.now()
        with self.db.session() as s:
            shift = self._require_open(s)
            if store.open_basket_items(s, self.ctx.terminal_id) > 0:
                raise ServiceError(BASKET_OPEN())
            refuse_if_refunds_wait(s, self.ctx.terminal_id)
            report = self._period(s, shift, "shift")
            expected = report.cash.expected
            difference = count.total - expected
            checks = [CountedRow(CASH, expected.minor, count.total.minor)]
            others = dict(other_counts or {})
            for t in report.tenders:
                if t.method == CASH:
                    continue
                got = others.pop(t.method, None)
                checks.append(CountedRow(t.method, t.net, t.net if got is None else got.minor))
            for method, got in sorted(others.items()):
                checks.append(CountedRow(method, 0, got.minor))
            off = [c for c in checks if c.difference]
            if off and len(note) < 3:
                shown = Money(off[0].difference, self.ctx.currency)
                raise ServiceError(NOTE_NEEDED(difference=shown))
            limit = Money(self.limits.close_difference_approval_above, self.ctx.currency)
            who = user.user_id
            worst = max((abs(c.difference) for c in checks), default=0)
            if needs_approval(Money(worst, self.ctx.currency), limit):
                label = APPROVE_CLOSE(difference=Money(worst, self.ctx.currency))
                who = self.auth.authorize(Permission.CLOSE_DIFFERENCE, approval, label)
            approved_by = "" if who == user.user_id else who
            receipts, refunds = self._counters()
            close = ShiftCloseRecord(
                shift_id=shift.id,
                closed_by=user.user_id,
                closed_by_name=user.name,
                approved_by=approved_by,
                closed_at=now,
                last_sale_seq=store.counter_value(s, receipts),
                last_refund_seq=store.counter_value(s, refunds),
                expected_cash_minor=expected.minor,
                counted_minor=count.total.minor,
                counted_counts=store.counts_json(list(count.counts)),
                difference_minor=difference.minor,
                tenders=_tenders_json(checks),
                note=note,
            )
            store.add(s, close)
            report = self._period(s, shift, "shift", close)
            seq = repo.next_outbox_seq(s)
            doc = builders.shift_closed(
                event_id=self.ids.new(),
                store_id=self.ctx.store.store_id,
                terminal_id=self.ctx.terminal_id,
                seq=seq,
                created_at=now,
                training=self.ctx.training,
                shift=ShiftClosed(
                    shift_id=shift.id,
                    opened_at=shift.opened_at,
                    closed_at=now,
                    business_date=date.fromisoformat(shift.business_date),
                    closed_by=user.user_id,
                    approved_by=approved_by or None,
                    currency=self.ctx.currency,
                    cash=_wire_cash(report.cash),
                    counted=_wire_count(count),
                    tenders=tuple(
                        TenderCheck(
                            c.method,
                            Amount(c.expected, self.ctx.currency),
                            Amount(c.counted, self.ctx.currency),
                            Amount(c.difference, self.ctx.currency),
                        )
                        for c in checks
                    ),
                    sales_count=report.sales_count,
                    no_sale_count=report.no_sale_count,
                    note=note,
                ),
            )
            self._outbox(s, doc, shift.id, seq)
            self._audit.write(
                s,
                user_id=user.user_id,
                action="shift_closed",
                document_id=shift.id,
                approved_by=approved_by,
                detail={
                    "number": shift.number,
                    "expected": expected.minor,
                    "counted": count.total.minor,
                    "difference": difference.minor,
                },
            )
            return CloseResult(
                self._view(shift),
                report,
                count.total,
                expected,
                difference,
                tuple(checks),
                approved_by,
            )

    # -- helpers ------------------------------------------------------------------------------
    def _require_open(self, s: Session) -> ShiftRecord:
        row = store.open_shift(s, self.ctx.terminal_id)
        if row is None:
            raise ServiceError(NO_SHIFT())
        return row

    def _period(
        self, s: Session, shift: ShiftRecord, kind: str, close: ShiftCloseRecord | None = None
    ) -> PeriodReport:
        receipts, refunds = self._counters()
        user = self.auth.current
        return build_period(
            s,
            self.ctx,
            [(shift, close)],
            kind=kind,
            z_number=0,
            now=self.clock.now(),
            made_by=user.name if user else "",
            receipt_counter=receipts,
            refund_counter=refunds,
        )

    def _outbox(self, s: Session, doc: dict[str, object], aggregate: str, seq: int) -> None:
        repo.add_outbox_event(
            s,
            event_id=str(doc["event_id"]),
            kind=str(doc["type"]),
            aggregate_id=aggregate,
            payload=doc,
            now=self.clock.now(),
            seq=seq,
        )


def expected_in_drawer(s: Session, ctx: TerminalContext, now: datetime) -> Money | None:
    """The cash the open shift's drawer should hold now (None: no shift is open), by the
    very figure its cash-up expects (float + cash sales - cash refunds + paid in - paid
    out), so a refund can refuse to hand over cash the drawer cannot hold."""
    shift = store.open_shift(s, ctx.terminal_id)
    if shift is None:
        return None
    t = ctx.terminal_id
    return build_period(
        s,
        ctx,
        [(shift, None)],
        kind="shift",
        z_number=0,
        now=now,
        made_by="",
        receipt_counter=f"{RECEIPT_COUNTER}:{t}",
        refund_counter=f"{REFUND_COUNTER}:{t}",
    ).cash.expected


def require_open_shift(s: Session, terminal_id: str) -> str:
    """Inside a document's transaction: the id of the open shift, or a clear refusal."""
    shift_id = store.open_shift_id(s, terminal_id)
    if shift_id is None:
        raise ServiceError(NO_SHIFT())
    return shift_id


def _wire_count(count: CashCount) -> WireCount:
    return WireCount(
        tuple(Denomination(v, c) for v, c in count.counts if c),
        Amount.of(count.total),
    )


def _wire_cash(cash: CashSummary) -> WireCash:
    return WireCash(
        Amount.of(cash.opening_float),
        Amount.of(cash.sales),
        Amount.of(cash.refunds),
        Amount.of(cash.paid_in),
        Amount.of(cash.paid_out),
        Amount.of(cash.expected),
    )


def _tenders_json(checks: list[CountedRow]) -> str:
    import json

    return json.dumps([[c.method, c.expected, c.counted] for c in checks], separators=(",", ":"))
