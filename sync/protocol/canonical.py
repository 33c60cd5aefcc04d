"""Canonical JSON and the content hash.

The content hash is ``sha256:`` plus the hex SHA-256 of the body's canonical JSON: keys
sorted (by code point), no whitespace, UTF-8, no floating-point numbers anywhere (money is
integer minor units, rates are decimal strings). Two documents with the same body have the
same hash whatever JSON library wrote them, so the head office can tell a re-sent event
(same UUID, same hash: acknowledge again) from a rewritten one (same UUID, other hash:
refuse and show).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson

from sync.protocol.errors import ProtocolError

HASH_PREFIX = "sha256:"

#: Deepest nesting a document may have; ours go five levels down.
MAX_DEPTH = 32


def _check_json(value: Any, path: str, depth: int = 0) -> None:
    """Refuse what canonical JSON cannot hold: floats, non-string keys, other types."""
    if depth > MAX_DEPTH:
        raise ProtocolError(path, "is nested too deeply")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        raise ProtocolError(path, "must not be a floating-point number (use minor units)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ProtocolError(path, f"has a non-string key {key!r}")
            _check_json(item, f"{path}.{key}" if path else key, depth + 1)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]", depth + 1)
        return
    raise ProtocolError(path, f"holds a {type(value).__name__}, which JSON cannot carry")


_LEAVES = (str, int, bool, type(None))


def _plain_json(value: Any) -> bool:
    """Fast yes for the common case (plain dicts, lists, str, int, bool, None): no paths
    are built; anything else goes to :func:`_check_json`, which names what is wrong.

    Iterative, and leaves are checked in place rather than pushed: a sale document has
    about 250 values, and this runs on every event a till writes.
    """
    leaves = _LEAVES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind in leaves:
            continue
        if depth >= MAX_DEPTH:
            return False
        if kind is dict:
            for key, item in node.items():
                if type(key) is not str:
                    return False
                if type(item) not in leaves:
                    stack.append((item, depth + 1))
        elif kind is list or kind is tuple:
            for item in node:
                if type(item) not in leaves:
                    stack.append((item, depth + 1))
        else:
            return False
    return True


#: orjson's options for canonical JSON: keys sorted; its output is already compact UTF-8
_SORTED = orjson.OPT_SORT_KEYS


def _stdlib_canonical(value: Any, path: str) -> bytes:
    """The reference encoding: :mod:`json` with sorted keys, no whitespace, UTF-8."""
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except UnicodeEncodeError:
        raise ProtocolError(path, "holds text that is not valid Unicode") from None


def canonical_json(value: Any, path: str = "") -> bytes:
    """``value`` as canonical JSON bytes (sorted keys, no whitespace, UTF-8).

    Encoded by orjson, whose bytes for a checked plain value are those of the reference
    :mod:`json` encoding (same escapes, keys sorted by code point, integers in full:
    ``tests/sync/protocol/test_canonical_orjson.py`` holds the two to it for generated
    documents), at a fraction of the cost: every event a till writes is hashed, and the
    head office hashes every event it receives again. What orjson refuses (an integer
    beyond 64 bits, a lone surrogate) goes to the reference encoder, which encodes the
    first and names the second."""
    if not _plain_json(value):
        _check_json(value, path)
    try:
        return orjson.dumps(value, option=_SORTED)
    except orjson.JSONEncodeError:
        return _stdlib_canonical(value, path)


#: The body most recently hashed and its canonical JSON: :func:`document_text` reuses it
#: for the document just built around that body (one slot; matched by identity).
_last_hashed: tuple[object, bytes] | None = None


def content_hash(body: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``body``."""
    global _last_hashed
    data = canonical_json(body, "body")
    _last_hashed = (body, data)
    return HASH_PREFIX + hashlib.sha256(data).hexdigest()


def document_text(document: Mapping[str, Any]) -> str:
    """A protocol document as compact JSON text with sorted keys, as the outbox keeps it.

    When its body is the one :func:`content_hash` just hashed (the till writes each event
    right after building it), the body's canonical JSON is spliced in rather than encoded
    a second time: one of the four JSON encodings in a sale's commit. Any other document
    is encoded whole. Both forms parse to the same document; ``"body"`` sorts before every
    other envelope key, so the keys stay in order."""
    body = document.get("body")
    last = _last_hashed
    if last is None or last[0] is not body or any(key < "body" for key in document):
        return _compact_text(document)
    rest = {key: value for key, value in document.items() if key != "body"}
    envelope = _compact_text(rest)
    tail = "}" if not rest else "," + envelope[1:]
    return '{"body":' + last[1].decode("utf-8") + tail


#: and for document text: what :mod:`json` cannot encode (dates, dataclasses) is refused
#: as it would be there, rather than encoded by orjson's own rules
_TEXT = _SORTED | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _compact_text(document: Mapping[str, Any]) -> str:
    """Compact JSON text with sorted keys (orjson; :mod:`json` for what it refuses)."""
    try:
        return orjson.dumps(document, option=_TEXT).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def json_text(value: Any) -> str:
    """``value`` as compact JSON text in the order it holds its keys: what a ``jsonb``
    column is given for a document read from the wire (it keeps neither order nor
    spacing). orjson's, about ten times faster than :mod:`json`'s, which takes what orjson
    refuses (an integer beyond 64 bits, a lone surrogate) and refuses what it refuses."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ProtocolError(key, "appears twice in one object")
        out[key] = value
    return out


def _no_float(text: str) -> Any:
    raise ProtocolError("", f"number {text} is not an integer (use minor units)")


def _no_constant(text: str) -> Any:
    raise ProtocolError("", f"{text} is not valid JSON")


def _strict_load(text: str) -> Any:
    """The reference strict decoder: :mod:`json` with a Python hook for every object (to
    refuse a key that appears twice), floats and NaN refused; names what is wrong."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise ProtocolError("", f"is not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ProtocolError("", "is nested too deeply") from None


class _NotPlain(Exception):
    """Inside the quick decode: a float or NaN token; the reference decoder says which."""


def _refuse_token(text: str) -> Any:
    raise _NotPlain


#: :mod:`json`'s C decoder with no object hook: dicts built in C, floats and constants stop it
_plain_decoder = json.JSONDecoder(parse_float=_refuse_token, parse_constant=_refuse_token)


def _quick_load(text: str, data: bytes) -> Any:
    """The document, when it is compact JSON exactly as orjson (or the tills' ``json.dumps``
    with ``separators=(",", ":"), ensure_ascii=False``) writes it; otherwise ``_NotPlain``.

    Decoded by the C decoder without the per-object hook (about a tenth of its cost), then
    proved free of duplicate keys by encoding the result again: a decoded object keeps one
    value per key, so when orjson's bytes of the value are the input's bytes, the input
    held every key once, and the value is the one the reference decoder returns. Any
    other input (spacing, other escapes, a float, a number beyond 64 bits, a lone
    surrogate, a duplicate key) is left to the reference decoder, which accepts or refuses
    it as it always has."""
    try:
        value, end = _plain_decoder.raw_decode(text)
        if end != len(text) or orjson.dumps(value) != data:
            raise _NotPlain
    except (ValueError, RecursionError, orjson.JSONEncodeError, _NotPlain):
        raise _NotPlain from None
    return value


def load_json(raw: bytes | str) -> Any:
    """Decode a document strictly: UTF-8, no duplicate keys, no floats, no NaN.

    Compact documents as tills send them take the quick decode (:func:`_quick_load`);
    anything else, and everything refused, goes through the reference decoder, so what is
    accepted, the value and every refusal are the same either way
    (``tests/sync/protocol/test_load_json.py`` holds the two to it)."""
    if isinstance(raw, bytes | bytearray):
        data = bytes(raw)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("", "is not UTF-8") from None
    else:
        text = raw
        try:
            data = raw.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the reference decoder takes it
            return _strict_load(text)
    try:
        return _quick_load(text, data)
    except _NotPlain:
        return _strict_load(text)
