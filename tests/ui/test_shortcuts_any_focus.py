"""Every shortcut of the sale screen works whatever has the focus (issue 8, point 2).

A cashier's keyboard focus may sit in the scan field (with or without something typed),
on the basket table after a tap, in the search results list, or nowhere in particular
(the window itself, after a dialog closed). From each of those places every shortcut key
must reach its button. The buttons' own actions are tested elsewhere: here each button's
slots are replaced by a counter, so the test sees exactly which button a key pressed and
the screen does not change under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"
KEYS: dict[str, tuple[Qt.Key, Qt.KeyboardModifier]] = {
    "Pay cash": (Qt.Key.Key_F12, Qt.KeyboardModifier.NoModifier),
    "Quantity": (Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier),
    "Line discount": (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
    "Order discount": (Qt.Key.Key_F4, Qt.KeyboardModifier.NoModifier),
    "Change price": (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier),
    "Park sale": (Qt.Key.Key_F6, Qt.KeyboardModifier.NoModifier),
    "Recall sale": (Qt.Key.Key_F7, Qt.KeyboardModifier.NoModifier),
    "Void sale": (Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier),
    "Receipts": (Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier),
    "Lock": (Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier),
    "Switch user": (Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier),
    "Remove line": (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
}


def _count_clicks(buttons: dict[str, QPushButton]) -> dict[str, int]:
    """Replace each button's slots by a counter (the shortcut clicks the button)."""
    counts = dict.fromkeys(buttons, 0)
    for name, button in buttons.items():
        button.clicked.disconnect()

        def counted(_checked: bool = False, name: str = name) -> None:
            counts[name] += 1

        button.clicked.connect(counted)
        button.setEnabled(True)  # which buttons an empty basket allows is not tested here
    return counts


def _scan_field_empty(till: Till) -> QWidget:
    sale = till.window.sale
    sale.scan.clear()
    return sale.scan


def _scan_field_typed(till: Till) -> QWidget:
    sale = till.window.sale
    sale.scan.setText("6168")  # a barcode half typed
    return sale.scan


def _basket_table(till: Till) -> QWidget:
    return till.window.sale.table


def _results_list(till: Till) -> QWidget:
    sale = till.window.sale
    till.qtbot.keyClicks(sale.scan, "brook")
    till.until(lambda: sale.result_list.isVisible() and len(sale.results) >= 1)
    return sale.result_list


def _the_window(till: Till) -> QWidget:
    return till.window


PLACES: dict[str, Callable[[Till], QWidget]] = {
    "scan field, empty": _scan_field_empty,
    "scan field, half a barcode typed": _scan_field_typed,
    "basket table": _basket_table,
    "search results": _results_list,
    "the window": _the_window,
}


@pytest.mark.parametrize("place", list(PLACES))
def test_every_shortcut_reaches_its_button_whatever_has_the_focus(
    selling: Till, place: str
) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    buttons: dict[str, QPushButton] = {**sale.buttons, "Pay cash": sale.btn_pay}
    assert set(KEYS) <= set(buttons)
    counts = _count_clicks({name: buttons[name] for name in KEYS})
    missed = []
    for name, (key, modifier) in KEYS.items():
        if name == "Remove line" and place == "scan field, half a barcode typed":
            continue  # Del edits what is typed (tested below)
        target = PLACES[place](till)
        target.setFocus()
        till.activate()
        before = dict(counts)
        till.qtbot.keyClick(QApplication.focusWidget() or till.window, key, modifier)
        till.idle()
        expected = dict(before, **{name: before[name] + 1})
        if counts != expected:
            missed.append(f"{name}: {counts} (expected only {name} once more)")
    assert missed == [], f"from the {place}: " + "; ".join(missed)


def test_del_in_a_half_typed_barcode_edits_the_text_not_the_basket(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    counts = _count_clicks({"Remove line": sale.buttons["Remove line"]})
    sale.scan.setText("6168")
    sale.scan.setCursorPosition(0)
    sale.scan.setFocus()
    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Delete)
    till.idle()
    assert (sale.scan.text(), counts) == ("168", {"Remove line": 0})
