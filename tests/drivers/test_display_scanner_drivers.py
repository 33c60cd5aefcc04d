"""Pole display and serial scanner drivers against their emulators over real ports."""

from __future__ import annotations

import queue

from drivers.display.codec import CommandSet
from drivers.display.driver import PoleDisplay
from drivers.display.emulator import DisplayEmulator
from drivers.emulator_link import EmulatorServer
from drivers.scanner.codec import ScanFramer
from drivers.scanner.driver import SerialScanner
from drivers.scanner.emulator import ScannerEmulator
from drivers.transport import PortSettings
from drivers.worker import DeviceState, RecordingHandler
from tests.drivers.links import make_link


def test_display_shows_item_total_and_change(link_kind: str) -> None:
    model = DisplayEmulator()
    with EmulatorServer(make_link(link_kind), model) as server:
        display = PoleDisplay(PortSettings(server.url, timeout=0.2), CommandSet.DMD)
        try:
            assert display.item("Mkate Supaloaf 400g", "60.00").result(5)
            assert display.change("110.00").result(5)
            for _ in range(200):
                if model.text[1].startswith("Asante"):
                    break
                display.worker.call(lambda: display.connection.read(1, 0.01), 5)
            assert model.text == (f"{'CHANGE':<13} 110.00", "Asante! Thank you".ljust(20))
        finally:
            display.close()


def test_display_that_is_missing_reports_offline() -> None:
    handler = RecordingHandler()
    display = PoleDisplay(PortSettings("/dev/ttyKAUNTA-none"), handler=handler)
    try:
        assert not display.idle().result(5)
        assert handler.statuses[0].state is DeviceState.OFFLINE
    finally:
        display.close()


def test_scanner_codes_arrive_in_order(link_kind: str) -> None:
    model = ScannerEmulator("CRLF", aim="]E0")
    codes: queue.Queue[str] = queue.Queue()
    with EmulatorServer(make_link(link_kind), model) as server:
        scanner = SerialScanner(
            PortSettings(server.url, timeout=0.1), codes.put, framer=ScanFramer("CRLF")
        ).start()
        try:
            # the socket emulator accepts the scanner's connection on its first poll
            got = []
            for _ in range(100):
                server.link.write(model.scan("6161100410016") + model.scan("4006381333931"))
                try:
                    got.append(codes.get(timeout=0.05))
                    got.append(codes.get(timeout=5))
                    break
                except queue.Empty:
                    continue
            assert got == ["6161100410016", "4006381333931"]
        finally:
            scanner.close()
