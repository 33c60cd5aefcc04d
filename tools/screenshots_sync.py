"""Real X screenshots of the till's head-office link (docs/screenshots/09-…, 10-…).

Run: ``bash tools/screenshots_sync.sh`` (Xvfb + openbox at 1024x768). Starts the app in
training mode on a temporary data folder with its link (``pos.app.start_sync``: the local
training head office in the background), waits until the demo has synced (and the login
screen has its users), logs in the demo manager, rings up two items and captures the sale
screen with its sync line; then opens Manager's tools → Head office and captures that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos.app import demo_hint, open_terminal, start_payments, start_sync
from pos.config import load_config
from pos.services.headoffice import SyncPhase
from pos.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="kaunta-sync-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    app = QApplication(sys.argv[:1])
    terminal, _lock = open_terminal(config)
    start_payments(config, terminal)
    link = start_sync(config, terminal)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()
    sale = window.sale

    def shot(name: str) -> None:
        app.processEvents()
        target = OUT / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target, "| sync line:", sale.sync_line.text())

    def login() -> None:
        users = {u.name: u.user_id for u in window.users()}
        window.login.select_user(users["Carol Njeri"])
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()

    def basket() -> None:
        for item in terminal.checkout.search("brookside")[:2]:
            assert item.barcode
            sale.scan.setText(item.barcode)
            sale.scan.returnPressed.emit()

    def when_synced(then: Callable[[], None], tries: int = 600) -> None:
        view = terminal.headoffice.view()
        ready = view.phase is SyncPhase.RUNNING and view.online and len(window.users()) > 0
        if ready or tries == 0:
            QTimer.singleShot(1500, then)  # the next round has shown its counts
            return
        QTimer.singleShot(200, lambda: when_synced(then, tries - 1))

    def manager_menu() -> None:
        window.open_manager()

    def head_office() -> None:
        menu = window.manager_menu
        assert menu is not None
        menu.buttons["head_office"].click()

    def finish() -> None:
        link.stop()
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    steps: list[tuple[int, Callable[[], None]]] = [
        (1500, login),
        (1500, basket),
        (1500, lambda: shot("09-sale-sync-online")),
        (500, manager_menu),
        (1000, head_office),
        (1500, lambda: shot("10-head-office-training")),
        (200, finish),
    ]

    def run(i: int = 0) -> None:
        if i < len(steps):
            delay, step = steps[i]
            QTimer.singleShot(delay, lambda: (step(), run(i + 1)))

    QTimer.singleShot(0, lambda: when_synced(run))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
