"""Take real X screenshots of the till under Xvfb (docs/screenshots/*.png).

Run: ``bash tools/screenshots.sh`` (Xvfb and openbox at 1024x768, 1366x768, 1920x1080),
or by hand: ``python tools/screenshots.py [--size 1366x768] [--only sale] [--shots a,b]`` on
a display (``--shots``: write only the named pictures, the walk unchanged; ``screenshots.sh
--phone`` retakes the M-Pesa dialog beside the training phone that way).
It starts the app in training mode on a temporary data folder, maximised as the till runs,
walks through login, a basket, the cash tender and the receipt as a cashier would (typing
into the real widgets), and captures the whole X screen with ImageMagick's ``import`` at
each step. The full walk goes to ``docs/screenshots/``; other sizes (``--only sale``) take
the login, the sale screen, the cash dialog and the M-Pesa dialog into
``docs/screenshots/sizes/``.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos.app import demo_hint, open_terminal, start_payments, till_language
from pos.config import load_config
from pos.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="")
    parser.add_argument("--only", choices=["all", "sale"], default="all")
    parser.add_argument("--language", choices=["en", "sw"], default="en")
    parser.add_argument(
        "--shots", default="", help="comma-separated names: write only these (default: all)"
    )
    args = parser.parse_args()
    wanted = {name for name in args.shots.split(",") if name}
    out = OUT if args.only == "all" else OUT / "sizes"
    if args.language != "en" and args.only == "all":
        out = OUT / args.language
    suffix = f"-{args.size}" if args.only != "all" else ""
    if args.language != "en" and args.only != "all":
        suffix += f"-{args.language}"
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-shots-"))
    config = load_config(data_dir=data, training=True, env={})
    config = dataclasses.replace(config, language=args.language)  # as [ui] language = "sw"
    app = QApplication(sys.argv[:1])
    till_language(config.language)  # the login screen in the till's language, as run_gui
    terminal, lock = open_terminal(config)
    payments = start_payments(config, terminal)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    window.showMaximized()
    sale = window.sale

    def shot(name: str) -> None:
        app.processEvents()
        if wanted and name not in wanted:
            return
        target = out / f"{name}{suffix}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target)

    def finish() -> None:
        """Quit; a modal dialog's own loop or a request still polling must not keep the
        tool alive after its pictures are taken."""
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    def scan(code: str) -> None:
        sale.scan.setText(code)
        sale.scan.returnPressed.emit()

    def login() -> None:
        users = {u.name: u.user_id for u in window.users()}
        window.login.select_user(users["Amina Wanjiru"])
        if args.language != "en":  # the login screen's language buttons, as a cashier would
            window.login.choose_language(args.language)
        window.login.pin.setText("1111")
        window.login.pin.returnPressed.emit()

    def basket() -> None:
        items = terminal.checkout.search("brookside")[:2] + terminal.checkout.search("kabras")[:1]
        for item in items:
            assert item.barcode
            scan(item.barcode)
        scan(items[0].barcode or "")
        sale.scan.setText("2*" + (terminal.checkout.search("sukuma")[0].sku))

    def search() -> None:
        sale.scan.setText("ket")
        sale.scan.textEdited.emit("ket")

    def tender() -> None:
        sale.scan.clear()
        sale._hide_results()
        sale.pay()

    def type_cash() -> None:
        dialog = sale.dialog
        assert dialog is not None
        dialog.amount.setText("1000")  # type: ignore[attr-defined]

    def complete() -> None:
        dialog = sale.dialog
        assert dialog is not None
        dialog.amount.returnPressed.emit()  # type: ignore[attr-defined]

    def close_dialog() -> None:
        if sale.dialog is not None:
            sale.dialog.accept()

    def cancel_dialog() -> None:
        if sale.dialog is not None:
            sale.dialog.reject()

    def mpesa_basket() -> None:
        for item in terminal.checkout.search("tusker")[:2]:
            assert item.barcode
            scan(item.barcode)

    def open_mpesa() -> None:
        sale.pay_with("mpesa")

    def open_paypal() -> None:
        sale.pay_with("paypal")

    def type_into(name: str, text: str) -> None:
        dialog = sale.dialog
        assert dialog is not None
        getattr(dialog, name).setText(text)

    def send() -> None:
        dialog = sale.dialog
        assert dialog is not None
        dialog.send()  # type: ignore[attr-defined]

    def manager() -> None:
        window.switch_user()
        users = {u.name: u.user_id for u in window.users()}
        window.login.select_user(users["Carol Njeri"])
        if args.language != "en":
            window.login.choose_language(args.language)
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()

    def shot_mpesa_and_finish() -> None:
        shot("mpesa")
        finish()

    def open_settings() -> None:
        sale.open_settings()

    def customer_pin() -> None:
        phone = window.phone_window
        assert phone is not None
        phone.pin.setText("1234")
        phone.approve()

    sizes: list[tuple[int, Callable[[], None]]] = [
        (600, lambda: shot("login")),
        (100, login),
        (700, basket),
        (700, lambda: shot("sale")),
        (100, tender),
        (400, type_cash),
        (400, lambda: shot("tender")),
        (100, cancel_dialog),
        (300, open_mpesa),
        (400, lambda: type_into("phone", "0712 345 678")),
        (300, send),
        # the M-Pesa request keeps polling: quit in the same step, without waiting for idle
        (1500, shot_mpesa_and_finish),
    ]
    steps: list[tuple[int, Callable[[], None]]] = [
        (600, lambda: shot("01-login")),
        (100, login),
        (700, basket),
        (900, search),
        (700, lambda: shot("02-sale-basket-search")),
        (100, tender),
        (400, type_cash),
        (400, lambda: shot("03-tender")),
        (100, complete),
        (800, lambda: shot("04-receipt")),
        (100, close_dialog),
        (300, mpesa_basket),
        (500, open_mpesa),
        (400, lambda: type_into("phone", "0712 345 678")),
        (300, send),
        (1500, lambda: shot("05-mpesa-waiting-and-customer-phone")),
        (100, customer_pin),
        (2500, lambda: shot("06-mpesa-paid-receipt")),
        (100, close_dialog),
        (300, mpesa_basket),
        (400, open_paypal),
        (300, send),
        (1500, lambda: shot("07-paypal-qr")),
        (100, close_dialog),
        (300, manager),
        (800, open_settings),
        (800, lambda: shot("08-settings")),
        (100, finish),
    ]

    if args.only == "sale":
        steps = sizes

    def run_next(index: int = 0) -> None:
        if index >= len(steps):
            return
        if window.runner.pending:  # let service calls finish before the next step
            QTimer.singleShot(50, lambda: run_next(index))
            return
        wait, step = steps[index]

        def go() -> None:
            if window.runner.pending:
                QTimer.singleShot(50, go)
                return
            step()
            run_next(index + 1)

        QTimer.singleShot(wait, go)

    run_next()
    code = app.exec()
    payments.close()
    terminal.close()
    lock.release()
    return code


if __name__ == "__main__":
    sys.exit(main())
