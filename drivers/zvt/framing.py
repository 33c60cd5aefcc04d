"""The ZVT serial link layer: ``DLE STX`` + APDU (DLE doubled) + ``DLE ETX`` + CRC.

The CRC is CRC-16/KERMIT (polynomial 0x8408 reflected, init 0, no final XOR) over the
unstuffed APDU followed by ``ETX``, sent low byte first. Each frame is answered by one
byte: ``ACK`` (06) or ``NAK`` (15). Over TCP the same APDUs travel without any of this.
Facts and captured frames: ``/work/shared/reference/hardware.md`` section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DLE = 0x10
STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15


def _table() -> tuple[int, ...]:
    out = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        out.append(crc)
    return tuple(out)


_TABLE = _table()


def crc16_kermit(data: bytes) -> int:
    """CRC-16/KERMIT of ``data`` (``crc16_kermit(b"123456789") == 0x2189``)."""
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def frame_crc(apdu: bytes) -> int:
    """The CRC a frame carrying ``apdu`` ends with (over the APDU and ETX)."""
    return crc16_kermit(apdu + bytes([ETX]))


def encode_frame(apdu: bytes) -> bytes:
    """The bytes on the wire for one APDU."""
    crc = frame_crc(apdu)
    body = apdu.replace(bytes([DLE]), bytes([DLE, DLE]))
    return bytes([DLE, STX]) + body + bytes([DLE, ETX, crc & 0xFF, crc >> 8])


class FrameError(ValueError):
    """A frame arrived damaged (bad CRC or a DLE followed by nonsense)."""


class _State(Enum):
    IDLE = 0
    IDLE_DLE = 1
    BODY = 2
    BODY_DLE = 3
    CRC1 = 4
    CRC2 = 5


@dataclass(slots=True)
class Deframer:
    """Turns a byte stream into APDUs, one byte at a time (a port hands over what it has).

    :meth:`feed` answers a list of events: an APDU (``bytes``) for each good frame, a
    :class:`FrameError` for each damaged one (the receiver then sends ``NAK``), and the
    ints ``ACK``/``NAK`` for single acknowledgement bytes seen between frames. Noise
    between frames is dropped.
    """

    _state: _State = _State.IDLE
    _body: bytearray | None = None
    _crc_low: int = 0

    def feed(self, data: bytes) -> list[bytes | int | FrameError]:
        events: list[bytes | int | FrameError] = []
        for byte in data:
            event = self._byte(byte)
            if event is not None:
                events.append(event)
        return events

    @property
    def inside_frame(self) -> bool:
        """True while a frame has started but not ended (the sender is mid-frame)."""
        return self._state not in (_State.IDLE, _State.IDLE_DLE)

    def _byte(self, byte: int) -> bytes | int | FrameError | None:
        state = self._state
        if state is _State.IDLE:
            if byte == DLE:
                self._state = _State.IDLE_DLE
            elif byte in (ACK, NAK):
                return byte
            return None
        if state is _State.IDLE_DLE:
            if byte == STX:
                self._body = bytearray()
                self._state = _State.BODY
            else:
                self._state = _State.IDLE
                if byte in (ACK, NAK):
                    return byte
            return None
        assert self._body is not None
        if state is _State.BODY:
            if byte == DLE:
                self._state = _State.BODY_DLE
            else:
                self._body.append(byte)
            return None
        if state is _State.BODY_DLE:
            if byte == DLE:
                self._body.append(DLE)
                self._state = _State.BODY
            elif byte == ETX:
                self._state = _State.CRC1
            elif byte == STX:  # a new frame began: the old one was cut off
                self._body = bytearray()
                self._state = _State.BODY
                return FrameError("a frame was cut off by the start of another")
            else:
                self._state = _State.IDLE
                self._body = None
                return FrameError(f"DLE followed by 0x{byte:02X} inside a frame")
            return None
        if state is _State.CRC1:
            self._crc_low = byte
            self._state = _State.CRC2
            return None
        # CRC2
        body = bytes(self._body)
        self._body = None
        self._state = _State.IDLE
        received = self._crc_low | (byte << 8)
        expected = frame_crc(body)
        if received != expected:
            return FrameError(f"bad CRC: got 0x{received:04X}, expected 0x{expected:04X}")
        return body

    def reset(self) -> None:
        """Forget a partial frame (after a timeout between bytes)."""
        self._state = _State.IDLE
        self._body = None
