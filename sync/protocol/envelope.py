"""The envelope every event travels in, and the protocol's version rules.

``version`` is ``MAJOR.MINOR``. A minor version only adds fields (older parsers ignore
them) or event types (older parsers refuse those, by name, until upgraded); a major version
changes meaning and is refused by parsers of another major. ``seq`` is the outbox row's
number on the till: per terminal, gap-free, assigned inside the transaction that writes the
document (see docs/protocol.md, "Sequence numbers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sync.protocol.canonical import HASH_PREFIX, content_hash
from sync.protocol.errors import ProtocolError
from sync.protocol.fields import ID_RE, Fields, iso_utc

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0
PROTOCOL_VERSION = f"{PROTOCOL_MAJOR}.{PROTOCOL_MINOR}"

_VERSION_RE = re.compile(r"(\d{1,4})\.(\d{1,4})")
_HASH_RE = re.compile(re.escape(HASH_PREFIX) + r"[0-9a-f]{64}")

#: Envelope keys, in the order the documentation lists them.
ENVELOPE_KEYS = (
    "version",
    "type",
    "event_id",
    "store_id",
    "terminal_id",
    "seq",
    "created_at",
    "training",
    "hash",
    "body",
)


class EventType(StrEnum):
    """Every event a till emits. The value is also the outbox row's ``kind``."""

    SALE_COMPLETED = "sale.completed"
    SALE_VOIDED = "sale.voided"
    PAYMENT_RESOLVED = "payment.resolved"
    PAYMENT_LATE = "payment.late"
    PAYMENT_LATE_SETTLED = "payment.late_settled"
    REFUND_COMPLETED = "refund.completed"
    SHIFT_OPENED = "shift.opened"
    SHIFT_CLOSED = "shift.closed"
    CASH_MOVED = "cash.moved"
    Z_REPORT = "report.z"


class Body(Protocol):
    """An event body: a frozen value that writes itself as JSON."""

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Header:
    """Everything about an event except its body."""

    version: str
    type: EventType
    event_id: str
    store_id: str
    terminal_id: str
    seq: int
    created_at: datetime
    training: bool
    content_hash: str

    @property
    def minor(self) -> int:
        """The minor version the sender wrote (fields added later read as absent)."""
        return int(self.version.split(".")[1])


def make_document(
    event_type: EventType,
    body: dict[str, Any],
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
) -> dict[str, Any]:
    """Wrap ``body`` in an envelope with its content hash (not yet validated)."""
    return {
        "version": PROTOCOL_VERSION,
        "type": event_type.value,
        "event_id": event_id,
        "store_id": store_id,
        "terminal_id": terminal_id,
        "seq": seq,
        "created_at": iso_utc(created_at),
        "training": training,
        "hash": content_hash(body),
        "body": body,
    }


def read_version(f: Fields) -> str:
    """The document's version; another major version is refused before anything else."""
    version = f.text("version", max_len=9)
    match = _VERSION_RE.fullmatch(version)
    if not match:
        f.fail("version", f"{version!r} is not MAJOR.MINOR")
    if int(match.group(1)) != PROTOCOL_MAJOR:
        f.fail(
            "version",
            f"major version {match.group(1)} is not understood here "
            f"(this parser reads {PROTOCOL_MAJOR}.x)",
        )
    return f"{int(match.group(1))}.{int(match.group(2))}"


def read_header(f: Fields) -> Header:
    """Read and check the envelope, including that the hash matches the body as sent."""
    version = read_version(f)
    event_type = f.choice("type", EventType)
    header = Header(
        version=version,
        type=event_type,
        event_id=f.uuid("event_id", v7=True),
        store_id=f.text("store_id", pattern=ID_RE, max_len=40),
        terminal_id=f.text("terminal_id", pattern=ID_RE, max_len=40),
        seq=f.integer("seq", minimum=1, maximum=2**62),
        created_at=f.timestamp("created_at"),
        training=f.flag("training"),
        content_hash=f.text("hash", max_len=80, pattern=_HASH_RE),
    )
    body = f.obj("body")
    actual = content_hash(body.raw)
    if actual != header.content_hash:
        raise ProtocolError(f.at("hash"), f"does not match the body (the body hashes to {actual})")
    return header
