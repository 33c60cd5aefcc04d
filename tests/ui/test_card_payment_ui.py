"""A sale paid by card on the real till window: the Card button, the terminal dialog
following the emulated ZVT terminal (over real TCP), the trainee inserting the card and
typing the PIN in the training window, the receipt with the masked card and approval."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.ui.customer_phone import CustomerPhoneWindow
from pos.ui.dialogs import ReceiptDialog
from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # KES 65.00
TERMINAL_MS = 20_000


@pytest.fixture
def paying(make_paying_till: MakeTill) -> Till:
    till = make_paying_till()
    till.login()
    return till


def _rows(till: Till, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def _open_card(till: Till) -> GatewayDialog:
    button = till.window.sale.gateway_buttons["card_zvt"]
    assert button.text().startswith("Card")
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.method_code == "card_zvt"
    assert dialog.phone is None  # nothing to type: the terminal asks the customer
    return dialog


def _terminal_window(till: Till) -> CustomerPhoneWindow:
    window = till.window.phone_window
    assert window is not None
    till.until(
        lambda: window.prompt is not None and window.prompt.source == "card_zvt",
        timeout=TERMINAL_MS,
    )
    return window


def test_sale_paid_by_card_on_the_emulated_terminal(paying: Till) -> None:
    till = paying
    till.scan(MILK)
    dialog = _open_card(till)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.idle()
    window = _terminal_window(till)
    assert window.prompt is not None
    assert "pay KES 65.00" in window.prompt.text
    # the dialog relays the terminal's own words while the customer acts
    till.until(
        lambda: dialog.status.text() == "Insert, tap or swipe the card…", timeout=TERMINAL_MS
    )
    till.qtbot.keyClicks(window.pin, "1234")
    till.qtbot.mouseClick(window.ok, Qt.MouseButton.LeftButton)
    till.until(lambda: not dialog.isVisible(), timeout=TERMINAL_MS)
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    text = receipt.text.toPlainText()
    assert "Card" in text
    assert "476173******0010" in text
    assert "TID 52500038" in text
    assert _rows(till, "SELECT method, amount_minor FROM payments") == [("card_zvt", 6500)]
    [(gateway_ref, receipt_ref)] = _rows(
        till, "SELECT gateway_ref, receipt_ref FROM payment_attempts"
    )
    assert str(gateway_ref).startswith("zvt:52500038:")
    assert str(receipt_ref).endswith(" 476173******0010")


def test_card_cancelled_on_the_terminal_says_so_and_nothing_is_paid(paying: Till) -> None:
    till = paying
    till.scan(MILK)
    dialog = _open_card(till)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.idle()
    window = _terminal_window(till)
    till.qtbot.mouseClick(window.cancel, Qt.MouseButton.LeftButton)
    till.until(lambda: "aborted" in dialog.status.text().lower(), timeout=TERMINAL_MS)
    assert dialog.isVisible()
    assert _rows(till, "SELECT count(*) FROM payments") == [(0,)]
