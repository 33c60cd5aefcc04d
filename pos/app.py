"""Composition root: reads the configuration and builds the till.

The only module that imports every layer. It owns process-level concerns: the single-
instance lock, logging, opening (and migrating) the database, seeding training data, and
turning start-up failures into a message the person at the till can act on.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.messages import Message
from pos.logging_setup import install_exception_hooks, set_notifier, setup_logging
from pos.payments.base import MethodDescription, PayerKey, PaymentMethod
from pos.payments.mpesa.relay import CallbackRelay
from pos.payments.paypal.relay import OrderRelay
from pos.services.audit import AuditWriter
from pos.services.auth import Role
from pos.services.gateway_settings import GatewaySettingsService
from pos.services.payments import PaymentSettings
from pos.services.terminal import DemoUser, Terminal
from pos.services.training import CustomerPhone
from pos.store.db import unwritable_reason
from pos.store.errors import DataFolderNotWritable, StoreError
from pos.store.instance_lock import InstanceLock

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractButton, QMessageBox

    from pos.sync_link import SyncLink

log = logging.getLogger("kaunta")
#: where training mode's sandboxes listen (this machine only)
SANDBOX_HOST = "127.0.0.1"
_PROCESS_T0 = time.perf_counter()


def open_terminal(config: Config) -> tuple[Terminal, InstanceLock]:
    """Lock the data folder, open the database, seed demo data in training mode.

    Every failure is a :class:`StoreError` whose message names the file or folder: a
    folder that cannot be written, a database gone or damaged (with the latest backup
    offered), another Kaunta on the same folder.
    """
    for warning in config.warnings:
        log.warning("config %s: %s", config.config_path, warning)
    folder = config.database_path.parent
    reason = unwritable_reason(config.database_path)
    if reason is not None:
        raise DataFolderNotWritable(folder, reason)
    lock = InstanceLock(folder)
    try:
        lock.acquire()
    except OSError as exc:
        raise DataFolderNotWritable(folder, exc.strerror or str(exc)) from exc
    try:
        from pos.secrets import journal_key_store  # the OS keyring, live; a file, training

        terminal = Terminal.open(
            config.database_path,
            config.terminal_context(),
            journal_keys=journal_key_store(config.training, config.database_path),
        )
        terminal.shifts.limits = config.shift_limits  # [shifts] approval limits
        if config.training:
            terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    except BaseException:
        lock.release()
        raise
    return terminal, lock


class Payments:
    """The gateway side of a running till: its methods (rebuilt when keys change), and in
    training mode the sandboxes and their simulated customers."""

    def __init__(self, config: Config, terminal: Terminal) -> None:
        from pos.payments.registry import discover
        from pos.secrets import KeyringSecrets, MemorySecrets

        self.config = config
        self.terminal = terminal
        self.available = discover()
        self.secrets: KeyringSecrets | MemorySecrets = (
            MemorySecrets() if config.training else KeyringSecrets()
        )
        section = config.raw.get("payments", {})
        self.section: dict[str, Any] = section if isinstance(section, dict) else {}
        self.urls: dict[str, str] = {}  # training: method code -> local sandbox URL
        self.card_emulator: Any = None  # training: the ZVT emulator (the card window plays it)
        self.simulators: TrainingSimulators | None = None  # training: sandboxes and customers
        #: head office's CallBackURLs for M-Pesa pushes while the sync agent runs
        self.relay = CallbackRelay()
        #: head office hears of each PayPal order while the sync agent runs
        self.paypal_relay = OrderRelay()
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

    def settings_for(self, code: str) -> dict[str, Any]:
        section = self.section.get(code, {})
        settings = dict(section) if isinstance(section, dict) else {}
        if code in self.urls:
            settings["base_url"] = self.urls[code]
        if code == "mpesa":
            settings["callback_relay"] = self.relay
        if code == "paypal":
            settings["order_relay"] = self.paypal_relay
        return settings

    def wanted(self) -> list[str]:
        """Training: every installed method; live: those listed in ``[payments] methods``."""
        if self.config.training:
            return sorted(self.available)
        wanted = self.section.get("methods", [])
        return [str(c) for c in wanted] if isinstance(wanted, list) else []

    def build_methods(self) -> dict[str, PaymentMethod]:
        """Build every wanted method; one that cannot be built (keys missing) is logged
        and left out, and the others still work."""
        from pos.payments.registry import MethodContext, build

        methods: dict[str, PaymentMethod] = {}
        for code in self.wanted():
            context = MethodContext(
                self.config.training, self.config.currency, self.settings_for(code), self.secrets
            )
            try:
                methods[code] = build(code, context, self.available)
            except (LookupError, ValueError, TypeError) as exc:
                log.error("payment method %s not available: %s", code, exc)
        return methods

    def rebuild(self) -> None:
        """Keys were saved in Settings: rebuild the methods so they apply at once."""
        if self.terminal.payments is not None:
            self.terminal.payments.replace_methods(self.build_methods())

    def descriptions(self) -> list[MethodDescription]:
        """Every installed method's description (for the settings screen), built or not."""
        found = []
        for code in sorted(self.available):
            description = self.available[code].description
            if description is not None and description.settings_fields:
                found.append(description)
        return found

    def test_connection(self, code: str) -> str | Message:
        from pos.payments.registry import MethodContext, build

        context = MethodContext(
            self.config.training, self.config.currency, self.settings_for(code), self.secrets
        )
        return build(code, context, self.available).check_connection()


def payment_settings(config: Config) -> PaymentSettings:
    """``[payments.<method>] currency/rate`` from the config (checked by ``load_config``)."""
    base = PaymentSettings()
    rates = {**base.foreign_rates, **config.foreign_rates}
    return replace(base, foreign_rates=rates, method_currency=dict(config.method_currency))


class TrainingSimulators:
    """Training mode's M-Pesa and PayPal sandboxes and the simulated customers playing
    their phones (and the card terminal's customer), started after the till's window.

    Their code (and on a training folder's first start the PayPal sandbox's RSA signing
    keys, kept there afterwards: ``pos.payments.paypal.training_signer``) cost about a
    quarter of a second that a cashier looking at the login screen need not wait for. So
    their ports are taken first (bound, not yet listening) and the payment methods are
    built against those addresses; :meth:`start` then serves on them, called once the
    window is up
    (while the first login's PIN hash, which leaves the interpreter free, is computed).
    Nothing can reach a sandbox before that: a payment needs a signed-in cashier, whose
    sign-in is handled on the same GUI thread after :meth:`start` has run."""

    def __init__(self, payments: Payments) -> None:
        self.payments = payments
        self._held: dict[str, socket.socket] = {}
        for code in ("mpesa", "paypal"):
            held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            held.bind((SANDBOX_HOST, 0))
            self._held[code] = held
            payments.urls[code] = f"http://{SANDBOX_HOST}:{held.getsockname()[1]}"
        # the emulated card terminal (ZVT over TCP) is cheap, and the device link opens
        # its port at start: it starts now, and the card window plays it
        from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
        from pos.payments.card.device import close_all as close_card_devices

        card_terminal = ZvtEmulator(
            Settings(Behaviour.MANUAL, step_delay=0.4, currency=payments.config.currency)
        )
        payments.urls["card_zvt"] = f"socket://{SANDBOX_HOST}:{card_terminal.start_tcp()}"
        payments.card_emulator = card_terminal
        payments.add_closer(card_terminal.stop)
        payments.add_closer(close_card_devices)
        payments.add_closer(self._release)
        self.started = False

    def _port(self, code: str) -> int:
        """The reserved port, let go of just before the sandbox binds it."""
        held = self._held.pop(code)
        port = int(held.getsockname()[1])
        held.close()
        return port

    def _release(self) -> None:
        for held in self._held.values():
            held.close()
        self._held.clear()

    def start(self) -> CustomerPhone:
        """Serve both sandboxes and give the till its simulated customers (once).

        A reserved port taken in the instant between letting it go and binding it (by
        another program asking for any free port) is replaced by a new one, and the
        methods are rebuilt against it."""
        from pos.payments.card.training import ZvtTrainingCustomer
        from pos.payments.mpesa.customer import MpesaTrainingCustomer
        from pos.payments.mpesa.sandbox import MpesaSandbox
        from pos.payments.paypal.customer import PayPalTrainingCustomer
        from pos.payments.paypal.sandbox import PayPalSandbox
        from pos.payments.paypal.training_signer import training_signer

        payments = self.payments
        if self.started:
            assert payments.terminal.phone is not None
            return payments.terminal.phone
        self.started = True
        shop = payments.config.store.name
        moved = False

        def serve(code: str, make: Callable[[int], Any]) -> Any:
            nonlocal moved
            try:
                box = make(self._port(code)).start()
            except OSError:
                log.warning("training %s sandbox: its port was taken; using another", code)
                box = make(0).start()
                moved = True
            payments.add_closer(box.stop)
            payments.urls[code] = box.base_url
            return box

        # calls back to the training head office on loopback (http://), as Daraja calls a
        # live head office's https:// address
        mpesa_box = serve(
            "mpesa", lambda port: MpesaSandbox(shop_name=shop, port=port, local_callbacks=True)
        )
        # its signing keys are kept in the training folder (made on the first start only)
        signer = training_signer(payments.config.database_path.parent)
        paypal_box = serve("paypal", lambda port: PayPalSandbox(port=port, signer=signer))
        # its signed webhooks go to the training head office once that is up too
        from pos.payments.paypal.training_hq_link import offer_paypal_sandbox

        offer_paypal_sandbox(paypal_box)
        if moved:
            payments.rebuild()
        card_terminal = payments.card_emulator
        phone = CustomerPhone(
            [
                MpesaTrainingCustomer(mpesa_box.base_url, shop),
                PayPalTrainingCustomer(paypal_box.base_url, shop),
                ZvtTrainingCustomer(card_terminal, payments.config.currency, shop),
            ]
        )
        payments.terminal.phone = phone
        return phone


def start_payments(
    config: Config, terminal: Terminal, *, defer_simulators: bool = False
) -> Payments:
    """Build the payment methods. Training mode starts the sandboxes and builds every
    installed method against them; live mode builds the methods listed in
    ``[payments] methods`` with secrets from the OS keyring. ``defer_simulators``
    (the till's start-up): training's sandboxes are only given their ports here, and
    start at ``payments.simulators.start()`` (see :class:`TrainingSimulators`)."""
    payments = Payments(config, terminal)
    if config.training:
        payments.simulators = TrainingSimulators(payments)
        if not defer_simulators:
            payments.simulators.start()
    # payers' numbers are hashed under a key in the OS keyring (training: in memory), the
    # same store the methods read it from to check callbacks
    terminal.enable_payments(
        payments.build_methods(), payment_settings(config), PayerKey.kept_in(payments.secrets)
    )
    terminal.gateway_settings = GatewaySettingsService(
        terminal.db,
        terminal.auth,
        AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
        payments.secrets,
        payments.test_connection,
        payments.descriptions,
        on_saved=payments.rebuild,
    )
    return payments


def demo_hint(config: Config) -> tuple[DemoUser, ...]:
    """Training: the demo users and their PINs, for the login screen to show (in the
    screen's language); none in live mode."""
    if not config.training:
        return ()
    return tuple(DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS)


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


def start_sync(
    config: Config,
    terminal: Terminal,
    *,
    background: bool = True,
    relay: CallbackRelay | None = None,
    paypal_relay: OrderRelay | None = None,
) -> SyncLink:
    """Start the head-office link (``pos.sync_link``): live, the sync agent when this till
    is enrolled under its ``[terminal]`` ids (identity and token in the OS keyring);
    training, a local head office in the background with the demo till enrolled. Never
    waits for the network (``background``: tests pass False); ``stop()`` it at close.
    ``relay``: the M-Pesa method's, given head office's CallBackURLs while the agent runs;
    ``paypal_relay``: the PayPal method's, whose orders are registered with head office."""
    from pos.sync_link import start_link

    return start_link(
        config, terminal, background=background, relay=relay, paypal_relay=paypal_relay
    )


def run_gui(
    config: Config, *, smoke: bool = False, smoke_sale: bool = False, offer_setup: bool = False
) -> int:
    """Start the till. ``smoke``: log in the demo cashier, print READY figures, quit;
    ``smoke_sale`` as well: first ring up and pay one sale (``pos.smoke``). ``offer_setup``
    (no config file, no mode asked for): the first-run set-up wizard first
    (``pos.first_run``), which writes the live config or goes on in training mode."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos.ui.qt_messages import install_qt_message_handler
    from pos.ui.resources import app_icon

    log_file = setup_logging(config.log_dir, logging.getLevelNamesMapping()[config.log_level])
    install_exception_hooks(config.log_dir)
    install_qt_message_handler()
    log.info("starting (training=%s, data=%s)", config.training, config.data_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Kaunta")
    app.setWindowIcon(app_icon())  # every window, and the task bar entry
    if smoke and not config.training:
        print("kaunta: --smoke is for training mode only", file=sys.stderr)
        return 2
    if offer_setup and not smoke and not config.config_found:
        from pos.first_run import first_run

        chosen = first_run(config)
        if chosen is None:
            return 0  # closed without choosing: nothing written
        config = chosen
    till_language(config.language)  # before anyone logs in: the start-up dialog, login
    while True:
        try:
            terminal, lock = open_terminal(config)
            break
        except StoreError as exc:
            log.error("cannot start: %s", exc)
            if smoke:
                print(f"kaunta: {exc}", file=sys.stderr)
                return 2
            if not _offer_restore(config, exc):
                return 2
        except Exception as exc:  # a bug: say so in words, details in the log
            log.exception("cannot start")
            from pos.ui import startup_dialog

            startup_dialog.show_cannot_start(
                startup_dialog.unexpected_error_text(type(exc).__name__, log_file)
            )
            return 2

    from pos.services.backups import BackupService
    from pos.ui.main_window import MainWindow

    try:
        payments = start_payments(config, terminal, defer_simulators=True)
    except Exception as exc:
        log.exception("payments could not start")
        payments = Payments(config, terminal)
        print(f"kaunta: payments unavailable: {exc}", file=sys.stderr)
    from pos.ui import i18n

    # in the background: never delays start-up
    link = start_sync(config, terminal, relay=payments.relay, paypal_relay=payments.paypal_relay)
    # training: the OSCU simulator, in-process; the worker's first round waits until the
    # window and the first login are done (or a sale is completed)
    from pos.etims_link import START_DELAY_S, start_etims

    etims = start_etims(config, terminal, start_delay_s=START_DELAY_S)
    from pos.device_link import start_devices  # [devices]; training: the emulators

    terminal.devices = start_devices(config, terminal, payments)
    from pos.shop_link import start_shop_details  # the manager's shop details screen

    start_shop_details(config, terminal, payments)
    i18n.set_receipt_language(config.receipt_language)  # [receipt] language
    from pos.ui.setup_wizard import mode_switch  # the manager's switch training <-> live

    mode_switch.register_mode_switch()
    mode_switch.set_live_config(config.config_path if config.config_found else None)
    window = MainWindow(
        terminal,
        demo_hint=demo_hint(config),
        backups=BackupService(config.database_path, config.backup),
    )
    set_notifier(window.sig_uncaught.emit)  # any thread: delivered on the GUI thread
    # results head office relays are applied on the till worker, like the cashier's work
    link.run_on_till = window.runner.call_and_wait
    link.set_push_listener(window.sig_payment_relayed.emit)  # shown like a late arrival
    # a finished sale wakes the sync agent: at head office within a round trip when online
    terminal.checkout.on_finished = link.sale_written
    show_window(window, fullscreen=config.fullscreen)
    if smoke:
        _drive_smoke(window, terminal, sale=smoke_sale)
    if payments.simulators is not None:
        # training: as soon as the window is up and idle. A person then takes seconds to
        # type a PIN; the smoke run types it at once, and its sign-in (queued above)
        # goes first, as a person's would: the sandboxes start while the PIN is hashed
        QTimer.singleShot(0, lambda: _start_simulators(payments, window))
    code = app.exec()
    set_notifier(None)
    link.stop()
    if etims is not None:
        etims.stop()
    terminal.devices.close()
    payments.close()
    terminal.close()
    lock.release()
    log.info("stopped (log: %s)", log_file)
    if mode_switch.take_request():  # a manager switched modes: the other mode's till
        other = load_config(
            config.config_path if config.config_found else None,
            config.data_dir,
            not config.training,
        )
        log.info("switching to %s mode", "training" if other.training else "live")
        return run_gui(other)
    return int(code)


def show_window(window: Any, *, fullscreen: bool) -> None:
    """Show the till window as ``[ui] fullscreen`` says: full screen for a kiosk (no
    window manager frame, nothing else on screen), else maximised, so it fills whatever
    screen the till has, 1024x768 and up."""
    if fullscreen:
        window.showFullScreen()
    else:
        window.showMaximized()


def _start_simulators(payments: Payments, window: Any) -> None:
    """Training: serve the sandboxes and show the simulated customers' window. If they
    cannot start, the till still sells (cash, and card on its emulator) and says why."""
    assert payments.simulators is not None
    try:
        phone = payments.simulators.start()
    except Exception as exc:
        log.exception("training sandboxes could not start")
        print(f"kaunta: training sandboxes unavailable: {exc}", file=sys.stderr)
        return
    window.attach_phone(phone)


def till_language(code: str) -> None:
    """``[ui] language``: the screens' language until someone logs in (then theirs)."""
    from pos.ui import i18n

    try:
        i18n.set_language(code)
    except i18n.TranslationMissing as exc:  # a packaging bug: English rather than no till
        log.error("%s", exc)


def startup_error_box(error: StoreError) -> tuple[QMessageBox, QAbstractButton | None]:
    """The start-up error dialog (``pos.ui.startup_dialog``), in the till's language."""
    from pos.ui.startup_dialog import startup_error_box as box

    return box(error)


def restore_offered(config: Config, backup: Path) -> str:
    """Restore the backup a start-up error offered; returns what to tell the person."""
    from datetime import UTC, datetime

    from pos.store.backup import restore_backup
    from pos.ui.startup_dialog import restored_text

    result = restore_backup(config.database_path, backup, now=datetime.now(UTC))
    log.warning("restored %s over %s (kept aside: %s)", backup, result.restored, result.aside)
    return restored_text(backup, result.aside)


def _offer_restore(config: Config, error: StoreError) -> bool:
    """Show the start-up error; True when the person restored a backup (try again)."""
    from pos.ui import i18n, startup_dialog

    box, restore = startup_error_box(error)
    box.exec()
    backup = getattr(error, "backup", None)
    if restore is None or box.clickedButton() is not restore or not isinstance(backup, Path):
        return False
    try:
        done = restore_offered(config, backup)
    except StoreError as exc:
        log.error("restore failed: %s", exc)
        startup_dialog.show_cannot_start(i18n.describe(exc))
        return False
    startup_dialog.show_restored(done)
    return True


def _drive_smoke(window: object, terminal: Terminal, *, sale: bool = False) -> None:
    """Log in the demo cashier as a person would, then report and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    cashier = next(n for n, r, _p in DEMO_USERS if r == "cashier")
    pin = next(p for n, _r, p in DEMO_USERS if n == cashier)

    shown: list[float] = []  # the first turn of the event loop with the login screen up

    def try_login() -> None:
        if not shown:
            shown.append(time.perf_counter() - _PROCESS_T0)
        users = {u.name: u.user_id for u in window.users()}
        if cashier not in users:
            QTimer.singleShot(5, try_login)
            return
        window.login.select_user(users[cashier])
        window.login.pin.setText(pin)
        window.login.pin.returnPressed.emit()

    def ready() -> None:
        elapsed = time.perf_counter() - _PROCESS_T0
        cpu = sum(os.times()[:2])  # this process's user + system CPU since it started
        print(
            f"KAUNTA-READY startup_s={elapsed:.3f} rss_mb={_peak_rss_mb():.1f} "
            f"login_s={shown[0] if shown else elapsed:.3f} cpu_s={cpu:.3f}",
            flush=True,
        )
        if sale:
            from pos.smoke import ring_up_one_sale

            ring_up_one_sale(window, terminal, lambda code: QApplication.exit(code))
        else:
            QTimer.singleShot(0, QApplication.quit)

    window.sig_sale_screen_ready.connect(ready)
    QTimer.singleShot(0, try_login)
