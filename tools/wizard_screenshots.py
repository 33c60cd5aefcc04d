"""Screenshots of the first-run set-up wizard (docs/screenshots/wizard/), English and
Kiswahili: ``bash tools/wizard_screenshots.sh`` (Xvfb + openbox), or by hand on a display:
``python tools/wizard_screenshots.py --language sw``.

It runs the real wizard on a temporary config and data folder with an in-memory keyring
(nothing touches this computer's keyring or Kaunta folders), types into its widgets as a
shop owner would, shows one bad value per page where there is a check, and captures the
whole X screen with ImageMagick's ``import`` at each step. The devices step tests the
printer emulator (ESC/POS, on a local socket) through the real driver, and the eTIMS step
initialises a device on the OSCU simulator, as a shop would with the real ones.

``--only 09,10`` saves only the screenshots whose names start so (the others are still
walked through). ``--extra-translations FILE`` (a helper's ``{"English": "Kiswahili"}``
JSON, not merged into ``kaunta_sw.ts`` yet) compiles a temporary ``.qm`` with them added,
so new pages can be looked at in Kiswahili before the merge; nothing in the repository
is changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import keyring
import keyring.backend
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from drivers.emulator_link import EmulatorServer, TcpLink
from drivers.escpos.emulator import PrinterEmulator
from pos.config import load_config
from pos.first_run import FirstRunBackend
from pos.ui.resources import app_icon
from pos.ui.setup_wizard.wizard import SetupWizard

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "wizard"
BAD_CSV = (
    "sku,name,price,vat_class,barcode\n"
    "SUG-1,Sugar 1kg,180.00,S,6161101600019\n"
    "SALT-1,Salt 500g,not-a-price,S,\n"
)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets for the screenshot run only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def with_extra_translations(path: Path, work: Path) -> None:
    """Load Kiswahili from the .ts plus ``path``'s texts (a temporary .qm)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import i18n_update as ts

    extra: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    old = ts.read_ts(ts.TRANSLATIONS / "kaunta_sw.ts")
    by_source = {e.source: t for e, t in old.items() if t}
    new = {
        e: old.get(e) or by_source.get(e.source, "") or extra.get(e.source, "")
        for e in ts.entries(ROOT)
    }
    source = work / "kaunta_sw.ts"
    source.write_text(ts.write_ts(source, ts.LANGUAGES["sw"], new), encoding="utf-8")
    compiled = work / "kaunta_sw.qm"
    tool = Path(sys.executable).parent / "pyside6-lrelease"
    subprocess.run([str(tool), "-silent", str(source), "-qm", str(compiled)], check=True)
    from pos.ui import i18n

    i18n.qm_path = lambda _language: compiled  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--language", choices=["en", "sw"], default="en")
    parser.add_argument("--only", default="", help="comma-separated name prefixes to save")
    parser.add_argument("--extra-translations", type=Path, default=None)
    args = parser.parse_args()
    only = tuple(p for p in args.only.split(",") if p)
    OUT.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(MemoryKeyring())
    work = Path(tempfile.mkdtemp(prefix="kaunta-wizard-shots-"))
    (work / "products.csv").write_text(BAD_CSV, encoding="utf-8")
    if args.extra_translations is not None:
        with_extra_translations(args.extra_translations, work)
    printer_link = TcpLink()
    printer = EmulatorServer(printer_link, PrinterEmulator(), name="shots-printer").start()
    from sync.etims.sandbox import DEMO_SERIAL_01, EtimsSandbox

    oscu = EtimsSandbox().start()
    config = load_config(None, work / "data", None, env={"KAUNTA_CONFIG": str(work / "k.toml")})
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    backend = FirstRunBackend(config)
    wizard = SetupWizard(backend)
    wizard.resize(900, 640)
    wizard.show()
    lang = args.language
    steps: list[tuple[Callable[[], bool], Callable[[], None]]] = []
    shots: list[str] = []

    def shot(name: str) -> None:
        if only and not name.startswith(only):
            return
        path = OUT / f"{name}-{lang}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True)
        shots.append(path.name)

    def at(ready: Callable[[], bool], action: Callable[[], None]) -> None:
        steps.append((ready, action))

    def welcome() -> None:
        if lang != "en":
            wizard.welcome.language.setCurrentIndex(wizard.welcome.language.findData(lang))

    def shop_bad() -> None:
        wizard.next()
        s = wizard.shop
        s.shop_name.setText("Mama Njeri Duka")
        s.address.setPlainText("Moi Avenue 12\nNairobi")
        s.phone.setText("0712 345 678")
        s.kra_pin.setText("P05123456X")  # one digit short
        s.store_code.setText("NBO01")
        wizard.next()  # refused: the KRA PIN

    def shop_good() -> None:
        wizard.shop.kra_pin.setText("P051234567X")
        wizard.next()

    def receipt() -> None:
        wizard.next()
        wizard.receipt.header.setPlainText("Open 7am-9pm, Mon-Sat")

    def manager() -> None:
        wizard.next()
        wizard.manager.manager_name.setText("Amina Wanjiru")
        wizard.manager.pin.setText("4826")
        wizard.manager.repeat.setText("4862")
        wizard.next()  # refused: the PINs differ

    def manager_good() -> None:
        wizard.manager.repeat.setText("4826")
        wizard.next()  # opens the live database (on the worker)

    def catalog() -> None:
        wizard.skip()  # no head office
        wizard.catalog.path.setText(str(work / "products.csv"))
        wizard.catalog.csv.setChecked(True)
        wizard.next()  # refused: the per-line report

    def payments() -> None:
        wizard.catalog.skip_errors.setChecked(True)
        wizard.next()

    def devices() -> None:
        box = wizard.payments.boxes.get("mpesa")
        if box is not None:
            box.setChecked(True)
        wizard.next()

    def test_print() -> None:
        form = wizard.devices.forms["printer"]
        form.port.setCurrentText(f"127.0.0.1:{printer_link.port}")  # a network printer
        form.fields["baudrate"].setCurrentText("115200")
        wizard.devices.test_print.click()

    def etims() -> None:
        wizard.next()
        e = wizard.etims
        e.branch.setText("01")
        e.serial.setText(DEMO_SERIAL_01)
        e.environment.setCurrentIndex(e.environment.findData("simulator"))
        e.url.setText(oscu.base_url)
        e.test_button.click()

    def done() -> None:
        wizard.next()

    def tested(page: object) -> Callable[[], bool]:
        message = page.message  # type: ignore[attr-defined]
        return lambda: message.property("role") == "info" and "…" not in message.text()

    page = wizard.currentPage
    always: Callable[[], bool] = lambda: True  # noqa: E731
    at(always, welcome)
    at(always, lambda: shot("01-welcome"))
    at(always, shop_bad)
    at(lambda: bool(wizard.shop.message.text()), lambda: shot("02-shop-kra-pin-refused"))
    at(always, shop_good)
    at(lambda: page() is wizard.region, lambda: shot("03-currency-language"))
    at(always, receipt)
    at(lambda: page() is wizard.receipt, lambda: shot("04-receipt"))
    at(always, manager)
    at(lambda: bool(wizard.manager.message.text()), lambda: shot("05-manager-pins-differ"))
    at(always, manager_good)
    at(lambda: page() is wizard.head_office, lambda: shot("06-head-office"))
    at(always, catalog)
    at(lambda: wizard.catalog.errors.isVisible(), lambda: shot("07-products-error-report"))
    at(always, payments)
    at(lambda: page() is wizard.payments, lambda: shot("08-payments"))
    at(always, devices)
    at(lambda: page() is wizard.devices and wizard.runner.pending == 0, test_print)
    at(tested(wizard.devices), lambda: shot("09-devices-test-print"))
    at(always, etims)
    at(tested(wizard.etims), lambda: shot("10-etims-initialised"))
    at(always, done)
    at(lambda: page() is wizard.done_page, lambda: shot("11-ready"))
    at(always, app.quit)

    def run(index: int = 0, waited: int = 0) -> None:
        """Each step once its condition holds (then a moment to paint); 30 s at most."""
        if index >= len(steps):
            return
        ready, action = steps[index]
        if not ready() and waited < 30_000:
            QTimer.singleShot(100, lambda: run(index, waited + 100))
            return

        def go() -> None:
            action()
            run(index + 1)

        QTimer.singleShot(400, go)

    run()
    code = app.exec()
    backend.close()
    printer.stop()
    oscu.stop()
    print(f"wrote {', '.join(shots)} to {OUT}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
