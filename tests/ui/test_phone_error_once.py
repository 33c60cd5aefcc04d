"""The M-Pesa dialog says a wrong phone number once: while it is typed, under the field;
after Enter, on the dialog's message line only (the hint under the field gave way to it),
never the same sentence twice. Typing again starts over (real till window, training
M-Pesa sandbox)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.ui.conftest import MakeTill, Till
from tests.ui.test_payments_ui import _open_mpesa

MILK = "6168232712628"  # KES 65.00
NOT_SAFARICOM = "is not a Safaricom number"


def _showing(till: Till, words: str) -> list[QLabel]:
    dialog = till.window.sale.dialog
    assert dialog is not None
    labels = dialog.findChildren(QLabel)
    return [label for label in labels if label.isVisible() and words in label.text()]


def test_a_wrong_number_is_said_once_after_enter(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    till.login()
    till.scan(MILK)
    dialog = _open_mpesa(till)
    assert dialog.phone is not None
    till.qtbot.keyClicks(dialog.phone, "0812 345 678")
    assert _showing(till, NOT_SAFARICOM) == [dialog.phone_hint]  # said while typing
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: NOT_SAFARICOM in dialog.message.text())
    assert _showing(till, NOT_SAFARICOM) == [dialog.message]  # once, not twice
    assert dialog.attempt is None
    # the cashier corrects the number: the error goes, the hint speaks again
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Backspace)
    assert _showing(till, NOT_SAFARICOM) == [dialog.phone_hint]
    assert dialog.message.text() == ""


def test_the_phone_field_takes_no_letters(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    till.login()
    till.scan(MILK)
    dialog = _open_mpesa(till)
    assert dialog.phone is not None
    till.qtbot.keyClicks(dialog.phone, "07a12 bc345-678x")
    assert dialog.phone.text() == "0712 345-678"  # digits and separators only
