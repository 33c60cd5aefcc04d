"""Real X screenshots of enrolling a shop's till from the manager's tools
(docs/screenshots/setup/01-head-office-<language>.png, 02-enroll-<language>.png, for
docs/manager.md "Setting up a shop").

Run: ``bash tools/screenshots_enroll.sh`` (Xvfb and openbox at 1366x768). It opens a live
till (not training: training never enrolls elsewhere) on a temporary data folder, with the
demo staff as its people and its head-office link not enrolled; the manager logs in, opens
Ctrl+M, Head office (sync), **Enroll this till…**, and types an address and a one-time code
as a manager would; the X screen around the dialogs is captured with ImageMagick's
``import``. The language is the first argument (``en`` or ``sw``). Nothing is sent: the
picture is taken before **Enroll** is pressed.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from pos.config import load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.secrets import MemorySecrets
from pos.services.auth import Role
from pos.services.terminal import DemoUser, Terminal
from pos.sync_link import SyncLink
from pos.ui import i18n
from pos.ui.enroll_dialog import HeadOfficeDialog
from pos.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "setup"


def _settle(app: QApplication, widgets: list[QWidget]) -> None:
    """Wait (up to 5 s) until the window manager shows ``widgets``, then let them paint:
    a capture taken before the window is mapped is black."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        app.processEvents()
        handles = [w.windowHandle() for w in widgets]
        if all(h is not None and h.isExposed() for h in handles):
            break
        time.sleep(0.05)
    for _ in range(10):
        app.processEvents()
        time.sleep(0.03)


def shot(app: QApplication, widgets: list[QWidget], name: str) -> None:
    """The X screen around ``widgets`` (their frames joined, and a margin)."""
    _settle(app, widgets)
    frame = widgets[0].frameGeometry()
    for widget in widgets[1:]:
        frame = frame.united(widget.frameGeometry())
    frame = frame.adjusted(-24, -24, 24, 24)
    crop = f"{frame.width()}x{frame.height()}+{max(frame.x(), 0)}+{max(frame.y(), 0)}"
    target = OUT / f"{name}.png"
    subprocess.run(["import", "-window", "root", "-crop", crop, str(target)], check=True)
    print("wrote", target)


def main(code: str) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-enroll-shots-"))
    training = load_config(data_dir=data, training=True, env={})
    config = dataclasses.replace(training, training=False)  # the shop's own till
    app = QApplication(sys.argv[:1])
    i18n.set_language(code)
    terminal = Terminal.open(config.database_path, config.terminal_context())
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    manager = next(u for u in terminal.auth.users() if u.role is Role.MANAGER)
    terminal.auth.login(manager.user_id, "3333")
    if terminal.shifts.current() is None:
        terminal.shifts.open({})
    terminal.auth.logout()
    link = SyncLink(config, terminal, MemorySecrets())  # live, not enrolled: it can enroll
    link.start(background=False)
    window = MainWindow(terminal)
    window.showMaximized()

    def login() -> None:
        window.login.select_user(manager.user_id)
        window.login.choose_language(code)  # the language buttons, as a person presses them
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()
        QTimer.singleShot(1500, menu)

    def menu() -> None:
        window.open_manager()
        QTimer.singleShot(800, head_office)

    def head_office() -> None:
        tools = window.manager_menu
        assert tools is not None
        tools.buttons["head_office"].click()
        QTimer.singleShot(800, enroll)

    def enroll() -> None:
        tools = window.manager_menu
        assert tools is not None
        office = tools.dialog
        assert isinstance(office, HeadOfficeDialog), office
        assert office.enroll_button is not None
        shot(app, [office], f"01-head-office-{code}")
        office.enroll_button.click()
        dialog = office.enroll_dialog
        assert dialog is not None
        dialog.url.setText("https://hq.duka-mama-njeri.co.ke")
        dialog.code.setText("K7QX-4PLM-9TWA")
        QTimer.singleShot(800, lambda: finish(office, dialog))

    def finish(_office: QWidget, dialog: QWidget) -> None:
        shot(app, [dialog], f"02-enroll-{code}")
        link.stop()
        app.quit()

    QTimer.singleShot(1500, login)
    app.exec()
    os._exit(0)  # the till's worker threads are daemons; nothing is left to write


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "en"))
