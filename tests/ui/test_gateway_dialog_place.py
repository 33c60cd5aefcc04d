"""The M-Pesa dialog opens over the basket, beside the totals panel: TOTAL and what is
due stay in view while the customer pays (at 1024x768 it used to cover the panel's left
half, its captions included), at every till screen size, and inside the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

import dev
from pos.demo import DEMO_USERS
from pos.ui import i18n
from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

SIZES = ((1024, 768), (1366, 768), (1920, 1080))
CASHIER_NAME, _, CASHIER_PIN = next(u for u in DEMO_USERS if u[1] == "cashier")


@pytest.fixture(params=["en", "sw"])
def paying(request: pytest.FixtureRequest, make_paying_till: MakeTill) -> Iterator[Till]:
    """The cashier at the sale screen with a line to pay for, in English or in Kiswahili
    (its longer button labels widen the totals column)."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    till = make_paying_till()
    till.choose_user(CASHIER_NAME)
    till.qtbot.mouseClick(
        till.window.login.language_buttons[request.param], Qt.MouseButton.LeftButton
    )
    till.type_pin(CASHIER_PIN)
    till.until(lambda: till.window.stack.currentWidget() is till.window.sale)
    till.idle()
    till.scan(till.products()[0]["barcode"])
    yield till
    i18n.set_language("en")  # the translator is process-wide


def _window_rect(till: Till) -> QRect:
    window = till.window
    return QRect(window.mapToGlobal(window.rect().topLeft()), window.size())


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_mpesa_dialog_leaves_the_totals_in_view(paying: Till, width: int, height: int) -> None:
    till = paying
    till.window.resize(width, height)
    till.until(lambda: till.window.size().width() == width)
    QApplication.processEvents()  # the layout at the new size
    sale = till.window.sale
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.until(dialog.isVisible)
    totals = sale.keep_clear()
    placed = dialog.frameGeometry()
    assert totals.contains(sale.lbl_total.mapToGlobal(sale.lbl_total.rect().center()))
    assert not placed.intersects(totals), (placed, totals)
    assert _window_rect(till).contains(placed), (placed, _window_rect(till))
    assert placed.width() >= 400  # still the whole keypad, touch-sized
    till.qtbot.keyClick(dialog.phone or dialog, Qt.Key.Key_Escape)
    till.until(lambda: sale.dialog is None)
