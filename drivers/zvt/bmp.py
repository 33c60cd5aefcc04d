"""BMP fields (the tagged data of ZVT APDUs), TLV containers and BCD.

Each field starts with its BMP number; its length is fixed (per the table below) or
given by an LLVAR (``F<x> F<y>``: two decimal digits) or LLLVAR (three) prefix. Table and
formats from wirelane/ecrterm ``bitmaps.py`` and Wireshark's ``packet-zvt.c``.

Card-holder data: BMP 23, 24 and 2D carry track data, 2E and 9A chip data; the decoder
drops them (they are never kept in memory beyond the parse, never printed, never logged),
and :func:`masked_pan` keeps at most the first six and last four digits of BMP 22.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

LLVAR = -2
LLLVAR = -3

#: BMP number -> fixed length in bytes, or LLVAR / LLLVAR
BMP_LENGTHS: dict[int, int] = {
    0x01: 1,  # timeout
    0x02: 1,  # max. status infos
    0x03: 1,  # service byte
    0x04: 6,  # amount, BCD minor units
    0x05: 1,  # pump number
    0x0B: 3,  # trace number, BCD
    0x0C: 3,  # time HHMMSS, BCD
    0x0D: 2,  # date MMDD, BCD
    0x0E: 2,  # expiry YYMM, BCD
    0x17: 2,  # card sequence number, BCD
    0x19: 1,  # payment type / status byte
    0x22: LLVAR,  # PAN / EF_ID, BCD, E = masked digit
    0x23: LLVAR,  # track 2
    0x24: LLLVAR,  # track 3
    0x27: 1,  # result code
    0x29: 4,  # terminal id, BCD
    0x2A: 15,  # VU number, ASCII
    0x2D: LLVAR,  # track 1
    0x2E: LLLVAR,  # synchronous chip data
    0x37: 3,  # trace number of the original, BCD
    0x3A: 2,  # CVV
    0x3B: 8,  # AID (authorisation code), ASCII
    0x3C: LLLVAR,  # additional text
    0x3D: 3,  # password
    0x49: 2,  # currency code, BCD (ISO 4217 numeric)
    0x60: LLLVAR,  # totals
    0x87: 2,  # receipt number, BCD
    0x88: 3,  # turnover number, BCD
    0x8A: 1,  # card type
    0x8B: LLVAR,  # card name, ASCII
    0x8C: 1,  # card type id
    0x9A: LLLVAR,  # Geldkarte payment record
    0xA0: 1,  # result code AS
    0xA7: LLVAR,  # chip data
    0xAF: LLLVAR,  # EF_Info
    0xBA: 5,  # AID parameter
}

#: fields that hold card-holder data and are never kept
CARD_DATA_BMPS = frozenset({0x23, 0x24, 0x2D, 0x2E, 0x9A, 0xA7, 0x3A})
TLV_BMP = 0x06


class BmpError(ValueError):
    """A field that cannot be read (unknown BMP, short data, bad length prefix)."""


# -- BCD ------------------------------------------------------------------------------------
def bcd(value: int, size: int) -> bytes:
    """``value`` as ``size`` bytes of packed BCD (``bcd(1234, 6)`` = ``00 00 00 00 12 34``)."""
    if value < 0:
        raise BmpError("BCD cannot hold a negative number")
    digits = str(value).rjust(size * 2, "0")
    if len(digits) > size * 2:
        raise BmpError(f"{value} does not fit in {size} BCD bytes")
    return bytes.fromhex(digits)


def bcd_digits(raw: bytes) -> str:
    """Packed BCD as its digit string (nibbles A-F kept as hex letters)."""
    return raw.hex().upper()


def from_bcd(raw: bytes) -> int:
    text = raw.hex()
    if not text.isdigit():
        raise BmpError(f"not BCD: {text}")
    return int(text or "0")


def _var_length(data: bytes, at: int, digits: int) -> tuple[int, int]:
    prefix = data[at : at + digits]
    if len(prefix) < digits or any(b >> 4 != 0xF or (b & 0x0F) > 9 for b in prefix):
        raise BmpError("bad LLVAR/LLLVAR length prefix")
    n = 0
    for b in prefix:
        n = n * 10 + (b & 0x0F)
    return n, at + digits


def var_prefix(n: int, digits: int) -> bytes:
    if n >= 10**digits:
        raise BmpError(f"{n} bytes do not fit a {digits}-digit length")
    return bytes(0xF0 | int(c) for c in str(n).rjust(digits, "0"))


def tlv_length(data: bytes, at: int) -> tuple[int, int]:
    """A TLV length (BER: one byte below 0x80, else 0x81/0x82 + one/two bytes)."""
    if at >= len(data):
        raise BmpError("TLV length missing")
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count not in (1, 2) or at + 1 + count > len(data):
        raise BmpError("bad TLV length")
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def encode_tlv_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class Field:
    """One BMP field: its number and its raw value (without the length prefix)."""

    bmp: int
    value: bytes


def encode_field(bmp: int, value: bytes) -> bytes:
    """One field on the wire (length prefix added for LLVAR/LLLVAR and TLV)."""
    if bmp == TLV_BMP:
        return bytes([bmp]) + encode_tlv_length(len(value)) + value
    length = BMP_LENGTHS.get(bmp)
    if length is None:
        raise BmpError(f"unknown BMP 0x{bmp:02X}")
    if length == LLVAR:
        return bytes([bmp]) + var_prefix(len(value), 2) + value
    if length == LLLVAR:
        return bytes([bmp]) + var_prefix(len(value), 3) + value
    if len(value) != length:
        raise BmpError(f"BMP 0x{bmp:02X} takes {length} bytes, not {len(value)}")
    return bytes([bmp]) + value


def encode_fields(fields: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(encode_field(bmp, value) for bmp, value in fields)


def iter_fields(data: bytes, at: int = 0) -> Iterator[Field]:
    """The fields of ``data`` from ``at``, card-holder data dropped. Raises BmpError."""
    while at < len(data):
        bmp = data[at]
        at += 1
        if bmp == TLV_BMP:
            n, at = tlv_length(data, at)
        else:
            length = BMP_LENGTHS.get(bmp)
            if length is None:
                raise BmpError(f"unknown BMP 0x{bmp:02X} at byte {at - 1}")
            if length == LLVAR:
                n, at = _var_length(data, at, 2)
            elif length == LLLVAR:
                n, at = _var_length(data, at, 3)
            else:
                n = length
        if at + n > len(data):
            raise BmpError(f"BMP 0x{bmp:02X} runs past the end of the data")
        value = data[at : at + n]
        at += n
        if bmp not in CARD_DATA_BMPS:
            yield Field(bmp, value)


def decode_fields(data: bytes, at: int = 0) -> dict[int, bytes]:
    """The fields of ``data`` by BMP (a repeated BMP keeps its last value)."""
    return {f.bmp: f.value for f in iter_fields(data, at)}


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Tags and values of a TLV container (tags of one or two bytes: ``1F xx``)."""
    at = 0
    while at < len(data):
        tag = data[at]
        at += 1
        if tag & 0x1F == 0x1F:
            if at >= len(data):
                raise BmpError("TLV tag cut off")
            tag = (tag << 8) | data[at]
            at += 1
        n, at = tlv_length(data, at)
        if at + n > len(data):
            raise BmpError("TLV value runs past the end")
        yield tag, data[at : at + n]
        at += n


def masked_pan(raw: bytes) -> str:
    """BMP 22 as a display PAN with at most the first 6 and last 4 digits shown.

    Terminals mask with nibble E; an F nibble pads an odd length. Whatever the terminal
    sends, digits beyond the first six and last four are masked here again.
    """
    digits = bcd_digits(raw).rstrip("F").replace("E", "*")
    if any(c not in "0123456789*" for c in digits):
        return "*" * len(digits)
    if len(digits) <= 10:
        return "*" * max(0, len(digits) - 4) + digits[-4:]
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
