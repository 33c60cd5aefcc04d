"""The printer driver and device against the emulator over real ptys and sockets."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.emulator_link import EmulatorServer, PtyLink
from drivers.escpos.decoder import Kick, render
from drivers.escpos.device import DRAWER, PrintJob, PrintOutcome, ReceiptPrinter
from drivers.escpos.document import Align, Barcode, Block, Pair, PrintDocument, Rule, Text
from drivers.escpos.driver import EscPosPrinter, PrinterNotReady
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.encoder import encode
from drivers.escpos.profiles import profile
from drivers.transport import Connection, DeviceOffline, DeviceTimeout, PortSettings
from drivers.worker import DeviceState, RecordingHandler

Emu = tuple[PrinterEmulator, EmulatorServer]
PROFILE = profile("80mm-42")


def job(number: str, lines: int = 3) -> PrintJob:
    blocks: list[Block] = [Text("DUKA", Align.CENTER, bold=True), Rule()]
    blocks += [Pair(f"Item {i}", f"{i * 10}.00") for i in range(lines)]
    blocks.append(Barcode(number))
    return PrintJob(number, encode(PrintDocument(tuple(blocks)), PROFILE))


def settings(url: str) -> PortSettings:
    return PortSettings(url, baudrate=115200, timeout=0.3)


def test_status_reads_all_three_queries(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    printer = EscPosPrinter(Connection(settings(server.url)))
    assert printer.status().code == "ok"
    emu.set_paper(low=True)
    assert printer.status().code == "paper_near_end"
    emu.set_cover_open(True)
    assert printer.status().code == "cover_open"
    assert emu.status_requests == 9


def test_a_job_prints_and_decodes_back_line_by_line(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    printer = EscPosPrinter(Connection(settings(server.url)))
    printer.print_job(job("S1-T1-000001").data)
    [picture] = emu.wait_receipts(1)
    text = render(picture, 42)
    assert text[0] == "DUKA".center(42).rstrip()
    assert text[1] == "-" * 42
    assert text[2:5] == [
        f"{'Item ' + str(i):<{41 - len(f'{i * 10}.00')}} {i * 10}.00" for i in range(3)
    ]
    assert "S1-T1-000001" in text[5]
    assert picture.cut


def test_paper_out_before_a_job_sends_nothing(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    emu.set_paper(out=True)
    printer = EscPosPrinter(Connection(settings(server.url)))
    with pytest.raises(PrinterNotReady) as info:
        printer.print_job(job("S1-T1-000002").data)
    assert info.value.code == "paper_end"
    assert not info.value.during_job
    assert emu.lost_bytes == 0
    assert emu.receipts == []


def test_paper_out_mid_job_is_reported_as_not_printed(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    emu.paper_runs_out_after = 2
    printer = EscPosPrinter(Connection(settings(server.url)))
    with pytest.raises(PrinterNotReady) as info:
        printer.print_job(job("S1-T1-000003").data)
    assert info.value.during_job
    assert info.value.code == "paper_end"
    assert emu.receipts == []
    assert emu.lost_bytes > 0


def test_a_silent_printer_times_out() -> None:
    link = PtyLink()  # a port with nothing answering: the printer is powered off
    try:
        printer = EscPosPrinter(Connection(settings(link.url)), status_timeout=0.05)
        with pytest.raises(DeviceTimeout):
            printer.status()
    finally:
        link.close()


def test_drawer_kick_and_drawer_state(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    printer = EscPosPrinter(Connection(settings(server.url)))
    assert not printer.drawer_open()
    printer.kick_drawer()
    assert printer.drawer_open()  # the status reply comes after the kick was handled
    assert emu.kicks == [Kick(pin=2, on_ms=100)]
    emu.set_drawer_open(False)
    assert not printer.drawer_open()


class _Events(RecordingHandler):
    def __init__(self) -> None:
        super().__init__()
        self.queued_printed = threading.Event()

    def message(self, device: str, code: str, text: str) -> None:
        super().message(device, code, text)
        if code == "queue_printed":
            self.queued_printed.set()


def test_paper_out_mid_sale_queues_and_prints_when_paper_is_back(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    handler = _Events()
    device = ReceiptPrinter(settings(server.url), handler=handler, poll_interval=0.02)
    try:
        assert device.print(job("R1")).result(5) is PrintOutcome.PRINTED
        emu.set_paper(out=True)
        assert device.print(job("R2")).result(5) is PrintOutcome.QUEUED
        assert device.print(job("R3")).result(5) is PrintOutcome.QUEUED
        assert device.queued == ["R2", "R3"]
        assert handler.messages[0][1] == "receipt_queued"
        assert "R2" in handler.messages[0][2]
        assert any(s.code == "paper_end" and s.state is DeviceState.ERROR for s in handler.statuses)
        emu.set_paper(out=False)
        assert handler.queued_printed.wait(5)
        pictures = emu.wait_receipts(3)
        barcodes = [line.strip() for p in pictures for line in render(p, 42) if "|||" in line]
        assert barcodes == ["[||| R1 |||]", "[||| R2 |||]", "[||| R3 |||]"]
        assert device.queued == []
    finally:
        device.close()


def test_a_printer_unplugged_mid_job_reconnects_and_prints_the_queue() -> None:
    emu = PrinterEmulator()
    link = PtyLink()
    server = EmulatorServer(link, emu).start()
    handler = _Events()
    device = ReceiptPrinter(
        settings(link.url), handler=handler, poll_interval=0.02, status_timeout=2.0
    )
    try:
        assert device.print(job("A1")).result(5) is PrintOutcome.PRINTED
        link.unplug()
        assert device.print(job("A2")).result(5) is PrintOutcome.QUEUED
        assert any(s.state is DeviceState.OFFLINE for s in handler.statuses)
        link.replug()
        assert handler.queued_printed.wait(5)
        pictures = emu.wait_receipts(2)
        barcodes = [line.strip() for p in pictures for line in render(p, 42) if "|||" in line]
        assert barcodes == ["[||| A1 |||]", "[||| A2 |||]"]
        assert device.queued == []
    finally:
        device.close()
        server.stop()


def test_port_that_does_not_exist_queues_with_a_clear_message() -> None:
    handler = RecordingHandler()
    device = ReceiptPrinter(
        PortSettings("/dev/ttyKAUNTA-missing"), handler=handler, poll_interval=60
    )
    try:
        assert device.print(job("B1")).result(5) is PrintOutcome.QUEUED
        assert "cannot be reached" in handler.messages[0][2]
        with pytest.raises(DeviceOffline):
            device.kick_drawer().result(5)
    finally:
        device.close()


def test_a_printer_that_cannot_print_gets_the_real_time_drawer_pulse(
    printer_emulator: Emu,
) -> None:
    emu, server = printer_emulator
    printer = EscPosPrinter(Connection(settings(server.url)), drawer_pin=5)
    emu.set_cover_open(True)
    assert printer.kick_drawer() is True
    assert printer.drawer_open()
    emu.set_cover_open(False)
    emu.set_drawer_open(False)
    assert printer.kick_drawer() is False  # ready: plain ESC p
    assert printer.drawer_open()  # (its status reply comes after the kick was handled)
    assert emu.kicks == [Kick(pin=5, on_ms=100, realtime=True), Kick(pin=5, on_ms=100)]


class _DrawerEvents(RecordingHandler):
    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, threading.Event] = {
            "drawer_left_open": threading.Event(),
            "drawer_closed": threading.Event(),
        }

    def message(self, device: str, code: str, text: str) -> None:
        super().message(device, code, text)
        if code in self.codes:
            self.codes[code].set()


def test_a_drawer_left_open_is_warned_about_and_cleared_when_closed(
    printer_emulator: Emu,
) -> None:
    emu, server = printer_emulator
    handler = _DrawerEvents()
    device = ReceiptPrinter(
        settings(server.url), handler=handler, poll_interval=0.02, drawer_warn_after=0.3
    )
    try:
        device.kick_drawer().result(5)
        assert handler.codes["drawer_left_open"].wait(5)
        device_name, code, text = handler.messages[-1]
        assert (device_name, code) == (DRAWER, "drawer_left_open")
        assert "open for" in text
        warned = [s for s in handler.statuses if s.device == DRAWER]
        assert [(s.state, s.code) for s in warned] == [(DeviceState.WARNING, "drawer_open")]
        assert not handler.codes["drawer_closed"].is_set()
        emu.set_drawer_open(False)  # the cashier shuts it
        assert handler.codes["drawer_closed"].wait(5)
        warned = [s for s in handler.statuses if s.device == DRAWER]
        assert warned[-1].state is DeviceState.OK
        assert [m[1] for m in handler.messages].count("drawer_left_open") == 1
    finally:
        device.close()


def test_a_drawer_shut_in_time_is_not_warned_about() -> None:
    emu = PrinterEmulator(drawer_closes_after=0.05)
    server = EmulatorServer(PtyLink(), emu).start()
    handler = RecordingHandler()
    device = ReceiptPrinter(
        settings(server.url), handler=handler, poll_interval=0.02, drawer_warn_after=0.3
    )
    try:
        device.kick_drawer().result(5)
        assert device.check().result(5).state is DeviceState.OK  # after the kick
        assert emu.kicks
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(s.device == DRAWER for s in handler.statuses)
        assert not any(m[0] == DRAWER for m in handler.messages)
    finally:
        device.close()
        server.stop()


def test_a_job_the_printer_took_is_not_printed_twice_when_its_status_is_slow(
    printer_emulator: Emu,
) -> None:
    emu, server = printer_emulator
    handler = RecordingHandler()
    device = ReceiptPrinter(settings(server.url), handler=handler, poll_interval=60)
    try:
        emu.status_replies_left = 3  # the check before the job; none after it
        assert device.print(job("S1")).result(5) is PrintOutcome.PRINTED
        assert device.queued == []
        emu.status_replies_left = None  # it answers again
        assert device.print(job("S2")).result(5) is PrintOutcome.PRINTED
        pictures = emu.wait_receipts(2)
        barcodes = [line.strip() for p in pictures for line in render(p, 42) if "|||" in line]
        assert barcodes == ["[||| S1 |||]", "[||| S2 |||]"]
        assert not any(m[1] == "receipt_queued" for m in handler.messages)
    finally:
        device.close()
