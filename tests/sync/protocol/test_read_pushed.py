"""``read_pushed``: a push as the head office reads it, by orjson when the batch is as tills
send it, and otherwise as ``parse_batch(load_json(raw), quick=True)``: the same batch, the
same verdicts and word for word the same refusals, a float anywhere included (the
reference decoder refuses the whole batch for it)."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import pytest

from pos.bench.sync_server import batches
from sync.protocol import content_hash
from sync.protocol.batch import (
    Batch,
    Documents,
    _read_pushed_quick,
    _spliced,
    parse_batch,
    read_pushed,
)
from sync.protocol.canonical import load_json
from sync.protocol.errors import ProtocolError
from sync.protocol.quick import CheckedSale


def _reference(raw: bytes) -> tuple[Batch, list[Any]]:
    data = load_json(raw)
    batch = parse_batch(data, quick=True)
    events = data.get("events") if isinstance(data, Mapping) else None
    return batch, list(events or [])


def _summary(read: tuple[Batch, list[Any]]) -> Any:
    batch, documents = read
    return (
        batch.version,
        batch.store_id,
        batch.terminal_id,
        batch.sent_at,
        batch.chain_head,
        [
            (
                item.index,
                item.event_id,
                None if item.event is None else item.event.content_hash,
                None if item.event is None else type(item.event.body).__name__,
                None if item.error is None else str(item.error),
            )
            for item in batch.items
        ],
        documents,
    )


@pytest.fixture(scope="module")
def batch_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(batches("S1", "T1", 0, 1)[0])
    doc["events"] = doc["events"][:5]
    return doc


def _outcome(read: Callable[[bytes], tuple[Batch, list[Any]]], raw: bytes) -> Any:
    """What ``read`` makes of ``raw``: its summary, or the refusal's text."""
    try:
        return _summary(read(raw))
    except ProtocolError as exc:
        return ("refused", str(exc))


def _same_as_reference(raw: bytes) -> None:
    assert _outcome(read_pushed, raw) == _outcome(_reference, raw)


def test_a_batch_as_tills_send_it_is_read_by_orjson_with_the_same_result(
    batch_doc: dict[str, Any],
) -> None:
    raw = orjson.dumps(batch_doc)
    quick = _read_pushed_quick(raw)
    assert quick is not None
    assert all(isinstance(i.event.body, CheckedSale) for i in quick[0].items if i.event)
    assert _summary(quick) == _summary(_reference(raw))
    assert json.dumps(batch_doc, separators=(",", ":")).encode() == raw  # the tills' form


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _rehash(doc: dict[str, Any], index: int) -> None:
    """The event's hash made again after a change (a body with a float has none: it
    keeps the old one, and the float must refuse the batch before any hash is compared)."""
    event = doc["events"][index]
    with contextlib.suppress(ProtocolError):
        event["hash"] = content_hash(event["body"])


FLOATS: dict[str, Callable[[dict[str, Any]], None]] = {
    "an envelope key nobody reads": _set(("note",), 1.5),
    "inside an envelope key nobody reads": _set(("note",), {"x": [1, 2.0]}),
    "the chain head's seq": _set(("chain_head", "seq"), 1.0),
    "an event key nobody reads": _set(("events", 1, "note"), 0.5),
    "a sale line's quantity": _set(("events", 2, "body", "lines", 0, "quantity"), 2.0),
    "an amount": _set(("events", 3, "body", "totals", "total", "minor"), 13000.0),
    "the events list": _set(("events", 4), 4.25),
}


@pytest.mark.parametrize("where", sorted(FLOATS))
def test_a_float_anywhere_refuses_the_batch_as_the_reference_decoder_does(
    batch_doc: dict[str, Any], where: str
) -> None:
    doc = copy.deepcopy(batch_doc)
    FLOATS[where](doc)
    for n in range(len(doc["events"])):
        if isinstance(doc["events"][n], dict):
            _rehash(doc, n)
    raw = orjson.dumps(doc)
    assert orjson.loads(raw) == doc  # orjson's form, so only the float can send it back
    with pytest.raises(ProtocolError) as reference:
        _reference(raw)
    assert "not an integer" in str(reference.value)
    assert _read_pushed_quick(raw) is None
    _same_as_reference(raw)


OTHERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "spaced": lambda d: json.dumps(d).encode(),
    "a repeated key": lambda d: orjson.dumps(d)[:-1] + b',"version":"1.0"}',
    "an event with a repeated key": lambda d: orjson.dumps(d).replace(
        b'"seq":3,', b'"seq":3,"seq":3,', 1
    ),
    "ASCII escapes": lambda d: (
        json.dumps(d, separators=(",", ":")).encode().replace(b'"KES"', b'"\\u004bES"', 1)
    ),
    "not an object": lambda d: b"[1,2]",
    "not JSON": lambda d: orjson.dumps(d)[:-3],
    "not UTF-8": lambda d: orjson.dumps(d).replace(b"Bench", b"B\xffnch", 1),
    "a number beyond 64 bits": lambda d: orjson.dumps(d).replace(
        b'"seq":2,', b'"seq":123456789012345678901234567890,', 1
    ),
    "minus zero": lambda d: orjson.dumps(d).replace(b'"seq":2,', b'"seq":-0,', 1),
    "no events list": lambda d: orjson.dumps({k: v for k, v in d.items() if k != "events"}),
    "a bad envelope": lambda d: orjson.dumps({**d, "store_id": 7}),
    "an event of another terminal": lambda d: orjson.dumps(
        {**d, "events": [{**d["events"][0], "terminal_id": "T2"}, *d["events"][1:]]}
    ),
}


@pytest.mark.parametrize("what", sorted(OTHERS))
def test_any_other_batch_is_read_as_the_reference_reads_it(
    batch_doc: dict[str, Any], what: str
) -> None:
    _same_as_reference(OTHERS[what](copy.deepcopy(batch_doc)))


def test_an_event_the_quick_check_passes_over_is_still_read_by_orjson(
    batch_doc: dict[str, Any],
) -> None:
    """A plain sale with an extra key is the full parser's (and refused by it alone);
    with no float anywhere the batch still takes orjson, with the reference's verdicts."""
    doc = copy.deepcopy(batch_doc)
    doc["events"][1]["note"] = "extra"
    raw = orjson.dumps(doc)
    quick = _read_pushed_quick(raw)
    assert quick is not None
    assert not isinstance(getattr(quick[0].items[1].event, "body", None), CheckedSale)
    assert _summary(quick) == _summary(_reference(raw))


def test_each_events_text_is_kept_as_it_stands_in_the_body(batch_doc: dict[str, Any]) -> None:
    """The ledger stores an event's JSON text as read (``Documents.texts``): the bytes
    orjson gives it, every one, with the body put together from them equal to the push."""
    doc = copy.deepcopy(batch_doc)
    doc["events"][1]["body"]["lines"][0]["name"] = 'Tab\t"quoted" back\\slash \u00e9 \U0001f600'
    _rehash(doc, 1)
    raw = orjson.dumps(doc)
    quick = _read_pushed_quick(raw)
    assert quick is not None
    documents = quick[1]
    assert isinstance(documents, Documents)
    assert documents.texts == [orjson.dumps(e) for e in doc["events"]]
    assert documents == doc["events"]
    spliced = _spliced(doc, doc["events"])
    assert spliced is not None
    assert spliced[0] == raw


@pytest.mark.parametrize(
    "data",
    [
        {"a": {"events": []}, "events": [1]},  # shown twice: encoded whole instead
        {"events": []},
        {"events": [], "after": 1},
        {"before": '"events":[]', "events": [{"x": 1}]},
    ],
)
def test_the_body_is_put_together_only_where_that_is_sure(data: dict[str, Any]) -> None:
    spliced = _spliced(data, data["events"])
    if spliced is None:
        assert orjson.dumps({**data, "events": []}).count(b'"events":[]') > 1
    else:
        assert spliced[0] == orjson.dumps(data)
        assert spliced[1] == [orjson.dumps(e) for e in data["events"]]


def test_a_batch_read_by_the_reference_decoder_keeps_no_texts(batch_doc: dict[str, Any]) -> None:
    raw = json.dumps(batch_doc).encode()  # with spaces: not orjson's bytes
    assert _read_pushed_quick(raw) is None
    _, documents = read_pushed(raw)
    assert getattr(documents, "texts", None) is None
