"""``kaunta emulate printer`` as integrators run it: a real process on a pty."""

from __future__ import annotations

import subprocess
import sys

import pytest

from drivers.escpos.document import Align, PrintDocument, Text
from drivers.escpos.driver import EscPosPrinter
from drivers.escpos.encoder import encode
from drivers.escpos.profiles import profile
from drivers.transport import Connection, PortSettings


@pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")
def test_emulate_printer_prints_what_the_driver_sends() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pos.cli", "--training", "emulate", "printer", "--pty"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("printer emulator on ")
        url = first.split(" on ", 1)[1].split(" (", 1)[0]
        printer = EscPosPrinter(Connection(PortSettings(url, timeout=1.0)), status_timeout=2.0)
        doc = PrintDocument((Text("Karibu Duka", Align.CENTER, bold=True),))
        printer.print_job(encode(doc, profile("80mm-42")))
        assert proc.stdout.readline().strip() == "Karibu Duka"
    finally:
        proc.terminate()
        proc.wait(10)
