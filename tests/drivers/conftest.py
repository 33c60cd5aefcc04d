"""Emulators over real ports: each fixture serves a device model on a pty (POSIX) and on a
TCP socket (``socket://``), so drivers are tested against the bytes a device would see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.emulator_link import EmulatorServer
from drivers.escpos.emulator import PrinterEmulator
from tests.drivers.links import LINKS, make_link


@pytest.fixture(params=LINKS)
def link_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def printer_emulator(link_kind: str) -> Iterator[tuple[PrinterEmulator, EmulatorServer]]:
    """A printer emulator served on a pty and on a socket (each test runs on both)."""
    model = PrinterEmulator(drawer_closes_after=None)
    server = EmulatorServer(make_link(link_kind), model, name="printer-emulator").start()
    yield model, server
    server.stop()
