"""The standalone emulator (``python -m drivers.zvt.emulator``) serves a real payment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drivers.transport import Connection, PortSettings
from drivers.zvt.link import TcpLink
from drivers.zvt.terminal import ZvtTerminal

ROOT = Path(__file__).resolve().parents[3]


def test_standalone_emulator_approves_a_payment_over_tcp() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "drivers.zvt.emulator", "--tcp", "0", "--step-delay", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("ZVT terminal (TCP) on socket://127.0.0.1:")
        url = first.split(" on ")[1].strip()
        connection = Connection(PortSettings(url=url, timeout=0.05))
        try:
            outcome = ZvtTerminal(TcpLink(connection)).pay(1000)  # type: ignore[arg-type]
        finally:
            connection.close()
        assert outcome.approved
        assert "[terminal] Approved" in [process.stdout.readline().strip() for _ in range(2)]
    finally:
        process.kill()
        process.wait()
