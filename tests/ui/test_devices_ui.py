"""The devices in the real till window (pytest-qt), started as ``pos.app.run_gui`` starts
them in training: the printer, display and scanner emulators on ptys and the ZVT
terminal emulator on TCP, the till's real drivers talking to them.

A sale paid by card through the training card-terminal window prints on the emulated
printer, checked line by line from the bytes the printer received; paper out during a
sale queues the receipt, tells the cashier and prints it when paper is back; "no sale"
from the manager's tools is audited and kicks the drawer; a reprint from the receipt
browser prints marked COPY; a code from the serial scanner lands in the basket.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from pytestqt.qtbot import QtBot

from pos.config import Config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.device_link import start_devices
from pos.domain.receipt import training_mark
from pos.services.auth import Role
from pos.services.device_training import TrainingDevices
from pos.services.terminal import DemoUser, Terminal
from pos.ui import i18n
from pos.ui.card_terminal_window import CardTerminalWindow
from pos.ui.device_status import DeviceHooks
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.main_window import MainWindow
from pos.ui.payment_dialogs import GatewayDialog
from pos.ui.printed_receipt_panel import PrintedReceiptPanel

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"  # KES 65.00
WAIT_MS = 20_000
MANAGER, MANAGER_PIN = next((n, p) for n, r, p in DEMO_USERS if r == Role.MANAGER.value)


def _till_class(request: pytest.FixtureRequest) -> type[Till]:
    """The ``Till`` helper of this folder's conftest (not importable by name under
    ``--import-mode=importlib``; it is a registered plug-in)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if str(getattr(plugin, "__file__", "")).endswith("tests/ui/conftest.py"):
            till: type[Till] = plugin.Till
            return till
    raise LookupError("tests/ui/conftest.py is not loaded")


@pytest.fixture
def device_till(request: pytest.FixtureRequest, qtbot: QtBot, config: Config) -> Iterator[Till]:
    """A training till with payments and devices started as ``run_gui`` starts them,
    the demo cashier logged in."""
    from pos.app import start_payments

    Till = _till_class(request)

    ctx = config.terminal_context()
    ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, pin_kdf_log2_n=10))
    terminal = Terminal.open(config.database_path, ctx)
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    payments = start_payments(config, terminal)
    terminal.devices = start_devices(config, terminal, payments, poll_interval=0.2)
    language = "sw" if getattr(request, "param", None) == "sw" else "en"
    i18n.set_language(language)
    window = MainWindow(terminal, demo_hint="")
    till = Till(qtbot, config, terminal, window)

    def close(_w: QWidget | None = None) -> None:
        for widget in window.findChildren(QWidget):
            for timer in widget.findChildren(QTimer):
                timer.stop()
        till.close()

    qtbot.addWidget(window, before_close_func=close)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    till.until(lambda: len(window.users()) == len(DEMO_USERS))
    till.idle()
    if getattr(request, "param", None) == "manager":
        till.login(MANAGER, MANAGER_PIN)
    elif language == "sw":
        till.login_in("sw")  # the screens speak the user's language from the login on
    else:
        till.login()
    try:
        yield till
    finally:
        close()
        terminal.devices.close()
        payments.close()
        i18n.set_language("en")


def _hooks(till: Till) -> DeviceHooks:
    hooks = till.window.sale.devices
    assert hooks is not None
    return hooks


def _training(till: Till) -> TrainingDevices:
    training = _hooks(till).devices.training
    assert training is not None
    return training


def _panel(till: Till) -> PrintedReceiptPanel:
    panel = _hooks(till).printed_panel
    assert panel is not None
    return panel


def _card_window(till: Till) -> CardTerminalWindow:
    window = _hooks(till).card_window
    assert window is not None
    return window


def _rows(till: Till, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def _until(till: Till, predicate: Callable[[], object]) -> None:
    till.until(predicate, timeout=WAIT_MS)


def _pay_cash_exact(till: Till, amount: str) -> ReceiptDialog:
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, amount)
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    _until(till, lambda: isinstance(till.window.sale.dialog, ReceiptDialog))
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    return receipt


def test_a_card_sale_on_the_emulated_terminal_prints_on_the_emulated_printer(
    device_till: Till,
) -> None:
    till = device_till
    status = _hooks(till).line
    _until(till, lambda: "Printer: ready" in status.text())
    _until(till, lambda: "Card terminal: ready" in status.text())  # its status enquiry
    till.scan(MILK)
    button = till.window.sale.gateway_buttons["card_zvt"]
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.idle()

    # the trainee plays the customer at the emulated terminal: card, PIN, OK
    card = _card_window(till)
    _until(till, lambda: card.request is not None and card.isVisible())
    assert card.amount.text() == "Pay KES 65.00"
    assert "insert card" in card.terminal_screen.text()
    assert not card.ok.isEnabled()  # no card yet
    till.qtbot.mouseClick(card.insert, Qt.MouseButton.LeftButton)
    till.qtbot.keyClicks(card.pin, "1234")
    till.qtbot.mouseClick(card.ok, Qt.MouseButton.LeftButton)
    _until(till, lambda: not dialog.isVisible())
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    notes = [label.text() for label in receipt.findChildren(QLabel)]
    assert any(n.startswith("Sent to the receipt printer.") for n in notes)
    number = receipt.windowTitle().removeprefix("Receipt ")

    # the printer emulator decoded the driver's bytes into this receipt
    panel = _panel(till)
    _until(till, lambda: len(panel.receipts) == 1 and panel.isVisible())
    (picture,) = _training(till).printer.receipts  # type: ignore[union-attr]
    lines = picture.text_lines()
    assert lines[0] == lines[-1] == training_mark(48)
    assert lines[1] == "KAUNTA DEMO DUKA"
    assert "PIN P000000000X" in lines
    receipt_line = next(line for line in lines if line.startswith("Receipt"))
    assert receipt_line.split()[-1] == number
    assert any(line.startswith("Cashier") for line in lines)
    total = next(line for line in lines if line.startswith("TOTAL KES"))
    assert total.split()[-1] == "65.00"
    assert next(line for line in lines if line.startswith("Card")).split()[-1] == "65.00"
    # the card's reference (wrapped, never cut): approval code, masked card, terminal id
    reference = " ".join(lines[lines.index(total) + 2 : lines.index(total) + 4])
    assert re.fullmatch(
        r"Card approval \d{6} · 476173\*{6}0010 · TID 52500038 · receipt \d{4}", reference
    ), reference
    assert "Brookside Fresh Milk 500ml" in lines
    assert next(line for line in lines if line.startswith("Change")).split()[-1] == "0.00"
    assert any(line.startswith("VAT") for line in lines)
    assert picture.cut
    # the panel shows the same picture, laid out as on paper
    assert number in panel.text
    assert "476173******0010" in panel.text
    assert f"[||| {number} |||]" in panel.text  # the barcode a refund scans
    assert _training(till).drawer_kicks == 0  # no cash, no drawer
    assert _rows(till, "SELECT method, amount_minor FROM payments") == [("card_zvt", 6500)]


def test_paper_out_mid_sale_the_sale_completes_and_the_receipt_prints_when_paper_is_back(
    device_till: Till,
) -> None:
    till = device_till
    sale = till.window.sale
    status = _hooks(till).line
    panel = _panel(till)
    heard: list[str] = []
    _hooks(till).signals.sig_message.connect(lambda _d, code, _t: heard.append(code))
    till.scan(MILK)
    panel.paper_switch.setChecked(False)  # the paper runs out during the sale
    _until(till, lambda: "Printer: no paper" in status.text())
    receipt = _pay_cash_exact(till, "65")
    number = receipt.windowTitle().removeprefix("Receipt ")
    receipt.accept()
    till.idle()
    assert _rows(till, "SELECT count(*) FROM sales WHERE status = 'completed'") == [(1,)]
    _until(till, lambda: "receipt_queued" in heard)
    assert sale.message.text() == (
        "The receipt was not printed (Printer: no paper). The sale is complete; the "
        "receipt will print when the printer is ready."
    )
    assert _hooks(till).devices.queued == [number]
    assert panel.receipts == []

    panel.paper_switch.setChecked(True)
    _until(till, lambda: len(panel.receipts) == 1)
    assert any(number in line for line in panel.receipts[0])
    _until(till, lambda: "queue_printed" in heard)
    assert sale.message.text() == "Receipts that were waiting have been printed."
    _until(till, lambda: "Printer: ready" in status.text())
    assert _hooks(till).devices.queued == []


def test_no_sale_from_the_manager_tools_is_audited_and_opens_the_drawer(
    device_till: Till,
) -> None:
    from pos.ui.manager.menu import ManagerMenu

    till = device_till
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    _until(till, lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert isinstance(menu, ManagerMenu)
    assert "devices" in menu.buttons  # the device screen is one of the tools
    till.click(menu.buttons["no_sale"])
    till.idle()
    _until(till, lambda: _training(till).drawer_kicks == 1)
    assert _rows(till, "SELECT count(*) FROM audit_log WHERE action = 'no_sale'") == [(1,)]
    assert _rows(till, "SELECT kind FROM cash_movements") == [("no_sale",)]


def test_a_reprint_from_the_receipt_browser_prints_marked_copy(device_till: Till) -> None:
    from pos.ui.receipts_browser import ReceiptBrowser

    till = device_till
    panel = _panel(till)
    till.scan(MILK)
    receipt = _pay_cash_exact(till, "100")
    receipt.accept()
    till.idle()
    _until(till, lambda: len(panel.receipts) == 1)
    assert "*** COPY - REPRINT ***" not in "\n".join(panel.receipts[0])
    till.press(Qt.Key.Key_F9)
    _until(till, lambda: isinstance(till.window.sale.dialog, ReceiptBrowser))
    browser = till.window.sale.dialog
    assert isinstance(browser, ReceiptBrowser)
    _until(till, lambda: browser.btn_reprint.isEnabled())
    till.click(browser.btn_reprint)
    _until(till, lambda: len(panel.receipts) == 2)
    copy = "\n".join(panel.receipts[1])
    assert "*** COPY - REPRINT ***" in copy
    assert "sent to the printer, marked COPY" in browser.message.text()
    assert _training(till).drawer_kicks == 1  # the sale's cash only, not the reprint


def test_a_code_from_the_serial_scanner_lands_in_the_basket_and_on_the_pole_display(
    device_till: Till,
) -> None:
    till = device_till
    status = _hooks(till).line
    _until(till, lambda: "Scanner: ready" in status.text())
    _training(till).scan(MILK)
    _until(till, lambda: len(till.rows()) == 1)
    assert "Milk" in till.rows()[0][0]
    # and the pole display shows the item and its price, then the total at tender
    training = _training(till)
    _until(till, lambda: training.display_text()[1].strip().endswith("65.00"))
    assert training.display_text()[0].startswith("Brookside")
    till.press(Qt.Key.Key_F12)
    assert isinstance(till.dialog(), TenderDialog)
    _until(till, lambda: training.display_text()[0].strip() == "TOTAL")
    assert training.display_text()[1].split() == ["KES", "65.00"]


@pytest.mark.parametrize("device_till", ["manager"], indirect=True)
def test_the_manager_device_screen_saves_settings_test_prints_and_diagnoses(
    device_till: Till,
) -> None:
    from pos.ui.device_settings import DeviceSettingsDialog
    from pos.ui.manager.menu import ManagerMenu

    till = device_till
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    _until(till, lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert isinstance(menu, ManagerMenu)
    till.click(menu.buttons["devices"])
    _until(till, lambda: isinstance(menu.dialog, DeviceSettingsDialog))
    dialog = menu.dialog
    assert isinstance(dialog, DeviceSettingsDialog)
    _until(till, lambda: "printer" in dialog.forms)
    assert "Printer: ready" in dialog.status.text()

    form = dialog.forms["printer"]
    form.port.setCurrentText("/dev/ttyUSB7")
    form.fields["baudrate"].setCurrentText("19200")  # type: ignore[union-attr]
    till.click(till.button(dialog, "Save"))
    _until(till, lambda: "reconnected with the new settings" in dialog.message.text())
    written = till.config.config_path.read_text(encoding="utf-8")
    assert '[devices.printer]\nport = "/dev/ttyUSB7"\nbaudrate = 19200\n' in written

    panel = _panel(till)
    till.click(till.button(dialog, "Test print"))
    _until(till, lambda: len(panel.receipts) == 1)
    assert "Kaunta test print" in "\n".join(panel.receipts[0])

    dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)
    till.click(till.button(dialog, "Diagnose"))
    _until(till, lambda: "The card terminal answers" in dialog.message.text())
    actions = _rows(till, "SELECT action FROM audit_log WHERE action LIKE 'device_%'")
    assert [a for (a,) in actions] == [
        "device_settings_saved",
        "device_test_print",
        "device_card_diagnose",
    ]


def test_the_device_line_follows_the_printer_cover_and_paper_low(device_till: Till) -> None:
    till = device_till
    line = _hooks(till).line
    printer = _training(till).printer
    assert printer is not None
    _until(till, lambda: "Printer: ready" in line.text())
    printer.set_cover_open(True)  # the idle poll asks the printer every 0.2 s here
    _until(till, lambda: "Printer: cover open" in line.text())
    assert "background: #a11" in line.styleSheet()  # red: it cannot print
    printer.set_cover_open(False)
    printer.set_paper(low=True)
    _until(till, lambda: "Printer: paper low" in line.text())
    assert "#8a5a00" in line.styleSheet()  # amber: it prints, paper soon


@pytest.mark.parametrize("device_till", ["sw"], indirect=True)
def test_the_kiswahili_device_line_fits_a_1024_by_768_till(device_till: Till) -> None:
    till = device_till
    window = till.window
    line = _hooks(till).line
    # every configured device, in Kiswahili (the line fills in as the devices report)
    for shown in ("Printa: tayari", "Mashine ya kadi"):
        till.until(
            lambda shown=shown: shown in line.text(),
            timeout=2 * WAIT_MS,
            failing=lambda shown=shown: f"{shown!r} not in the device line {line.text()!r}",
        )
    window.showNormal()
    window.resize(1024, 768)
    QApplication.processEvents()
    _until(till, lambda: (window.width(), window.height()) == (1024, 768))
    sale = window.sale
    widgets = (line, sale.btn_pay, *sale.gateway_buttons.values())

    def outside() -> list[str]:
        """The widgets not inside the window's area (the nested layouts settle over a few
        event-loop turns, and a device's status may still arrive and re-render the line)."""
        window.layout().activate()
        area = window.centralWidget().geometry()
        boxes = {w: QRect(w.mapTo(window, w.rect().topLeft()), w.size()) for w in widgets}
        return [
            f"{w.objectName() or w.text()} at {box} (area {area})"
            for w, box in boxes.items()
            if not area.contains(box)
        ]

    with contextlib.suppress(WaitTimedOut):  # the assertion below names what is outside
        _until(till, lambda: outside() == [])
    assert outside() == []


def test_the_device_line_follows_a_change_of_language_at_once(device_till: Till) -> None:
    """The line is built from the devices' codes, not a fixed text: a language switched
    with every device already reported (no news to come) redraws it in the new language."""
    till = device_till
    line = _hooks(till).line
    for shown in ("Printer: ready", "Card terminal: ready"):
        _until(till, lambda shown=shown: shown in line.text())
    try:
        i18n.set_language("sw")
        QApplication.processEvents()  # the translator's LanguageChange events
        assert "Printa: tayari" in line.text()
        assert "Printer" not in line.text()
        i18n.set_language("en")
        QApplication.processEvents()
        assert "Printer: ready" in line.text()
    finally:
        i18n.set_language("en")


def test_a_drawer_left_open_after_a_cash_sale_warns_the_cashier_until_it_is_shut(
    device_till: Till,
) -> None:
    till = device_till
    sale = till.window.sale
    line = _hooks(till).line
    panel = _panel(till)
    printing = _hooks(till).devices.printing
    assert printing is not None
    assert printing.printer.drawer_warn_after == 30.0  # the default
    printing.printer.drawer_warn_after = 0.6  # (a short wait for the test)
    _until(till, lambda: "Printer: ready" in line.text())
    till.scan(MILK)
    receipt = _pay_cash_exact(till, "100")
    receipt.accept()
    till.idle()
    _until(till, lambda: _training(till).drawer_kicks == 1)
    _until(till, lambda: panel.drawer_switch.isChecked())  # the emulated drawer is open
    panel.hide()  # the trainee put the panel away: the warning brings it back
    _until(till, lambda: "Cash drawer: still open" in line.text())
    assert line.text().startswith("Cash drawer: still open")  # the warning leads the line
    _until(till, lambda: panel.isVisible())
    assert sale.message.text() == "The cash drawer is still open. Close it after giving change."
    assert sale.message.property("role") == "error"

    panel.drawer_switch.click()  # the trainee shuts the drawer
    assert not _training(till).drawer_open
    _until(till, lambda: "Cash drawer" not in line.text())
    # the status and the message are two signals from the printer's thread: the line can
    # change before the "drawer closed" message has been sent
    _until(till, lambda: sale.message.text() == "")
    assert "Printer: ready" in line.text()


@pytest.mark.parametrize("device_till", ["manager"], indirect=True)
def test_printer_settings_saved_on_the_device_screen_reconnect_the_printer_live(
    device_till: Till,
) -> None:
    from pos.services.devices import DeviceStatus
    from pos.ui.device_settings import DeviceSettingsDialog
    from pos.ui.manager.menu import ManagerMenu

    till = device_till
    hooks = _hooks(till)
    line = hooks.line
    _until(till, lambda: "Printer: ready" in line.text())
    printing = hooks.devices.printing
    assert printing is not None
    old = printing.printer
    seen: list[DeviceStatus] = []
    hooks.signals.sig_status.connect(seen.append)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    _until(till, lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert isinstance(menu, ManagerMenu)
    till.click(menu.buttons["devices"])
    _until(till, lambda: isinstance(menu.dialog, DeviceSettingsDialog))
    dialog = menu.dialog
    assert isinstance(dialog, DeviceSettingsDialog)
    _until(till, lambda: "printer" in dialog.forms)
    form = dialog.forms["printer"]
    form.fields["profile"].setCurrentText("58mm")  # type: ignore[union-attr]
    till.click(till.button(dialog, "Save"))
    _until(till, lambda: "reconnected with the new settings" in dialog.message.text())

    # a new worker on the (training) port; the old one ended and let the port go
    now = hooks.devices.printing
    assert now is not None
    assert now.printer is not old
    admin = hooks.devices.admin
    assert admin is not None
    assert admin.retiring is not None
    admin.retiring.join(10)  # retired on its own thread, not the till worker
    assert not old.worker._thread.is_alive()
    assert not old.connection.is_open
    assert now.profile.columns == 32
    # the sale screen's line followed: "checking" while reconnecting, then the answer
    _until(till, lambda: any(s.device == "printer" and s.state.value == "ok" for s in seen))
    states = [s.state.value for s in seen if s.device == "printer"]
    assert states[0] == "unknown"
    _until(till, lambda: "Printer: ready" in line.text())
    # the next page prints on the emulator through the new worker, on 58 mm paper
    panel = _panel(till)
    till.click(till.button(dialog, "Test print"))
    _until(till, lambda: len(panel.receipts) == 1)
    assert "Kaunta test print" in "\n".join(panel.receipts[0])
    (picture,) = _training(till).printer.receipts  # type: ignore[union-attr]
    assert all(len(text) <= 32 for text in picture.text_lines())
    assert _training(till).columns == 32
    # the device screen follows the new printer's statuses too
    printer = _training(till).printer
    assert printer is not None
    printer.set_cover_open(True)
    _until(till, lambda: "Printer: cover open" in dialog.status.text())
    _until(till, lambda: "Printer: cover open" in line.text())


def test_a_training_card_payment_prompts_once_in_the_card_terminal_window(
    device_till: Till,
) -> None:
    """The emulated terminal has one customer's side on screen: the card terminal window.
    The training customer's phone (M-Pesa, PayPal) does not ask for the card as well."""
    till = device_till
    phone = till.terminal.phone
    phone_window = till.window.phone_window
    assert phone is not None
    assert phone_window is not None
    till.scan(MILK)
    till.qtbot.mouseClick(till.window.sale.gateway_buttons["card_zvt"], Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    card = _card_window(till)
    _until(till, lambda: card.request is not None and card.isVisible())
    assert phone.pending() == []  # nothing waits on the phone: the card is the terminal's
    for _ in range(3):  # the phone window polls the sandboxes; give it a few rounds
        phone_window.refresh()
        till.qtbot.wait(400)
    assert phone_window.prompt is None
    assert phone_window.text.text() == "No payment request on this phone."
    # and the payment goes through from that one window
    till.qtbot.mouseClick(card.insert, Qt.MouseButton.LeftButton)
    till.qtbot.keyClicks(card.pin, "1234")
    till.qtbot.mouseClick(card.ok, Qt.MouseButton.LeftButton)
    _until(till, lambda: not dialog.isVisible())
    assert _rows(till, "SELECT method, amount_minor FROM payments") == [("card_zvt", 6500)]
