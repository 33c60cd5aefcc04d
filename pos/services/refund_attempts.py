"""Refund attempts: money given back through a method, stored before the method is asked.

A refund tender that goes back through a payment method (a card terminal, PayPal) is one
row of ``refund_attempts`` (migration 0010), written before anything is sent, so a refund
whose method stopped answering is never lost, never sent twice and never settled by
guesswork: it is resolved later by asking the method (:meth:`PaymentMethod.refund_status`).

Its ``state`` moves forward only (:data:`MOVES`, checked by compare and set in the
``UPDATE`` itself, so two writers cannot both move one attempt):

``created``
    stored with the refund as asked (``request``); the method was not asked to give
    anything back yet. One found at start-up was never sent: ``not_refunded``.
``pending``
    the method was asked; ``gateway_ref`` holds what it noted before
    (:meth:`PaymentMethod.prepare_refund`: a terminal's last receipt number).
``approved``
    the method gave the money back (``refund_ref``/``receipt_ref`` its proof); the refund
    document is not written yet.
``completed``
    the refund document is written, in the same transaction as this move.
``not_refunded`` / ``declined``
    no money moved (never sent, the method found nothing, or it declined).
``unknown``
    the method answered, but its answer does not tell (the terminal did something else
    since): a manager looks at the method's own records and settles it by hand.

Open attempts (created, pending, approved, unknown) keep their sale from a second refund.
Not evidence (the refund document and the audit log are): a working table like
``payment_attempts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pos.domain.messages import define
from pos.domain.money import Money
from pos.services.errors import ServiceError
from pos.store.models import PaymentAttempt, RefundAttemptRecord


class RefundAttemptState(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    APPROVED = "approved"
    COMPLETED = "completed"
    NOT_REFUNDED = "not_refunded"
    DECLINED = "declined"
    UNKNOWN = "unknown"

    @property
    def open(self) -> bool:
        return self in OPEN


S = RefundAttemptState
#: the moves an attempt may make; anything else (backwards, out of a final state) is refused
MOVES: dict[RefundAttemptState, frozenset[RefundAttemptState]] = {
    S.CREATED: frozenset({S.PENDING, S.NOT_REFUNDED}),
    S.PENDING: frozenset({S.APPROVED, S.NOT_REFUNDED, S.DECLINED, S.UNKNOWN}),
    S.UNKNOWN: frozenset({S.APPROVED, S.NOT_REFUNDED}),
    S.APPROVED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.NOT_REFUNDED: frozenset(),
    S.DECLINED: frozenset(),
}
#: still to be resolved: the sale takes no other refund meanwhile
OPEN = frozenset({S.CREATED, S.PENDING, S.APPROVED, S.UNKNOWN})
#: no money moved
NOTHING_BACK = frozenset({S.NOT_REFUNDED, S.DECLINED})


class IllegalMove(ServiceError):
    """A refund attempt was asked to move where it may not (backwards, or out of a final
    state), or another writer moved it first. Nothing was changed."""


NO_SUCH_ATTEMPT = define("refund_attempt.unknown", "There is no refund attempt {attempt}.")
CANNOT_MOVE = define(
    "refund_attempt.cannot_move",
    "Refund attempt {attempt} is {state}: it cannot become {to}.",
)
MOVED_MEANWHILE = define(
    "refund_attempt.moved_meanwhile", "Refund attempt {attempt} was moved meanwhile."
)


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """A refund attempt as the service reads it."""

    attempt_id: str
    refund_id: str
    sale_id: str
    payment_id: str
    method: str
    state: RefundAttemptState
    amount: Money
    gateway_ref: str
    refund_ref: str
    receipt_ref: str
    code: str
    message: str
    request: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def tender_index(self) -> int:
        """Which tender of the refund plan it is (0-based; the id is ``<refund>-<n>``)."""
        return int(self.attempt_id.rsplit("-", 1)[1]) - 1


def attempt_id(refund_id: str, tender_index: int) -> str:
    """The attempt of a refund's tender; also its idempotency key at the method."""
    return f"{refund_id}-{tender_index + 1}"


def _row(r: RefundAttemptRecord) -> AttemptRow:
    return AttemptRow(
        attempt_id=r.id,
        refund_id=r.refund_id,
        sale_id=r.sale_id,
        payment_id=r.payment_id,
        method=r.method,
        state=RefundAttemptState(r.state),
        amount=Money(r.amount_minor, r.currency),
        gateway_ref=r.gateway_ref,
        refund_ref=r.refund_ref,
        receipt_ref=r.receipt_ref,
        code=r.code,
        message=r.message,
        request=r.request,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def add(
    s: Session,
    *,
    attempt: str,
    refund_id: str,
    sale_id: str,
    payment_id: str,
    terminal_id: str,
    method: str,
    amount: Money,
    request: str,
    created_by: str,
    now: datetime,
) -> None:
    """Store a refund attempt as ``created`` (before its method is asked anything)."""
    if amount.minor <= 0:
        raise ValueError("a refund attempt gives back more than zero")
    s.add(
        RefundAttemptRecord(
            id=attempt,
            refund_id=refund_id,
            sale_id=sale_id,
            payment_id=payment_id,
            terminal_id=terminal_id,
            method=method,
            state=S.CREATED.value,
            amount_minor=amount.minor,
            currency=amount.currency,
            gateway_ref="",
            refund_ref="",
            receipt_ref="",
            code="",
            message="",
            request=request,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    )
    s.flush()


def move(
    s: Session,
    attempt: str,
    to: RefundAttemptState,
    now: datetime,
    *,
    expect: Iterable[RefundAttemptState] | None = None,
    gateway_ref: str | None = None,
    refund_ref: str | None = None,
    receipt_ref: str | None = None,
    code: str | None = None,
    message: str | None = None,
) -> AttemptRow:
    """Move ``attempt`` to ``to`` if :data:`MOVES` allows it from the state it is in
    (``expect``: only from these). The ``UPDATE`` names the states it moves from, so a
    writer that moved it first makes this one fail (:class:`IllegalMove`), never both.
    ``to`` equal to the state it is in only updates the texts (a re-check's news)."""
    row = s.get(RefundAttemptRecord, attempt)
    if row is None:
        raise IllegalMove(NO_SUCH_ATTEMPT(attempt=attempt))
    s.refresh(row)
    here = RefundAttemptState(row.state)
    allowed = {here} if to is here and here.open else {f for f, tos in MOVES.items() if to in tos}
    if expect is not None:
        allowed &= set(expect)
    if here not in allowed:
        raise IllegalMove(CANNOT_MOVE(attempt=attempt, state=here.value, to=to.value))
    values: dict[str, object] = {"state": to.value, "updated_at": now}
    for name, value in (
        ("gateway_ref", gateway_ref),
        ("refund_ref", refund_ref),
        ("receipt_ref", receipt_ref),
        ("code", code),
        ("message", message),
    ):
        if value is not None:
            values[name] = (
                value[:300] if name == "message" else value[: 80 if name != "code" else 60]
            )
    done = s.execute(
        update(RefundAttemptRecord)
        .where(RefundAttemptRecord.id == attempt, RefundAttemptRecord.state == here.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise IllegalMove(MOVED_MEANWHILE(attempt=attempt))
    s.refresh(row)
    return _row(row)


def get(s: Session, attempt: str) -> AttemptRow | None:
    row = s.get(RefundAttemptRecord, attempt)
    return _row(row) if row is not None else None


def of_refund(s: Session, refund_id: str) -> list[AttemptRow]:
    """A refund's attempts, in tender order."""
    rows = s.scalars(
        select(RefundAttemptRecord)
        .where(RefundAttemptRecord.refund_id == refund_id)
        .order_by(RefundAttemptRecord.id)
    ).all()
    return sorted((_row(r) for r in rows), key=lambda a: a.tender_index)


def open_for_sale(s: Session, sale_id: str) -> list[AttemptRow]:
    rows = s.scalars(
        select(RefundAttemptRecord).where(
            RefundAttemptRecord.sale_id == sale_id,
            RefundAttemptRecord.state.in_([st.value for st in OPEN]),
        )
    ).all()
    return [_row(r) for r in rows]


def open_attempts(s: Session, terminal_id: str) -> list[AttemptRow]:
    """Every open attempt of this terminal, oldest first."""
    rows = s.scalars(
        select(RefundAttemptRecord)
        .where(
            RefundAttemptRecord.terminal_id == terminal_id,
            RefundAttemptRecord.state.in_([st.value for st in OPEN]),
        )
        .order_by(RefundAttemptRecord.created_at, RefundAttemptRecord.id)
    ).all()
    return [_row(r) for r in rows]


def method_used_since(
    s: Session, terminal_id: str, method: str, since: datetime, *, besides: str
) -> bool:
    """Did this till ask ``method`` for a transaction after ``since`` (a payment attempt,
    or a refund attempt other than ``besides`` sent to it)? If not, the method's latest
    transaction can only be the refund stored at ``since`` or what was there before.
    Administration on the device screen (end of day) is not counted."""
    payment = s.scalar(
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.terminal_id == terminal_id,
            PaymentAttempt.method == method,
            PaymentAttempt.created_at >= since,
        )
        .limit(1)
    )
    if payment is not None:
        return True
    refund = s.scalar(
        select(RefundAttemptRecord.id)
        .where(
            RefundAttemptRecord.terminal_id == terminal_id,
            RefundAttemptRecord.method == method,
            RefundAttemptRecord.id != besides,
            RefundAttemptRecord.created_at >= since,
            # sent to the method at some point (created ones never were; one dropped as
            # never sent has noted nothing)
            (RefundAttemptRecord.gateway_ref != "")
            | RefundAttemptRecord.state.not_in([S.CREATED.value, S.NOT_REFUNDED.value]),
        )
        .limit(1)
    )
    return refund is not None
