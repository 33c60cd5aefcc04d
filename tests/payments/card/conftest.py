"""Card payments through the real payment service, a real SQLite file and the emulated
ZVT terminal on a real TCP socket (bare APDUs, as on port 20007) or a pty (framed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from drivers.transport import PortSettings
from drivers.zvt.emulator import Settings, ZvtEmulator
from pos.payments.card.device import CardTerminalDevice, TerminalSettings
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services.payments import PaymentService
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00


@pytest.fixture
def emulator() -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(Settings(step_delay=0.01))
    yield emu
    emu.stop()


def terminal_settings(url: str, protocol: str) -> TerminalSettings:
    return TerminalSettings(
        PortSettings(url=url, timeout=0.05),
        protocol=protocol,
        answer_timeout=1.0,
        transaction_timeout=5.0,
        ack_timeout=0.3,
    )


@pytest.fixture(params=["tcp", "pty"])
def card_url(request: pytest.FixtureRequest, emulator: ZvtEmulator) -> tuple[str, str]:
    """(port URL, protocol) of the emulator, served both ways."""
    if request.param == "tcp":
        return f"socket://127.0.0.1:{emulator.start_tcp()}", "tcp"
    return emulator.start_pty(), "serial"


MakeMethod = Callable[[], ZvtCardMethod]


@pytest.fixture
def make_method(card_url: tuple[str, str]) -> Iterator[MakeMethod]:
    """A new card method (with its own device worker) each call, as after a restart."""
    devices: list[CardTerminalDevice] = []

    def make() -> ZvtCardMethod:
        for old in devices:
            old.close()  # one owner of the port at a time
        device = CardTerminalDevice(terminal_settings(*card_url))
        devices.append(device)
        return ZvtCardMethod(device, "KES")

    yield make
    for device in devices:
        device.close()


def service(terminal: Terminal, method: ZvtCardMethod) -> PaymentService:
    return terminal.enable_payments({"card_zvt": method})
