"""A push of events from one terminal, and the head office's answer per event.

The agent sends its unsent outbox rows in order, in batches of at most
:data:`MAX_BATCH_EVENTS`, with the terminal's audit-chain head. :func:`parse_batch` refuses
a batch whose own envelope is wrong, but reads each event on its own: one bad event gets
its own refusal and never sinks the others (the head office applies the good ones in one
transaction and answers every event). :func:`acks_document` / :func:`parse_acks` carry the
answer back: ``applied`` (new), ``duplicate`` (same UUID and hash as before: already
applied, acknowledge again) or ``rejected`` (with the reason and field; the agent parks it).

Since batch version 1.1 the answer also names the chain seq head office holds as newest
for the terminal (``chain``), and the next batch carries the journal's MAC at that seq as
it reads now (``chain_check``): head office compares it with the head it kept, which
shows a journal rewritten below the newest head it was told (docs/protocol.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from sync.protocol.canonical import _plain_json, load_json
from sync.protocol.envelope import PROTOCOL_MAJOR, read_version
from sync.protocol.errors import ProtocolError
from sync.protocol.events import Event, parse_event
from sync.protocol.fields import ID_RE, Fields, check_uuid, iso_utc
from sync.protocol.quick import CheckedSale, quick_sale
from sync.protocol.refusals import read_params

MAX_BATCH_EVENTS = 500
#: The version of batches and their answers: 1.1 added ``chain_check`` (batch) and
#: ``chain`` (answer); a 1.0 document has neither (an older till or head office)
BATCH_VERSION = f"{PROTOCOL_MAJOR}.1"
#: JSON can carry U+0000 only escaped: a text without this holds no NUL character
_NUL_ESCAPE = "\\u0000"
_NUL_ESCAPE_BYTES = _NUL_ESCAPE.encode()
_NUL_REASON = "holds a NUL character (U+0000), which head office cannot store"
_CHAIN_HASH_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest entry of the terminal's audit chain when the batch was sent."""

    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One event of a batch: parsed, or refused with the reason (``error``)."""

    index: int
    event_id: str | None
    event: Event | None
    error: ProtocolError | None


@dataclass(frozen=True, slots=True)
class Batch:
    version: str
    store_id: str
    terminal_id: str
    sent_at: datetime
    chain_head: ChainHead
    items: tuple[BatchItem, ...]
    #: the journal's MAC, read at send time, at the seq head office last named (None: no
    #: seq named yet, the journal has no entry there, or a till before batch version 1.1)
    chain_check: ChainHead | None = None


def batch_document(
    *,
    store_id: str,
    terminal_id: str,
    sent_at: datetime,
    chain_head: ChainHead,
    events: Sequence[Mapping[str, Any]],
    chain_check: ChainHead | None = None,
) -> dict[str, Any]:
    """What the agent sends: ``events`` are outbox payloads, in ``seq`` order;
    ``chain_check`` is the journal's entry at the seq head office named last (or null)."""
    if len(events) > MAX_BATCH_EVENTS:
        raise ProtocolError("events", f"has more than {MAX_BATCH_EVENTS} events")
    return {
        "version": BATCH_VERSION,
        "store_id": store_id,
        "terminal_id": terminal_id,
        "sent_at": iso_utc(sent_at),
        "chain_head": chain_head.to_json(),
        "chain_check": None if chain_check is None else chain_check.to_json(),
        "events": list(events),
    }


def _nul_at(value: Any, path: str) -> str | None:
    """Where ``value`` holds a NUL character (U+0000) in a text or a key, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _nul_at(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = _nul_at(item, f"{path}[{n}]")
            if found is not None:
                return found
    return None


def _item(
    index: int, raw: Any, store_id: str, terminal_id: str, quick: bool, nul: bool = False
) -> BatchItem:
    if not isinstance(raw, Mapping):
        return BatchItem(index, None, None, ProtocolError("", "must be an object"))
    if nul and (where := _nul_at(raw, "")) is not None:
        # valid JSON, but PostgreSQL stores no U+0000 in text or jsonb: the head office
        # would fail the whole batch on every try; refused alone, the event is parked
        try:
            event_id: str | None = check_uuid(raw.get("event_id"), "event_id")
        except ProtocolError:
            event_id = None
        return BatchItem(index, event_id, None, ProtocolError(where, _NUL_REASON))
    event = quick_sale(raw) if quick else None
    if event is not None:
        event_id = event.event_id
    else:
        try:
            event_id = check_uuid(raw.get("event_id"), "event_id")
        except ProtocolError:
            event_id = None
        try:
            event = parse_event(raw)
        except ProtocolError as exc:
            return BatchItem(index, event_id, None, exc)
    if (event.header.store_id, event.header.terminal_id) != (store_id, terminal_id):
        error = ProtocolError(
            "terminal_id", f"is not the batch's terminal {store_id}/{terminal_id}"
        )
        return BatchItem(index, event_id, None, error)
    return BatchItem(index, event_id, event, None)


def parse_batch(
    raw: bytes | str | Mapping[str, Any], *, quick: bool = False, nul: bool = True
) -> Batch:
    """Read a batch; its envelope must be right, its events are judged one by one.

    With ``quick``, plain sales are checked by :func:`sync.protocol.quick.quick_sale`
    (same verdicts, a fraction of the time) and their bodies are
    :class:`~sync.protocol.quick.CheckedSale`: the document's body, parsed on demand. The
    head office reads pushes so; without it every body is the full parser's value.

    An event holding a NUL character (U+0000) anywhere is refused (``nul``: look for one;
    a caller that knows the input has none, because its JSON text has no ``\\u0000``,
    passes False and saves the walk)."""
    if isinstance(raw, str):
        nul = nul and _NUL_ESCAPE in raw
    elif isinstance(raw, bytes | bytearray):
        nul = nul and _NUL_ESCAPE_BYTES in raw
    data = load_json(raw) if isinstance(raw, bytes | bytearray | str) else raw
    f = Fields(data, "")
    version = read_version(f)
    store_id = f.text("store_id", pattern=ID_RE, max_len=40)
    terminal_id = f.text("terminal_id", pattern=ID_RE, max_len=40)
    head = f.obj("chain_head")
    chain_head = ChainHead(
        head.integer("seq", minimum=0, maximum=2**62),
        head.text("hash", pattern=_CHAIN_HASH_RE, max_len=64),
    )
    # added in batch version 1.1: absent (an older till) or null means no check
    chain_check = None
    if f.raw.get("chain_check") is not None:
        check = f.obj("chain_check")
        chain_check = ChainHead(
            check.integer("seq", minimum=1, maximum=2**62),
            check.text("hash", pattern=_CHAIN_HASH_RE, max_len=64),
        )
    raw_events = f.get("events")
    if not isinstance(raw_events, list):
        f.fail("events", "must be a list")
    if len(raw_events) > MAX_BATCH_EVENTS:
        f.fail("events", f"has more than {MAX_BATCH_EVENTS} events")
    items = [_item(i, e, store_id, terminal_id, quick, nul) for i, e in enumerate(raw_events)]
    seen: dict[str, BatchItem] = {}
    for n, item in enumerate(items):
        if item.event is None or item.event_id is None:
            continue
        first = seen.setdefault(item.event_id, item)
        if (
            first is not item
            and first.event is not None
            and first.event.content_hash != item.event.content_hash
        ):
            items[n] = BatchItem(
                item.index,
                item.event_id,
                None,
                ProtocolError("hash", f"differs from event {first.index} with the same id"),
            )
    return Batch(
        version=version,
        store_id=store_id,
        terminal_id=terminal_id,
        sent_at=f.timestamp("sent_at"),
        chain_head=chain_head,
        items=tuple(items),
        chain_check=chain_check,
    )


class Documents(list[Any]):
    """The events of a pushed batch exactly as sent, and (``texts``, when the batch was read
    by orjson) each one's JSON text as it stands in the body, by index: what its ``jsonb``
    column is given, without encoding it again."""

    texts: list[bytes] | None = None


#: how an envelope written with an empty ``events`` list shows it (see _spliced)
_EMPTY_EVENTS = b'"events":[]'


def _spliced(data: dict[str, Any], events: list[Any]) -> tuple[bytes, list[bytes]] | None:
    """orjson's text of ``data`` put together from its envelope's and each event's own (the
    same bytes as ``orjson.dumps(data)``: a list is its items' text joined by commas), and
    the events' texts; None when the envelope shows an empty ``events`` list more than once
    (then the caller encodes it whole)."""
    envelope = orjson.dumps({**data, "events": []})
    at = envelope.find(_EMPTY_EVENTS)
    if at < 0 or envelope.find(_EMPTY_EVENTS, at + 1) >= 0:
        return None
    texts = [orjson.dumps(e) for e in events]
    cut = at + len(_EMPTY_EVENTS) - 1  # just before the list's "]"
    return envelope[:cut] + b",".join(texts) + envelope[cut:], texts


def _read_pushed_quick(raw: bytes) -> tuple[Batch, list[Any]] | None:
    """:func:`read_pushed` by orjson, or None when anything might come out otherwise.

    orjson's decoder is about twice as fast as :mod:`json`'s C decoder, which
    :func:`~sync.protocol.canonical.load_json` uses for its ``parse_float`` hook (a float
    anywhere refuses the whole batch). Here the same proofs are made another way: orjson's
    bytes of the value are the input's (compact, every key once, every number in
    orjson's form: no ``-0``, no exponent, nothing beyond 64 bits), and no value is a
    float, which :func:`quick_sale` proved for each plain sale it passed (every value of
    one is read and type-checked) and :func:`~sync.protocol.canonical._plain_json` proves
    for the envelope and every other event. Anything else is None, and the caller reads
    the batch as before: what is accepted, every verdict and every refusal are the same.

    orjson's bytes are made event by event (:func:`_spliced`), and each event's are kept
    (``Documents.texts``): the ledger stores them as they are, where it encoded every
    document a second time (about 2.5 µs an event, 8 Dec)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict:
        return None
    events = data.get("events")
    spliced = _spliced(data, events) if type(events) is list else None
    if spliced is None:
        texts = None
        if orjson.dumps(data) != raw:
            return None
    else:
        whole, texts = spliced
        if whole != raw:
            return None
    for key, value in data.items():
        if key != "events" and not _plain_json(value):
            return None
    try:
        batch = parse_batch(data, quick=True, nul=_NUL_ESCAPE_BYTES in raw)
    except ProtocolError:
        return None  # the reference decoder names a float before the envelope's fault
    documents = Documents(events if isinstance(events, list) else [])
    documents.texts = texts
    for item in batch.items:
        checked = item.event is not None and isinstance(item.event.body, CheckedSale)
        if not checked and not _plain_json(documents[item.index]):
            return None
    return batch, documents


def read_pushed(raw: bytes) -> tuple[Batch, list[Any]]:
    """A pushed batch as the head office reads it: ``parse_batch(load_json(raw),
    quick=True)`` and the events exactly as sent (kept as evidence). Raises
    ``ProtocolError`` for a batch that is not JSON or whose envelope is wrong.

    Batches as tills send them (compact, plain sales) are decoded by orjson
    (:func:`_read_pushed_quick`, same results, about 20 µs an event less); every other
    batch takes :func:`load_json`, so refusals are word for word the same
    (``tests/sync/protocol/test_read_pushed.py``)."""
    if isinstance(raw, bytes):
        quick = _read_pushed_quick(raw)
        if quick is not None:
            return quick
    data = load_json(raw)
    batch = parse_batch(data, quick=True, nul=_NUL_ESCAPE_BYTES in raw)
    events = data.get("events") if isinstance(data, Mapping) else None
    return batch, list(events or [])


class AckStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Ack:
    """The head office's answer about one event of a batch. ``reason`` is English; a
    refusal a person should read in their language also has ``code`` and ``params``
    (:mod:`sync.protocol.refusals`)."""

    index: int
    event_id: str | None
    status: AckStatus
    field: str = ""
    reason: str = ""
    code: str = ""
    params: Mapping[str, str | int] | None = None

    @property
    def delivered(self) -> bool:
        """May the agent mark the event sent? (applied now, or already before)"""
        return self.status is not AckStatus.REJECTED

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "status": self.status.value,
            "field": self.field,
            "reason": self.reason,
            **({"code": self.code, "params": dict(self.params or {})} if self.code else {}),
        }


def rejection(item: BatchItem) -> Ack:
    """The answer for an event the parser refused."""
    assert item.error is not None
    return Ack(item.index, item.event_id, AckStatus.REJECTED, item.error.field, item.error.reason)


class Acks(list[Ack]):
    """The head office's answer per event, in order, and the chain seq it named.

    ``chain_seq`` is the seq of the terminal's audit chain head office holds as newest
    (since version 1.1; None from an older head office, or before any head was kept):
    the agent's next batch carries the journal's MAC at it (``chain_check``). A list, so
    every reader of the acks alone reads it as before."""

    chain_seq: int | None = None


def acks_document(acks: Sequence[Ack], *, chain_seq: int | None = None) -> dict[str, Any]:
    """The answer to a push; ``chain_seq`` (the newest head kept, if any) is named as
    ``chain: {seq}`` for the till's next ``chain_check``."""
    doc: dict[str, Any] = {"version": BATCH_VERSION, "results": [a.to_json() for a in acks]}
    if chain_seq is not None:
        doc["chain"] = {"seq": chain_seq}
    return doc


def parse_acks(raw: bytes | str | Mapping[str, Any]) -> Acks:
    """Read the head office's answer (the agent's side)."""
    data = load_json(raw) if isinstance(raw, bytes | bytearray | str) else raw
    f = Fields(data, "")
    read_version(f)
    acks = Acks()
    if f.raw.get("chain") is not None:
        acks.chain_seq = f.obj("chain").integer("seq", minimum=1, maximum=2**62)
    for r in f.items("results", max_len=MAX_BATCH_EVENTS):
        acks.append(
            Ack(
                index=r.integer("index", minimum=0, maximum=MAX_BATCH_EVENTS - 1),
                event_id=r.opt_uuid("event_id"),
                status=r.choice("status", AckStatus),
                field=r.text("field", max_len=200),
                reason=r.text("reason", max_len=500),
                code=r.text("code", max_len=60) if "code" in r.raw else "",
                params=read_params(r.raw.get("params")) if "code" in r.raw else None,
            )
        )
    return acks
