"""An emulated PT on a real pty (framed serial) or a real TCP socket, and the ECR's
terminal opened on it through the device transport (``serial_for_url`` underneath)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from drivers.transport import Connection, PortSettings
from drivers.zvt.emulator import Settings, ZvtEmulator
from drivers.zvt.link import SerialLink, TcpLink
from drivers.zvt.terminal import Timeouts, ZvtTerminal

Connect = Callable[..., tuple[ZvtTerminal, ZvtEmulator]]


def serial_link(url: str, **kwargs: float) -> tuple[SerialLink, Connection]:
    connection = Connection(PortSettings(url=url, timeout=0.05))
    return SerialLink(connection, **kwargs), connection  # type: ignore[arg-type]


@pytest.fixture(params=["pty", "tcp"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """``connect(**settings)``: a fresh emulator and a terminal talking to it."""
    opened: list[tuple[Connection, ZvtEmulator]] = []

    def make(**settings: object) -> tuple[ZvtTerminal, ZvtEmulator]:
        emulator = ZvtEmulator(Settings(**settings))  # type: ignore[arg-type]
        if request.param == "pty":
            link, connection = serial_link(emulator.start_pty(), ack_timeout=0.3)
            used: SerialLink | TcpLink = link
        else:
            number = emulator.start_tcp()
            connection = Connection(PortSettings(url=f"socket://127.0.0.1:{number}", timeout=0.05))
            used = TcpLink(connection)
        opened.append((connection, emulator))
        return ZvtTerminal(used, timeouts=Timeouts(answer=1.0, transaction=3.0)), emulator

    yield make
    for connection, emulator in opened:
        connection.close()
        emulator.stop()
