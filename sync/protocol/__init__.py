"""The wire protocol between tills and the head office (docs/protocol.md).

Pure: standard library only, no I/O, no clocks (times and ids are passed in). The till
builds documents with the builders; anyone reading one calls :func:`parse_event`, which
refuses a bad document with a :class:`ProtocolError` naming the field.
"""

from __future__ import annotations

from sync.protocol.builders import (
    cash_moved,
    late_settled,
    payment_late,
    payment_resolved,
    rate_value,
    refund_completed,
    sale_completed,
    sale_voided,
    shift_closed,
    shift_opened,
    z_report,
)
from sync.protocol.canonical import canonical_json, content_hash, load_json
from sync.protocol.envelope import PROTOCOL_VERSION, EventType, Header
from sync.protocol.errors import ProtocolError
from sync.protocol.events import Event, parse_event
from sync.protocol.fields import Amount, MoneyLike, mask_digit_runs

__all__ = [
    "PROTOCOL_VERSION",
    "Amount",
    "Event",
    "EventType",
    "Header",
    "MoneyLike",
    "ProtocolError",
    "canonical_json",
    "cash_moved",
    "content_hash",
    "late_settled",
    "load_json",
    "mask_digit_runs",
    "parse_event",
    "payment_late",
    "payment_resolved",
    "rate_value",
    "refund_completed",
    "sale_completed",
    "sale_voided",
    "shift_closed",
    "shift_opened",
    "z_report",
]
