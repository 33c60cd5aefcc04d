"""Real X screenshots of a card refund (docs/screenshots/manager/11-13).

Run: ``bash tools/screenshots_refund_card.sh`` (Xvfb and openbox at 1366x768). It starts
the app in training mode on a temporary data folder with payments and devices as
``pos.app.run_gui`` starts them (the emulated ZVT terminal on TCP, the emulated receipt
printer on a pty), sells two milks by card through the services (the emulated terminal
approves, as the trainee would in the card window), then, as the manager, opens the
refund dialog from the Ctrl+M menu, finds the receipt, chooses both units (the card tender
goes back through the terminal), refunds, and captures the whole X screen with
ImageMagick's ``import``: the dialog before refunding, after (with the terminal's answer),
and the printed-receipt panel showing the refund receipt as the emulated printer decoded it
(its top, then its end with the original receipt's barcode and the refund's own).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos.app import demo_hint, open_terminal, start_payments
from pos.config import load_config
from pos.device_link import start_devices
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ENTRIES, ManagerMenu
from pos.ui.manager.refund_dialog import RefundDialog

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "manager"
MILK = "6168232712628"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-card-refund-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    app = QApplication(sys.argv[:1])
    terminal, lock = open_terminal(config)
    payments = start_payments(config, terminal)
    terminal.devices = start_devices(config, terminal, payments)
    users = {u.name: u.user_id for u in terminal.auth.users()}
    terminal.auth.login(users["Amina Wanjiru"], "1111")
    terminal.checkout.scan(MILK, 2)
    service = terminal.payments
    assert service is not None
    started = service.start("card_zvt", terminal.checkout.view().totals.total)
    emulator = payments.card_emulator
    view = service.poll(started.attempt_id)  # sends the amount to the terminal
    assert emulator.waiting.wait(20), "the emulated terminal never asked for the card"
    emulator.decide(True)  # the customer's card and PIN, approved
    end = time.monotonic() + 20
    while not view.final and time.monotonic() < end:
        time.sleep(0.05)
        view = service.poll(started.attempt_id)
    assert view.receipt is not None, view
    number = view.receipt.number
    terminal.auth.logout()
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()

    def shot(name: str) -> None:
        app.processEvents()
        target = OUT / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target)

    def finish() -> None:
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    def login() -> None:
        window.login.select_user(users["Carol Njeri"])
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()

    def menu() -> ManagerMenu:
        found = window.manager_menu
        assert found is not None
        return found

    def refund_dialog() -> RefundDialog:
        found = menu().dialog
        assert isinstance(found, RefundDialog)
        return found

    def open_refund() -> None:
        next(e for e in ENTRIES if e.key == "refund").open(menu())

    def find_sale() -> None:
        refund_dialog().search.setText(number)
        refund_dialog().search_now()

    def choose_all() -> None:
        dialog = refund_dialog()
        dialog.choose_all()
        dialog.reason.setCurrentIndex(dialog.reason.findData("damaged"))

    def refund() -> None:
        refund_dialog().ok_button.click()

    def show_panel() -> None:
        hooks = window.sale.devices
        panel = hooks.printed_panel if hooks is not None else None
        assert panel is not None
        refund_dialog().reject()
        menu().reject()
        panel.show()
        panel.raise_()

    def scroll_panel() -> None:
        hooks = window.sale.devices
        panel = hooks.printed_panel if hooks is not None else None
        assert panel is not None
        bar = panel.paper.verticalScrollBar()
        bar.setValue(bar.maximum())  # the end: the original's barcode and the refund's

    def wait_refund(step: Callable[[], None]) -> Callable[[], bool]:
        def ready() -> bool:
            if refund_dialog().last_refund is None:
                return False
            step()
            return True

        return ready

    steps: list[tuple[int, Callable[[], object]]] = [
        (600, login),
        (800, window.open_manager),
        (300, open_refund),
        (400, find_sale),
        (900, choose_all),
        (1200, lambda: shot("11-refund-card")),
        (100, refund),
        (500, wait_refund(lambda: None)),
        (1500, lambda: shot("12-refund-card-done")),
        (100, show_panel),
        (1200, lambda: shot("13-refund-receipt-printed")),
        (100, scroll_panel),
        (600, lambda: shot("14-refund-receipt-barcodes")),
        (100, finish),
    ]

    def run_next(index: int = 0) -> None:
        if index >= len(steps):
            return
        wait, step = steps[index]

        def go() -> None:
            if window.runner.pending:
                QTimer.singleShot(50, go)
                return
            if step() is False:  # not ready yet: ask again
                QTimer.singleShot(100, go)
                return
            run_next(index + 1)

        QTimer.singleShot(wait, go)

    run_next()
    code = app.exec()
    terminal.devices.close()
    payments.close()
    terminal.close()
    lock.release()
    return code


if __name__ == "__main__":
    sys.exit(main())
