"""No scan is ever lost: scanner bursts through the real widgets, in every state.

A keyboard-wedge scanner types 13 digits and Enter in a few milliseconds into whatever has
the keyboard. In each state the till can be in (idle, a basket, the receipt shown, the cash
tender, M-Pesa, quantity keypad and supervisor approval dialogs open, the search list open)
twenty scans arrive over two seconds, paced by a timer as a scanner paces them (one key
every ``KEY_MS``, one scan every ``SCAN_MS``) while the event loop runs, and every one of
them ends up in the basket, in the order scanned: over a receipt the first starts the next
sale; over a dialog they wait, visibly, and go in when it closes.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from pos.demo import CATALOG_CSV
from pos.ui.dialogs import NumberDialog, ReasonDialog, ReceiptDialog, TenderDialog
from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

BURST = 20
KEY_MS = 4  # a scanner types a key every few milliseconds
SCAN_MS = 100  # and the next barcode follows: 20 scans in 2 s
#: long enough for a loaded 2-core machine; the scans are counted, not timed
BURST_WAIT_MS = 30_000
QUEUED = "goes into the basket when this window closes"


def _products(n: int) -> list[tuple[str, str]]:
    """The first ``n`` demo products with a barcode: (barcode, name as the basket shows it)."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        rows = [(row["barcode"], row["name"]) for row in csv.DictReader(f) if row["barcode"]]
    assert len({code for code, _ in rows[:n]}) == n  # each scan a line of its own
    return rows[:n]


def _keyboard(till: Till) -> QWidget:
    """Whatever has the keyboard: the open dialog's focused field, else the window's."""
    dialog = till.window.actions_.approval_dialog or till.window.sale.dialog
    if dialog is not None and dialog.isVisible():
        return dialog.focusWidget() or dialog
    return QApplication.focusWidget() or till.window.focusWidget() or till.window


class Scanner:
    """A keyboard-wedge scanner on a timer: one key per ``KEY_MS`` tick to whatever has
    the keyboard at that moment, 13 digits and Enter per barcode, a barcode every
    ``SCAN_MS``. The event loop runs between keys (results come back mid-burst)."""

    def __init__(self, till: Till, codes: list[str]) -> None:
        self.till = till
        ticks = SCAN_MS // KEY_MS
        self.steps: list[str | None] = []
        for code in codes:
            keys: list[str | None] = [*code, "\r"]
            self.steps += keys + [None] * (ticks - len(keys))
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(KEY_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        if not self.steps:
            self.timer.stop()
            return
        key = self.steps.pop(0)
        if key == "\r":
            self.till.qtbot.keyClick(_keyboard(self.till), Qt.Key.Key_Return)
        elif key is not None:
            self.till.qtbot.keyClicks(_keyboard(self.till), key)

    def run(self) -> None:
        """Scan them all (about 2 s for 20), then return."""
        self.timer.start()
        self.till.qtbot.waitUntil(lambda: not self.timer.isActive(), timeout=BURST_WAIT_MS)


def _burst(till: Till, products: list[tuple[str, str]]) -> None:
    Scanner(till, [code for code, _ in products]).run()


def _names(till: Till) -> list[str]:
    return [row[0] for row in till.rows()]


def _quantities(till: Till) -> int:
    return sum(int(row[1]) for row in till.rows())


def _landed(till: Till, products: list[tuple[str, str]]) -> None:
    """Every scan is in the basket, one line each, in the order scanned."""
    till.until(
        lambda: _quantities(till) >= len(products),
        failing=lambda: (
            f"{_quantities(till)} of {len(products)} in the basket: {_names(till)}; "
            f"scan field {till.window.sale.scan.text()!r}; "
            f"focus {type(QApplication.focusWidget()).__name__}"
        ),
    )
    till.idle()
    assert _names(till) == [name for _, name in products]
    assert _quantities(till) == len(products)


def test_bursts_on_the_empty_and_the_busy_sale_screen(selling: Till) -> None:
    till = selling
    products = _products(BURST)
    _burst(till, products[:10])  # idle: the first scan opens the sale
    _landed(till, products[:10])
    _burst(till, products[10:])  # a basket already there
    _landed(till, products)


def test_a_scan_over_the_receipt_starts_the_next_sale(selling: Till) -> None:
    till = selling
    products = _products(BURST + 1)
    till.scan(products[0][0])
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "5000")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog))
    first_receipt = till.window.sale.last_receipt
    _burst(till, products[1:])  # the next customer's items, scanned at once
    _landed(till, products[1:])
    assert till.window.sale.dialog is None  # the receipt made way for the new sale
    assert till.window.sale.last_receipt is first_receipt


def test_scans_while_the_cash_dialog_is_open_wait_and_then_go_in(selling: Till) -> None:
    till = selling
    products = _products(BURST + 1)
    till.scan(products[0][0])
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    _burst(till, products[1:])  # into the cash amount field: must not become a tender
    assert tender.amount.text() == ""
    assert QUEUED in tender.message.text()
    assert f"({BURST} scans waiting)" in tender.message.text()
    assert _quantities(till) == 1
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Escape)
    _landed(till, products)


def test_scans_while_the_quantity_keypad_is_open_wait_and_then_go_in(selling: Till) -> None:
    till = selling
    products = _products(BURST + 1)
    till.scan(products[0][0])
    till.press(Qt.Key.Key_F2)
    keypad = till.dialog()
    assert isinstance(keypad, NumberDialog)
    _burst(till, products[1:])  # into the quantity field: must not become a quantity
    assert keypad.field.text() == "1"
    assert QUEUED in keypad.message.text()
    assert _quantities(till) == 1
    till.qtbot.keyClick(keypad.field, Qt.Key.Key_Escape)
    _landed(till, products)


def test_scans_while_a_supervisor_approval_is_open_wait_and_then_go_in(selling: Till) -> None:
    """The approval's PIN field has the keyboard: a scan must never count as a wrong PIN,
    and the scans wait until both the approval and the void dialog under it are closed."""
    till = selling
    sale = till.window.sale
    products = _products(BURST + 1)
    till.scan(products[0][0])
    till.press(Qt.Key.Key_F8)
    void = till.dialog()
    assert isinstance(void, ReasonDialog)
    till.click(till.button(void, "Customer changed mind"))
    till.click(till.button(void, "OK"))
    approval = till.approval()
    assert approval.focusWidget() is approval.pin
    _burst(till, products[1:])
    assert approval.pin.text() == ""
    assert QUEUED in approval.message.text()
    assert _quantities(till) == 1
    till.qtbot.keyClick(approval.pin, Qt.Key.Key_Escape)  # no approval: nothing voided
    till.until(lambda: till.window.actions_.approval_dialog is None)
    till.idle()
    assert _quantities(till) == 1  # the void dialog is still open: they still wait
    assert sale.dialog is void
    till.qtbot.keyClick(void.field, Qt.Key.Key_Escape)
    _landed(till, products)


@pytest.fixture
def paying(make_paying_till: MakeTill) -> Till:
    """A training till with the M-Pesa sandbox, the cashier at the sale screen."""
    till = make_paying_till()
    till.login()
    return till


def test_scans_while_the_mpesa_dialog_is_open_wait_and_then_go_in(paying: Till) -> None:
    till = paying
    products = _products(BURST + 1)
    till.scan(products[0][0])
    till.press(Qt.Key.Key_F10)
    mpesa = till.dialog()
    assert isinstance(mpesa, GatewayDialog)
    assert mpesa.phone is not None
    assert mpesa.focusWidget() is mpesa.phone
    _burst(till, products[1:])  # into the phone field: never a number, never a request
    assert mpesa.phone.text() == ""
    assert mpesa.attempt is None
    assert QUEUED in mpesa.message.text()
    assert _quantities(till) == 1
    till.qtbot.keyClick(mpesa.phone, Qt.Key.Key_Escape)
    _landed(till, products)


def test_scans_while_the_search_list_is_open_all_land(selling: Till) -> None:
    till = selling
    products = _products(BURST)
    till.qtbot.keyClicks(till.window.sale.scan, "sukuma")
    till.until(till.window.sale.result_list.isVisible)
    _burst(till, products)
    _landed(till, products)


def test_a_scan_at_the_login_screen_is_never_taken_as_a_pin(till: Till) -> None:
    """Regression guard: 13 digits and Enter into the PIN field would count a wrong PIN."""
    login = till.window.login
    users = {u.name: u.user_id for u in till.window.users()}
    login.select_user(users["Amina Wanjiru"])
    login.pin.setFocus()
    Scanner(till, [_products(1)[0][0]]).run()
    assert "That was a scan" in login.message.text()
    assert login.pin.text() == ""
    with till.terminal.db.session() as s:
        [(failed,)] = (
            s.connection()
            .exec_driver_sql("SELECT failed_attempts FROM users WHERE name = 'Amina Wanjiru'")
            .all()
        )
    assert failed == 0
