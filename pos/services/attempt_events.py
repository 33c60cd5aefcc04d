"""Outbox events about payment attempts, written in the transaction that changed them.

Used by the payment service (an attempt resolved, flagged late, settled) and by checkout
(a sale voided with gateway money on it flags that money for the manager), so the head
office's ledger learns of every shilling that moved, whichever path moved it. Each payload
is the protocol document (``sync.protocol``), numbered with the outbox row it goes into.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pos.services.context import IdFactory, TerminalContext
from pos.services.sync_events import (
    attempt_late_document,
    attempt_resolved_document,
    attempt_settled_document,
)
from pos.store import repositories as repo
from pos.store.attempts import AttemptRecord


def _emit(
    s: Session,
    ids: IdFactory,
    record: AttemptRecord,
    build: Callable[[str, int], dict[str, Any]],
    now: datetime,
) -> None:
    event_id = ids.new()
    seq = repo.next_outbox_seq(s)
    document = build(event_id, seq)
    repo.add_outbox_event(
        s,
        event_id=event_id,
        kind=str(document["type"]),
        aggregate_id=record.id,
        payload=document,
        now=now,
        seq=seq,
    )


def emit_resolved(
    s: Session, ids: IdFactory, ctx: TerminalContext, record: AttemptRecord, now: datetime
) -> None:
    """``payment.resolved``: the attempt reached a final state at the gateway."""
    _emit(
        s,
        ids,
        record,
        lambda event_id, seq: attempt_resolved_document(
            record, ctx, event_id=event_id, seq=seq, now=now
        ),
        now,
    )


def emit_late(
    s: Session,
    ids: IdFactory,
    ctx: TerminalContext,
    record: AttemptRecord,
    now: datetime,
    *,
    reason: str,
    captured: Any = None,
) -> None:
    """``payment.late``: money no sale can take (``sale_closed``, ``not_needed``,
    ``amount_mismatch``); the manager settles it."""
    _emit(
        s,
        ids,
        record,
        lambda event_id, seq: attempt_late_document(
            record, ctx, reason=reason, event_id=event_id, seq=seq, now=now, captured=captured
        ),
        now,
    )


def emit_settled(
    s: Session,
    ids: IdFactory,
    ctx: TerminalContext,
    record: AttemptRecord,
    now: datetime,
    *,
    settled_by: str,
    approved_by: str,
    reference: str,
    note: str,
) -> None:
    """``payment.late_settled``: the manager refunded or credited late money."""
    _emit(
        s,
        ids,
        record,
        lambda event_id, seq: attempt_settled_document(
            record,
            ctx,
            settled_by=settled_by,
            approved_by=approved_by,
            reference=reference,
            note=note,
            event_id=event_id,
            seq=seq,
            now=now,
        ),
        now,
    )
