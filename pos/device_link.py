"""Start the till's devices from ``[devices]`` (part of the composition root).

Each device gets its own worker (``drivers``): the receipt printer with its queue and
status poll, the pole display, the serial scanner's reader thread. Their statuses and
messages go to one :class:`pos.services.devices.DeviceEvents`, which the UI re-emits as
Qt signals. In training mode every device is an emulator started here on a pty (a local
socket on Windows), and the till's real drivers talk to it over that port: the demo
exercises the real bytes. The card terminal's emulator is started with the other payment
sandboxes (``pos.app``) and passed in, so the training card window can play it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any, cast

from drivers.display.driver import PoleDisplay
from drivers.display.emulator import DisplayEmulator
from drivers.emulator_link import DeviceModel, EmulatorServer, Link, PtyLink, TcpLink
from drivers.escpos.decoder import Picture
from drivers.escpos.device import ReceiptPrinter
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.profiles import profile
from drivers.scanner.codec import ScanFramer
from drivers.scanner.driver import SerialScanner
from drivers.scanner.emulator import ScannerEmulator
from drivers.transport import PortSettings
from drivers.zvt.emulator import ZvtEmulator
from pos.config import Config
from pos.domain.receipt import Say
from pos.services.audit import AuditWriter
from pos.services.device_admin import CardAdmin, DeviceAdmin
from pos.services.device_config import DevicesConfig, DisplayConfig, PrinterConfig, ScannerConfig
from pos.services.device_training import TrainingDevices
from pos.services.devices import (
    DeviceEvents,
    DeviceState,
    DeviceStatus,
    ReceiptPrinting,
    TillDevices,
)
from pos.services.terminal import Terminal

log = logging.getLogger(__name__)
#: the card terminal's payment method (the composition root may name methods)
CARD = "card_zvt"

#: the training printer: an 80 mm, 48-column printer with a drawer
TRAINING_PRINTER = PrinterConfig(PortSettings("loop://", baudrate=115200), "80mm-48")


def _link() -> Link:
    return TcpLink() if os.name == "nt" else PtyLink()


def _serve(model: DeviceModel, name: str, closers: list[Callable[[], None]]) -> tuple[str, Link]:
    link = _link()
    server = EmulatorServer(link, model, name=name).start()
    closers.append(server.stop)
    return server.url, link


def start_devices(
    config: Config,
    terminal: Terminal | None = None,
    payments: Any = None,
    *,
    poll_interval: float = 3.0,
) -> TillDevices:
    """Open the configured devices (training: start their emulators first) and, given
    the ``terminal``, the manager's device screen's use cases. ``payments``: the
    composition root's ``pos.app.Payments`` (the card terminal's method and, in
    training, its emulator). Never waits for a device: ports open on first use, on the
    devices' own threads."""
    card_emulator: ZvtEmulator | None = getattr(payments, "card_emulator", None)
    card_configured = payments is not None and CARD in payments.wanted()
    events = DeviceEvents()
    closers: list[Callable[[], None]] = []
    wanted = config.devices
    training: TrainingDevices | None = None
    if config.training:
        try:
            wanted, training = _start_emulators(config, closers, card_emulator)
        except OSError:  # no ptys or local sockets here: train without device emulators
            log.exception("training device emulators could not start")
            for closer in closers:
                closer()
            closers.clear()
            wanted = DevicesConfig()
    training_ports: dict[str, PortSettings] = {}
    if training is not None:
        for table, device in (
            ("printer", wanted.printer),
            ("display", wanted.display),
            ("scanner", wanted.scanner),
        ):
            if device is not None:
                training_ports[table] = device.port
    builder = Builder(events, poll_interval, training_ports)
    printing: ReceiptPrinting | None = None
    if wanted.printer is not None:
        printing = builder.printer(wanted.printer)
        printing.printer.check()  # the first status for the sale screen
    display: PoleDisplay | None = None
    if wanted.display is not None:
        display = builder.display(wanted.display)
        display.idle()
    scanner: SerialScanner | None = None
    sink: list[TillDevices] = []
    if wanted.scanner is not None:
        scanner = builder.scanner(wanted.scanner, lambda code: sink[0].scanned(code))
    devices = TillDevices(
        events,
        printing=printing,
        drawer=wanted.printer is not None and wanted.printer.drawer,
        display=display,
        scanner=scanner,
        card_terminal=card_configured or card_emulator is not None,
        training=training,
        closers=closers,
    )
    sink.append(devices)
    if scanner is not None:
        scanner.start()
    if terminal is not None:
        devices.admin = DeviceAdmin(
            devices,
            terminal.db,
            terminal.auth,
            AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
            terminal.shifts,
            config.config_path,
            _tables(config),
            card=lambda: _card_method(payments) if card_configured else None,
            builder=builder,
        )
    if card_configured:
        threading.Thread(
            target=lambda: check_card(events, lambda: _card_method(payments)),
            name="card-terminal-check",
            daemon=True,
        ).start()
    log.info("devices: %s", ", ".join(devices.devices) or "none configured")
    return devices


def _receipt_say() -> Say | None:
    """The printed receipt's labels in the ``[receipt] language`` (English, Kiswahili or
    both), as the on-screen receipt says them; Qt's translate is thread-safe, so a
    printer's job may ask from the till worker."""
    from pos.ui import i18n

    return i18n.receipt_say()


class Builder:
    """Each device's driver from its settings, reporting to ``events``: at start-up and
    when the device screen saves new settings (:func:`pos.services.device_admin.
    apply_settings`). In training every device stays on its emulator whatever port is
    typed (``training_ports``); the other settings (paper profile, drawer, terminator…)
    are used as given."""

    def __init__(
        self,
        events: DeviceEvents,
        poll_interval: float,
        training_ports: dict[str, PortSettings] | None = None,
    ) -> None:
        self.events = events
        self.poll_interval = poll_interval
        self.training_ports = training_ports or {}

    def _port(self, table: str, port: PortSettings) -> PortSettings:
        emulator = self.training_ports.get(table)
        return port if emulator is None else emulator

    def printer(self, config: PrinterConfig) -> ReceiptPrinting:
        printer = ReceiptPrinter(
            self._port("printer", config.port),
            handler=self.events,
            poll_interval=self.poll_interval,
            drawer_open_when_high=config.drawer_open_when_high,
            drawer_pin=config.drawer_pin,
            drawer_warn_after=config.drawer_open_warning if config.drawer else None,
        )
        return ReceiptPrinting(
            printer,
            profile(config.profile),
            logo_key=config.logo_key,
            qr_template=config.qr or None,
            say=_receipt_say,
        )

    def display(self, config: DisplayConfig) -> PoleDisplay:
        return PoleDisplay(
            self._port("display", config.port),
            config.command_set,
            handler=self.events,
            idle_text=(config.idle_top, config.idle_bottom),
        )

    def scanner(self, config: ScannerConfig, on_code: Callable[[str], None]) -> SerialScanner:
        return SerialScanner(
            self._port("scanner", config.port),
            on_code,
            framer=ScanFramer(
                config.terminator, strip_aim=config.strip_aim, idle_gap=config.idle_gap
            ),
            handler=self.events,
        )


def check_card(events: DeviceEvents, card: Callable[[], CardAdmin | None]) -> None:
    """Ask the card terminal how it is (ZVT status enquiry, on its own worker; this
    thread only waits) and report it as the ``card_terminal`` status."""
    try:
        method = card()
        if method is None:
            return
        detail = method.check_connection()
    except Exception as exc:  # any failure: the terminal cannot be used now
        events.status(DeviceStatus("card_terminal", DeviceState.OFFLINE, "offline", str(exc)))
        return
    events.status(DeviceStatus("card_terminal", DeviceState.OK, "ok", detail))


def _tables(config: Config) -> dict[str, dict[str, Any]]:
    """``[devices.*]`` as written in the config file (the device screen's starting point)."""
    section = config.raw.get("devices", {})
    if not isinstance(section, dict):
        return {}
    return {k: dict(v) for k, v in section.items() if isinstance(v, dict)}


def _card_method(payments: Any) -> CardAdmin | None:
    """The card terminal's payment method, built as a settings test builds it (it
    shares the terminal's one worker and port with the method taking payments)."""
    from pos.payments.registry import MethodContext, build

    config: Config = payments.config
    context = MethodContext(
        config.training, config.currency, payments.settings_for(CARD), payments.secrets
    )
    method: Any = build(CARD, context, payments.available)
    return cast("CardAdmin", method)


def _start_emulators(
    config: Config, closers: list[Callable[[], None]], card: ZvtEmulator | None
) -> tuple[DevicesConfig, TrainingDevices]:
    """Training: a printer, a display and a scanner emulator on ptys; the devices'
    settings pointing at them (real bytes over a real port)."""
    wanted = config.devices.printer or TRAINING_PRINTER
    columns = profile(wanted.profile).columns
    holder: list[TrainingDevices] = []

    def printed(picture: Picture) -> None:
        if holder:
            holder[0].receipt_printed(picture)

    # the drawer stays open until the trainee shuts it (the panel's drawer switch)
    printer_model = PrinterEmulator(on_receipt=printed, drawer_closes_after=None)
    printer_url, _ = _serve(printer_model, "printer-emulator", closers)
    display_model = DisplayEmulator()
    display_url, _ = _serve(display_model, "display-emulator", closers)
    scanner_model = ScannerEmulator("CR")
    scanner_url, scanner_link = _serve(scanner_model, "scanner-emulator", closers)
    training = TrainingDevices(
        printer=printer_model,
        columns=columns,
        display=display_model,
        scanner=(scanner_model, scanner_link),
        card=card,
        currency=config.currency,
    )
    holder.append(training)
    fast = PortSettings(printer_url, baudrate=115200)
    devices = DevicesConfig(
        printer=PrinterConfig(
            fast,
            wanted.profile,
            qr=wanted.qr,
            drawer=True,
            drawer_open_warning=wanted.drawer_open_warning,
        ),
        display=DisplayConfig(PortSettings(display_url, baudrate=9600)),
        scanner=ScannerConfig(PortSettings(scanner_url, baudrate=9600)),
    )
    log.info(
        "training devices: printer %s, display %s, scanner %s",
        printer_url,
        display_url,
        scanner_url,
    )
    return devices, training
