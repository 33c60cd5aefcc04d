"""Card refunds on the real till window (pytest-qt), devices started as ``run_gui`` starts
them in training: the ZVT terminal emulator on TCP and the printer emulator on a pty, the
till's real drivers talking to them. A sale paid by card is refunded whole from the refund
dialog (a reversal on the terminal), and in part (a refund to the card: the trainee
presents the card in the training card window); the dialog shows the terminal's answer,
the refund receipt prints (the "printed receipt" panel shows it) and reprints as COPY; a
decline at the terminal records nothing and says what to do."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from drivers.zvt import messages as m
from pos.domain.refund import TenderHow
from pos.ui.dialogs import ReceiptDialog
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.refund_dialog import RefundDialog
from pos.ui.payment_dialogs import GatewayDialog
from tests.ui.test_devices_ui import _card_window, _panel, _training, device_till

if TYPE_CHECKING:
    from conftest import Till

__all__ = ["device_till"]  # the fixture, used here as a manager

MILK = "6168232712628"  # KES 65.00
WAIT_MS = 20_000
CARD_REF = re.compile(r"\d{6} · 476173\*{6}0010 · TID 52500038 · receipt (\d{4})")
manager = pytest.mark.parametrize("device_till", ["manager"], indirect=True)


def _rows(till: Till, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def _card_sale(till: Till, units: int) -> str:
    """``units`` of milk paid by card at the emulated terminal; the receipt number."""
    for _ in range(units):
        till.scan(MILK)
    till.qtbot.mouseClick(till.window.sale.gateway_buttons["card_zvt"], Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    card = _card_window(till)
    till.until(lambda: card.request is not None and not card.request.refund, timeout=WAIT_MS)
    till.qtbot.mouseClick(card.insert, Qt.MouseButton.LeftButton)
    till.qtbot.keyClicks(card.pin, "1234")
    till.qtbot.mouseClick(card.ok, Qt.MouseButton.LeftButton)
    till.until(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    number = receipt.windowTitle().removeprefix("Receipt ")
    receipt.accept()
    card.hide()  # the trainee puts the terminal window away; the till window is active again
    till.idle()
    return number


def _refund_dialog(till: Till, number: str) -> RefundDialog:
    # the training tool windows (terminal, printed receipt) may hold activation on the
    # offscreen platform: open the manager's tools as Ctrl+M does
    till.window.open_manager()
    till.until(lambda: isinstance(till.window.manager_menu, ManagerMenu))
    menu = till.window.manager_menu
    assert menu is not None
    till.until(menu.isVisible)
    till.click(menu.buttons["refund"])
    till.until(lambda: isinstance(menu.dialog, RefundDialog))
    dialog = menu.dialog
    assert isinstance(dialog, RefundDialog)
    till.qtbot.keyClicks(dialog.search, number[-4:])  # the last digits, as a scan ends
    till.until(lambda: dialog.sale is not None and dialog.sale.number == number)
    return dialog


def _choose(till: Till, dialog: RefundDialog, units: int) -> None:
    dialog.spins[0].setValue(units)
    till.until(lambda: dialog.plan is not None and dialog.plan.total.minor == 6500 * units)
    assert dialog.sale is not None
    [card] = dialog.sale.tenders
    assert card.label == "Card"
    assert TenderHow(dialog.ways[card.payment_id].currentData()) is TenderHow.METHOD
    dialog.reason.setCurrentIndex(dialog.reason.findData("damaged"))


@manager
def test_a_whole_card_refund_reverses_on_the_terminal_and_prints_its_receipt(
    device_till: Till,
) -> None:
    till = device_till
    number = _card_sale(till, 2)
    dialog = _refund_dialog(till, number)
    _choose(till, dialog, 2)
    till.click(dialog.ok_button)
    till.until(lambda: dialog.last_refund is not None, timeout=WAIT_MS)
    done = dialog.last_refund
    assert done is not None
    emulator = _training(till).card
    assert emulator is not None
    assert m.REVERSAL in emulator.commands  # the whole payment: no card needed again
    assert m.REFUND not in emulator.commands
    shown = CARD_REF.search(dialog.quote_label.text())
    assert shown is not None, dialog.quote_label.text()
    assert f"Refund {done.number} done: KES 130.00 given back." in dialog.quote_label.text()
    [(reference,)] = _rows(till, "SELECT reference FROM refund_tenders")
    assert reference == shown.group(0)
    assert dialog.message.text() == "The refund receipt was sent to the printer."
    # the refund receipt, as the emulated printer decoded it (the sale's came first)
    panel = _panel(till)
    till.until(lambda: len(panel.receipts) == 2, timeout=WAIT_MS)
    printer = _training(till).printer
    assert printer is not None
    lines = printer.receipts[-1].text_lines()
    body = lines[lines.index("REFUND") :]
    assert body[1].split() == ["Refund", done.number]
    assert body[2].split() == ["For", "receipt", number]
    assert "Brookside Fresh Milk 500ml" in body
    assert next(ln for ln in body if ln.strip().startswith("2 x 65.00")).split()[-2:] == [
        "-130.00",
        "Z",
    ]
    assert next(ln for ln in body if ln.startswith("Card")).split()[-1] == "-130.00"
    card_line = next(i for i, ln in enumerate(body) if ln.startswith("Card"))
    # the terminal's answer under it, wrapped at 48 columns (never cut)
    assert " ".join(ln.strip() for ln in body[card_line + 1 : card_line + 3]) == f"Ref {reference}"
    assert f"[||| {number} |||]" in panel.text  # the original's barcode, on screen too
    assert _training(till).drawer_kicks == 0  # no cash went back
    # reprinted as COPY from the dialog
    till.until(dialog.reprint_button.isEnabled)
    till.click(dialog.reprint_button)
    till.until(lambda: len(panel.receipts) == 3, timeout=WAIT_MS)
    assert "*** COPY - REPRINT ***" in printer.receipts[-1].text_lines()
    assert "COPY" in panel.text
    assert _rows(till, "SELECT count(*) FROM audit_log WHERE action = 'refund_reprint'") == [(1,)]


@manager
def test_a_partial_card_refund_asks_for_the_card_in_the_training_window(
    device_till: Till,
) -> None:
    till = device_till
    number = _card_sale(till, 2)
    dialog = _refund_dialog(till, number)
    _choose(till, dialog, 1)
    # no waiting for the runner: the refund waits on the terminal, and the card is ours
    till.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "follow its screen" in dialog.message.text()
    card = _card_window(till)
    till.until(lambda: card.request is not None and card.request.refund, timeout=WAIT_MS)
    assert card.amount.text() == "Refund KES 65.00 to the card"
    till.qtbot.mouseClick(card.insert, Qt.MouseButton.LeftButton)
    till.qtbot.keyClicks(card.pin, "1234")
    till.qtbot.mouseClick(card.ok, Qt.MouseButton.LeftButton)
    till.until(lambda: dialog.last_refund is not None, timeout=WAIT_MS)
    assert CARD_REF.search(dialog.quote_label.text()) is not None
    assert _rows(till, "SELECT amount_minor FROM refund_tenders") == [(6500,)]
    till.until(lambda: dialog.sale is not None and dialog.sale.refunds != (), timeout=WAIT_MS)
    assert [s.maximum() for s in dialog.spins] == [1]  # one unit is left to refund


@manager
def test_a_card_refund_declined_at_the_terminal_records_nothing_and_says_what_to_do(
    device_till: Till,
) -> None:
    till = device_till
    number = _card_sale(till, 2)
    dialog = _refund_dialog(till, number)
    _choose(till, dialog, 1)
    # no waiting for the runner: the refund waits on the terminal, and the card is ours
    till.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    card = _card_window(till)
    till.until(lambda: card.request is not None and card.request.refund, timeout=WAIT_MS)
    till.qtbot.mouseClick(card.decline_button, Qt.MouseButton.LeftButton)
    till.until(lambda: "did not give the money back" in dialog.message.text(), timeout=WAIT_MS)
    text = dialog.message.text()
    assert "Nothing is recorded as refunded" in text
    assert "cash from the drawer" in text
    assert dialog.last_refund is None
    assert dialog.ok_button.isEnabled()  # the manager can try again or choose cash
    assert _rows(till, "SELECT count(*) FROM refunds") == [(0,)]


@manager
def test_a_card_terminal_that_stops_answering_records_no_refund_and_says_to_check_it(
    device_till: Till,
) -> None:
    till = device_till
    number = _card_sale(till, 2)
    emulator = _training(till).card
    assert emulator is not None
    emulator.stop()  # the terminal's power or cable is gone
    dialog = _refund_dialog(till, number)
    _choose(till, dialog, 2)
    till.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    till.until(lambda: "did not answer" in dialog.message.text(), timeout=60_000)
    text = dialog.message.text()
    assert text.startswith("Card did not answer:")
    assert "Nothing was sent to it" in text  # it did not answer before the refund was sent
    assert dialog.last_refund is None
    assert dialog.ok_button.isEnabled()
    assert _rows(till, "SELECT count(*) FROM refunds") == [(0,)]
