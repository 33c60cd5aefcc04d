"""The manager's device screen as use cases: ports found, the settings of each device
(saved into the config file, checked first), test print, open the drawer, test the pole
display, card terminal diagnosis and registration.

Everything needs ``manage_settings`` and is audited. Opening the drawer from here is a
"no sale" like any other (counted on the shift). The card terminal is reached through the
payment method the composition root hands in (``card``), never by its name here; its
calls run on the network executor (:class:`pos.services.steps.NetCall`), since the
method waits there for the terminal's worker.

Saved settings take effect at once: the device's worker is stopped cleanly (the jobs handed
to it finish, its port is let go) and a new one is started with the new settings by the
composition root's :class:`DeviceBuilder`; receipts waiting for paper move to the new
printer, and the sale screen's device line follows the new worker's statuses.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from drivers.transport import FoundPort, list_ports
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.device_config import (
    TABLES,
    DeviceConfigError,
    DevicesConfig,
    DisplayConfig,
    PrinterConfig,
    ScannerConfig,
    devices_config,
)
from pos.services.devices import (
    DeviceEvents,
    DeviceState,
    DeviceStatus,
    ReceiptPrinting,
    TillDevices,
)
from pos.services.errors import ServiceError
from pos.services.shifts import ShiftService
from pos.services.steps import NetCall, Steps
from pos.store.db import Database

if TYPE_CHECKING:
    from drivers.display.driver import PoleDisplay
    from drivers.scanner.driver import SerialScanner

__all__ = [
    "CardAdmin",
    "DeviceAdmin",
    "DeviceBuilder",
    "FoundPort",
    "apply_settings",
    "render_table",
]

log = logging.getLogger(__name__)


class CardAdmin(Protocol):
    """What the device screen asks of a card terminal's payment method."""

    def check_connection(self) -> str: ...
    def register(self) -> str: ...


class DeviceBuilder(Protocol):
    """Builds a device's driver from its settings (``pos.device_link``: at start-up, and
    again when the device screen saves new settings). Building opens no port."""

    def printer(self, config: PrinterConfig) -> ReceiptPrinting: ...
    def display(self, config: DisplayConfig) -> PoleDisplay: ...
    def scanner(self, config: ScannerConfig, on_code: Callable[[str], None]) -> SerialScanner: ...


class _MessagesOnly:
    """A retiring worker's handler: its messages still reach the cashier (a receipt it
    could not print), its statuses no longer do (the new worker's are the device's)."""

    def __init__(self, events: DeviceEvents) -> None:
        self._events = events

    def status(self, status: DeviceStatus) -> None:
        log.debug("retired device worker: %s", status)

    def message(self, device: str, code: str, text: str) -> None:
        self._events.message(device, code, text)

    def confirm(self, device: str, code: str, text: str) -> bool:
        return False


def apply_settings(
    devices: TillDevices, builder: DeviceBuilder, table: str, config: DevicesConfig
) -> threading.Thread | None:
    """Use ``config``'s ``table`` device now. The new worker takes the old one's place at
    once (a sale printing meanwhile reaches a live worker); the old one is retired on a
    thread of its own, since stopping it means waiting for its last job and closing its
    port (device calls, never on the till worker): its queued jobs finish, its port
    closes, and receipts it still held for paper go to the new printer. The device's
    status is reported as "checking" until the new worker answers; a device switched off
    is reported once and drops off the sale screen. Returns the retiring thread (tests
    wait for it), or None when there was no old worker."""
    events = devices.events
    before = set(devices.devices)
    retire: Callable[[], None] | None = None
    if table == "printer":
        old_printing = devices.printing
        p = config.printer
        new_printing = builder.printer(p) if p is not None else None
        devices.printing = new_printing
        devices.drawer = p is not None and p.drawer
        if new_printing is not None:
            if devices.training is not None:  # the training panel lays out this paper
                devices.training.columns = new_printing.profile.columns
            name = new_printing.printer.name
            events.status(DeviceStatus(name, DeviceState.UNKNOWN, "reconnecting"))
            new_printing.printer.check()
        if old_printing is not None:
            old = old_printing.printer
            old.handler = _MessagesOnly(events)

            def retire_printer() -> None:
                old.close()
                waiting = old.hand_over()
                if waiting and new_printing is not None:
                    new_printing.printer.take_over(waiting)
                elif waiting:
                    log.warning("printer switched off with receipts waiting: %s", waiting)

            retire = retire_printer
    elif table == "display":
        old_display = devices.display
        d = config.display
        new_display = builder.display(d) if d is not None else None
        devices.display = new_display
        if new_display is not None:
            events.status(DeviceStatus(new_display.name, DeviceState.UNKNOWN, "reconnecting"))
            new_display.idle()
        if old_display is not None:
            old_display.handler = _MessagesOnly(events)
            retire = old_display.close
    elif table == "scanner":
        old_scanner = devices.scanner
        sc = config.scanner
        new_scanner = builder.scanner(sc, devices.scanned) if sc is not None else None
        devices.scanner = new_scanner
        if new_scanner is not None:
            events.status(DeviceStatus(new_scanner.name, DeviceState.UNKNOWN, "reconnecting"))

        def retire_scanner() -> None:
            if old_scanner is not None:
                old_scanner.handler = _MessagesOnly(events)
                old_scanner.close()  # one reader per port: the old one lets go first
            if new_scanner is not None:
                new_scanner.start()

        retire = retire_scanner
    else:
        raise ValueError(f"unknown device table {table!r}")
    for gone in before - set(devices.devices):
        events.status(DeviceStatus(gone, DeviceState.UNKNOWN, "removed"))
    if retire is None:
        return None
    thread = threading.Thread(target=retire, name=f"device-retire-{table}", daemon=True)
    thread.start()
    return thread


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_table(table: str, values: Mapping[str, Any]) -> str:
    """``[devices.<table>]`` with its keys, as written into the config file."""
    lines = [f"[devices.{table}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def replace_table(text: str, table: str, values: Mapping[str, Any]) -> str:
    """``text`` (a config file) with ``[devices.<table>]`` replaced by ``values`` (added
    at the end when absent); every other line, comments included, is kept as it was."""
    header = re.compile(rf"^\s*\[devices\.{table}\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")
    out: list[str] = []
    skipping = False
    for line in text.splitlines():
        if header.match(line):
            skipping = True
            continue
        if skipping and any_header.match(line):
            skipping = False
        if not skipping:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    body = "\n".join(out)
    return (body + "\n\n" if body else "") + render_table(table, values)


class DeviceAdmin:
    """The device screen's actions (run on the till worker unless they are steps)."""

    def __init__(
        self,
        devices: TillDevices,
        db: Database,
        auth: AuthService,
        audit: AuditWriter,
        shifts: ShiftService,
        config_path: Path,
        current: Mapping[str, Mapping[str, Any]],
        *,
        card: Callable[[], CardAdmin | None] = lambda: None,
        builder: DeviceBuilder | None = None,
    ) -> None:
        self.devices = devices
        self._db = db
        self._auth = auth
        self._audit = audit
        self._shifts = shifts
        self.config_path = config_path
        self._current = {k: dict(v) for k, v in current.items()}
        self._card = card
        self._builder = builder
        #: the thread retiring the last replaced device's worker (tests wait for it)
        self.retiring: threading.Thread | None = None

    def _require(self, action: str, detail: dict[str, object] | None = None) -> None:
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        with self._db.session() as s:
            self._audit.write(s, user_id=user.user_id, action=action, detail=detail)

    # -- settings ------------------------------------------------------------------------
    def ports(self) -> list[FoundPort]:
        """The ports this computer has now (plugged-in USB adapters included)."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        return list_ports()

    def settings(self, table: str) -> dict[str, Any]:
        """The settings the form starts from (as in the config file)."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        return dict(self._current.get(table, {}))

    def save(self, table: str, values: Mapping[str, Any]) -> str:
        """Check ``values`` as start-up would, write them into the config file as
        ``[devices.<table>]`` and reconnect the device with them now (when the till was
        given a builder); answers the file's path."""
        if table not in TABLES:
            raise ServiceError(f"Unknown device {table!r}.")
        clean = {k: v for k, v in values.items() if v not in ("", None)}
        try:
            parsed = devices_config({table: clean})
        except DeviceConfigError as exc:
            raise ServiceError(str(exc)) from None
        self._require("device_settings_saved", {"device": table, "keys": sorted(clean)})
        path = self.config_path
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(replace_table(old, table, clean), encoding="utf-8")
        temporary.replace(path)
        self._current[table] = clean
        if self._builder is not None:
            if self.devices.training is not None and "port" not in clean:
                # training: every device is its emulator, whatever port (none) is typed
                parsed = devices_config({table: {**clean, "port": "loop://"}})
            self.retiring = apply_settings(self.devices, self._builder, table, parsed)
        return str(path)

    @property
    def live(self) -> bool:
        """Whether saved settings are used at once (else at the next start)."""
        return self._builder is not None

    # -- tests -----------------------------------------------------------------------------
    def test_print(self, lines: list[str]) -> None:
        """A test page, handed to the printer's worker (how it went arrives as the
        printer's status and messages, like any receipt)."""
        self._require("device_test_print")
        if self.devices.test_print(lines) is None:
            raise ServiceError("No receipt printer is set up on this till.")

    def open_drawer(self) -> int:
        """A "no sale" (counted on the shift and audited) with the drawer kick."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        if not self.devices.drawer:
            raise ServiceError("No cash drawer is set up on this till.")
        return self.devices.no_sale(self._shifts, "device test")

    def test_display(self, top: str, bottom: str) -> None:
        """Two lines on the pole display (handed to its worker)."""
        self._require("device_test_display")
        if self.devices.test_display(top, bottom) is None:
            raise ServiceError("No customer display is set up on this till.")

    # -- card terminal -------------------------------------------------------------------
    def card_diagnose(self) -> Steps[str]:
        """Ask the terminal how it is (status enquiry); its answer in words."""
        return self._card_call("device_card_diagnose", lambda c: c.check_connection())

    def card_register(self) -> Steps[str]:
        """Register the till at the terminal (ZVT 06 00)."""
        return self._card_call("device_card_register", lambda c: c.register())

    def _card_call(self, action: str, call: Callable[[CardAdmin], str]) -> Steps[str]:
        self._require(action)
        card = self._card()
        if card is None:
            raise ServiceError("No card terminal is set up on this till.")
        events = self.devices.events
        try:
            answer: str = yield NetCall(lambda: call(card), action)
        except Exception as exc:  # the terminal's own words, for the manager
            events.status(DeviceStatus("card_terminal", DeviceState.OFFLINE, "offline", str(exc)))
            raise ServiceError(str(exc)) from exc
        events.status(DeviceStatus("card_terminal", DeviceState.OK, "ok", answer))
        return answer
