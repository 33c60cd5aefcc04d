"""``[devices.printer]``, ``[devices.display]``, ``[devices.scanner]``: the till's serial
devices, checked at start-up with a message naming the key.

The card terminal is a payment method and keeps its settings in ``[payments.card_zvt]``
(``pos.payments.card.zvt_method.settings_from``). A device without a ``port`` is not
used. In training mode every device is an emulator on this machine (a pty or a local
socket), whatever is configured here, so a trainee never prints on the shop's paper or
charges a real card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.display.codec import CommandSet
from drivers.escpos.profiles import PROFILES
from drivers.scanner.codec import TERMINATORS
from drivers.transport import PortSettings, SettingsError

#: keys of each table beyond the port's own (``PortSettings.from_dict``)
_PRINTER_KEYS = frozenset(
    {
        "profile",
        "drawer",
        "drawer_pin",
        "drawer_open_when_high",
        "drawer_open_warning",
        "logo_key",
        "qr",
        "enabled",
    }
)
_DISPLAY_KEYS = frozenset({"command_set", "idle_top", "idle_bottom", "enabled"})
_SCANNER_KEYS = frozenset({"terminator", "strip_aim", "idle_gap", "enabled"})
TABLES = ("printer", "display", "scanner")


class DeviceConfigError(ValueError):
    """A device setting is wrong; the message names ``devices.<table>.<key>``."""


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """The receipt printer (ESC/POS) and the cash drawer on its kick-out port."""

    port: PortSettings
    profile: str = "80mm-48"
    drawer: bool = True  # a drawer hangs on the printer's kick-out port
    drawer_pin: int = 2
    drawer_open_when_high: bool = True
    #: seconds the drawer may stay open after a sale before the cashier is warned (where
    #: the printer reports the drawer's switch); 0 = never warn
    drawer_open_warning: float = 30.0
    logo_key: int | None = None  # a logo stored in the printer's NV memory
    qr: str = ""  # text of the QR code; "{number}" is the receipt number


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    """The customer pole display (2 x 20)."""

    port: PortSettings
    command_set: CommandSet = CommandSet.CD5220
    idle_top: str = "Karibu!"
    idle_bottom: str = "Welcome"


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    """A serial barcode scanner (keyboard-wedge scanners need no setting)."""

    port: PortSettings
    terminator: str = "CR"
    strip_aim: bool = True
    idle_gap: float = 0.2


@dataclass(frozen=True, slots=True)
class DevicesConfig:
    """Which devices the till has; None where there is none."""

    printer: PrinterConfig | None = None
    display: DisplayConfig | None = None
    scanner: ScannerConfig | None = None


def _split(
    table: Mapping[str, Any], own: frozenset[str], where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The device's own keys and the port's keys; the port's are checked by pyserial's
    rules in :class:`PortSettings`."""
    mine = {k: v for k, v in table.items() if k in own}
    port = {k: v for k, v in table.items() if k not in own}
    return mine, port


def _port(data: dict[str, Any], where: str) -> PortSettings:
    try:
        return PortSettings.from_dict(data)
    except SettingsError as exc:
        raise DeviceConfigError(f"{where}.{exc}") from None


def _bool(table: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise DeviceConfigError(f"{where}.{key}: must be true or false, not {value!r}")
    return value


def _str(table: Mapping[str, Any], key: str, default: str, where: str, limit: int = 40) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or len(value) > limit:
        raise DeviceConfigError(f"{where}.{key}: must be text of at most {limit} characters")
    return value


def _enabled(table: Mapping[str, Any], where: str) -> bool:
    """A table is used when it names a port and is not switched off."""
    return bool(table.get("port")) and _bool(table, "enabled", True, where)


def _printer(table: Mapping[str, Any]) -> PrinterConfig | None:
    where = "devices.printer"
    mine, port = _split(table, _PRINTER_KEYS, where)
    if not _enabled(table, where):
        return None
    name = _str(mine, "profile", "80mm-48", where)
    if name not in PROFILES:
        raise DeviceConfigError(f"{where}.profile: {name!r} (use {', '.join(PROFILES)})")
    pin = mine.get("drawer_pin", 2)
    if pin not in (2, 5):
        raise DeviceConfigError(f"{where}.drawer_pin: {pin!r} (use 2 or 5)")
    logo = mine.get("logo_key")
    if logo is not None and (not isinstance(logo, int) or not 1 <= logo <= 255):
        raise DeviceConfigError(f"{where}.logo_key: {logo!r} (an NV logo number, 1 to 255)")
    warn = mine.get("drawer_open_warning", 30)
    if not isinstance(warn, int | float) or isinstance(warn, bool) or not 0 <= warn <= 3600:
        raise DeviceConfigError(
            f"{where}.drawer_open_warning: {warn!r} (seconds, 0 to 3600; 0 = no warning)"
        )
    qr = _str(mine, "qr", "", where, limit=300)
    if qr:
        try:
            qr.format(number="X")
        except (KeyError, IndexError, ValueError):
            raise DeviceConfigError(
                f"{where}.qr: only {{number}} may be filled in, not {qr!r}"
            ) from None
    return PrinterConfig(
        port=_port(port, where),
        profile=name,
        drawer=_bool(mine, "drawer", True, where),
        drawer_pin=int(pin),
        drawer_open_when_high=_bool(mine, "drawer_open_when_high", True, where),
        drawer_open_warning=float(warn),
        logo_key=logo,
        qr=qr,
    )


def _display(table: Mapping[str, Any]) -> DisplayConfig | None:
    where = "devices.display"
    mine, port = _split(table, _DISPLAY_KEYS, where)
    if not _enabled(table, where):
        return None
    commands = _str(mine, "command_set", "cd5220", where)
    if commands not in {c.value for c in CommandSet}:
        raise DeviceConfigError(
            f"{where}.command_set: {commands!r} (use {', '.join(c.value for c in CommandSet)})"
        )
    return DisplayConfig(
        port=_port(port, where),
        command_set=CommandSet(commands),
        idle_top=_str(mine, "idle_top", "Karibu!", where, limit=20),
        idle_bottom=_str(mine, "idle_bottom", "Welcome", where, limit=20),
    )


def _scanner(table: Mapping[str, Any]) -> ScannerConfig | None:
    where = "devices.scanner"
    mine, port = _split(table, _SCANNER_KEYS, where)
    if not _enabled(table, where):
        return None
    end = _str(mine, "terminator", "CR", where).upper()
    if end not in TERMINATORS:
        raise DeviceConfigError(f"{where}.terminator: {end!r} (use {', '.join(TERMINATORS)})")
    gap = mine.get("idle_gap", 0.2)
    if not isinstance(gap, int | float) or isinstance(gap, bool) or not 0.02 <= gap <= 5:
        raise DeviceConfigError(f"{where}.idle_gap: {gap!r} (seconds, 0.02 to 5)")
    return ScannerConfig(
        port=_port(port, where),
        terminator=end,
        strip_aim=_bool(mine, "strip_aim", True, where),
        idle_gap=float(gap),
    )


def devices_config(section: Mapping[str, Any]) -> DevicesConfig:
    """The ``[devices]`` section (its ``printer``, ``display`` and ``scanner`` tables)."""
    for name, table in section.items():
        if name not in TABLES:
            raise DeviceConfigError(
                f"devices.{name}: unknown device (use [devices.printer], [devices.display] "
                "or [devices.scanner]; the card terminal is [payments.card_zvt])"
            )
        if not isinstance(table, dict):
            raise DeviceConfigError(f"devices.{name} must be a table ([devices.{name}])")
    return DevicesConfig(
        printer=_printer(section.get("printer", {})),
        display=_display(section.get("display", {})),
        scanner=_scanner(section.get("scanner", {})),
    )
