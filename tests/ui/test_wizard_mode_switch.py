"""Switching between training and live is explicit and a manager's: the manager's tools
offer it (named for where it goes), a cashier is refused, going live needs a live set-up,
and a confirmed switch closes the till so the composition root opens the other mode's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pos.demo import DEMO_USERS
from pos.ui.confirm import ConfirmDialog
from pos.ui.manager import menu as menu_module
from pos.ui.manager.menu import ManagerMenu
from pos.ui.setup_wizard import mode_switch

from .conftest import Till

PINS = {role: (name, pin) for name, role, pin in DEMO_USERS}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The entry in a copy of the menu's list, so other tests see the menu as it was."""
    monkeypatch.setattr(menu_module, "ENTRIES", list(menu_module.ENTRIES))
    mode_switch.register_mode_switch()
    mode_switch.set_live_config(None)
    yield
    mode_switch.take_request()
    mode_switch.set_live_config(None)


def _menu(till: Till, role: str) -> ManagerMenu:
    name, pin = PINS[role]
    till.login(name, pin)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def test_a_manager_switches_a_training_till_to_live_when_a_live_set_up_exists(
    till: Till, registered: None, tmp_path: Path
) -> None:
    menu = _menu(till, "manager")
    button = menu.buttons["switch_mode"]
    assert button.text().startswith("Switch to live mode")  # named for where it goes
    till.click(button)
    till.until(lambda: bool(menu.message.text()))
    assert "no live set-up yet" in menu.message.text()  # no live config: nothing to open
    assert not mode_switch.take_request()

    mode_switch.set_live_config(tmp_path / "kaunta.toml")
    till.click(button)
    till.until(lambda: isinstance(menu.dialog, ConfirmDialog))
    dialog = menu.dialog
    assert isinstance(dialog, ConfirmDialog)
    texts = [label.text() for label in dialog.findChildren(type(menu.message))]
    assert any("never sent" in text for text in texts)
    dialog.accept()
    till.until(lambda: not till.window.isVisible())
    assert mode_switch.take_request()  # run_gui now opens the live till
    assert not mode_switch.take_request()  # once


def test_a_cashier_cannot_switch_modes(till: Till, registered: None, tmp_path: Path) -> None:
    mode_switch.set_live_config(tmp_path / "kaunta.toml")
    menu = _menu(till, "cashier")
    till.click(menu.buttons["switch_mode"])
    till.until(lambda: bool(menu.message.text()))
    assert not isinstance(menu.dialog, ConfirmDialog)
    assert till.window.isVisible()
    assert not mode_switch.take_request()
