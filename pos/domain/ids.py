"""UUIDv7 identifiers made on the terminal (RFC 9562).

Time-ordered, so documents sort by creation and index well; random in the low bits, so two
terminals never collide without talking to each other. The caller passes the clock reading
and the random bytes: the domain reads neither clocks nor entropy itself.
"""

from __future__ import annotations

import uuid


def uuid7(unix_ms: int, rand: bytes) -> uuid.UUID:
    """Build a UUIDv7 from a millisecond timestamp and at least 10 random bytes."""
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError("timestamp out of range for UUIDv7")
    if len(rand) < 10:
        raise ValueError("UUIDv7 needs 10 random bytes")
    rand_a = int.from_bytes(rand[:2], "big") & 0x0FFF
    rand_b = int.from_bytes(rand[2:10], "big") & ((1 << 62) - 1)
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """The millisecond timestamp inside a UUIDv7."""
    if value.version != 7:
        raise ValueError("not a UUIDv7")
    return value.int >> 80
