"""Canonical JSON is encoded by orjson: its bytes must be the reference encoding's.

A content hash computed by a till before orjson came in must still match the one the head
office computes now, and a till and a head office on different versions must agree. So for
every plain JSON value (any text, any key, integers of any size, nesting) the fast path's
bytes equal those of ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``, and what orjson cannot encode goes to the reference encoder.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.canonical import canonical_json, content_hash, document_text
from sync.protocol.errors import ProtocolError


def reference(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


#: every code point but the surrogates (no UTF-8 form), control characters included
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
LEAVES = st.none() | st.booleans() | st.integers() | TEXT
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_the_bytes_are_the_reference_encodings_for_any_plain_value(value: Any) -> None:
    assert canonical_json(value) == reference(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=6))
def test_keys_sort_by_code_point_as_the_reference_sorts_them(body: dict[str, Any]) -> None:
    data = canonical_json(body)
    assert data == reference(body)
    assert list(json.loads(data)) == sorted(body)


def test_the_characters_json_escapes_are_escaped_alike() -> None:
    text = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u0085\u2028\u2029\ufeff😀é'
    assert canonical_json({"t": text}) == reference({"t": text})


def test_integers_beyond_64_bits_are_encoded_in_full_by_the_reference_encoder() -> None:
    big = {"minor": 2**64 + 1, "negative": -(2**70)}
    assert canonical_json(big) == reference(big)
    assert canonical_json({"edge": [2**63 - 1, -(2**63)]}) == reference(
        {"edge": [2**63 - 1, -(2**63)]}
    )


def test_a_lone_surrogate_is_refused_with_its_place_named() -> None:
    with pytest.raises(ProtocolError, match="not valid Unicode"):
        canonical_json({"name": "\ud800"}, "body")


def test_a_float_is_still_refused_before_any_encoder_sees_it() -> None:
    with pytest.raises(ProtocolError, match="floating-point"):
        canonical_json({"total": 1.5}, "body")


def test_the_hash_of_a_known_body_is_unchanged() -> None:
    """Pinned: this hash was computed with the reference encoder before the switch."""
    body = {"b": [1, "Chai — Ketepa", None, True], "a": {"minor": 13000, "currency": "KES"}}
    expected = "sha256:0ea15551d0a84112850f8fb99b287279fc80fe963c5c162dc1bb0a4c0258ca6c"
    assert content_hash(body) == expected


def test_document_text_refuses_what_json_refuses() -> None:
    """orjson would write a date; the outbox's text must not silently hold one."""
    from datetime import UTC, datetime

    with pytest.raises(TypeError):
        document_text({"created_at": datetime(2026, 12, 2, tzinfo=UTC)})
