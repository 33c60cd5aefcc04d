"""Ports for serial devices: settings, opening, reading with timeouts, reconnecting.

A device setting names its port as pyserial understands it (``COM3``, ``/dev/ttyUSB0``,
``socket://host:9100``, ``loop://``) or as a raw device file for USB printers
(``/dev/usb/lp0``, or any path prefixed ``raw:``). :func:`open_port` returns a small
:class:`Port` with two primitives, write and read, whatever is underneath.
:class:`Connection` opens lazily and, when the device goes away (unplugged, powered off,
socket closed), drops the port and reopens it on the next call: a device plugged back in
works again without restarting the app.

Errors are typed so drivers and the UI can say what happened: :class:`DeviceOffline` (the
port cannot be opened or was lost), :class:`DeviceTimeout` (the device did not answer or
would not take data in time), :class:`SettingsError` (a bad setting, named).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

import serial

PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}
STOPBITS = {1: serial.STOPBITS_ONE, 1.5: serial.STOPBITS_ONE_POINT_FIVE, 2: serial.STOPBITS_TWO}
RAW_PREFIX = "raw:"

try:  # termios raises its own error (not OSError) when a tty vanishes under pyserial
    from termios import error as _TermiosError
except ImportError:  # Windows
    _TermiosError = OSError  # type: ignore[misc,assignment]

#: what pyserial raises when the device behind a port went away
PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, _TermiosError)
_OPEN_ERRORS: tuple[type[BaseException], ...] = (*PORT_ERRORS, ValueError)


class DeviceError(Exception):
    """A device failed. ``code`` is stable (for translations and tests); ``str()`` is an
    English sentence for logs and integrators."""

    code = "device_error"


class DeviceOffline(DeviceError):
    """The port cannot be opened or was lost (unplugged, powered off, socket closed)."""

    code = "offline"


class DeviceTimeout(DeviceError):
    """The device did not answer, or did not take our data, in time."""

    code = "timeout"


class SettingsError(ValueError):
    """A device setting is invalid; the message names the key and the accepted values."""


@dataclass(frozen=True, slots=True)
class PortSettings:
    """How to reach one device. Timeouts are in seconds.

    ``url`` is a pyserial URL or port name, or a raw device file (``/dev/usb/lp0`` or
    ``raw:/path``). Line settings (baud, bits, parity, stop bits, flow control) are ignored
    by ``socket://`` and raw files, as the hardware there does not have them.
    """

    url: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False
    timeout: float = 0.5
    write_timeout: float = 5.0

    def __post_init__(self) -> None:
        if not self.url.strip():
            raise SettingsError("port: name a port (COM3, /dev/ttyUSB0, socket://host:9100)")
        if self.baudrate <= 0 or self.baudrate > 4_000_000:
            raise SettingsError(f"baudrate: {self.baudrate} is not a serial speed")
        if self.bytesize not in (5, 6, 7, 8):
            raise SettingsError(f"bytesize: {self.bytesize} (use 5, 6, 7 or 8)")
        if self.parity not in PARITIES:
            raise SettingsError(f"parity: {self.parity!r} (use N, E or O)")
        if self.stopbits not in STOPBITS:
            raise SettingsError(f"stopbits: {self.stopbits} (use 1, 1.5 or 2)")
        if self.xonxoff and self.rtscts:
            raise SettingsError("flow_control: choose XON/XOFF or RTS/CTS, not both")
        if not 0 < self.timeout <= 60 or not 0 < self.write_timeout <= 600:
            raise SettingsError("timeout: read and write timeouts must be positive seconds")

    @property
    def is_raw_file(self) -> bool:
        """Whether the port is a device file written directly (USB printer class)."""
        return self.url.startswith(RAW_PREFIX) or self.url.startswith(("/dev/usb/lp", "/dev/lp"))

    @property
    def raw_path(self) -> str:
        return self.url.removeprefix(RAW_PREFIX)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PortSettings:
        """Settings from a config table. Keys: ``port`` (or ``url``), ``baudrate``,
        ``bytesize``, ``parity``, ``stopbits``, ``flow_control`` (``none``, ``xonxoff``,
        ``rtscts``), ``timeout``, ``write_timeout``. Unknown keys are refused by name."""
        known = {f.name for f in fields(cls)} | {"port", "flow_control"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"{unknown[0]}: unknown port setting")
        url = data.get("port", data.get("url", ""))
        if not isinstance(url, str):
            raise SettingsError("port: must be text")
        flow = str(data.get("flow_control", "none")).lower()
        if flow not in ("none", "xonxoff", "rtscts"):
            raise SettingsError(f"flow_control: {flow!r} (use none, xonxoff or rtscts)")
        try:
            return cls(
                url=url,
                baudrate=int(data.get("baudrate", 9600)),
                bytesize=int(data.get("bytesize", 8)),
                parity=str(data.get("parity", "N")).upper()[:1],
                stopbits=float(data.get("stopbits", 1)),
                xonxoff=flow == "xonxoff" or bool(data.get("xonxoff", False)),
                rtscts=flow == "rtscts" or bool(data.get("rtscts", False)),
                timeout=float(data.get("timeout", 0.5)),
                write_timeout=float(data.get("write_timeout", 5.0)),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, SettingsError):
                raise
            raise SettingsError(f"port settings: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The config-table form read back by :meth:`from_dict`."""
        flow = "xonxoff" if self.xonxoff else "rtscts" if self.rtscts else "none"
        return {
            "port": self.url,
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
            "flow_control": flow,
            "timeout": self.timeout,
            "write_timeout": self.write_timeout,
        }


class Port(Protocol):
    """The two primitives every driver needs, plus closing."""

    def write(self, data: bytes) -> None:
        """Send all of ``data``; :class:`DeviceTimeout` if the device will not take it."""

    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes, returning as soon as any arrive or ``timeout`` passes
        (``b""`` then). :class:`DeviceOffline` when the port is gone."""

    def reset_input(self) -> None:
        """Forget bytes already received (stale status replies, echoes)."""

    def close(self) -> None: ...


class SerialPort:
    """A :class:`Port` over a pyserial object (tty, COM port, socket://, loop://)."""

    def __init__(self, ser: serial.SerialBase) -> None:
        self._ser = ser

    def write(self, data: bytes) -> None:
        try:
            self._ser.write(data)
            self._ser.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"device did not take data in time: {exc}") from exc
        except PORT_ERRORS as exc:
            raise DeviceOffline(f"port lost while writing: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        try:
            if self._ser.timeout != timeout:
                self._ser.timeout = timeout
            first = self._ser.read(1)
            if not first or size == 1:
                return bytes(first)
            waiting = self._ser.in_waiting
            rest = self._ser.read(min(size - 1, waiting)) if waiting else b""
            return bytes(first) + bytes(rest)
        except PORT_ERRORS as exc:
            raise DeviceOffline(f"port lost while reading: {exc}") from exc

    def reset_input(self) -> None:
        try:
            self._ser.reset_input_buffer()
        except PORT_ERRORS as exc:
            raise DeviceOffline(f"port lost: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(*PORT_ERRORS):
            self._ser.close()


class RawFilePort:
    """A :class:`Port` over a device file (Linux ``usblp``: ``/dev/usb/lp0``).

    Reads and writes are non-blocking with ``select``, so a printer that stops taking data
    gives :class:`DeviceTimeout` instead of hanging the device worker.
    """

    def __init__(self, path: str, write_timeout: float) -> None:
        self._path = path
        self._write_timeout = write_timeout
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise DeviceOffline(f"cannot open {path}: {exc.strerror}") from exc

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self._write_timeout
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeout(f"{self._path} did not take data in time")
            try:
                _, ready, _ = select.select([], [self._fd], [], left)
                if not ready:
                    continue
                sent = os.write(self._fd, view)
            except BlockingIOError:
                continue
            except OSError as exc:
                raise DeviceOffline(f"{self._path} lost while writing: {exc.strerror}") from exc
            view = view[sent:]

    def read(self, size: int, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(self._fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                return b""
            raise DeviceOffline(f"{self._path} lost while reading: {exc.strerror}") from exc
        if not data:
            raise DeviceOffline(f"{self._path} closed")
        return data

    def reset_input(self) -> None:
        while True:
            try:
                if not os.read(self._fd, 4096):
                    return
            except (BlockingIOError, OSError):
                return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def open_port(settings: PortSettings) -> Port:
    """Open the port ``settings`` names; :class:`DeviceOffline` when it cannot be."""
    if settings.is_raw_file:
        return RawFilePort(settings.raw_path, settings.write_timeout)
    try:
        ser = serial.serial_for_url(settings.url, do_not_open=True)
        ser.baudrate = settings.baudrate
        ser.bytesize = settings.bytesize
        ser.parity = PARITIES[settings.parity]
        ser.stopbits = STOPBITS[settings.stopbits]
        ser.xonxoff = settings.xonxoff
        ser.rtscts = settings.rtscts
        ser.timeout = settings.timeout
        ser.write_timeout = settings.write_timeout
        ser.open()
    except _OPEN_ERRORS as exc:
        raise DeviceOffline(f"cannot open {settings.url}: {exc}") from exc
    return SerialPort(ser)


class Connection:
    """A port that opens on first use and reopens after the device was lost.

    Every failure that means "the device went away" closes the port, so the next call tries
    to open it again; a timeout leaves it open (the device is there, just slow or busy).
    Not thread-safe: a connection belongs to one device worker.
    """

    def __init__(self, settings: PortSettings, opener: Any = open_port) -> None:
        self.settings = settings
        self._opener = opener
        self._port: Port | None = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def port(self) -> Port:
        """The open port, opening it if needed (:class:`DeviceOffline` if it cannot)."""
        if self._port is None:
            self._port = self._opener(self.settings)
        return self._port

    def write(self, data: bytes) -> None:
        try:
            self.port().write(data)
        except DeviceOffline:
            self.drop()
            raise

    def read(self, size: int, timeout: float | None = None) -> bytes:
        try:
            return self.port().read(size, self.settings.timeout if timeout is None else timeout)
        except DeviceOffline:
            self.drop()
            raise

    def read_exactly(self, size: int, timeout: float | None = None) -> bytes:
        """``size`` bytes within ``timeout`` overall; :class:`DeviceTimeout` if short."""
        limit = self.settings.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        got = bytearray()
        while len(got) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeout(f"expected {size} bytes, got {len(got)} in {limit:.2f}s")
            got += self.read(size - len(got), left)
        return bytes(got)

    def reset_input(self) -> None:
        try:
            self.port().reset_input()
        except DeviceOffline:
            self.drop()
            raise

    def drop(self) -> None:
        """Close the port (after a loss); the next call reopens it."""
        if self._port is not None:
            port, self._port = self._port, None
            port.close()

    def close(self) -> None:
        self.drop()


@dataclass(frozen=True, slots=True)
class FoundPort:
    """A port this computer has, as the device settings screen offers it."""

    url: str  # what goes into ``port``
    description: str  # "USB-Serial Controller", "n/a" when the OS says nothing


def list_ports() -> list[FoundPort]:
    """Serial ports found by pyserial (COMx, /dev/ttyUSB*, /dev/ttyACM*, ...) and USB
    printer-class device files (``/dev/usb/lp*``), sorted by name."""
    from serial.tools import list_ports as found

    ports = [FoundPort(p.device, p.description or "n/a") for p in found.comports()]
    usb = "/dev/usb"
    if os.path.isdir(usb):
        for name in sorted(os.listdir(usb)):
            if name.startswith("lp"):
                ports.append(FoundPort(f"{usb}/{name}", "USB printer"))
    return sorted(ports, key=lambda p: p.url)
