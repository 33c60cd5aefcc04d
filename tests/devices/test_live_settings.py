"""Device settings saved on the manager's device screen are used at once: the device's
old worker stops cleanly (its thread ends, its port is let go), a new one starts on the
new port with the new settings, receipts that waited for paper move over, and the statuses
the sale screen shows follow. A live till (not training) over real ptys to emulators."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.emulator_link import EmulatorServer, PtyLink
from drivers.escpos.decoder import Line
from drivers.escpos.emulator import PrinterEmulator
from drivers.scanner.emulator import ScannerEmulator
from pos.config import Config, load_config
from pos.device_link import start_devices
from pos.domain.money import Money
from pos.domain.receipt import Receipt
from pos.services.auth import Role, UserSummary
from pos.services.device_admin import DeviceAdmin
from pos.services.devices import DeviceState, DeviceStatus, PrintOutcome, TillDevices
from pos.services.terminal import Terminal

MILK = "6168232712628"  # KES 65.00 in the demo catalog
WAIT = 10.0


class Heard:
    """Statuses the devices reported (device threads)."""

    def __init__(self) -> None:
        self.statuses: list[DeviceStatus] = []
        self.changed = threading.Condition()

    def status(self, status: DeviceStatus) -> None:
        with self.changed:
            self.statuses.append(status)
            self.changed.notify_all()

    def message(self, device: str, code: str, text: str) -> None:
        pass

    def wait(self, found: Callable[[DeviceStatus], bool]) -> DeviceStatus:
        with self.changed:
            assert self.changed.wait_for(lambda: any(found(s) for s in self.statuses), WAIT)
            return next(s for s in reversed(self.statuses) if found(s))


@pytest.fixture
def printers() -> Iterator[tuple[tuple[PrinterEmulator, str], tuple[PrinterEmulator, str]]]:
    """Two printers on two ptys: the one the till starts with, and its replacement."""
    servers = []
    out = []
    for _ in range(2):
        model = PrinterEmulator(drawer_closes_after=None)
        server = EmulatorServer(PtyLink(), model, name="printer-emulator").start()
        servers.append(server)
        out.append((model, server.url))
    try:
        yield out[0], out[1]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def scanner() -> Iterator[tuple[ScannerEmulator, PtyLink, str]]:
    model = ScannerEmulator("CR")
    link = PtyLink()
    server = EmulatorServer(link, model, name="scanner-emulator").start()
    try:
        yield model, link, server.url
    finally:
        server.stop()


@pytest.fixture
def live_till(
    tmp_path: Path,
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printers: tuple[tuple[PrinterEmulator, str], tuple[PrinterEmulator, str]],
) -> Iterator[tuple[TillDevices, Heard]]:
    (_, first_url), _ = printers
    path = tmp_path / "kaunta.toml"
    path.write_text(
        f'[devices.printer]\nport = "{first_url}"\nprofile = "80mm-48"\n', encoding="utf-8"
    )
    config: Config = load_config(config_path=path, data_dir=tmp_path, training=False, env={})
    devices = start_devices(config, terminal, None, poll_interval=0.1)
    heard = Heard()
    devices.events.listen(heard)
    # a status reported before the listener was added (the printer answered at once)
    for status in devices.events.statuses().values():
        heard.status(status)
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    try:
        yield devices, heard
    finally:
        devices.close()


def _admin(devices: TillDevices) -> DeviceAdmin:
    assert devices.admin is not None
    return devices.admin


def _sell_milk(term: Terminal) -> Receipt:
    term.checkout.scan(MILK)
    result = term.checkout.pay_cash(Money(10000, "KES"))
    assert result.receipt is not None
    return result.receipt


def test_a_new_printer_port_reconnects_the_printer_live_and_the_waiting_receipt_follows(
    terminal: Terminal,
    live_till: tuple[TillDevices, Heard],
    printers: tuple[tuple[PrinterEmulator, str], tuple[PrinterEmulator, str]],
) -> None:
    devices, heard = live_till
    (first, _), (second, second_url) = printers
    assert devices.printing is not None
    old = devices.printing.printer
    heard.wait(lambda s: s.device == "printer" and s.state is DeviceState.OK)
    first.set_paper(out=True)  # this receipt waits on the first printer
    receipt = _sell_milk(terminal)
    done = devices.sale_completed(receipt)
    assert done is not None
    assert done.result(WAIT) is PrintOutcome.QUEUED
    assert devices.queued == [receipt.number]
    heard.statuses.clear()

    admin = _admin(devices)
    admin.save("printer", {"port": second_url, "profile": "58mm", "baudrate": 38400})

    # a new worker took its place at once; the old one, retired on a thread of its own
    # (never on the till worker), finished and let its port go
    assert devices.printing is not None
    new = devices.printing.printer
    assert new is not old
    assert admin.retiring is not None
    admin.retiring.join(WAIT)
    assert not old.worker._thread.is_alive()
    assert not old.connection.is_open
    assert new.connection.settings.url == second_url
    assert new.connection.settings.baudrate == 38400
    assert devices.printing.profile.columns == 32
    # the sale screen hears "checking" and then the new printer's answer
    heard.wait(lambda s: s.device == "printer" and s.state is DeviceState.OK)
    printer_states = [s.state for s in heard.statuses if s.device == "printer"]
    assert printer_states[0] is DeviceState.UNKNOWN
    # the receipt that waited for paper printed on the new printer (as it was laid out)
    (picture,) = second.wait_receipts(1, WAIT)
    assert any(receipt.number in line for line in picture.text_lines())
    deadline = time.monotonic() + WAIT  # (taken off the queue once its status is read)
    while devices.queued and time.monotonic() < deadline:
        time.sleep(0.02)
    assert devices.queued == []
    assert first.receipts == []
    # and the next sale goes there too, laid out for the new 58 mm paper
    done = devices.sale_completed(_sell_milk(terminal))
    assert done is not None
    assert done.result(WAIT) is PrintOutcome.PRINTED
    latest = second.wait_receipts(2, WAIT)[1]
    lines = [e for e in latest.events if isinstance(e, Line)]
    assert all(len(e.text) <= 32 // e.size for e in lines)
    assert max(len(e.text) for e in lines) > 24  # (the layout uses the width it has)


def test_a_port_that_is_not_there_shows_offline_and_switching_off_removes_the_printer(
    live_till: tuple[TillDevices, Heard],
) -> None:
    devices, heard = live_till
    heard.wait(lambda s: s.device == "printer" and s.state is DeviceState.OK)
    admin = _admin(devices)
    admin.save("printer", {"port": "/dev/ttyKAUNTA-missing"})
    offline = heard.wait(lambda s: s.device == "printer" and s.state is DeviceState.OFFLINE)
    assert "ttyKAUNTA-missing" in offline.detail
    assert devices.devices == ("printer",)
    admin.save("printer", {"port": "/dev/ttyKAUNTA-missing", "enabled": False})
    assert devices.printing is None
    assert "printer" not in devices.devices
    assert not devices.drawer
    heard.wait(lambda s: s.device == "printer" and s.code == "removed")


def test_a_serial_scanner_added_on_the_device_screen_reads_codes_at_once(
    live_till: tuple[TillDevices, Heard],
    scanner: tuple[ScannerEmulator, PtyLink, str],
) -> None:
    devices, heard = live_till
    model, link, url = scanner
    codes: list[str] = []
    got = threading.Event()

    def scanned(code: str) -> None:
        codes.append(code)
        got.set()

    devices.on_scan(scanned)
    assert devices.scanner is None
    _admin(devices).save("scanner", {"port": url, "terminator": "CR"})
    assert devices.devices == ("printer", "scanner")
    heard.wait(lambda s: s.device == "scanner" and s.state is DeviceState.OK)
    link.write(model.scan(MILK))
    assert got.wait(WAIT)
    assert codes == [MILK]
