"""Outbox events about payment attempts, written in the transaction that changed them.

Used by the payment service (an attempt resolved, flagged late, settled) and by checkout
(a sale voided with gateway money on it flags that money for the manager), so the head
office's ledger learns of every shilling that moved, whichever path moved it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pos.services.context import IdFactory
from pos.store.attempts import AttemptRecord
from pos.store.repositories import add_outbox_event


def emit_attempt_event(
    s: Session,
    ids: IdFactory,
    kind: str,
    record: AttemptRecord,
    extra: Mapping[str, Any],
    now: datetime,
) -> None:
    """Queue ``kind`` (``payment.resolved``, ``payment.late``, ``payment.late_settled``)."""
    payload: dict[str, Any] = {
        "attempt": record.id,
        "sale_id": record.sale_id,
        "method": record.method,
        "state": record.state,
        "resolution": record.resolution,
        "code": record.code,
        "tender_minor": record.amount.minor,
        "tender_currency": record.amount.currency,
        "applied_minor": record.applied.minor,
        "rounding_minor": record.rounding.minor,
        "currency": record.applied.currency,
        "rate": record.rate,
        "payer_masked": record.payer_masked,
        "gateway_ref": record.gateway_ref,
        "receipt_ref": record.receipt_ref,
        **extra,
    }
    add_outbox_event(
        s, event_id=ids.new(), kind=kind, aggregate_id=record.id, payload=payload, now=now
    )
