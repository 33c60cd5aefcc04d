"""Real X screenshots of the manager's screens (docs/screenshots/manager/*.png).

Run: ``bash tools/screenshots_manager.sh`` (Xvfb and openbox at 1366x768), or by hand on
a display: ``python tools/screenshots_manager.py``. It starts the app in training mode on a
temporary data folder, rings up a few cash sales through the services (before the window
opens), then, as the manager, opens each tool from the Ctrl+M menu through its real
dialog and captures the whole X screen with ImageMagick's ``import``: the menu, an X
report, the blind close and its result, the Z, opening the next shift, the daily view, a
refund with a line chosen, a return without a receipt, products and staff.

The sales are spread over the business day (08:10 to 17:40 in the shop's time zone) so
the daily view's chart shows several hours: the run takes place on yesterday's date,
read through a shifted clock (``SystemClock.now`` plus an offset, moved forward for each
sale and never back). ``SHOTS_LANG=sw`` takes them in Kiswahili (names end in
``-sw``); ``SHOTS_ONLY=03,06`` writes only the shots whose names start so (the others
are still taken in order, not written).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from pos.app import demo_hint, open_terminal
from pos.config import load_config
from pos.payments.card.manual import APPROVAL, LAST4
from pos.payments.card.manual import create as create_card
from pos.payments.registry import MethodContext
from pos.services.context import SystemClock
from pos.ui import i18n
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
CARD = "card_manual"
#: the sales (by their place in the day) paid by card
CARD_SALES = frozenset({3, 8})  # one-line sales: the refund shot keeps its cash sale
#: when each sale is rung up (shop time), two rounds of SALES over the day
HOURS = (
    (8, 10),
    (9, 25),
    (10, 40),
    (11, 5),
    (12, 30),
    (13, 50),
    (14, 15),
    (15, 35),
    (16, 5),
    (17, 40),
)
#: the shifted clock's offset from the real one (see the module's docstring)
_shift: dict[str, timedelta | None] = {"offset": None}
_real_now = SystemClock.now


def _shifted_now(self: SystemClock) -> datetime:
    return _real_now(self) + (_shift["offset"] or timedelta(0))


def _move_to(when: datetime) -> None:
    """Make the clock read ``when`` from now on (only forward: ids are time-ordered)."""
    offset = when.astimezone(UTC) - _real_now(SystemClock())
    before = _shift["offset"]
    _shift["offset"] = offset if before is None else max(offset, before)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-manager-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    language = os.environ.get("SHOTS_LANG", "en")
    only = tuple(p for p in os.environ.get("SHOTS_ONLY", "").split(",") if p)
    app = QApplication(sys.argv[:1])
    zone = ZoneInfo(config.terminal_context().timezone)
    day = (datetime.now(zone) - timedelta(days=1)).date()
    SystemClock.now = _shifted_now  # type: ignore[method-assign]
    _move_to(datetime.combine(day, time(7, 45), zone))  # the shift opens before the first sale
    terminal, lock = open_terminal(config)
    users = {u.name: u.user_id for u in terminal.auth.users()}
    terminal.auth.login(users["Amina Wanjiru"], "1111")
    # two of the sales are paid on the bank's card terminal, so the close asks for its count
    payments = terminal.enable_payments({CARD: create_card(MethodContext(True, "KES"))})
    numbers: list[str] = []
    takings = {"cash": 0, CARD: 0}
    for n, ((hour, minute), sale) in enumerate(zip(HOURS, SALES * 2, strict=True)):
        _move_to(datetime.combine(day, time(hour, minute), zone))
        for barcode, qty in sale:
            terminal.checkout.scan(barcode, qty)
        due = terminal.checkout.view().cash_due
        if n in CARD_SALES:
            payments.start(CARD, due, keyed={APPROVAL: f"A{n}B2C3", LAST4: "0010"})
            takings[CARD] += due.minor
            continue
        result = terminal.checkout.pay_cash(due)
        assert result.receipt is not None
        numbers.append(result.receipt.number)
        takings["cash"] += due.minor
    _move_to(datetime.combine(day, time(18, 5), zone))  # the close, at the end of the day
    terminal.auth.logout()
    if language != "en":
        i18n.set_language(language)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()

    def shot(name: str) -> None:
        app.processEvents()
        if only and not name.startswith(only):
            return
        target = OUT / (f"{name}.png" if language == "en" else f"{name}-{language}.png")
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target)

    def finish() -> None:
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    def login() -> None:
        window.login.select_user(users["Carol Njeri"])
        if language in window.login.language_buttons:
            window.login.language_buttons[language].click()
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
        left, pieces = takings["cash"] - 250_00, {}  # the drawer is KES 250 short
        for unit in (1000_00, 500_00, 200_00, 100_00, 50_00, 20_00, 10_00, 5_00, 1_00):
            pieces[unit], left = divmod(left, unit)
        close.counter.set_pieces({unit: n for unit, n in pieces.items() if n})
        close.other_counts[CARD].setText(f"{(takings[CARD] - 10_00) / 100:.2f}")
        close.note.setText("Drawer 250 short, card batch 10 under")
        close.note.setCursorPosition(0)  # the shot shows the note from its start
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
