"""Real X screenshots of the manager's screens (docs/screenshots/manager/*.png).

Run: ``bash tools/screenshots_manager.sh`` (Xvfb and openbox at 1366x768), or by hand on
a display: ``python tools/screenshots_manager.py``. It starts the app in training mode on a
temporary data folder, rings up a few cash sales through the services (before the window
opens), then, as the manager, opens each tool from the Ctrl+M menu through its real
dialog and captures the whole X screen with ImageMagick's ``import``: the menu, an X
report, the blind close and its result, the Z, opening the next shift, the daily view, a
refund with a line chosen, a return without a receipt, products and staff.
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
from PySide6.QtWidgets import QApplication, QDialog

from pos.app import demo_hint, open_terminal
from pos.config import load_config
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ENTRIES, ManagerMenu
from pos.ui.manager.refund_dialog import NoReceiptReturnDialog, RefundDialog
from pos.ui.manager.shift_dialogs import CloseShiftDialog, OpenShiftDialog

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "manager"
SALES = (
    (("6168232712628", 2), ("6168232430898", 1)),
    (("6168232799285", 3),),
    (("6168232543611", 1), ("6168232129464", 2), ("6168982127796", 4)),
    (("6168232505558", 1),),
    (("6168232930787", 1), ("6168232712628", 1)),
)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-manager-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    app = QApplication(sys.argv[:1])
    terminal, lock = open_terminal(config)
    users = {u.name: u.user_id for u in terminal.auth.users()}
    terminal.auth.login(users["Amina Wanjiru"], "1111")
    numbers: list[str] = []
    for sale in SALES:
        for barcode, qty in sale:
            terminal.checkout.scan(barcode, qty)
        result = terminal.checkout.pay_cash(terminal.checkout.view().cash_due)
        assert result.receipt is not None
        numbers.append(result.receipt.number)
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

    def dialog() -> QDialog:
        found = menu().dialog
        assert found is not None
        return found

    def tool(key: str) -> Callable[[], None]:
        def open_it() -> None:
            entry = next(e for e in ENTRIES if e.key == key)
            entry.open(menu())

        return open_it

    def close_dialog() -> None:
        dialog().reject()

    def count_close() -> None:
        close = dialog()
        assert isinstance(close, CloseShiftDialog)
        close.counter.set_pieces({1000_00: 1, 500_00: 1, 200_00: 2, 20_00: 3})
        close.note.setText("KES 250 short; counted twice")
        close.ok_button.click()

    def close_done() -> None:
        close = dialog()
        assert isinstance(close, CloseShiftDialog)
        close.ok_button.click()

    def float_count() -> None:
        opened = dialog()
        assert isinstance(opened, OpenShiftDialog)
        opened.counter.set_pieces({1000_00: 2, 500_00: 2, 100_00: 5, 50_00: 4, 10_00: 10})

    def open_it() -> None:
        opened = dialog()
        assert isinstance(opened, OpenShiftDialog)
        opened.ok_button.click()

    def find_sale() -> None:
        refund = dialog()
        assert isinstance(refund, RefundDialog)
        refund.search.setText(numbers[2])
        refund.search_now()

    def choose_lines() -> None:
        refund = dialog()
        assert isinstance(refund, RefundDialog)
        refund.spins[1].setValue(1)
        refund.spins[2].setValue(2)
        refund.reason.setCurrentIndex(refund.reason.findData("expired"))

    def no_receipt() -> None:
        back = dialog()
        assert isinstance(back, NoReceiptReturnDialog)
        back.items.setPlainText("6168232712628 1")
        back.note.setText("carton leaking, customer lost the receipt")

    steps: list[tuple[int, Callable[[], None]]] = [
        (600, login),
        (800, window.open_manager),
        (600, lambda: shot("01-manager-menu")),
        (100, tool("x_report")),
        (900, lambda: shot("02-x-report")),
        (100, close_dialog),
        (200, tool("close_shift")),
        (500, count_close),
        (900, lambda: shot("03-shift-close-result")),
        (100, close_done),
        (300, tool("z_report")),
        (1200, lambda: shot("04-z-report")),
        (100, close_dialog),
        (200, tool("open_shift")),
        (400, float_count),
        (500, lambda: shot("05-shift-open")),
        (100, open_it),
        (400, tool("daily")),
        (1200, lambda: shot("06-daily-view")),
        (100, close_dialog),
        (200, tool("refund")),
        (400, find_sale),
        (900, choose_lines),
        (1200, lambda: shot("07-refund")),
        (100, close_dialog),
        (200, tool("no_receipt")),
        (300, no_receipt),
        (500, lambda: shot("08-return-without-receipt")),
        (100, close_dialog),
        (200, tool("products")),
        (1000, lambda: shot("09-products")),
        (100, close_dialog),
        (200, tool("staff")),
        (1000, lambda: shot("10-staff")),
        (100, finish),
    ]

    def menu_state() -> str:
        found = window.manager_menu
        return "" if found is None else f"{found.isVisible()} {type(found.dialog).__name__}"

    def run_next(index: int = 0) -> None:
        if index >= len(steps):
            return
        wait, step = steps[index]

        def go() -> None:
            if window.runner.pending:
                QTimer.singleShot(50, go)
                return
            step()
            if os.environ.get("SHOTS_DEBUG"):
                print(index, type(window.stack.currentWidget()).__name__, menu_state())
            run_next(index + 1)

        QTimer.singleShot(wait, go)

    run_next()
    code = app.exec()
    terminal.close()
    lock.release()
    return code


if __name__ == "__main__":
    sys.exit(main())
