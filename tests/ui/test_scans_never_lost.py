"""No scan is ever lost: scanner bursts through the real widgets, in every state.

A keyboard-wedge scanner types 13 digits and Enter in a few milliseconds into whatever has
the keyboard. In each state the till can be in (idle, a basket, the receipt shown, a dialog
open, the search list open) twenty scans arrive in quick bursts, and every one of them ends
up in a basket, in order: over a receipt the first starts the next sale; over a dialog they
wait, visibly, and go in when it closes.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos.demo import CATALOG_CSV
from pos.ui.dialogs import ReceiptDialog, TenderDialog

if TYPE_CHECKING:
    from conftest import Till

BURST = 20


def _barcodes(n: int) -> list[str]:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return [row["barcode"] for row in csv.DictReader(f)][:n]


def _keyboard(till: Till) -> QWidget:
    """Whatever has the keyboard: the open dialog's focused field, else the window's."""
    dialog = till.window.actions_.approval_dialog or till.window.sale.dialog
    if dialog is not None and dialog.isVisible():
        return dialog.focusWidget() or dialog
    return QApplication.focusWidget() or till.window.focusWidget() or till.window


def _scanner(till: Till, code: str) -> None:
    """What a scanner does: the digits and Enter, at once, to whatever has the keyboard."""
    target = _keyboard(till)
    till.qtbot.keyClicks(target, code)
    till.qtbot.keyClick(_keyboard(till), Qt.Key.Key_Return)


def _quantities(till: Till) -> int:
    return sum(int(row[1]) for row in till.rows())


def _burst(till: Till, codes: list[str]) -> None:
    for code in codes:
        _scanner(till, code)


def test_bursts_on_the_empty_and_the_busy_sale_screen(selling: Till) -> None:
    till = selling
    codes = _barcodes(BURST)
    _burst(till, codes[:10])  # idle: the first scan opens the sale
    till.until(lambda: _quantities(till) == 10)
    _burst(till, codes[10:])  # a basket already there
    till.until(lambda: _quantities(till) == BURST)
    assert [row[0] for row in till.rows()][:1]  # lines in the order scanned


def test_a_scan_over_the_receipt_starts_the_next_sale(selling: Till) -> None:
    till = selling
    codes = _barcodes(BURST + 1)
    till.scan(codes[0])
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "5000")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog))
    first_receipt = till.window.sale.last_receipt
    _burst(till, codes[1:])  # the next customer's items, scanned at once
    till.until(lambda: _quantities(till) == BURST)
    assert till.window.sale.dialog is None  # the receipt made way for the new sale
    assert till.window.sale.last_receipt is first_receipt


def test_scans_while_a_dialog_is_open_wait_and_then_go_in(selling: Till) -> None:
    till = selling
    codes = _barcodes(BURST + 1)
    till.scan(codes[0])
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    _burst(till, codes[1:])  # into the cash amount field: must not become a tender
    assert tender.amount.text() == ""
    assert "goes into the basket when this window closes" in tender.message.text()
    assert _quantities(till) == 1
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Escape)
    till.until(lambda: _quantities(till) == BURST + 1)


def test_scans_while_the_search_list_is_open_all_land(selling: Till) -> None:
    till = selling
    codes = _barcodes(BURST)
    till.qtbot.keyClicks(till.window.sale.scan, "sukuma")
    till.until(till.window.sale.result_list.isVisible)
    _burst(till, codes)
    till.until(lambda: _quantities(till) == BURST)


def test_a_scan_at_the_login_screen_is_never_taken_as_a_pin(till: Till) -> None:
    """Regression guard: 13 digits and Enter into the PIN field would count a wrong PIN."""
    login = till.window.login
    users = {u.name: u.user_id for u in till.window.users()}
    login.select_user(users["Amina Wanjiru"])
    login.pin.setFocus()
    _scanner(till, _barcodes(1)[0])
    assert "That was a scan" in login.message.text()
    assert login.pin.text() == ""
    with till.terminal.db.session() as s:
        [(failed,)] = (
            s.connection()
            .exec_driver_sql("SELECT failed_attempts FROM users WHERE name = 'Amina Wanjiru'")
            .all()
        )
    assert failed == 0
