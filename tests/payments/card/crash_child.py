"""A till that sends one card payment to the terminal and is then SIGKILLed by the parent.

Run as ``python tests/payments/card/crash_child.py DB_PATH TERMINAL_PORT`` with the
repository root on ``PYTHONPATH``. It opens the till as the app does (instance lock,
migrations, demo seed, cashier logged in), rings up one product, starts a card payment on
the emulated terminal (which lives in the parent: it must outlive this process), polls
once so the amount is sent, prints ``SENT <attempt_id>`` and waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.domain.money import Money
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from tests.crash.harness import open_till, say
from tests.payments.card.conftest import MILK, terminal_settings


def main(db_path: str, port: str) -> None:
    terminal, _lock = open_till(Path(db_path))
    device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{port}", "tcp"))
    payments = terminal.enable_payments({"card_zvt": ZvtCardMethod(device, "KES")})
    terminal.checkout.scan(MILK)
    started = payments.start("card_zvt", Money(6500, "KES"))
    payments.poll(started.attempt_id)  # the amount goes to the terminal
    say(f"SENT {started.attempt_id}")
    time.sleep(120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
