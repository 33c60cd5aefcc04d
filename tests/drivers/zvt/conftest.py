"""An emulated PT on a real pty (framed serial) or a real TCP socket, and the ECR's
terminal opened on it through pyserial's ``serial_for_url``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import serial

from drivers.zvt.emulator import Settings, ZvtEmulator
from drivers.zvt.link import SerialLink, TcpLink
from drivers.zvt.terminal import Timeouts, ZvtTerminal

Connect = Callable[..., tuple[ZvtTerminal, ZvtEmulator]]


@pytest.fixture(params=["pty", "tcp"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """``connect(**settings)``: a fresh emulator and a terminal talking to it."""
    opened: list[tuple[serial.SerialBase, ZvtEmulator]] = []

    def make(**settings: object) -> tuple[ZvtTerminal, ZvtEmulator]:
        emulator = ZvtEmulator(Settings(**settings))  # type: ignore[arg-type]
        if request.param == "pty":
            path = emulator.start_pty()
            port = serial.serial_for_url(path, baudrate=9600, timeout=0.05)
            link: SerialLink | TcpLink = SerialLink(port, ack_timeout=0.3)
        else:
            number = emulator.start_tcp()
            port = serial.serial_for_url(f"socket://127.0.0.1:{number}", timeout=0.05)
            link = TcpLink(port)
        opened.append((port, emulator))
        return ZvtTerminal(link, timeouts=Timeouts(answer=1.0, transaction=3.0)), emulator

    yield make
    for port, emulator in opened:
        port.close()
        emulator.stop()
