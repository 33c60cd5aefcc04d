"""ZVT APDUs: class byte, instruction byte, length, data.

The length is one byte, or ``FF lo hi`` for 255 bytes and more. Over serial an APDU sits
inside a frame (:mod:`drivers.zvt.framing`); over TCP APDUs follow each other directly, so
:func:`apdu_size` tells a stream reader how many bytes one needs.
"""

from __future__ import annotations

from dataclasses import dataclass


class ApduError(ValueError):
    """Bytes that are not one well-formed APDU."""


@dataclass(frozen=True, slots=True)
class Apdu:
    """One message. ``command`` is ``(class, instruction)``, e.g. ``(0x06, 0x01)``."""

    cls: int
    ins: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return (self.cls, self.ins)

    def encode(self) -> bytes:
        n = len(self.data)
        if n > 0xFFFF:
            raise ApduError(f"APDU data of {n} bytes is too long")
        length = bytes([n]) if n < 0xFF else bytes([0xFF, n & 0xFF, n >> 8])
        return bytes([self.cls, self.ins]) + length + self.data

    @classmethod
    def decode(cls, raw: bytes) -> Apdu:
        size = apdu_size(raw)
        if size is None or size != len(raw):
            raise ApduError(f"not one APDU: {len(raw)} bytes, header says {size}")
        header = 5 if raw[2] == 0xFF else 3
        return cls(raw[0], raw[1], bytes(raw[header:]))

    def __str__(self) -> str:
        """Class, instruction and length only: the data may hold card fields."""
        return f"APDU {self.cls:02X} {self.ins:02X} ({len(self.data)} bytes)"


def apdu_size(head: bytes) -> int | None:
    """The full size of the APDU that ``head`` begins, or None while too short to tell."""
    if len(head) < 3:
        return None
    if head[2] != 0xFF:
        return 3 + head[2]
    if len(head) < 5:
        return None
    return 5 + (head[3] | (head[4] << 8))


#: application-level acknowledgement ``80 00 00``
ACK_APDU = Apdu(0x80, 0x00)
