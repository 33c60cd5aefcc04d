"""Batch version 1.1: a batch's ``chain_check`` (the journal's MAC at the seq head office
named last) and the answer's ``chain`` (that seq) round-trip; a wrong one is refused by
its field; one left out (an older till or head office) is read as none."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import orjson
import pytest

from sync.protocol import ProtocolError
from sync.protocol.batch import (
    BATCH_VERSION,
    Ack,
    Acks,
    AckStatus,
    ChainHead,
    _read_pushed_quick,
    acks_document,
    batch_document,
    parse_acks,
    parse_batch,
    read_pushed,
)

HEAD = ChainHead(17, "ab" * 32)
CHECK = ChainHead(12, "cd" * 32)


def _doc(kit: ModuleType, **kw: Any) -> dict[str, Any]:
    return batch_document(
        store_id="DEMO",
        terminal_id="T1",
        sent_at=kit.T0,
        chain_head=HEAD,
        events=[kit.completed_document()],
        **kw,
    )


def test_a_chain_check_round_trips_in_a_version_1_1_batch(kit: ModuleType) -> None:
    doc = _doc(kit, chain_check=CHECK)
    assert doc["version"] == BATCH_VERSION == "1.1"
    assert doc["chain_check"] == {"seq": 12, "hash": "cd" * 32}
    batch = parse_batch(json.dumps(doc))
    assert (batch.chain_head, batch.chain_check) == (HEAD, CHECK)
    # the head office's reading (orjson when as tills send it) gives the same
    raw = orjson.dumps(doc)
    quick = _read_pushed_quick(raw)
    assert quick is not None
    assert quick[0].chain_check == CHECK
    assert read_pushed(json.dumps(doc, indent=1).encode())[0].chain_check == CHECK


def test_no_check_is_null_and_an_older_tills_batch_without_the_field_is_read_as_none(
    kit: ModuleType,
) -> None:
    doc = _doc(kit)
    assert doc["chain_check"] is None
    assert parse_batch(doc).chain_check is None
    old = {k: v for k, v in doc.items() if k != "chain_check"}
    old["version"] = "1.0"
    batch = parse_batch(json.dumps(old))
    assert (batch.version, batch.chain_check) == ("1.0", None)
    assert all(item.error is None for item in batch.items)


@pytest.mark.parametrize(
    ("check", "field", "reason"),
    [
        ("12", "chain_check", "must be an object"),
        ({"hash": "cd" * 32}, "chain_check.seq", "is missing"),
        ({"seq": 0, "hash": "cd" * 32}, "chain_check.seq", "at least 1"),
        ({"seq": "12", "hash": "cd" * 32}, "chain_check.seq", "integer"),
        ({"seq": 12}, "chain_check.hash", "is missing"),
        ({"seq": 12, "hash": "CD" * 32}, "chain_check.hash", "is not of the form"),
        ({"seq": 12, "hash": None}, "chain_check.hash", "must be a string"),
    ],
)
def test_a_wrong_chain_check_refuses_the_batch_naming_the_field(
    kit: ModuleType, check: Any, field: str, reason: str
) -> None:
    doc = dict(_doc(kit), chain_check=check)
    for read in (lambda: parse_batch(doc), lambda: read_pushed(orjson.dumps(doc))):
        with pytest.raises(ProtocolError) as excinfo:
            read()
        assert excinfo.value.field == field
        assert reason in excinfo.value.reason


def test_the_answer_names_the_chain_seq_and_an_older_answer_names_none(
    kit: ModuleType,
) -> None:
    acks = [Ack(0, kit.new_id(), AckStatus.APPLIED)]
    doc = acks_document(acks, chain_seq=17)
    assert (doc["version"], doc["chain"]) == ("1.1", {"seq": 17})
    back = parse_acks(json.dumps(doc))
    assert isinstance(back, Acks)
    assert (back, back.chain_seq) == (acks, 17)
    assert "chain" not in acks_document(acks)
    old = {"version": "1.0", "results": doc["results"]}
    assert parse_acks(json.dumps(old)).chain_seq is None


@pytest.mark.parametrize(
    ("chain", "field"),
    [({"seq": 0}, "chain.seq"), ({}, "chain.seq"), ([17], "chain")],
)
def test_a_wrong_chain_in_the_answer_is_refused_by_its_field(
    kit: ModuleType, chain: Any, field: str
) -> None:
    doc = dict(acks_document([Ack(0, kit.new_id(), AckStatus.APPLIED)]), chain=chain)
    with pytest.raises(ProtocolError) as excinfo:
        parse_acks(json.dumps(doc))
    assert excinfo.value.field == field
