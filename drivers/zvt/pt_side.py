"""The PT's end of a ZVT link, for the emulator: byte channels (pty, socket) and the
PT-side link layer, with switches that misbehave on purpose (NAK storms, bad CRCs).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
import tty
from collections import deque
from collections.abc import Callable
from typing import Protocol

from drivers.zvt.apdu import Apdu, ApduError, apdu_size
from drivers.zvt.framing import ACK, NAK, Deframer, FrameError, encode_frame


class ChannelClosed(Exception):
    """The ECR went away."""


class Channel(Protocol):
    def read(self, timeout: float) -> bytes: ...

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class PtyChannel:
    """The master side of a pty; the ECR opens :attr:`path` like a serial port."""

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF mapping
        self.path = os.ttyname(self._slave)

    def read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                return b""
            return os.read(self.master, 4096)
        except (OSError, ValueError) as exc:
            raise ChannelClosed(str(exc)) from exc

    def write(self, data: bytes) -> None:
        try:
            os.write(self.master, data)
        except OSError as exc:
            raise ChannelClosed(str(exc)) from exc

    def close(self) -> None:
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class SocketChannel:
    """One accepted TCP connection."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn

    def read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.conn], [], [], timeout)
            if not ready:
                return b""
            data = self.conn.recv(4096)
        except (OSError, ValueError) as exc:
            raise ChannelClosed(str(exc)) from exc
        if not data:
            raise ChannelClosed("the ECR closed the connection")
        return data

    def write(self, data: bytes) -> None:
        try:
            self.conn.sendall(data)
        except OSError as exc:
            raise ChannelClosed(str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()


class PtLink:
    """APDUs over a channel, framed (serial) or bare (TCP), as a PT does it.

    ``mode()`` names a misbehaviour: ``nak`` (NAK every frame the ECR sends), ``bad_crc``
    (send every frame with a broken CRC), ``silent`` (never answer anything at all).
    """

    def __init__(
        self, channel: Channel, *, framed: bool, mode: Callable[[], str] = lambda: ""
    ) -> None:
        self.channel = channel
        self.framed = framed
        self._mode = mode  # read at every frame: a switch flipped mid-way applies at once
        #: the ECR disconnected (a PT still finishes the transaction on its own)
        self.gone = False
        self._deframer = Deframer()
        self._events: deque[bytes | int | FrameError] = deque()
        self._buffer = bytearray()

    @property
    def nak_storm(self) -> bool:
        return self._mode() == "nak"

    @property
    def silent(self) -> bool:
        return self._mode() == "silent"

    @property
    def bad_crc(self) -> int:
        return 99 if self._mode() == "bad_crc" else 0

    def _pump(self, timeout: float) -> None:
        data = self.channel.read(timeout)
        if self.framed:
            self._events.extend(self._deframer.feed(data))
        else:
            self._buffer += data

    def receive(self, timeout: float) -> Apdu | None:
        """The next APDU from the ECR (line-ACKed when framed), None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if self.framed:
                while self._events:
                    event = self._events.popleft()
                    if isinstance(event, int):
                        continue
                    if self.silent:
                        continue
                    if isinstance(event, FrameError) or self.nak_storm:
                        self.channel.write(bytes([NAK]))
                        continue
                    self.channel.write(bytes([ACK]))
                    try:
                        return Apdu.decode(event)
                    except ApduError:
                        continue
            else:
                size = apdu_size(bytes(self._buffer))
                if size is not None and len(self._buffer) >= size:
                    raw = bytes(self._buffer[:size])
                    del self._buffer[:size]
                    if not self.silent:
                        return Apdu.decode(raw)
                    continue
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._pump(min(left, 0.05))

    def send(self, apdu: Apdu) -> bool:
        """Send ``apdu``; framed, wait for the ECR's ACK (resending on NAK, 3 times).
        False if the ECR never acknowledged it."""
        if self.silent:
            return False
        if not self.framed:
            self.channel.write(apdu.encode())
            return True
        good = encode_frame(apdu.encode())
        broken = good[:-2] + bytes([good[-2] ^ 0xFF, good[-1]])
        for attempt in range(4):
            self.channel.write(broken if attempt < self.bad_crc else good)
            answer = self._wait_ack(1.0)
            if answer == ACK:
                return True
        return False

    def _wait_ack(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self._events):
                if isinstance(event, int):
                    del self._events[i]
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._pump(min(left, 0.05))
