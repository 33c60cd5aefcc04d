"""SIGKILL a till while the card terminal is authorising: the payment is found on the
next start by asking the terminal, applied to the sale once, never sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
from pos.payments.base import AttemptState
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from tests.crash.harness import REPO_ROOT, open_till
from tests.payments.card.conftest import terminal_settings

CHILD = Path(__file__).with_name("crash_child.py")


@pytest.mark.slow
def test_sigkill_during_card_authorization_is_resolved_on_restart(tmp_path: Path) -> None:
    emulator = ZvtEmulator(Settings(Behaviour.MANUAL, step_delay=0.01))
    port = emulator.start_tcp()
    db_path = tmp_path / "kaunta.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path), str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line[:1] == ["SENT"], line
        attempt_id = line[1]
        assert emulator.waiting.wait(10)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        emulator.decide(True)  # the customer finishes at the terminal; nobody listens
        end = time.monotonic() + 10
        while emulator.last_transaction() is None and time.monotonic() < end:
            time.sleep(0.01)
        assert emulator.last_transaction() is not None

        terminal, lock = open_till(db_path)
        device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{port}", "tcp"))
        try:
            payments = terminal.enable_payments({"card_zvt": ZvtCardMethod(device, "KES")})
            end = time.monotonic() + 15
            while True:
                views = payments.resolve_unfinished()
                if (views and views[0].final) or time.monotonic() > end:
                    break
                time.sleep(0.1)
            [view] = views
            assert view.attempt_id == attempt_id
            assert view.state is AttemptState.CAPTURED
            assert emulator.commands.count(m.AUTHORIZATION) == 1
            assert payments.resolve_unfinished() == []  # settled once, nothing open
            with terminal.db.session() as s:
                count = (
                    s.connection()
                    .exec_driver_sql("SELECT count(*) FROM payments WHERE method = 'card_zvt'")
                    .scalar()
                )
            # the restarted till restored the open basket: the payment completed the sale
            assert view.receipt is not None
            assert count == 1
        finally:
            device.close()
            terminal.close()
            lock.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        emulator.stop()
