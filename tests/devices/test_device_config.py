"""``[devices.*]`` in the config file: read as typed, every wrong key refused by name at
start-up (a printer that fails only at the first sale is worse than not starting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.display.codec import CommandSet
from pos.config import Config, ConfigError, load_config


def _load(tmp_path: Path, body: str) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text("[terminal]\ntraining = false\n" + body, encoding="utf-8")
    return load_config(config_path=path, data_dir=tmp_path, env={})


def test_no_devices_section_means_no_devices(tmp_path: Path) -> None:
    devices = _load(tmp_path, "").devices
    assert (devices.printer, devices.display, devices.scanner) == (None, None, None)


def test_every_device_reads_back_as_typed(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        """
[devices.printer]
port = "/dev/ttyUSB0"
baudrate = 38400
parity = "E"
flow_control = "rtscts"
profile = "58mm"
drawer_pin = 5
drawer_open_when_high = false
drawer_open_warning = 45
logo_key = 1
qr = "https://duka.example/r/{number}"

[devices.display]
port = "socket://192.168.1.60:9100"
command_set = "dm-d"
idle_top = "Karibu Duka"

[devices.scanner]
port = "COM4"
terminator = "crlf"
strip_aim = false
idle_gap = 0.5
""",
    )
    p, d, s = config.devices.printer, config.devices.display, config.devices.scanner
    assert p is not None
    assert (p.port.url, p.port.baudrate, p.port.parity, p.port.rtscts) == (
        "/dev/ttyUSB0",
        38400,
        "E",
        True,
    )
    assert (p.profile, p.drawer, p.drawer_pin, p.drawer_open_when_high) == ("58mm", True, 5, False)
    assert (p.logo_key, p.qr) == (1, "https://duka.example/r/{number}")
    assert p.drawer_open_warning == 45.0
    assert d is not None
    assert (d.port.url, d.command_set, d.idle_top, d.idle_bottom) == (
        "socket://192.168.1.60:9100",
        CommandSet.DMD,
        "Karibu Duka",
        "Welcome",
    )
    assert s is not None
    assert (s.port.url, s.terminator, s.strip_aim, s.idle_gap) == ("COM4", "CRLF", False, 0.5)


def test_a_device_switched_off_or_without_a_port_is_not_used(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[devices.printer]\nport = "COM3"\nenabled = false\n'
        '[devices.display]\ncommand_set = "dm-d"\n',
    )
    assert config.devices.printer is None
    assert config.devices.display is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('[devices.printer]\nport = "COM3"\nprofile = "76mm"\n', "devices.printer.profile"),
        ('[devices.printer]\nport = "COM3"\nbaudrate = 0\n', "devices.printer.baudrate"),
        ('[devices.printer]\nport = "COM3"\nparity = "X"\n', "devices.printer.parity"),
        ('[devices.printer]\nport = "COM3"\nspeed = 9600\n', "devices.printer.speed"),
        ('[devices.printer]\nport = "COM3"\ndrawer_pin = 3\n', "devices.printer.drawer_pin"),
        ('[devices.printer]\nport = "COM3"\nqr = "{sale}"\n', "devices.printer.qr"),
        (
            '[devices.printer]\nport = "COM3"\ndrawer_open_warning = -1\n',
            "devices.printer.drawer_open_warning",
        ),
        ('[devices.display]\nport = "COM3"\ncommand_set = "x"\n', "devices.display.command_set"),
        ('[devices.scanner]\nport = "COM3"\nterminator = "ETB"\n', "devices.scanner.terminator"),
        ('[devices.scanner]\nport = "COM3"\nidle_gap = 9\n', "devices.scanner.idle_gap"),
        ('[devices.drawer]\nport = "COM3"\n', "devices.drawer"),
    ],
)
def test_a_wrong_device_setting_is_refused_by_name(tmp_path: Path, body: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        _load(tmp_path, body)
