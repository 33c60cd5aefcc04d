"""A till that sells by card, sends a refund of part of it to the terminal and is then
SIGKILLed by the parent while the terminal waits for the customer's card.

Run as ``python tests/crash/refund_worker.py DB_PATH TERMINAL_PORT`` with the repository
root on ``PYTHONPATH``. It opens the till as the app does (instance lock, migrations, demo
seed), sells a 125.00 and a 65.00 milk paid by card on the emulated terminal (which lives
in the parent: it must outlive this process), prints ``PAID <sale_id>``, waits for a line
on stdin (the parent makes the terminal wait for a card), logs in the supervisor and
refunds the 65.00 milk to the card: that call blocks at the terminal until the kill.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services.auth import Role
from pos.services.refunds import RefundRequest
from tests.crash.harness import SUPERVISOR_PIN, open_till, say, user_of
from tests.payments.card.conftest import MILK, MILK_1L, terminal_settings


def main(db_path: str, port: str) -> None:
    terminal, _lock = open_till(Path(db_path))
    device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{port}", "tcp"))
    payments = terminal.enable_payments({"card_zvt": ZvtCardMethod(device, "KES")})
    terminal.checkout.scan(MILK_1L)
    terminal.checkout.scan(MILK)
    started = payments.start("card_zvt", terminal.checkout.view().totals.total)
    view = payments.poll(started.attempt_id)
    end = time.monotonic() + 20
    while not view.final and time.monotonic() < end:
        time.sleep(0.02)
        view = payments.poll(started.attempt_id)
    assert view.receipt is not None, view
    say(f"PAID {view.receipt.sale_id}")
    sys.stdin.readline()
    terminal.auth.login(user_of(terminal, Role.SUPERVISOR), SUPERVISOR_PIN)
    terminal.refunds.refund(RefundRequest(view.receipt.sale_id, {2: 1}, "damaged"))
    say("REFUNDED")  # never reached: killed while the terminal waits for the card
    time.sleep(120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
