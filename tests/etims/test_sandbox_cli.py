"""``kaunta sandbox etims`` serves the simulator until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN
from sync.etims.sandbox.server import CONTROL_PREFIX

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(args: list[str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The command ``python args...`` serving a simulator: (the process, its URL); stopped
    with Ctrl+C (SIGINT) afterwards, which must end it with 0."""
    proc = subprocess.Popen(
        [sys.executable, *args],
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
        yield proc, first.rsplit(" ", 1)[1].strip()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0


def test_the_command_serves_a_simulator_that_initialises_the_demo_device() -> None:
    with serving(["-m", "pos.cli", "--training", "sandbox", "etims", "--port", "0"]) as (_, url):
        reply = requests.post(
            url + "/selectInitOsdcInfo",
            json={"tin": DEMO_TIN, "bhfId": "00", "dvcSrlNo": DEMO_SERIAL},
            timeout=10,
        ).json()
        assert reply["resultCd"] == "000"
        assert reply["data"]["info"]["sdcId"].startswith("KRACU")


#: two devices of another taxpayer; the serial may hold slashes and colons
OTHER_TIN = "A012345678Z"
DEVICES = [(OTHER_TIN, "03", "SHOP/3:A"), (OTHER_TIN, "04", "SHOP/4")]


def _init(url: str, tin: str, bhf: str, serial: str) -> str:
    reply = requests.post(
        url + "/selectInitOsdcInfo", json={"tin": tin, "bhfId": bhf, "dvcSrlNo": serial}, timeout=10
    )
    return str(reply.json()["resultCd"])


#: the simulator's own command and the till's ``kaunta sandbox etims``
COMMANDS = {
    "simulator": ["-m", "sync.etims.sandbox"],
    "kaunta": ["-m", "pos.cli", "--training", "sandbox", "etims"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_device_options_approve_those_devices_instead_of_the_demo_ones(command: str) -> None:
    """``--device TIN:BHF:SERIAL`` (repeatable), a real process: the named devices
    initialise (000), the demo one is not approved (901)."""
    options = [arg for tin, bhf, serial in DEVICES for arg in ("--device", f"{tin}:{bhf}:{serial}")]
    with serving([*COMMANDS[command], "--port", "0", *options]) as (proc, url):
        assert proc.stdout is not None
        listed = [proc.stdout.readline() for _ in DEVICES]
        assert listed == [
            f"  device:          tin {t}, branch {b}, serial {s}\n" for t, b, s in DEVICES
        ]
        assert [_init(url, *device) for device in DEVICES] == ["000", "000"]
        assert _init(url, DEMO_TIN, "00", DEMO_SERIAL) == "901"
        # the control API finds these devices, by branch alone or with their PIN
        control = urlsplit(url)._replace(path=CONTROL_PREFIX + "invoices").geturl()
        for query in ({"bhfId": "03"}, {"bhfId": "04", "tin": OTHER_TIN}):
            got = requests.get(control, params=query, timeout=10)
            assert got.status_code == 200, got.text
            assert got.json() == {"invoices": [], "gaps": []}
        missing = requests.get(control, params={"bhfId": "00"}, timeout=10)
        assert missing.status_code == 400
        assert "no device" in missing.json()["error"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--device", "A012345678Z:03"], "is not TIN:BHF:SERIAL"),
        (["--device", "a012345678z:03:S"], "is not a KRA PIN"),
        (["--device", "A012345678Z:3:S"], "is not two digits"),
        (["--device", "A012345678Z:03:"], "has no device serial"),
        (["--device", "A012345678Z:03:S", "--device", "A012345678Z:03:S"], "twice"),
    ],
)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bad_device_option_stops_the_command_with_its_reason(
    options: list[str], said: str, command: str
) -> None:
    done = subprocess.run(
        [sys.executable, *COMMANDS[command], "--port", "0", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert said in done.stderr
    assert "running at" not in done.stdout
