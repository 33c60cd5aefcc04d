"""Print on the X and Z screens (pytest-qt, the real till window): the report's printer
layout goes to the receipt printer through the device service, the receipts' own path,
and the ESC/POS printer emulator on a pty decodes what it received. Out of paper, the
report is kept in the printer's queue, the dialog says so, and it prints once paper is
back. A Z reprinted from the Z list prints the same way; tenders are named by label."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from drivers.escpos.decoder import Picture
from pos.config import Config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.device_link import start_devices
from pos.services.auth import Role
from pos.services.device_training import TrainingDevices
from pos.services.terminal import DemoUser, Terminal
from pos.ui import i18n
from pos.ui.device_status import DeviceHooks
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.reports_view import ReportDialog, ZListDialog

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"  # KES 65.00
WAIT_MS = 20_000
MANAGER, MANAGER_PIN = next((n, p) for n, r, p in DEMO_USERS if r == Role.MANAGER.value)


def _till_class(request: pytest.FixtureRequest) -> type[Till]:
    """The ``Till`` helper of this folder's conftest (a registered plug-in)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if str(getattr(plugin, "__file__", "")).endswith("tests/ui/conftest.py"):
            till: type[Till] = plugin.Till
            return till
    raise LookupError("tests/ui/conftest.py is not loaded")


@pytest.fixture
def device_till(request: pytest.FixtureRequest, qtbot: QtBot, config: Config) -> Iterator[Till]:
    """A training till with payments and devices started as ``run_gui`` starts them (the
    printer emulator on a pty), the demo manager logged in."""
    from pos.app import start_payments

    Till = _till_class(request)
    ctx = config.terminal_context()
    ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, pin_kdf_log2_n=10))
    terminal = Terminal.open(config.database_path, ctx)
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    payments = start_payments(config, terminal)
    terminal.devices = start_devices(config, terminal, payments, poll_interval=0.2)
    i18n.set_language("en")
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
    till.login(MANAGER, MANAGER_PIN)
    try:
        yield till
    finally:
        close()
        terminal.devices.close()
        payments.close()


def _hooks(till: Till) -> DeviceHooks:
    hooks = till.window.sale.devices
    assert hooks is not None
    return hooks


def _training(till: Till) -> TrainingDevices:
    training = _hooks(till).devices.training
    assert training is not None
    return training


def _until(till: Till, predicate: Callable[[], object]) -> None:
    till.until(predicate, timeout=WAIT_MS)


def _printed(till: Till) -> list[Picture]:
    printer = _training(till).printer
    assert printer is not None
    return list(printer.receipts)


def _sell_milk_for_cash(till: Till) -> None:
    till.scan(MILK)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "65")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    _until(till, lambda: isinstance(till.window.sale.dialog, ReceiptDialog))
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    receipt.accept()
    till.idle()
    _until(till, lambda: len(_printed(till)) == 1)  # the sale's receipt


def _menu(till: Till) -> ManagerMenu:
    # what Ctrl+M does; called directly, as the printed-receipt panel (a window of its
    # own) may hold the focus the key would need
    till.window.open_manager()
    _until(till, lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert isinstance(menu, ManagerMenu)
    till.idle()
    return menu


def _open(till: Till, menu: ManagerMenu, key: str) -> QWidget:
    before = menu.dialog
    till.click(menu.buttons[key])
    _until(till, lambda: menu.dialog is not before and menu.dialog is not None)
    dialog = menu.dialog
    assert dialog is not None
    return dialog


def _report_text(picture: Picture) -> list[str]:
    return picture.text_lines()


def test_print_on_the_x_prints_its_layout_and_queues_it_while_the_paper_is_out(
    device_till: Till,
) -> None:
    till = device_till
    line = _hooks(till).line
    _until(till, lambda: "Printer: ready" in line.text())
    _sell_milk_for_cash(till)
    menu = _menu(till)
    x = _open(till, menu, "x_report")
    assert isinstance(x, ReportDialog)
    assert any(ln.strip().startswith("Cash (1)") for ln in x.lines)  # on screen: the label

    till.click(x.print_button)
    _until(till, lambda: len(_printed(till)) == 2)
    picture = _printed(till)[1]
    text = _report_text(picture)
    assert "X REPORT" in text
    assert "TRAINING - NOT A REAL REPORT" in text
    cash = next(ln for ln in text if ln.startswith("Cash (1)"))
    assert cash.endswith(" 65.00")
    assert not any(ln.startswith("cash") for ln in text)  # never the method's code
    assert next(ln for ln in text if ln.startswith("Gross sales")).endswith(" 65.00")
    assert picture.cut
    # laid out for the paper it printed on, as wide as the printer's profile
    columns = _hooks(till).devices.report_columns
    assert columns is not None
    assert all(len(ln) <= columns for ln in text)
    assert max(len(ln) for ln in text) == columns
    _until(till, lambda: x.message.text() == "The report was printed.")
    assert _training(till).drawer_kicks == 1  # the sale's cash only, never the report

    # out of paper: the report waits in the printer's queue and the dialog says so
    panel = _hooks(till).printed_panel
    assert panel is not None
    panel.paper_switch.setChecked(False)
    _until(till, lambda: "Printer: no paper" in line.text())
    till.click(x.print_button)
    _until(till, lambda: x.message.text().startswith("The printer is not ready"))
    assert x.message.property("role") == "error"
    job = f"X-{x.report.made_at[:19]}"
    assert _hooks(till).devices.queued == [job]
    # the sale screen behind is told about a report, not a sale's receipt
    sale_message = till.window.sale.message
    _until(till, lambda: sale_message.text().startswith("The report was not printed"))
    assert "receipt" not in sale_message.text()
    assert len(_printed(till)) == 2
    panel.paper_switch.setChecked(True)  # paper back: it prints, nothing was lost
    _until(till, lambda: len(_printed(till)) == 3)
    assert "X REPORT" in _report_text(_printed(till)[2])
    assert _report_text(_printed(till)[2]) == text
    _until(till, lambda: _hooks(till).devices.queued == [])


def test_print_on_a_z_and_on_its_reprint_from_the_z_list(device_till: Till) -> None:
    till = device_till
    _until(till, lambda: "Printer: ready" in _hooks(till).line.text())
    _sell_milk_for_cash(till)
    till.terminal.shifts.close({}, note="drawer banked")
    menu = _menu(till)
    z = _open(till, menu, "z_report")
    assert isinstance(z, ReportDialog)
    assert z.report.z_number == 1
    till.click(z.print_button)
    _until(till, lambda: len(_printed(till)) == 2)
    first = _report_text(_printed(till)[1])
    assert "Z REPORT 1" in first
    assert next(ln for ln in first if ln.startswith("Cash (1)")).endswith(" 65.00")
    _until(till, lambda: z.message.text() == "The report was printed.")
    z.accept()

    listing = _open(till, menu, "z_list")
    assert isinstance(listing, ZListDialog)
    till.click(listing.ok_button)  # Reprint the newest
    _until(till, lambda: listing.report_dialog is not None)
    again = listing.report_dialog
    assert again is not None
    _until(till, lambda: again.isVisible())
    till.click(again.print_button)
    _until(till, lambda: len(_printed(till)) == 3)
    assert _report_text(_printed(till)[2]) == first  # the stored Z, as it first printed
    _until(till, lambda: again.message.text() == "The report was printed.")


def test_print_without_a_receipt_printer_says_so_and_offers_the_pdf(till: Till) -> None:
    assert till.terminal.devices is None  # this till has no devices configured
    till.login(MANAGER, MANAGER_PIN)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    _until(till, lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert isinstance(menu, ManagerMenu)
    till.idle()
    x = _open(till, menu, "x_report")
    assert isinstance(x, ReportDialog)
    till.click(x.print_button)
    assert x.message.text() == (
        "No receipt printer is set up on this till: export the report as PDF instead."
    )
    assert x.message.property("role") == "error"
    assert x.isVisible()  # the report stays on screen, to export
