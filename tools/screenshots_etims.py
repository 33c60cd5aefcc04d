"""Real X screenshots of KRA eTIMS in training (docs/screenshots/etims-*.png).

Run: ``bash tools/screenshots_etims.sh`` (Xvfb + openbox at 1366x768). Starts the app in
training mode on a temporary data folder with payments, devices and eTIMS as
``pos.app.run_gui`` starts them (the OSCU simulator in-process, the printer emulator on a
pty), logs in the demo cashier, sells two items for cash and captures:

- ``etims-receipt-screen.png``: the receipt dialog once KRA (the simulator) signed the
  sale: the SCU block and the QR code of the verification URL;
- ``etims-receipt-printed.png``: the training printer's panel, what the emulator decoded
  from the driver's bytes, scrolled to the KRA block and its QR mark;
- ``etims-provisional.png``: a sale made while the simulator refuses connections: the
  receipt marked "not yet a tax invoice" and the sale screen's eTIMS line offline;
- ``etims-queue.png``: the manager's eTIMS queue screen with that sale waiting.

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
from pos.etims_link import TrainingEtims, start_etims
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.etims_queue import EtimsQueueDialog
from pos.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="kaunta-etims-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    app = QApplication(sys.argv[:1])
    terminal, _lock = open_terminal(config)
    payments = start_payments(config, terminal)
    etims = start_etims(config, terminal)
    assert isinstance(etims, TrainingEtims)
    terminal.devices = start_devices(config, terminal, payments)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()
    sale = window.sale
    hooks = sale.devices
    assert hooks is not None
    assert hooks.printed_panel is not None
    panel = hooks.printed_panel
    held: list[QWidget] = []

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

    def tender() -> None:
        dialog = sale.dialog
        assert isinstance(dialog, TenderDialog)
        dialog.amount.setText("500")
        dialog.amount.returnPressed.emit()

    def receipt_end() -> ReceiptDialog:
        dialog = sale.dialog
        assert isinstance(dialog, ReceiptDialog)
        dialog.resize(560, 740)
        dialog.move(60, 10)
        bar = dialog.text.verticalScrollBar()
        bar.setValue(bar.maximum())
        return dialog

    def signed_receipt() -> None:
        dialog = receipt_end()
        print("KRA block signed:", dialog.kra is not None and dialog.kra.signed)

    def show_panel() -> None:
        if sale.dialog is not None:
            sale.dialog.accept()
        panel.show()
        panel.move(700, 10)
        panel.resize(600, 740)
        text = panel.paper.toPlainText()
        at = text.find("TAX INVOICE")
        cursor = panel.paper.textCursor()
        cursor.setPosition(max(0, at))
        panel.paper.setTextCursor(cursor)
        panel.paper.centerCursor()
        print("printed KRA block:", at >= 0, "QR:", "[QR http" in text)

    def outage() -> None:
        panel.hide()
        etims.sandbox.refuse()
        basket()

    def provisional() -> None:
        receipt_end()

    def queue() -> None:
        if sale.dialog is not None:
            sale.dialog.accept()
        dialog = EtimsQueueDialog(window, window.actions_)
        held.append(dialog)
        dialog.show()
        dialog.move(150, 60)

    def finish() -> None:
        etims.sandbox.accept()
        etims.stop()
        terminal.devices.close()  # type: ignore[union-attr]
        payments.close()
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    steps: list[tuple[int, Callable[[], None]]] = [
        (1500, basket),
        (1000, sale.pay),
        (1200, tender),
        (6000, signed_receipt),
        (800, lambda: shot("etims-receipt-screen", window)),
        (300, show_panel),
        (1200, lambda: shot("etims-receipt-printed", panel)),
        (300, outage),
        (1500, sale.pay),
        (1200, tender),
        (2500, provisional),
        (3000, lambda: shot("etims-provisional", window)),
        (300, queue),
        (1500, lambda: shot("etims-queue", window)),
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
        when_logged_in(lambda: run(0))

    QTimer.singleShot(500, lambda: when_ready(start))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
