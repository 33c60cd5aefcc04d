"""Transport: settings parsing, every kind of port, and reconnecting after a loss."""

from __future__ import annotations

import os
import sys

import pytest

from drivers.emulator_link import PtyLink, TcpLink
from drivers.transport import (
    Connection,
    DeviceOffline,
    DeviceTimeout,
    PortSettings,
    SettingsError,
    open_port,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")


def test_settings_from_dict_reads_line_settings_and_flow_control() -> None:
    s = PortSettings.from_dict(
        {
            "port": "/dev/ttyUSB0",
            "baudrate": "115200",
            "parity": "even",
            "stopbits": 2,
            "flow_control": "RTSCTS",
            "timeout": 0.2,
        }
    )
    assert (s.url, s.baudrate, s.parity, s.stopbits, s.rtscts, s.xonxoff) == (
        "/dev/ttyUSB0",
        115200,
        "E",
        2,
        True,
        False,
    )
    assert PortSettings.from_dict(s.to_dict()) == s


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"port": ""}, "port"),
        ({"port": "COM3", "baudrate": -5}, "baudrate"),
        ({"port": "COM3", "parity": "X"}, "parity"),
        ({"port": "COM3", "stopbits": 3}, "stopbits"),
        ({"port": "COM3", "flow_control": "dtr"}, "flow_control"),
        ({"port": "COM3", "bytesize": 9}, "bytesize"),
        ({"port": "COM3", "speed": 9600}, "speed"),
        ({"port": "COM3", "baudrate": "fast"}, "port settings"),
    ],
)
def test_bad_settings_name_the_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(SettingsError, match=key):
        PortSettings.from_dict(data)


def test_usb_printer_files_are_raw() -> None:
    assert PortSettings("/dev/usb/lp0").is_raw_file
    assert PortSettings("raw:/tmp/x").raw_path == "/tmp/x"
    assert not PortSettings("/dev/ttyUSB0").is_raw_file


def test_loop_url_echoes_and_times_out_empty() -> None:
    port = open_port(PortSettings("loop://", timeout=0.05))
    port.write(b"\x10\x04\x01")
    assert port.read(10, 0.5) == b"\x10\x04\x01"
    assert port.read(10, 0.02) == b""
    port.close()


def test_missing_port_is_offline_not_a_crash() -> None:
    with pytest.raises(DeviceOffline, match="cannot open"):
        open_port(PortSettings("/dev/ttyKAUNTA-none"))


@posix_only
def test_pty_port_carries_bytes_both_ways() -> None:
    link = PtyLink()
    try:
        port = open_port(PortSettings(link.url, baudrate=115200))
        port.write(b"hello\n")
        assert link.read(100, 1.0) == b"hello\n"  # raw: no \r\n mapping
        link.write(b"\x12")
        assert port.read(1, 1.0) == b"\x12"
        port.close()
    finally:
        link.close()


@posix_only
def test_raw_file_port_writes_and_reads_a_device_file() -> None:
    link = PtyLink()
    try:
        port = open_port(PortSettings("raw:" + os.path.realpath(link.url)))
        port.write(b"\x1b@abc")
        assert link.read(100, 1.0) == b"\x1b@abc"
        link.write(b"\x12")
        assert port.read(4, 1.0) == b"\x12"
        assert port.read(4, 0.02) == b""
        port.close()
    finally:
        link.close()


def test_socket_port_reports_a_closed_peer_as_offline() -> None:
    link = TcpLink()
    try:
        conn = Connection(PortSettings(link.url, timeout=0.2))
        conn.write(b"ping")
        got = b""
        for _ in range(20):
            got += link.read(100, 0.1)
            if got:
                break
        assert got == b"ping"
        link.unplug()
        with pytest.raises(DeviceOffline):  # noqa: PT012 - the loss shows on a read
            for _ in range(5):
                conn.read(1, 0.1)
        assert not conn.is_open
    finally:
        link.close()


@posix_only
def test_connection_reconnects_after_unplug_and_replug() -> None:
    link = PtyLink()
    try:
        conn = Connection(PortSettings(link.url, timeout=0.1))
        conn.write(b"one")
        assert link.read(10, 1.0) == b"one"
        link.unplug()
        with pytest.raises(DeviceOffline):  # noqa: PT012 - on the write or the read
            conn.write(b"two" * 100)
            conn.read(1, 0.1)
        assert not conn.is_open
        with pytest.raises(DeviceOffline):  # still unplugged: a clear error each time
            conn.write(b"x")
        link.replug()
        conn.write(b"three")
        assert link.read(10, 1.0) == b"three"
    finally:
        link.close()


def test_read_exactly_times_out_with_what_it_got() -> None:
    conn = Connection(PortSettings("loop://", timeout=0.05))
    conn.write(b"ab")
    with pytest.raises(DeviceTimeout, match="expected 3 bytes, got 2"):
        conn.read_exactly(3, 0.1)
