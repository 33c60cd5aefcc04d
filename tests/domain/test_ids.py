"""UUIDv7 identifiers built from a caller-supplied clock reading and random bytes."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.ids import uuid7, uuid7_time_ms

MAX_MS = (1 << 48) - 1
timestamps = st.integers(min_value=0, max_value=MAX_MS)
random_bytes = st.binary(min_size=10, max_size=16)


def test_known_value_all_zero_random() -> None:
    """Layout: 48-bit ms timestamp, version 7, variant 10, then the random bits."""
    u = uuid7(1_700_000_000_000, bytes(10))
    assert str(u) == "018bcfe5-6800-7000-8000-000000000000"


def test_known_value_all_ones_random() -> None:
    """All random bits set fill exactly rand_a (12 bits) and rand_b (62 bits)."""
    u = uuid7(1_700_000_000_000, b"\xff" * 10)
    assert str(u) == "018bcfe5-6800-7fff-bfff-ffffffffffff"


def test_extremes_of_the_timestamp() -> None:
    """0 and 2**48 - 1 ms are both representable."""
    assert str(uuid7(0, bytes(10))) == "00000000-0000-7000-8000-000000000000"
    assert str(uuid7(MAX_MS, bytes(10))) == "ffffffff-ffff-7000-8000-000000000000"


@settings(max_examples=150, deadline=None)
@given(ms=timestamps, rand=random_bytes)
def test_version_variant_and_time_round_trip(ms: int, rand: bytes) -> None:
    """Every id is an RFC 9562 v7 UUID whose embedded time is the one passed in."""
    u = uuid7(ms, rand)
    assert u.version == 7
    assert u.variant == uuid.RFC_4122
    assert (u.int >> 76) & 0xF == 7
    assert (u.int >> 62) & 0b11 == 0b10
    assert uuid7_time_ms(u) == ms
    assert uuid7_time_ms(uuid.UUID(str(u))) == ms


@settings(max_examples=150, deadline=None)
@given(ms=timestamps, rand=random_bytes)
def test_random_bits_are_kept(ms: int, rand: bytes) -> None:
    """The low 12 bits of the first two bytes and 62 bits of the next eight are kept."""
    u = uuid7(ms, rand)
    assert (u.int >> 64) & 0x0FFF == int.from_bytes(rand[:2], "big") & 0x0FFF
    assert u.int & ((1 << 62) - 1) == int.from_bytes(rand[2:10], "big") & ((1 << 62) - 1)
    assert uuid7(ms, rand[:10]) == u  # bytes beyond the tenth are ignored


@settings(max_examples=150, deadline=None)
@given(a=timestamps, b=timestamps, rand_a=random_bytes, rand_b=random_bytes)
def test_ids_sort_by_time(a: int, b: int, rand_a: bytes, rand_b: bytes) -> None:
    """An earlier millisecond always sorts first, as UUID and as text."""
    if a == b:
        return
    first, second = sorted([a, b])
    early = uuid7(first, rand_a if a < b else rand_b)
    late = uuid7(second, rand_b if a < b else rand_a)
    assert early < late
    assert str(early) < str(late)


def test_same_time_different_random_differs() -> None:
    """Two terminals in the same millisecond still get different ids."""
    assert uuid7(5, bytes(10)) != uuid7(5, bytes(9) + b"\x01")


@pytest.mark.parametrize("ms", [-1, 1 << 48, 1 << 60])
def test_timestamp_out_of_range(ms: int) -> None:
    """Negative or > 48-bit timestamps are refused."""
    with pytest.raises(ValueError, match="timestamp out of range"):
        uuid7(ms, bytes(10))


@pytest.mark.parametrize("rand", [b"", bytes(9)])
def test_too_few_random_bytes(rand: bytes) -> None:
    """Fewer than 10 random bytes are refused."""
    with pytest.raises(ValueError, match="needs 10 random bytes"):
        uuid7(0, rand)


@pytest.mark.parametrize(
    "value",
    [
        uuid.UUID("12345678-1234-4234-8234-123456789abc"),  # v4
        uuid.UUID("12345678-1234-1234-8234-123456789abc"),  # v1
        uuid.UUID(int=0),  # nil: no version
    ],
)
def test_time_of_a_non_v7_uuid_is_refused(value: uuid.UUID) -> None:
    """Only v7 ids carry a Unix-ms timestamp."""
    with pytest.raises(ValueError, match="not a UUIDv7"):
        uuid7_time_ms(value)
