"""Real X screenshots of a live till: the LIVE marker on the login and sale screens, and
the manager's Shop details screen (docs/screenshots/live-*.png and
docs/screenshots/manager/16-*.png to 20b-*.png).

Run: ``bash tools/screenshots_shop_details.sh`` (Xvfb and openbox at 1024x768 through
``xvfb-run -a``; English, then Kiswahili with ``-sw`` names), or by hand on a display:
``python tools/screenshots_shop_details.py [--language sw] [--extra-translations FILE]``.
It writes a live config as the set-up wizard does into a temporary folder, opens the till
on it (demo staff and products; journal keys in files beside the database, as tests do,
so no keyring is touched), then as the manager opens Shop details from the Ctrl+M menu
through its real dialog and captures the whole X screen with ImageMagick's ``import``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos.app import Payments
from pos.config import load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.services.auth import Role
from pos.services.terminal import Terminal
from pos.shop_link import start_shop_details
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.shop_details import ShopDetailsDialog
from pos.ui.setup_wizard.model import ShopDetails, config_toml

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
OUT = DOCS / "manager"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--language", choices=["en", "sw"], default="en")
    parser.add_argument(
        "--extra-translations",
        type=Path,
        default=None,
        help="a helper's {English: Kiswahili} JSON not merged yet (tools/wizard_screenshots.py)",
    )
    args = parser.parse_args()
    suffix = "" if args.language == "en" else f"-{args.language}"
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="kaunta-shop-shots-"))
    if args.extra_translations is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from wizard_screenshots import with_extra_translations

        with_extra_translations(args.extra_translations, folder)
    details = ShopDetails(
        shop_name="Mama Njeri Supermarket",
        address=["Moi Avenue 12", "Nairobi"],
        phone="0712 345 678",
        kra_pin="P051234567X",
        store_id="NBO01",
        terminal_id="T2",
        receipt_header=["Open 7am-9pm"],
        receipt_footer=["Asante! Karibu tena"],
    )
    path = folder / "kaunta.toml"
    path.write_text(config_toml(details), encoding="utf-8")
    config = load_config(path, folder / "data", False, env={})
    app = QApplication(sys.argv[:1])
    config.database_path.parent.mkdir(parents=True, exist_ok=True)
    terminal = Terminal.open(config.database_path, config.terminal_context())
    terminal.auth.bootstrap_users([(n, Role(r), p) for n, r, p in DEMO_USERS])
    terminal.catalog.import_csv(CATALOG_CSV, operator="screenshots")
    users = {u.name: u.user_id for u in terminal.auth.users()}
    terminal.auth.login(users["Carol Njeri"], "3333")  # the day's float, counted
    terminal.shifts.open({1000_00: 2, 500_00: 2, 100_00: 5})
    terminal.auth.logout()
    start_shop_details(config, terminal, Payments(config, terminal))  # the methods installed
    window = MainWindow(terminal)
    window.showMaximized()

    def shot(name: str, folder: Path = OUT) -> None:
        app.processEvents()
        target = folder / f"{name}{suffix}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target)

    def finish() -> None:
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    def login() -> None:
        window.login.select_user(users["Carol Njeri"])
        window.login.choose_language(args.language)
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()

    def menu() -> ManagerMenu:
        found = window.manager_menu
        assert found is not None
        return found

    def dialog() -> ShopDetailsDialog:
        found = menu().dialog
        assert isinstance(found, ShopDetailsDialog), found
        return found

    def open_it() -> None:
        menu().buttons["shop_details"].click()

    def bad_pin() -> None:
        shop = dialog().shop
        shop.shop_name.setText("Mama Njeri Supermarket & Bakery")
        shop.kra_pin.setText("P05123456X")
        dialog().save_button.click()

    def good_pin() -> None:
        dialog().shop.kra_pin.setText("P051234567X")

    def tab(index: int) -> Callable[[], None]:
        return lambda: dialog().show_page(dialog().pages[index])

    def header() -> None:
        dialog().receipt.header.setPlainText("Open 6am-10pm, Sundays too\nBakery at the back")

    def save() -> None:
        dialog().save_button.click()

    def close_all() -> None:
        dialog().reject()
        menu().accept()

    def before_login() -> None:
        window.login.choose_language(args.language)  # the login screen in that language
        shot("live-login", DOCS)

    steps: list[tuple[int, Callable[[], None]]] = [
        (800, before_login),
        (100, login),
        (1200, lambda: shot("live-sale", DOCS)),
        (100, window.open_manager),
        (600, open_it),
        (900, lambda: shot("16-shop-details")),
        (100, bad_pin),
        (700, lambda: shot("17-shop-details-kra-pin-refused")),
        (100, good_pin),
        (100, tab(1)),
        (500, lambda: shot("18-shop-details-currency-fixed")),
        (100, tab(2)),
        (100, header),
        (100, save),
        (900, lambda: shot("19-shop-details-saved")),
        (100, tab(3)),
        (500, lambda: shot("20-shop-details-etims")),
        (100, tab(4)),
        (500, lambda: shot("20b-shop-details-payments")),
        (100, close_all),
        (600, lambda: shot("live-sale-renamed", DOCS)),
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
            step()
            run_next(index + 1)

        QTimer.singleShot(wait, go)

    run_next()
    code = app.exec()
    terminal.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
