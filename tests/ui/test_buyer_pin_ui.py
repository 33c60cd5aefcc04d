"""The buyer's KRA PIN at the counter, through the real sale screen: Ctrl+K (or a tap on
"Buyer PIN") opens the dialog; a PIN that is not a letter, nine digits and a letter is
refused in the dialog with a message saying so and the sale is unchanged; a good one
(typed in lower case) shows beside the totals and on the receipt; the same dialog
removes it before payment; after a restart the open basket comes back with its PIN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from pos.ui.buyer_dialog import BuyerDialog
from pos.ui.dialogs import ReceiptDialog, TenderDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # 65.00, zero-rated
PIN = "P051234567X"


def _buyer_dialog(till: Till) -> BuyerDialog:
    dialog = till.dialog()
    assert isinstance(dialog, BuyerDialog)
    return dialog


def _enter(till: Till, dialog: BuyerDialog, pin: str, name: str = "") -> None:
    dialog.pin_field.clear()
    till.qtbot.keyClicks(dialog.pin_field, pin)
    if name:
        dialog.name_field.clear()
        till.qtbot.keyClicks(dialog.name_field, name)
    till.qtbot.keyClick(dialog.pin_field, Qt.Key.Key_Return)
    till.idle()


def test_the_cashier_adds_a_buyer_pin_by_key_is_refused_a_bad_one_and_removes_it(
    selling: Till,
) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    assert sale.lbl_buyer.text() == "-"
    till.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = _buyer_dialog(till)
    assert dialog.remove_button is None  # nothing to remove yet
    _enter(till, dialog, "P05123456X")  # nine characters: one digit short
    assert dialog.isVisible()
    assert "is not a KRA PIN" in dialog.message.text()
    assert "a letter, nine digits and a letter" in dialog.message.text()
    assert sale.view is not None
    assert sale.view.buyer_pin == ""
    assert sale.lbl_buyer.text() == "-"
    dialog.pin_field.clear()
    till.qtbot.keyClicks(dialog.pin_field, "p051234567x")
    assert dialog.pin_field.text() == PIN  # shown as KRA prints it, as it is typed
    assert dialog.message.text() == ""  # the error went with the edit
    _enter(till, dialog, "p051234567x", "Duka la Mfano Ltd")
    till.until(lambda: sale.dialog is None)
    assert sale.view.buyer_pin == PIN
    assert sale.lbl_buyer.text() == PIN
    assert sale.lbl_buyer.toolTip() == "Duka la Mfano Ltd"
    assert till.scan_has_focus()
    # the same key again: the dialog holds the PIN and offers to remove it (a tap here)
    till.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = _buyer_dialog(till)
    assert dialog.pin_field.text() == PIN
    assert dialog.remove_button is not None
    till.click(dialog.remove_button)
    till.until(lambda: sale.dialog is None)
    assert sale.view.buyer_pin == ""
    assert sale.lbl_buyer.text() == "-"


def test_a_tap_adds_the_pin_and_the_receipt_shows_it(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    till.click(sale.buttons["Buyer PIN"])
    _enter(till, _buyer_dialog(till), PIN)
    till.until(lambda: sale.dialog is None)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "100")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    assert any(
        line.startswith("Buyer's PIN") and line.endswith(PIN)
        for line in receipt.text.toPlainText().splitlines()
    )
    till.qtbot.keyClick(receipt, Qt.Key.Key_Enter)
    till.until(lambda: sale.dialog is None)
    assert sale.lbl_buyer.text() == "-"  # the next sale names nobody


def test_no_pin_dialog_on_an_empty_basket(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert sale.dialog is None
    assert "Scan the items first" in sale.message.text()


def test_the_open_baskets_pin_comes_back_after_a_restart(
    selling: Till, make_till: MakeTill
) -> None:
    first = selling
    first.scan(MILK)
    first.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    _enter(first, _buyer_dialog(first), PIN)
    first.until(lambda: first.window.sale.dialog is None)
    first.close()  # no payment: window closed, database closed
    second = make_till()
    second.login()
    assert second.window.sale.lbl_buyer.text() == PIN
