"""SIGKILL a till while the card terminal is giving money back: the refund attempt was
stored before the terminal was asked, the restarted till resolves it by asking the
terminal (never sending it again), and the refund is recorded once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from tests.crash.harness import REPO_ROOT, open_till
from tests.payments.card.conftest import terminal_settings

WORKER = Path(__file__).with_name("refund_worker.py")


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_during_a_card_refund_is_resolved_on_restart_and_recorded_once(
    tmp_path: Path,
) -> None:
    emulator = ZvtEmulator(Settings(Behaviour.APPROVE, step_delay=0.01, manual_timeout=60))
    port = emulator.start_tcp()
    db_path = tmp_path / "kaunta.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(WORKER), str(db_path), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert child.stdout is not None
        assert child.stdin is not None
        line = child.stdout.readline().split()
        assert line[:1] == ["PAID"], line
        sale_id = line[1]
        emulator.settings.behaviour = Behaviour.MANUAL  # the refund waits for the card
        child.stdin.write("go\n")
        child.stdin.flush()
        assert emulator.waiting.wait(20)
        assert emulator.request is not None
        assert emulator.request[1:] == (6500, True)  # a refund of 65.00 to the card
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        emulator.decide(True)  # the customer's card goes in; nobody listens any more
        end = time.monotonic() + 10
        while time.monotonic() < end:
            last = emulator.last_transaction()
            if last is not None and last.receipt_no == 2:
                break
            time.sleep(0.01)
        last = emulator.last_transaction()
        assert last is not None
        assert last.receipt_no == 2
        assert rows(db_path, "SELECT state, gateway_ref FROM refund_attempts") == [
            ("pending", "zvt:before:1")
        ]
        assert rows(db_path, "SELECT count(*) FROM refunds") == [(0,)]

        emulator.settings.behaviour = Behaviour.APPROVE
        terminal, lock = open_till(db_path)
        device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{port}", "tcp"))
        try:
            terminal.enable_payments({"card_zvt": ZvtCardMethod(device, "KES")})
            [resolved] = terminal.refunds.resolve_pending()
            assert resolved.outcome == "completed"
            assert resolved.sale_id == sale_id
            assert terminal.refunds.resolve_pending() == []
            assert emulator.commands.count(m.REFUND) == 1
        finally:
            device.close()
            terminal.close()
            lock.release()
        assert rows(db_path, "SELECT amount_minor FROM refund_tenders") == [(6500,)]
        assert rows(db_path, "SELECT state FROM refund_attempts") == [("completed",)]
        assert rows(db_path, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [
            (1,)
        ]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        emulator.stop()
