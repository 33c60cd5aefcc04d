"""``kaunta sandbox etims`` serves the simulator until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_serves_a_simulator_that_initialises_the_demo_device() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pos.cli", "--training", "sandbox", "etims", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "eTIMS OSCU sandbox running at http://127.0.0.1:" in first, proc.stderr
        url = first.rsplit(" ", 1)[1].strip()
        reply = requests.post(
            url + "/selectInitOsdcInfo",
            json={"tin": DEMO_TIN, "bhfId": "00", "dvcSrlNo": DEMO_SERIAL},
            timeout=10,
        ).json()
        assert reply["resultCd"] == "000"
        assert reply["data"]["info"]["sdcId"].startswith("KRACU")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0
