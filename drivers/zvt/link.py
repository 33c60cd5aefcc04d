"""Moving one APDU at a time between the ECR and the PT.

:class:`SerialLink` does the serial link layer: each APDU in a DLE STX/ETX frame with its
CRC, answered by one ACK or NAK byte; a NAK or a missing ACK makes it send again (up to
``retries`` times), a damaged frame from the PT is answered with NAK (up to ``retries``
times in a row). :class:`TcpLink` sends bare APDUs (TCP port 20007 has no framing).

Both work over a :class:`drivers.transport.Connection` (or any port with
``read(size, timeout)`` and ``write(data)``): a serial port, ``socket://host:20007``, a
pty. A connection reopens a port that was lost, so a terminal unplugged and plugged back
works again on the next command. Logs name commands, never data.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Protocol

from drivers.zvt.apdu import Apdu, ApduError, apdu_size
from drivers.zvt.framing import ACK, NAK, Deframer, FrameError, encode_frame

log = logging.getLogger(__name__)

#: how long a read may block before the link looks at its deadlines (and an abort) again
READ_SLICE = 0.05


class Port(Protocol):
    """The two primitives of :class:`drivers.transport.Connection` the link uses."""

    def read(self, size: int, timeout: float) -> bytes: ...

    def write(self, data: bytes) -> None: ...


class LinkError(Exception):
    """The link failed (no ACK, too many bad frames, port gone): the outcome is unknown."""


class LinkTimeout(LinkError):
    """Nothing arrived in time."""


class Link(Protocol):
    def send(self, apdu: Apdu) -> None: ...

    def receive(self, timeout: float) -> Apdu | None: ...


def _read(port: Port, size: int) -> bytes:
    try:
        return bytes(port.read(size, READ_SLICE))
    except Exception as exc:  # DeviceOffline, SerialException, OSError: unplugged, closed
        raise LinkError(f"the terminal's port failed: {exc}") from exc


def _write(port: Port, data: bytes) -> None:
    try:
        port.write(data)
    except Exception as exc:
        raise LinkError(f"the terminal's port failed: {exc}") from exc


class SerialLink:
    """ZVT over RS-232 (or a pty, or a serial-over-TCP bridge)."""

    def __init__(
        self,
        port: Port,
        *,
        ack_timeout: float = 1.0,
        retries: int = 3,
        byte_timeout: float = 0.2,
    ) -> None:
        self.port = port
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.byte_timeout = byte_timeout  # T1: a frame that stalls this long is dropped
        self._deframer = Deframer()
        self._events: deque[bytes | int | FrameError] = deque()
        self._bad_in_a_row = 0

    def _pump(self) -> bool:
        """Read what the port has into the event queue; False if nothing came."""
        data = _read(self.port, 512)
        if not data:
            return False
        self._events.extend(self._deframer.feed(data))
        return True

    def send(self, apdu: Apdu) -> None:
        """Send ``apdu`` until the PT ACKs it; LinkError after ``retries`` failures."""
        wire = encode_frame(apdu.encode())
        for attempt in range(1, self.retries + 2):
            _write(self.port, wire)
            answer = self._wait_ack()
            if answer == ACK:
                return
            log.warning(
                "zvt: %s %s (try %d)", apdu, "NAKed" if answer == NAK else "not ACKed", attempt
            )
        raise LinkError(f"the terminal did not acknowledge {apdu} after {self.retries} retries")

    def _wait_ack(self) -> int | None:
        """The next ACK/NAK byte (frames that come first stay queued), None on timeout."""
        deadline = time.monotonic() + self.ack_timeout
        while True:
            for i, event in enumerate(self._events):
                if isinstance(event, int):
                    del self._events[i]
                    return event
            if time.monotonic() >= deadline:
                return None
            self._pump()

    def receive(self, timeout: float) -> Apdu | None:
        """The next APDU from the PT (ACKed), or None if none came within ``timeout``."""
        deadline = time.monotonic() + timeout
        last_byte = time.monotonic()
        while True:
            while self._events:
                event = self._events.popleft()
                if isinstance(event, int):
                    continue  # a stray ACK/NAK
                if isinstance(event, FrameError):
                    self._bad_in_a_row += 1
                    log.warning("zvt: damaged frame from the terminal (%s); NAK", event)
                    _write(self.port, bytes([NAK]))
                    if self._bad_in_a_row > self.retries:
                        self._bad_in_a_row = 0
                        raise LinkError("the terminal sent damaged frames again and again")
                    continue
                try:
                    apdu = Apdu.decode(event)
                except ApduError:
                    log.warning("zvt: frame with a malformed APDU; NAK")
                    _write(self.port, bytes([NAK]))
                    continue
                self._bad_in_a_row = 0
                _write(self.port, bytes([ACK]))
                return apdu
            now = time.monotonic()
            if now >= deadline and not self._deframer.inside_frame:
                return None
            if self._pump():
                last_byte = time.monotonic()
            elif self._deframer.inside_frame and now - last_byte > self.byte_timeout:
                log.warning("zvt: a frame stalled mid-way; dropped")
                self._deframer.reset()


class TcpLink:
    """ZVT over TCP: bare APDUs, no framing, CRC or ACK bytes."""

    def __init__(self, port: Port) -> None:
        self.port = port
        self._buffer = bytearray()

    def send(self, apdu: Apdu) -> None:
        _write(self.port, apdu.encode())

    def receive(self, timeout: float) -> Apdu | None:
        deadline = time.monotonic() + timeout
        while True:
            size = apdu_size(bytes(self._buffer))
            if size is not None and len(self._buffer) >= size:
                raw = bytes(self._buffer[:size])
                del self._buffer[:size]
                return Apdu.decode(raw)
            if time.monotonic() >= deadline and not self._buffer:
                return None
            if time.monotonic() >= deadline + 1.0:
                raise LinkError("the terminal stopped in the middle of a message")
            self._buffer += _read(self.port, 512)
