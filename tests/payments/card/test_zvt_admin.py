"""Building the card method from its settings, and the terminal administration the device
screen uses (connection check, registration, end of day), against the emulator."""

from __future__ import annotations

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import ZvtEmulator
from pos.payments.base import GatewayUnavailable
from pos.payments.card import device as card_device
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod, create, settings_from
from pos.payments.registry import MethodContext
from tests.payments.card.conftest import MakeMethod, terminal_settings


def test_settings_from_config_and_training_address() -> None:
    live = settings_from({"port": "/dev/ttyUSB0", "baudrate": 115200, "password": 123456}, "KES")
    assert (live.protocol, live.port.baudrate, live.password) == ("serial", 115200, 123456)
    training = settings_from({"base_url": "socket://127.0.0.1:20007"}, "KES")
    assert (training.protocol, training.port.url) == ("tcp", "socket://127.0.0.1:20007")
    with pytest.raises(ValueError, match="protocol"):
        settings_from({"port": "COM3", "protocol": "usb"}, "KES")
    with pytest.raises(ValueError, match="password"):
        settings_from({"port": "COM3", "password": 10_000_000}, "KES")


def test_create_needs_a_port_and_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"\[payments.card_zvt\] port"):
        create(MethodContext(training=False, currency="KES", settings={}))


def test_create_builds_the_method_on_the_emulator(emulator: ZvtEmulator) -> None:
    url = f"socket://127.0.0.1:{emulator.start_tcp()}"
    method = create(MethodContext(training=True, currency="KES", settings={"base_url": url}))
    try:
        assert isinstance(method, ZvtCardMethod)
        assert method.check_connection() == "The card terminal answers (terminal id 52500038)."
    finally:
        card_device.close_all()


def test_registration_and_end_of_day(emulator: ZvtEmulator, make_method: MakeMethod) -> None:
    method = make_method()
    assert method.register() == "The till is registered at the card terminal."
    assert method.end_of_day() == "End of day done at the terminal. Total KES 0.00."
    assert emulator.commands[-2:] == [m.REGISTRATION, m.END_OF_DAY]


def test_connection_check_of_a_terminal_that_is_off() -> None:
    device = CardTerminalDevice(terminal_settings("socket://127.0.0.1:9", "tcp"))  # nothing
    try:
        with pytest.raises(GatewayUnavailable, match="does not answer"):
            ZvtCardMethod(device, "KES").check_connection()
    finally:
        device.close()
