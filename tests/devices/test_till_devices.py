"""The till's devices as ``pos.device_link`` starts them in training: the real drivers
over real ptys to the emulators. A completed sale prints (read back line by line from the
printer emulator), the drawer opens after cash, a receipt printed without paper waits and
prints when paper is back, "no sale" is refused without the permission and otherwise
audited before the drawer kicks, the pole display follows the basket, and a code sent by
the emulated serial scanner arrives in the scan path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pos.config import Config, load_config
from pos.device_link import start_devices
from pos.domain.money import Money
from pos.domain.receipt import Receipt, training_mark
from pos.services.devices import DeviceState, DeviceStatus, PrintOutcome, TillDevices
from pos.services.errors import NotLoggedIn
from pos.services.terminal import Terminal

MILK = "6168232712628"  # KES 65.00 in the demo catalog
WAIT = 10.0


class Heard:
    """A DeviceListener that keeps what it heard (device threads)."""

    def __init__(self) -> None:
        self.statuses: list[DeviceStatus] = []
        self.messages: list[tuple[str, str, str]] = []
        self.changed = threading.Condition()

    def status(self, status: DeviceStatus) -> None:
        with self.changed:
            self.statuses.append(status)
            self.changed.notify_all()

    def message(self, device: str, code: str, text: str) -> None:
        with self.changed:
            self.messages.append((device, code, text))
            self.changed.notify_all()

    def wait_message(self, code: str) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: any(m[1] == code for m in self.messages), WAIT)


@pytest.fixture
def training_config(tmp_path: Path) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text("", encoding="utf-8")
    return load_config(config_path=path, data_dir=tmp_path, training=True, env={})


@pytest.fixture
def devices(training_config: Config) -> Iterator[TillDevices]:
    till = start_devices(training_config, poll_interval=0.2)
    try:
        yield till
    finally:
        till.close()


def _sell_milk(term: Terminal, tendered: int) -> Receipt:
    term.checkout.scan(MILK)
    result = term.checkout.pay_cash(Money(tendered, "KES"))
    assert result.receipt is not None
    return result.receipt


def test_a_completed_cash_sale_prints_line_by_line_and_opens_the_drawer(
    cashier: Terminal, devices: TillDevices
) -> None:
    assert devices.training is not None
    assert devices.devices == ("printer", "display", "scanner")
    receipt = _sell_milk(cashier, 10000)
    done = devices.sale_completed(receipt)
    assert done is not None
    assert done.result(WAIT) is PrintOutcome.PRINTED
    printer = devices.training.printer
    assert printer is not None
    (picture,) = printer.wait_receipts(1, WAIT)
    lines = picture.text_lines()
    number = receipt.number
    assert lines[0] == lines[-1] == training_mark(48)  # training receipts say so twice
    assert "KAUNTA DEMO DUKA" in lines
    assert any(line.startswith("Receipt") and line.endswith(number) for line in lines)
    assert any("Milk" in line or "Maziwa" in line for line in lines)
    assert any(line.startswith("TOTAL KES") and line.endswith("65.00") for line in lines)
    assert any(line.startswith("Cash") and line.endswith("100.00") for line in lines)
    assert any(line.startswith("Change") and line.endswith("35.00") for line in lines)
    assert picture.cut
    # the drawer opened for the cash tender, as its own job after the receipt
    training = devices.training
    _until(lambda: training.drawer_kicks == 1)
    # the customer display showed the change and thanks
    _until(lambda: "35.00" in training.display_text()[0])


def test_paper_out_mid_sale_the_receipt_waits_and_prints_when_paper_is_back(
    cashier: Terminal, devices: TillDevices
) -> None:
    heard = Heard()
    devices.events.listen(heard)
    training = devices.training
    assert training is not None
    assert training.printer is not None
    cashier.checkout.scan(MILK)  # the sale is under way when the paper runs out
    training.set_paper(False)
    result = cashier.checkout.pay_cash(Money(6500, "KES"))
    assert result.receipt is not None  # the sale completes regardless
    done = devices.sale_completed(result.receipt)
    assert done is not None
    assert done.result(WAIT) is PrintOutcome.QUEUED
    heard.wait_message("receipt_queued")
    assert devices.queued == [result.receipt.number]
    assert training.printer.receipts == []
    assert any(s.device == "printer" and s.state is DeviceState.ERROR for s in heard.statuses)
    training.set_paper(True)
    heard.wait_message("queue_printed")  # the idle poll printed it
    (picture,) = training.printer.wait_receipts(1, WAIT)
    assert any(result.receipt.number in line for line in picture.text_lines())
    assert devices.queued == []


def test_a_reprint_is_marked_copy_on_paper(cashier: Terminal, devices: TillDevices) -> None:
    receipt = _sell_milk(cashier, 6500)
    copy = cashier.receipts.reprint(receipt.sale_id)
    done = devices.reprint(copy)
    assert done is not None
    assert done.result(WAIT) is PrintOutcome.PRINTED
    assert devices.training is not None
    assert devices.training.printer is not None
    (picture,) = devices.training.printer.wait_receipts(1, WAIT)
    assert "*** COPY - REPRINT ***" in picture.text_lines()
    assert devices.training.drawer_kicks == 0  # a reprint never opens the drawer


def test_no_sale_is_audited_then_opens_the_drawer(cashier: Terminal, devices: TillDevices) -> None:
    assert devices.no_sale(cashier.shifts, "change for the bus") == 1
    _until(lambda: devices.training is not None and devices.training.drawer_kicks == 1)
    with cashier.db.session() as s:
        audited = s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'no_sale'"))
        assert audited.scalar() == 1


def test_no_sale_without_a_logged_in_user_is_refused_and_the_drawer_stays_shut(
    terminal: Terminal, devices: TillDevices
) -> None:
    with pytest.raises(NotLoggedIn):
        devices.no_sale(terminal.shifts)
    assert devices.training is not None
    assert devices.training.drawer_kicks == 0


def test_the_pole_display_follows_the_basket(cashier: Terminal, devices: TillDevices) -> None:
    assert devices.training is not None
    training = devices.training

    def shown() -> tuple[str, ...]:
        return tuple(line.strip() for line in training.display_text())

    _until(lambda: shown() == ("Karibu!", "Welcome"))
    view = cashier.checkout.scan(MILK)
    devices.show_view(view)
    name = view.lines[0].name
    _until(lambda: shown()[1].endswith("65.00") and name.startswith(shown()[0][:10]))


def test_a_serial_scan_reaches_the_scan_path(devices: TillDevices) -> None:
    got: list[str] = []
    arrived = threading.Event()

    def target(code: str) -> None:
        got.append(code)
        arrived.set()

    devices.on_scan(target)
    assert devices.training is not None
    _until(lambda: devices.events.statuses().get("scanner") is not None)
    devices.training.scan(MILK)
    assert arrived.wait(WAIT)
    assert got == [MILK]


def _until(predicate: Callable[[], object], timeout: float = WAIT) -> None:
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not done.is_set():
            if predicate():
                return
            done.wait(0.02)
        raise AssertionError("condition not met in time")
    finally:
        deadline.cancel()
