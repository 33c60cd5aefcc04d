"""A message on the sale screen is about the sale it was said over: it goes when another
sale takes the screen (recalled, completed, a new one) or another user logs in. Each of
these stayed on screen once: "Sale voided" above a recalled live basket and after a user
switch, a quantity error on the next sale, "Still due" after the sale was complete. And the
till window opens maximised, or full screen with ``[ui] fullscreen``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from pos.app import show_window
from pos.demo import DEMO_USERS
from pos.ui.dialogs import ParkedDialog, ReasonDialog, ReceiptDialog, TenderDialog

if TYPE_CHECKING:
    from conftest import Till

DEMO = {role: (name, pin) for name, role, pin in DEMO_USERS}
SUPERVISOR_NAME, SUPERVISOR_PIN = DEMO["supervisor"]
MILK = "6168232712628"  # Brookside Fresh Milk 500ml, 65.00
MILK_1L = "6168232430898"  # Brookside Fresh Milk 1L, 125.00


def _void(till: Till) -> None:
    """F8, a reason, the supervisor's approval: the sale is voided."""
    till.press(Qt.Key.Key_F8)
    void = till.dialog()
    assert isinstance(void, ReasonDialog)
    till.click(till.button(void, "Customer changed mind"))
    till.click(till.button(void, "OK"))
    till.approve(SUPERVISOR_NAME, SUPERVISOR_PIN)
    till.until(lambda: till.window.sale.dialog is None)
    assert till.window.sale.message.text().startswith("Sale voided (")


def _park(till: Till) -> None:
    till.press(Qt.Key.Key_F6)
    park = till.dialog()
    assert isinstance(park, ReasonDialog)
    till.qtbot.keyClick(park.field, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: till.window.sale.dialog is None)


def _pay_cash(till: Till, amount: str) -> None:
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, amount)
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()


def _close_receipt(till: Till) -> None:
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    till.qtbot.keyClick(receipt, Qt.Key.Key_Enter)
    till.until(lambda: till.window.sale.dialog is None)


def test_sale_voided_is_gone_once_a_parked_sale_is_recalled(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    _park(till)
    till.scan(MILK_1L)
    _void(till)
    till.press(Qt.Key.Key_F7)
    recall = till.dialog()
    assert isinstance(recall, ParkedDialog)
    till.qtbot.keyClick(recall.list, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: sale.dialog is None)
    assert [row[0] for row in till.rows()] == ["Brookside Fresh Milk 500ml"]
    assert sale.message.text() == ""


def test_sale_voided_is_gone_after_a_user_switch(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    _void(till)
    till.press(Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.stack.currentWidget() is till.window.login)
    till.login(SUPERVISOR_NAME, SUPERVISOR_PIN)
    assert sale.message.text() == ""


def test_a_quantity_error_does_not_stay_on_the_next_sale(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    till.scan(f"0*{MILK_1L}")  # no such quantity: said on the sale screen
    error = sale.message.text()
    assert error
    assert sale.message.property("role") == "error"
    assert len(till.rows()) == 1
    _pay_cash(till, "100")
    _close_receipt(till)
    assert sale.message.text() != error
    till.scan(MILK)  # the next sale
    assert sale.message.text() == ""


def test_still_due_is_gone_once_the_sale_is_complete(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK_1L)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "100")
    till.click(till.button(tender, "Part payment"))
    till.until(lambda: sale.dialog is None)
    assert sale.message.text() == "Part payment taken. Still due: KES 25.00."
    _pay_cash(till, "25")
    assert "Still due" not in sale.message.text()
    _close_receipt(till)
    assert "Still due" not in sale.message.text()
    assert (sale.lbl_big_caption.text(), sale.lbl_total.text()) == ("TO PAY", "KES 0.00")


@pytest.mark.parametrize(
    ("fullscreen", "state"),
    [(False, Qt.WindowState.WindowMaximized), (True, Qt.WindowState.WindowFullScreen)],
)
def test_the_window_opens_maximised_or_full_screen(
    till: Till, fullscreen: bool, state: Qt.WindowState
) -> None:
    window: QWidget = till.window
    window.showNormal()
    show_window(window, fullscreen=fullscreen)
    till.until(lambda: bool(window.windowState() & state))
    other = Qt.WindowState.WindowFullScreen if not fullscreen else Qt.WindowState.WindowMaximized
    assert not window.windowState() & other
    assert window.isVisible()
