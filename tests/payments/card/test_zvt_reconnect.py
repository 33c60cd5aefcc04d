"""A card terminal switched off and on again works without restarting the till."""

from __future__ import annotations

import time

from drivers.zvt import messages as m
from drivers.zvt.emulator import Settings, ZvtEmulator
from pos.domain.money import Money
from pos.payments.base import AttemptState
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal
from tests.payments.card.conftest import MILK, terminal_settings


def _pay(payments: PaymentService) -> AttemptView:
    started = payments.start("card_zvt", Money(6500, "KES"))
    end = time.monotonic() + 10
    view = started
    while not view.final and time.monotonic() < end:
        view = payments.poll(started.attempt_id)
        time.sleep(0.02)
    return view


def test_terminal_off_then_on_again_is_reconnected(cashier: Terminal) -> None:
    first = ZvtEmulator(Settings(step_delay=0.0))
    port = first.start_tcp()
    device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{port}", "tcp"))
    try:
        payments = cashier.enable_payments({"card_zvt": ZvtCardMethod(device, "KES")})
        cashier.checkout.scan(MILK)
        assert _pay(payments).state is AttemptState.CAPTURED
        first.stop()  # switched off: the socket is gone
        cashier.checkout.scan(MILK)
        offline = payments.start("card_zvt", Money(6500, "KES"))
        assert offline.code == "card_zvt.offline"
        second = ZvtEmulator(Settings(step_delay=0.0))  # switched on again, same address
        second.start_tcp(port=port)
        try:
            view = _pay(payments)
            assert view.state is AttemptState.CAPTURED
            assert second.commands.count(m.AUTHORIZATION) == 1
        finally:
            second.stop()
    finally:
        device.close()
