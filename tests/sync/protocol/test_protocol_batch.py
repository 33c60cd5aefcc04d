"""Batches: one bad event is refused on its own and never sinks the others."""

from __future__ import annotations

import copy
import json
from types import ModuleType

import pytest

from sync.protocol import ProtocolError, content_hash
from sync.protocol.batch import (
    MAX_BATCH_EVENTS,
    Ack,
    AckStatus,
    ChainHead,
    acks_document,
    batch_document,
    parse_acks,
    parse_batch,
    rejection,
)

HEAD = ChainHead(17, "ab" * 32)


def test_a_batch_round_trips_and_keeps_its_order(kit: ModuleType) -> None:
    events = [kit.completed_document(), kit.resolved_document(), kit.settled_document()]
    doc = batch_document(
        store_id="DEMO", terminal_id="T1", sent_at=kit.T0, chain_head=HEAD, events=events
    )
    batch = parse_batch(json.dumps(doc))
    assert batch.chain_head == HEAD
    assert [item.event_id for item in batch.items] == [e["event_id"] for e in events]
    assert all(item.error is None for item in batch.items)
    assert [item.event.to_document() for item in batch.items if item.event] == events


def test_a_bad_event_is_refused_alone_with_its_reason(kit: ModuleType) -> None:
    good = kit.completed_document()
    bad = kit.completed_document()
    bad["body"]["lines"][0]["quantity"] = -5
    bad["hash"] = content_hash(bad["body"])
    other_till = dict(kit.resolved_document(), terminal_id="T2")
    rewritten = copy.deepcopy(good)
    rewritten["body"]["lines"][0]["name"] = "Something else"
    rewritten["hash"] = content_hash(rewritten["body"])
    doc = batch_document(
        store_id="DEMO",
        terminal_id="T1",
        sent_at=kit.T0,
        chain_head=HEAD,
        events=[good, bad, other_till, good, rewritten],
    )
    doc["events"].append("not an event")
    items = parse_batch(doc).items
    assert [i.error is None for i in items] == [True, False, False, True, False, False]
    acks = [rejection(i) for i in items if i.error is not None]
    assert [(a.index, a.field, a.reason[:20]) for a in acks] == [
        (1, "body.lines[0].quantity", "must be at least 1, "),
        (2, "terminal_id", "is not the batch's t"),
        (4, "hash", "differs from event 0"),
        (5, "", "must be an object"),
    ]
    assert acks[0].event_id == bad["event_id"]


def test_a_batch_envelope_is_checked(kit: ModuleType) -> None:
    doc = batch_document(
        store_id="DEMO", terminal_id="T1", sent_at=kit.T0, chain_head=HEAD, events=[]
    )
    for change, field in [
        ({"version": "2.0"}, "version"),
        ({"chain_head": {"seq": 1, "hash": "xyz"}}, "chain_head.hash"),
        ({"events": [{}] * (MAX_BATCH_EVENTS + 1)}, "events"),
    ]:
        with pytest.raises(ProtocolError) as excinfo:
            parse_batch(dict(doc, **change))
        assert excinfo.value.field == field


def test_acknowledgements_round_trip_and_say_what_may_be_marked_sent(kit: ModuleType) -> None:
    acks = [
        Ack(0, kit.new_id(), AckStatus.APPLIED),
        Ack(1, kit.new_id(), AckStatus.DUPLICATE),
        Ack(2, None, AckStatus.REJECTED, "body.lines[0].quantity", "must be at least 1"),
    ]
    back = parse_acks(json.dumps(acks_document(acks)))
    assert back == acks
    assert [a.delivered for a in back] == [True, True, False]
