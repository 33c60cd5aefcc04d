"""The manager's device screen as use cases: ports found, the settings of each device
(saved into the config file, checked first), test print, open the drawer, test the pole
display, card terminal diagnosis and registration.

Everything needs ``manage_settings`` and is audited. Opening the drawer from here is a
"no sale" like any other (counted on the shift). The card terminal is reached through the
payment method the composition root hands in (``card``), never by its name here; its
calls run on the network executor (:class:`pos.services.steps.NetCall`), since the
method waits there for the terminal's worker. New settings take effect at the next start
of the till (the devices' workers are built once, at start-up).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from drivers.transport import FoundPort, list_ports
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.device_config import TABLES, DeviceConfigError, devices_config
from pos.services.devices import DeviceState, DeviceStatus, TillDevices
from pos.services.errors import ServiceError
from pos.services.shifts import ShiftService
from pos.services.steps import NetCall, Steps
from pos.store.db import Database

__all__ = ["CardAdmin", "DeviceAdmin", "FoundPort", "render_table"]


class CardAdmin(Protocol):
    """What the device screen asks of a card terminal's payment method."""

    def check_connection(self) -> str: ...
    def register(self) -> str: ...


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
    ) -> None:
        self.devices = devices
        self._db = db
        self._auth = auth
        self._audit = audit
        self._shifts = shifts
        self.config_path = config_path
        self._current = {k: dict(v) for k, v in current.items()}
        self._card = card

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
        """Check ``values`` as start-up would, then write them into the config file as
        ``[devices.<table>]``; answers the file's path. Takes effect at the next start."""
        if table not in TABLES:
            raise ServiceError(f"Unknown device {table!r}.")
        clean = {k: v for k, v in values.items() if v not in ("", None)}
        try:
            devices_config({table: clean})
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
        return str(path)

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
