"""Reading any event: ``parse_event`` and the table of event types it knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.protocol.canonical import load_json
from sync.protocol.envelope import Body, EventType, Header, make_document, read_header
from sync.protocol.errors import ProtocolError
from sync.protocol.fields import Fields
from sync.protocol.payments import LateSettled, PaymentLate, PaymentResolved
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import SaleCompleted, SaleVoided
from sync.protocol.shifts import CashMoved, ShiftClosed, ShiftOpened, ZReport

#: One body parser per event type. A type missing here is refused by name.
PARSERS: dict[EventType, Callable[[Fields, Header], Body]] = {
    EventType.SALE_COMPLETED: SaleCompleted.parse,
    EventType.SALE_VOIDED: SaleVoided.parse,
    EventType.PAYMENT_RESOLVED: PaymentResolved.parse,
    EventType.PAYMENT_LATE: PaymentLate.parse,
    EventType.PAYMENT_LATE_SETTLED: LateSettled.parse,
    EventType.REFUND_COMPLETED: RefundCompleted.parse,
    EventType.SHIFT_OPENED: ShiftOpened.parse,
    EventType.SHIFT_CLOSED: ShiftClosed.parse,
    EventType.CASH_MOVED: CashMoved.parse,
    EventType.Z_REPORT: ZReport.parse,
}

#: Largest document accepted (a sale of a few thousand lines fits with room to spare).
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Event:
    """A parsed, checked event: its envelope and its typed body."""

    header: Header
    body: Body

    @property
    def type(self) -> EventType:
        return self.header.type

    @property
    def event_id(self) -> str:
        return self.header.event_id

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def created_at(self) -> datetime:
        return self.header.created_at

    @property
    def content_hash(self) -> str:
        return self.header.content_hash

    def to_document(self) -> dict[str, Any]:
        """The event written out again (known fields only, at this protocol version)."""
        h = self.header
        return make_document(
            h.type,
            self.body.to_json(),
            event_id=h.event_id,
            store_id=h.store_id,
            terminal_id=h.terminal_id,
            seq=h.seq,
            created_at=h.created_at,
            training=h.training,
        )


def parse_event(raw: bytes | str | Mapping[str, Any]) -> Event:
    """Read one event document strictly, or raise :class:`ProtocolError` naming the field.

    Checks, in order: JSON (no duplicate keys, no floats), version (another major is
    refused), event type, envelope fields, content hash against the body as sent, then the
    body's fields and arithmetic. Unknown fields are ignored at every level.
    """
    if isinstance(raw, bytes | bytearray | str):
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ProtocolError("", f"is larger than {MAX_DOCUMENT_BYTES} bytes")
        data = load_json(raw)
    else:
        data = raw
    top = Fields(data, "")
    header = read_header(top)
    try:
        parser = PARSERS[header.type]
    except KeyError:  # pragma: no cover - every EventType has a parser (tested)
        raise ProtocolError("type", f"{header.type} has no parser") from None
    return Event(header, parser(top.obj("body"), header))
