"""``load_json``'s quick decode must accept, return and refuse exactly what the reference
strict decoder does (``sync.protocol.canonical``).

The quick decode skips the Python hook that refuses a key appearing twice and proves the
absence of duplicates another way (the value encoded again must give the input's bytes).
These tests write JSON text by hand from trees whose objects are lists of pairs (so a key
can appear twice at any depth), compact as tills write it or spaced, with floats, NaN,
big integers and odd escapes mixed in, and hold ``load_json`` to the reference decoder:
same value, or the same refusal (field and reason).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol.canonical import _strict_load, load_json
from sync.protocol.errors import ProtocolError

#: keys from a small alphabet, so generated objects repeat keys often
KEYS = st.text(alphabet='ab\u00e9"\\\n', min_size=0, max_size=2)
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
#: leaves as JSON text: ints of any size, "-0", floats, NaN, strings in orjson's or
#: json.dumps(ensure_ascii=True)'s escapes, and a lone surrogate by escape
LEAVES = st.one_of(
    st.integers().map(str),
    st.just("-0"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e5", "1E+2", "0.0"]),
    st.sampled_from(["true", "false", "null"]),
    TEXT.map(lambda t: json.dumps(t, ensure_ascii=False)),
    TEXT.map(json.dumps),
    st.just('"\\ud800"'),
    st.just('"\\/"'),
)


def _obj(pairs: list[tuple[str, str]], sep: str) -> str:
    return "{" + sep.join(f"{json.dumps(k, ensure_ascii=False)}:{v}" for k, v in pairs) + "}"


def _tree(sep: str) -> st.SearchStrategy[str]:
    return st.recursive(
        LEAVES,
        lambda inner: (
            st.lists(inner, max_size=4).map(lambda xs: "[" + sep.join(xs) + "]")
            | st.lists(st.tuples(KEYS, inner), max_size=4).map(lambda ps: _obj(ps, sep))
        ),
        max_leaves=25,
    )


DOCUMENTS = _tree(",") | _tree(", ")


def _verdict(decode: Any, raw: bytes | str) -> tuple[str, Any]:
    try:
        return "value", decode(raw)
    except ProtocolError as exc:
        return "refused", (exc.field, exc.reason)


def _reference(raw: bytes | str) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("", "is not UTF-8") from None
    return _strict_load(raw)


@settings(max_examples=600, deadline=None)
@given(DOCUMENTS, st.booleans())
def test_the_quick_decode_agrees_with_the_reference_on_any_text(text: str, as_bytes: bool) -> None:
    raw: bytes | str = text.encode("utf-8", "surrogatepass") if as_bytes else text
    got = _verdict(load_json, raw)
    want = _verdict(_reference, raw)
    assert got == want
    # and the same types and key order (True is not 1, a list not a tuple)
    assert repr(got) == repr(want)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":1}',
        '{"a":1,"b":{"c":2,"c":3}}',
        '[{"x":[{"k":"v","k":"v"}]}]',
        '{"events":[{"event_id":"e","seq":1,"seq":1}]}',
    ],
)
def test_a_key_twice_in_compact_text_is_refused_as_before(text: str) -> None:
    """Compact text is what the quick decode takes: a repeated key there must still be
    refused, naming the key, even when both values are equal."""
    with pytest.raises(ProtocolError, match="appears twice") as excinfo:
        load_json(text.encode())
    assert excinfo.value.field in {"a", "c", "k", "seq"}


def test_a_document_as_tills_send_it_is_decoded_to_the_same_value() -> None:
    document = {
        "version": "1.0",
        "events": [{"body": {"name": "Chai — Ketepa", "minor": 2**63 - 1}, "seq": 1}],
        "chain_head": {"seq": 0, "hash": "0" * 64},
    }
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    assert load_json(raw) == document
    assert load_json(raw.decode()) == document


def test_what_only_the_reference_decoder_takes_is_still_taken() -> None:
    """A number beyond 64 bits, spacing, a lone surrogate escaped: not the quick decode's,
    decoded by the reference as before."""
    assert load_json(b'{"minor": 18446744073709551617}') == {"minor": 2**64 + 1}
    assert load_json('{"t":"\\ud800"}') == {"t": "\ud800"}
    assert load_json(b" [1, 2] ") == [1, 2]
