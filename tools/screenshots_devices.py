"""Real X screenshots of the training devices (docs/screenshots/card-terminal.png,
docs/screenshots/printed-receipt.png, docs/screenshots/drawer-left-open.png).

Run: ``bash tools/screenshots_devices.sh`` (Xvfb + openbox at 1366x768). Starts the app in
training mode on a temporary data folder with payments and devices as ``pos.app.run_gui``
starts them (printer, display and scanner emulators on ptys, the ZVT emulator on TCP),
logs in the demo cashier, rings up two items and pays by card: the "card terminal" window
is captured with the card inserted and the PIN typed, then, once approved, the "printed
receipt" panel with what the emulated printer decoded from the driver's bytes. Then a
cash sale whose drawer the trainee leaves open: the sale screen's warning (the wait is
shortened to 2 s here; a till waits ``drawer_open_warning`` seconds, 30 by default).
PNGs are reduced to 256 colours to keep them small.
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
from PySide6.QtWidgets import QApplication, QWidget

from pos.app import demo_hint, open_terminal, start_payments
from pos.config import load_config
from pos.device_link import start_devices
from pos.ui.dialogs import TenderDialog
from pos.ui.main_window import MainWindow
from pos.ui.payment_dialogs import GatewayDialog

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="kaunta-device-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    app = QApplication(sys.argv[:1])
    terminal, _lock = open_terminal(config)
    payments = start_payments(config, terminal)
    terminal.devices = start_devices(config, terminal, payments)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()
    sale = window.sale
    hooks = sale.devices
    assert hooks is not None
    assert hooks.card_window is not None
    assert hooks.printed_panel is not None
    card, panel = hooks.card_window, hooks.printed_panel

    def shot(name: str, widget: QWidget) -> None:
        app.processEvents()
        widget.raise_()
        widget.activateWindow()
        app.processEvents()
        target = OUT / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        subprocess.run(
            ["convert", str(target), "-dither", "None", "-colors", "256", f"PNG8:{target}"],
            check=True,
        )
        print("wrote", target)

    def login() -> None:
        users = {u.name: u.user_id for u in window.users()}
        window.login.select_user(users["Amina Wanjiru"])
        window.login.pin.setText("1111")
        window.login.pin.returnPressed.emit()

    def basket() -> None:
        for item in terminal.checkout.search("brookside")[:2]:
            assert item.barcode
            sale.scan.setText(item.barcode)
            sale.scan.returnPressed.emit()

    def pay_by_card() -> None:
        sale.gateway_buttons["card_zvt"].click()

    def send() -> None:
        dialog = sale.dialog
        assert isinstance(dialog, GatewayDialog)
        dialog.send_button.click()

    def card_in() -> None:
        card.move(690, 90)  # beside the card dialog, not over it
        card.insert.click()
        card.pin.setText("1234")

    def approve() -> None:
        card.ok.click()

    def show_panel() -> None:
        card.hide()
        if sale.dialog is not None:
            sale.dialog.accept()  # the receipt dialog: "New sale"
        panel.move(700, 20)
        panel.resize(590, 700)

    def cash_sale() -> None:
        panel.hide()
        printing = terminal.devices.printing  # type: ignore[union-attr]
        assert printing is not None
        printing.printer.drawer_warn_after = 2.0
        basket()

    def tender() -> None:
        dialog = sale.dialog
        assert isinstance(dialog, TenderDialog)
        dialog.amount.setText("500")
        dialog.amount.returnPressed.emit()

    def new_sale() -> None:
        if sale.dialog is not None:
            sale.dialog.accept()  # the receipt dialog: the drawer is still open
        panel.hide()
        if window.phone_window is not None:
            window.phone_window.hide()  # (it would cover the device line)

    def finish() -> None:
        terminal.devices.close()  # type: ignore[union-attr]
        payments.close()
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    steps: list[tuple[int, Callable[[], None]]] = [
        (1500, login),
        (1500, basket),
        (1000, pay_by_card),
        (800, send),
        (2500, card_in),
        (800, lambda: shot("card-terminal", card)),
        (300, approve),
        (4000, show_panel),
        (1200, lambda: shot("printed-receipt", panel)),
        (300, cash_sale),
        (1500, sale.pay),
        (1200, tender),
        (1500, new_sale),
        (4000, lambda: shot("drawer-left-open", window)),
        (200, finish),
    ]

    def run(i: int = 0) -> None:
        if i < len(steps):
            delay, step = steps[i]

            def go() -> None:
                step()
                run(i + 1)

            QTimer.singleShot(delay, go)

    def when_ready(then: Callable[[], None], tries: int = 300) -> None:
        if window.users() or tries == 0:
            then()
            return
        QTimer.singleShot(100, lambda: when_ready(then, tries - 1))

    def when_logged_in(then: Callable[[], None], tries: int = 300) -> None:
        if terminal.auth.current is not None or tries == 0:
            then()
            return
        QTimer.singleShot(100, lambda: when_logged_in(then, tries - 1))

    def start() -> None:
        login()
        when_logged_in(lambda: run(1))

    QTimer.singleShot(500, lambda: when_ready(start))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
