"""The M-Pesa dialog opens over the basket, beside the totals panel: TOTAL and what is
due stay in view while the customer pays (at 1024x768 it used to cover the panel's left
half, its captions included), at every till screen size, and inside the window."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

SIZES = ((1024, 768), (1366, 768), (1920, 1080))


@pytest.fixture
def paying(make_paying_till: MakeTill) -> Till:
    till = make_paying_till()
    till.login()
    till.scan(till.products()[0]["barcode"])
    return till


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
