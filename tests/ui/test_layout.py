"""The till fits real counter screens and nothing moves under the cashier's finger.

Through the real window at the sizes tills have (1024x768, the usual 15-inch touch screen;
1366x768; 1920x1080): the big figure, the pay buttons and every action button lie inside
the window, are touch-sized, and keep their place while the basket changes (lines, VAT
classes, discounts, part payments, the search list, messages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # 65.00, VAT S
SUKUMA_SEARCH = "sukuma"
#: Touch targets at least this tall (WCAG 2.5.5 asks 44 CSS px)
TOUCH_MIN = 44


def _inside(widget: QWidget, window: QWidget) -> QRect:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return QRect(top_left, widget.size())


def _sized(till: Till, width: int, height: int) -> None:
    till.window.showNormal()
    till.window.resize(width, height)
    QApplication.processEvents()
    till.until(lambda: till.window.width() == width and till.window.height() == height)
    for _ in range(3):  # let every nested layout settle at the new size
        till.window.layout().activate()
        QApplication.processEvents()


def _controls(till: Till) -> dict[str, QWidget]:
    sale = till.window.sale
    found: dict[str, QWidget] = {"pay": sale.btn_pay, "big": sale.lbl_total}
    found.update({f"button {k}": b for k, b in sale.buttons.items()})
    found.update({f"method {k}": b for k, b in sale.gateway_buttons.items()})
    return found


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1366, 768), (1920, 1080)])
def test_everything_the_cashier_needs_is_on_screen_and_touch_sized(
    selling: Till, width: int, height: int
) -> None:
    _sized(selling, width, height)
    window = selling.window
    area = window.centralWidget().geometry()
    for name, widget in _controls(selling).items():
        box = _inside(widget, window)
        assert widget.isVisible(), name
        assert area.contains(box), f"{name} at {box} is outside {area} ({width}x{height})"
        if name != "big":
            assert box.height() >= TOUCH_MIN, f"{name} is {box.height()} px tall"
    bar = window.statusBar()
    assert bar.isVisible()
    assert _inside(bar, window).bottom() <= window.height()


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1366, 768)])
def test_every_payment_method_fits_beside_the_totals(
    make_paying_till: MakeTill, width: int, height: int
) -> None:
    """Training mode offers every installed method (M-Pesa, PayPal, cards, ...): however
    many there are, their buttons wrap onto rows and the big figure stays on screen."""
    till = make_paying_till()
    till.login()
    till.scan(MILK)
    _sized(till, width, height)
    window = till.window
    assert len(window.sale.gateway_buttons) >= 3  # enough methods to fill a row
    area = window.centralWidget().geometry()
    for name, widget in _controls(till).items():
        box = _inside(widget, window)
        assert area.contains(box), f"{name} at {box} is outside {area} ({width}x{height})"
        if name.startswith("method"):
            assert box.height() >= TOUCH_MIN, f"{name} is {box.height()} px tall"
    big = window.sale.lbl_total
    assert big.width() >= big.sizeHint().width(), "the amount due is clipped"


def test_buttons_keep_their_place_as_the_basket_changes(selling: Till) -> None:
    till = selling
    _sized(till, 1024, 768)
    sale = till.window.sale
    before = {name: _inside(w, till.window) for name, w in _controls(till).items()}
    table_top = _inside(sale.table, till.window).top()

    till.scan(MILK)  # lines and VAT appear
    till.scan("3*" + MILK)
    sale.show_error("A long message that wraps over the line, as errors do when they say " * 2)
    till.qtbot.keyClicks(sale.scan, SUKUMA_SEARCH)  # the search list opens
    till.until(sale.result_list.isVisible)
    after = {name: _inside(w, till.window) for name, w in _controls(till).items()}
    before.pop("big")  # the figure itself grows with its digits; what is tapped must not move
    after.pop("big")
    assert after == before
    assert _inside(sale.table, till.window).top() == table_top  # the list floats over it


def test_closing_with_an_open_sale_asks_first(selling: Till) -> None:
    till = selling
    till.scan(MILK)
    till.window.close()
    assert till.window.isVisible()  # not closed: asked
    dialog = next(
        d for d in till.window.findChildren(QWidget) if d.windowTitle() == "Close Kaunta?"
    )
    assert dialog.isVisible()
    till.qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # keep selling
    assert till.window.isVisible()
    till.window.close()
    dialog = next(
        d
        for d in till.window.findChildren(QWidget)
        if d.windowTitle() == "Close Kaunta?" and d.isVisible()
    )
    till.qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    till.until(lambda: not till.window.isVisible())
