"""Payment attempts as stored: created before the gateway is called, moved forward only.

Every state change is written together with an append-only event row, so the history of
an attempt (what the till knew, when) survives for support and audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from pos.domain.money import Money
from pos.store.models import PaymentAttempt, PaymentAttemptEvent

FINAL_STATES = frozenset({"captured", "declined", "cancelled", "expired"})
#: final states a capture may still follow: the gateway (or head office) said the customer
#: did not pay, then the money came after all (a timeout or cancel first, then the money)
CAPTURE_MAY_FOLLOW = frozenset({"expired", "declined", "cancelled"})
_EVENTS = cast(Table, PaymentAttemptEvent.__table__)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: str
    sale_id: str
    method: str
    state: str
    amount: Money  # tender currency
    applied: Money  # sale currency
    rounding: Money  # sale currency
    rate: str
    payer_masked: str
    payer_hash: str
    gateway_ref: str
    receipt_ref: str
    action_url: str
    code: str
    message: str
    abandoned: bool
    resolution: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def _record(row: PaymentAttempt) -> AttemptRecord:
    return AttemptRecord(
        id=row.id,
        sale_id=row.sale_id,
        method=row.method,
        state=row.state,
        amount=Money(row.amount_minor, row.currency),
        applied=Money(row.applied_minor, row.sale_currency),
        rounding=Money(row.rounding_minor, row.sale_currency),
        rate=row.rate,
        payer_masked=row.payer_masked,
        payer_hash=row.payer_hash,
        gateway_ref=row.gateway_ref,
        receipt_ref=row.receipt_ref,
        action_url=row.action_url,
        code=row.code,
        message=row.message,
        abandoned=row.abandoned,
        resolution=row.resolution,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def insert_attempt(
    session: Session,
    *,
    attempt_id: str,
    sale_id: str,
    terminal_id: str,
    method: str,
    amount: Money,
    applied: Money,
    rounding: Money,
    rate: str,
    payer_masked: str,
    payer_hash: str,
    created_by: str,
    now: datetime,
) -> AttemptRecord:
    row = PaymentAttempt(
        id=attempt_id,
        sale_id=sale_id,
        terminal_id=terminal_id,
        method=method,
        state="created",
        amount_minor=amount.minor,
        currency=amount.currency,
        applied_minor=applied.minor,
        sale_currency=applied.currency,
        rounding_minor=rounding.minor,
        rate=rate,
        payer_masked=payer_masked,
        payer_hash=payer_hash,
        gateway_ref="",
        receipt_ref="",
        action_url="",
        code="",
        message="",
        abandoned=False,
        resolution="",
        created_by=created_by,
        created_at=now,
        updated_at=now,
        resolved_at=None,
    )
    session.add(row)
    session.flush()
    session.connection().execute(
        _EVENTS.insert(),
        {
            "attempt_id": attempt_id,
            "at": now,
            "from_state": "",
            "to_state": "created",
            "code": "",
            "message": "stored before calling the gateway",
        },
    )
    return _record(row)


def get_attempt(session: Session, attempt_id: str) -> AttemptRecord | None:
    row = session.get(PaymentAttempt, attempt_id)
    return _record(row) if row else None


def update_attempt(
    session: Session, attempt_id: str, now: datetime, **changes: Any
) -> tuple[AttemptRecord, str]:
    """Change an attempt; a state change is logged as an event. Returns (record, old state).

    A final state never changes again, except to ``captured`` from one of
    :data:`CAPTURE_MAY_FOLLOW` (a payment that arrives after the till gave up, or after it
    was told the customer cancelled or declined, must still be accounted for).
    """
    row = session.get(PaymentAttempt, attempt_id, with_for_update=False)
    if row is None:
        raise LookupError(f"no payment attempt {attempt_id}")
    old = row.state
    new = changes.get("state", old)
    if new != old and old in FINAL_STATES and not (old in CAPTURE_MAY_FOLLOW and new == "captured"):
        raise ValueError(f"attempt {attempt_id} is {old}; it cannot become {new}")
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = now
    if new != old:
        if new in FINAL_STATES:
            row.resolved_at = now
        session.connection().execute(
            _EVENTS.insert(),
            {
                "attempt_id": attempt_id,
                "at": now,
                "from_state": old,
                "to_state": new,
                "code": changes.get("code", row.code),
                "message": changes.get("message", row.message),
            },
        )
    session.flush()
    return _record(row), old


def open_attempts(session: Session, terminal_id: str) -> list[AttemptRecord]:
    """Attempts that still need the till's attention: not final; captured but not yet
    applied to a sale nor flagged for a manager; or expired on the till's side but not yet
    closed (still asked about in case the money came after all)."""
    rows = session.scalars(
        select(PaymentAttempt)
        .where(PaymentAttempt.terminal_id == terminal_id)
        .where(
            (PaymentAttempt.state.not_in(FINAL_STATES))
            | (
                PaymentAttempt.state.in_(("captured", "expired"))
                & (PaymentAttempt.resolution == "")
            )
        )
        .order_by(PaymentAttempt.created_at)
    )
    return [_record(r) for r in rows]


def attempts_for_sale(session: Session, sale_id: str) -> list[AttemptRecord]:
    rows = session.scalars(
        select(PaymentAttempt)
        .where(PaymentAttempt.sale_id == sale_id)
        .order_by(PaymentAttempt.created_at)
    )
    return [_record(r) for r in rows]


def attempt_by_gateway_ref(session: Session, method: str, gateway_ref: str) -> AttemptRecord | None:
    row = session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.method == method, PaymentAttempt.gateway_ref == gateway_ref
        )
    ).first()
    return _record(row) if row else None


def attempts_with_resolution(
    session: Session, terminal_id: str, resolution: str
) -> list[AttemptRecord]:
    rows = session.scalars(
        select(PaymentAttempt)
        .where(PaymentAttempt.terminal_id == terminal_id, PaymentAttempt.resolution == resolution)
        .order_by(PaymentAttempt.created_at)
    )
    return [_record(r) for r in rows]


def attempt_history(session: Session, attempt_id: str) -> list[tuple[datetime, str, str, str]]:
    rows = session.execute(
        select(_EVENTS.c.at, _EVENTS.c.from_state, _EVENTS.c.to_state, _EVENTS.c.code)
        .where(_EVENTS.c.attempt_id == attempt_id)
        .order_by(_EVENTS.c.seq)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]
