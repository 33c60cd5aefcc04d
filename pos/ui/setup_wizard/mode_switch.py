"""Switching between training and live mode: explicit, by a manager, from the manager's
tools (``pos.ui.manager.menu.register``).

The entry says where it goes ("Switch to training mode" on a live till, "Switch to live
mode" in training). A manager confirms; the till then closes its window and the
composition root (``pos.app.run_gui``) opens the other mode's till: its own database and
keys (training's folder, the demo users and products; live's, with the keyring), and
everyone logs in again there. Nothing moves between the two. Going live needs the live
configuration the set-up wizard writes; without one the entry says how to get it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QPushButton, QWidget

from pos.services.auth import Permission
from pos.ui.confirm import ConfirmDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from pos.ui.manager.menu import ManagerMenu, MenuEntry

CONTEXT = "ModeSwitch"
TO_TRAINING = QT_TRANSLATE_NOOP("ModeSwitch", "Switch to training mode")
TO_LIVE = QT_TRANSLATE_NOOP("ModeSwitch", "Switch to live mode")
#: the entry's label before it is decorated with where it goes
LABEL = QT_TRANSLATE_NOOP("ModeSwitch", "Training or live mode")

#: set when a manager confirmed; ``pos.app`` reads (and clears) it after the window closed
_requested: dict[str, bool] = {"switch": False}
#: the live config file: whether going live is possible (set by ``pos.app``)
_live_config: dict[str, Path | None] = {"path": None}


def set_live_config(path: Path | None) -> None:
    """The live configuration's path if one exists (None: going live needs the wizard)."""
    _live_config["path"] = path


def take_request() -> bool:
    """True once after a manager confirmed a switch (then cleared)."""
    asked = _requested["switch"]
    _requested["switch"] = False
    return asked


def _label(training: bool) -> str:
    return QCoreApplication.translate(CONTEXT, TO_LIVE if training else TO_TRAINING)


def _decorate(menu: ManagerMenu, button: QPushButton) -> None:
    button.setText(_label(menu.acts.terminal.ctx.training))


def _open(menu: ManagerMenu) -> None:
    terminal = menu.acts.terminal
    training = terminal.ctx.training

    def allowed(_user: object) -> None:
        if training and _live_config["path"] is None:
            menu.show_error(
                QCoreApplication.translate(
                    "ModeSwitch",
                    "There is no live set-up yet: close Kaunta and start it without "
                    "--training; the set-up wizard makes one.",
                )
            )
            return
        text = (
            QCoreApplication.translate(
                "ModeSwitch",
                "Kaunta closes this training till and opens the shop's live till. Training "
                "sales stay in training and are never sent. Everyone logs in again.",
            )
            if training
            else QCoreApplication.translate(
                "ModeSwitch",
                "Kaunta closes this till and opens the training till: a demo shop kept apart "
                "from this shop's data, where nothing is real. Everyone logs in again.",
            )
        )
        yes = QCoreApplication.translate("ModeSwitch", "Switch now")
        dialog = ConfirmDialog(menu, _label(training), text, yes)
        dialog.accepted.connect(lambda: _switch(menu))
        menu.show_dialog(dialog)

    menu.acts.call(lambda: terminal.auth.require(Permission.MANAGE_SETTINGS), allowed, menu.failed)


def _switch(menu: ManagerMenu) -> None:
    """Close the till's window; ``run_gui`` then starts the other mode."""
    parent = menu.parentWidget()
    window: QWidget = parent.window() if parent is not None else menu.window()
    _requested["switch"] = True
    menu.accept()
    window.close()
    if window.isVisible():  # a sale on the screen: the window asked first and stayed
        _requested["switch"] = False


def entry() -> MenuEntry:
    from pos.ui.manager.menu import MenuEntry

    return MenuEntry("switch_mode", LABEL, "Alt+T", _open, _decorate)


def register_mode_switch(on_register: Callable[[MenuEntry], None] | None = None) -> None:
    """Add the entry to the manager's menu (once)."""
    from pos.ui.manager.menu import ENTRIES, register

    made = entry()
    if all(e.key != made.key for e in ENTRIES):
        (on_register or register)(made)
