"""Switch user (Ctrl+U, from the scan field) starts with nobody chosen: a cashier who types
her PIN without tapping her name never burns the previous user's (a manager's) tries."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos.demo import DEMO_USERS
from tests.ui.conftest import CASHIER_PIN, Till

DEMO = {role: (name, pin) for name, role, pin in DEMO_USERS}
MANAGER_NAME, MANAGER_PIN = DEMO["manager"]


def test_switch_user_preselects_nobody_and_a_pin_alone_burns_no_tries(till: Till) -> None:
    till.login(MANAGER_NAME, MANAGER_PIN)
    assert till.window.sale.scan.hasFocus()
    till.press(Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)  # the scan field has it
    login = till.window.login
    assert till.window.stack.currentWidget() is login
    assert login.selected_user() is None
    till.type_pin(CASHIER_PIN)  # her own PIN, her name not tapped yet
    assert till.window.stack.currentWidget() is login
    assert login.message.text() == "Choose your name first."
    assert "tries left" not in login.message.text()
    till.login()  # now with her name: in, and the manager was never refused
    assert till.terminal.auth.current is not None
    assert till.terminal.auth.current.name != MANAGER_NAME
