"""``document_text``: the outbox's JSON text of a document, body spliced from its hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sync.protocol.canonical import canonical_json, content_hash, document_text
from sync.protocol.envelope import EventType, make_document


def _doc(name: str) -> dict[str, Any]:
    body = {"name": name, "lines": [{"qty": 2, "sku": "MAZIWA-500"}], "total": {"minor": 13000}}
    return make_document(
        EventType.SALE_COMPLETED,
        body,
        event_id="01900000-0000-7000-8000-000000000001",
        store_id="S1",
        terminal_id="T1",
        seq=7,
        created_at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
        training=False,
    )


def test_the_text_of_a_just_built_document_parses_to_it_with_sorted_keys() -> None:
    doc = _doc("Chai ya Kenya — Ketepa")  # non-ASCII survives as UTF-8 text
    text = document_text(doc)
    assert json.loads(text) == doc
    assert list(json.loads(text)) == sorted(doc)
    assert canonical_json(json.loads(text)["body"]) == canonical_json(doc["body"])
    assert "Ketepa" in text
    assert "—" in text


def test_an_older_document_is_encoded_whole_not_given_the_last_body() -> None:
    """The reuse slot holds the last hashed body: an earlier document must not get it."""
    first = _doc("first")
    second = _doc("second")
    assert json.loads(document_text(first)) == first
    assert json.loads(document_text(second)) == second
    assert '"first"' not in document_text(second)


def test_a_body_hashed_again_elsewhere_still_gives_the_right_text() -> None:
    doc = _doc("mine")
    content_hash({"other": 1})  # another thread or caller hashed something since
    assert json.loads(document_text(doc)) == doc
