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


HARNESS = r"""
import sys
from pathlib import Path

import keyring
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tests.test_secrets import MemoryKeyring

keyring.set_keyring(MemoryKeyring())

from pos.app import run_gui
from pos.config import load_config
from pos.secrets import journal_key_store
from pos.services.auth import Role
from pos.services.terminal import Terminal
from pos.ui.confirm import ConfirmDialog
from pos.ui.main_window import MainWindow

folder = Path(sys.argv[1])
env = {"KAUNTA_LOG_DIR": str(folder / "log")}
config = load_config(folder / "kaunta.toml", folder / "data", None, env=env)
till = Terminal.open(
    config.database_path,
    config.terminal_context(),
    journal_keys=journal_key_store(False, config.database_path),
)
till.auth.bootstrap_users([("Amina", Role.MANAGER, "4826")])
till.close()
app = QApplication(sys.argv[:1])
stage = {"n": 0}


def tick() -> None:
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    window = windows[0] if windows else None
    n = stage["n"]
    if window is None:
        pass
    elif n == 0 and not window.terminal.ctx.training and window.users():
        print("LIVE", window.terminal.db.path, flush=True)
        window.login.select_user(window.users()[0].user_id)
        window.login.pin.setText("4826")
        window.login.pin.returnPressed.emit()
        stage["n"] = 1
    elif n == 1 and window.stack.currentWidget() is window.sale:
        window.open_manager()
        stage["n"] = 2
    elif n == 2 and window.manager_menu is not None and window.manager_menu.isVisible():
        window.manager_menu.buttons["switch_mode"].click()
        stage["n"] = 3
    elif n == 3 and isinstance(window.manager_menu.dialog, ConfirmDialog):
        window.manager_menu.dialog.accept()
        stage["n"] = 4
    elif n == 4 and window.terminal.ctx.training:
        print("TRAINING", window.terminal.db.path, flush=True)
        stage["n"] = 5
        window.close_confirmed = True
        window.close()
        return
    QTimer.singleShot(50, tick)


QTimer.singleShot(50, tick)
print("EXIT", run_gui(config), flush=True)
"""


def test_a_confirmed_switch_reopens_the_till_in_the_other_mode_with_its_own_database(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    from pos.ui.setup_wizard.model import ShopDetails, config_toml

    (tmp_path / "kaunta.toml").write_text(config_toml(ShopDetails()), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    env.pop("KAUNTA_TRAINING", None)
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, str(tmp_path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    live = next(line for line in lines if line.startswith("LIVE "))
    training = next(line for line in lines if line.startswith("TRAINING "))
    assert live == f"LIVE {tmp_path / 'data' / 'kaunta.sqlite'}"
    assert training == f"TRAINING {tmp_path / 'data' / 'training' / 'kaunta.sqlite'}"
    assert lines[-1] == "EXIT 0"
