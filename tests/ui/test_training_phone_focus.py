"""The training phone never takes the keyboard from the till, and comes forward when a
request reaches it (real till window with the training M-Pesa sandbox and phone).

Under a window manager a shown window may be handed the keyboard; the phone is a tool
window that accepts no focus and is shown without activation, so after a login (and an
unlock) the till window stays active and the first scan lands. When a request arrives it
is raised (``raise_``), which moves it up the stack without activating it.

Qt's offscreen platform activates every window it shows, whatever its flags (no window
manager decides there), so the test of who holds the keyboard after a login runs on a real
X server with a window manager only: it is marked ``xcb``, and ``python3 dev.py test`` runs
the ``xcb`` tests a second time under Xvfb with openbox (``QT_QPA_PLATFORM=xcb``), so CI
runs it; offscreen checks what makes it so: the phone's flags.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import CASHIER_PIN, MakeTill, Till
from tests.ui.test_payments_ui import _open_mpesa, _send

MILK = "6168232712628"  # KES 65.00


def _first_scan_lands(till: Till) -> None:
    """A scanner types into whatever has the keyboard now (no activation done here)."""
    target = QApplication.focusWidget()
    assert target is till.window.sale.scan
    before = len(till.rows())
    till.qtbot.keyClicks(target, MILK)
    till.qtbot.keyClick(target, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: len(till.rows()) == before + 1 or int(till.rows()[-1][1]) > 1)


def test_the_phone_is_a_window_that_takes_no_keyboard(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    till.login()
    phone = till.window.phone_window
    assert phone is not None
    till.until(phone.isVisible)
    assert phone.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert phone.windowFlags() & Qt.WindowType.Tool
    assert phone.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)


@pytest.mark.xcb
@pytest.mark.skipif(
    os.environ.get("QT_QPA_PLATFORM", "") != "xcb",
    reason="who holds the keyboard is decided by a window manager: run under X (xcb)",
)
def test_the_phone_never_takes_the_keyboard_after_login_and_unlock(
    make_paying_till: MakeTill,
) -> None:
    till = make_paying_till()
    till.login()
    phone = till.window.phone_window
    assert phone is not None
    till.until(phone.isVisible)
    assert QApplication.activeWindow() is not phone
    _first_scan_lands(till)
    # lock and unlock: the phone is hidden and shown again, the till keeps the keyboard
    till.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.stack.currentWidget() is till.window.login)
    till.type_pin(CASHIER_PIN)
    till.until(lambda: till.window.stack.currentWidget() is till.window.sale)
    till.until(phone.isVisible)
    assert QApplication.activeWindow() is not phone
    _first_scan_lands(till)


def test_the_phone_comes_forward_for_a_request_without_the_keyboard(
    make_paying_till: MakeTill,
) -> None:
    till = make_paying_till()
    till.login()
    phone = till.window.phone_window
    assert phone is not None
    raised: list[bool] = []
    original = phone.raise_
    phone.raise_ = lambda: (raised.append(True), original())[1]  # type: ignore[method-assign]
    till.scan(MILK)
    dialog = _open_mpesa(till)
    _send(till, dialog)
    till.until(lambda: phone.prompt is not None, timeout=20_000)
    assert raised  # brought to the front for the request
    assert QApplication.activeWindow() is not phone
    assert phone.focusWidget() is None or not phone.isActiveWindow()
    assert dialog.isVisible()
