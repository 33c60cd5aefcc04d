"""Composition root: reads the configuration and builds the till.

The only module that imports every layer. It owns process-level concerns: the single-
instance lock, logging, opening (and migrating) the database, seeding training data, and
turning start-up failures into a message the person at the till can act on.
"""

from __future__ import annotations

import getpass
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from pos.config import Config, ConfigError
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.logging_setup import setup_logging
from pos.payments.base import PaymentMethod
from pos.services.audit import AuditWriter
from pos.services.auth import Role
from pos.services.gateway_settings import GatewaySettingsService
from pos.services.payments import PaymentSettings
from pos.services.terminal import DemoUser, Terminal
from pos.services.training import CustomerPhone
from pos.store.errors import StoreError
from pos.store.instance_lock import InstanceLock

log = logging.getLogger("kaunta")
_PROCESS_T0 = time.perf_counter()


def open_terminal(config: Config) -> tuple[Terminal, InstanceLock]:
    """Lock the data folder, open the database, seed demo data in training mode."""
    lock = InstanceLock(config.database_path.parent)
    lock.acquire()
    try:
        terminal = Terminal.open(config.database_path, config.terminal_context())
        if config.training:
            terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    except BaseException:
        lock.release()
        raise
    return terminal, lock


class Payments:
    """The gateway side of a running till: methods, and in training mode the sandboxes."""

    def __init__(self) -> None:
        self._closers: list[Callable[[], None]] = []

    def add_closer(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:  # pragma: no cover - shutting down anyway
                log.exception("error while stopping a payment sandbox")
        self._closers.clear()


def payment_settings(config: Config) -> PaymentSettings:
    """``[payments.paypal] currency/rate`` etc. from the config file."""
    section = config.raw.get("payments", {})
    paypal = section.get("paypal", {}) if isinstance(section, dict) else {}
    currency = str(paypal.get("currency", "USD"))
    try:
        rate = Decimal(str(paypal.get("rate", "129.50")))
    except ArithmeticError:
        raise ConfigError(f"payments.paypal.rate {paypal.get('rate')!r} is not a number.") from None
    base = PaymentSettings()
    return replace(
        base,
        foreign_rates={**base.foreign_rates, currency: rate},
        method_currency={**base.method_currency, "paypal": currency},
    )


def start_payments(config: Config, terminal: Terminal) -> Payments:
    """Build the payment methods. Training mode starts the M-Pesa and PayPal sandboxes on
    this machine (random free ports) and a simulated customer phone; live mode uses the
    methods listed in ``[payments] methods`` with secrets from the OS keyring."""
    from pos.payments.registry import MethodContext, build, discover
    from pos.secrets import KeyringSecrets, MemorySecrets

    payments = Payments()
    available = discover()
    secrets: KeyringSecrets | MemorySecrets = (
        MemorySecrets() if config.training else KeyringSecrets()
    )
    section = config.raw.get("payments", {})
    section = section if isinstance(section, dict) else {}
    methods: dict[str, PaymentMethod] = {}
    if config.training:
        from pos.payments.mpesa.sandbox import MpesaSandbox
        from pos.payments.paypal.sandbox import PayPalSandbox

        mpesa_box = MpesaSandbox(shop_name=config.store.name).start()
        payments.add_closer(mpesa_box.stop)
        paypal_box = PayPalSandbox().start()
        payments.add_closer(paypal_box.stop)
        urls = {"mpesa": mpesa_box.base_url, "paypal": paypal_box.base_url}
        for code, url in urls.items():
            if code in available:
                settings = {**section.get(code, {}), "base_url": url}
                methods[code] = build(
                    code, MethodContext(True, config.currency, settings), available
                )
        terminal.phone = CustomerPhone(urls["mpesa"], urls["paypal"], config.store.name)
    else:
        urls = {}
        wanted = section.get("methods", [])
        for code in wanted if isinstance(wanted, list) else []:
            settings = section.get(code, {})
            try:
                methods[code] = build(
                    code, MethodContext(False, config.currency, settings, secrets), available
                )
            except (LookupError, ValueError, TypeError) as exc:
                log.error("payment method %s not available: %s", code, exc)
    terminal.enable_payments(methods, payment_settings(config))

    def test_connection(code: str) -> str:
        settings = dict(section.get(code, {}))
        if code in urls:
            settings["base_url"] = urls[code]
        context = MethodContext(config.training, config.currency, settings, secrets)
        return build(code, context, available).check_connection()

    terminal.gateway_settings = GatewaySettingsService(
        terminal.db,
        terminal.auth,
        AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
        secrets,
        test_connection,
    )
    return payments


def demo_hint(config: Config) -> str:
    if not config.training:
        return ""
    pins = " · ".join(f"{n} ({r}) PIN {p}" for n, r, p in DEMO_USERS)
    return f"Training mode demo users — {pins}"


def import_catalog(config: Config, path: Path, *, skip_errors: bool) -> int:
    """``kaunta import-catalog``: exit 0 when written, 1 when refused, 2 when unusable.

    Unusable includes a database that another program kept busy past the busy timeout:
    the import is one transaction, so the message says nothing was saved, never a traceback.
    """
    from pos.services.catalog import CatalogImportError

    setup_logging(config.log_dir)
    try:
        terminal, lock = open_terminal(config)
    except StoreError as exc:
        print(f"kaunta: {exc}", file=sys.stderr)
        return 2
    try:
        report = terminal.catalog.import_csv(
            path, skip_errors=skip_errors, operator=f"cli:{getpass.getuser()}"
        )
    except (CatalogImportError, StoreError) as exc:
        log.warning("import-catalog %s failed: %s", path, exc)
        print(f"kaunta: {exc}", file=sys.stderr)
        return 2
    finally:
        terminal.close()
        lock.release()
    for error in report.errors:
        print(f"{path.name}: {error}", file=sys.stderr)
    if report.written:
        skipped = f", {len(report.errors)} bad rows skipped" if report.errors else ""
        print(f"Imported {report.imported} products from {report.rows} rows{skipped}.")
        return 0
    print(
        f"Nothing imported: {len(report.errors)} of {report.rows} rows have errors. "
        "Fix them, or run again with --skip-errors to import the good rows.",
        file=sys.stderr,
    )
    return 1


def _peak_rss_mb() -> float:
    """Peak resident memory of this process. On Linux ``VmHWM`` (ru_maxrss can carry the
    parent's peak across fork+exec, which overstates a small child's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / (1024 * 1024)


def run_gui(config: Config, *, smoke: bool = False) -> int:
    """Start the till. ``smoke``: log in the demo cashier, print READY figures, quit."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    log_file = setup_logging(config.log_dir)
    log.info("starting (training=%s, data=%s)", config.training, config.data_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Kaunta")
    if smoke and not config.training:
        print("kaunta: --smoke is for training mode only", file=sys.stderr)
        return 2
    try:
        terminal, lock = open_terminal(config)
    except StoreError as exc:
        log.error("cannot start: %s", exc)
        if smoke:
            print(f"kaunta: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Kaunta cannot start", str(exc))
        return 2

    from pos.ui.main_window import MainWindow

    try:
        payments = start_payments(config, terminal)
    except Exception as exc:
        log.exception("payments could not start")
        payments = Payments()
        print(f"kaunta: payments unavailable: {exc}", file=sys.stderr)
    window = MainWindow(terminal, demo_hint=demo_hint(config))
    if config.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    if smoke:
        _drive_smoke(window, terminal)
    code = app.exec()
    payments.close()
    terminal.close()
    lock.release()
    log.info("stopped (log: %s)", log_file)
    return int(code)


def _drive_smoke(window: object, terminal: Terminal) -> None:
    """Log in the demo cashier as a person would, then report and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    cashier = next(n for n, r, _p in DEMO_USERS if r == "cashier")
    pin = next(p for n, _r, p in DEMO_USERS if n == cashier)

    def try_login() -> None:
        users = {u.name: u.user_id for u in window.users()}
        if cashier not in users:
            QTimer.singleShot(5, try_login)
            return
        window.login.select_user(users[cashier])
        window.login.pin.setText(pin)
        window.login.pin.returnPressed.emit()

    def ready() -> None:
        elapsed = time.perf_counter() - _PROCESS_T0
        print(f"KAUNTA-READY startup_s={elapsed:.3f} rss_mb={_peak_rss_mb():.1f}", flush=True)
        QTimer.singleShot(0, QApplication.quit)

    window.sig_sale_screen_ready.connect(ready)
    QTimer.singleShot(0, try_login)
