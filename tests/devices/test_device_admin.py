"""The manager's device screen's use cases: settings checked, then written into the
config file (other lines and comments kept) so start-up reads them back; a cashier is
refused; the drawer opened from here is a counted, audited "no sale"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pos.config import Config, load_config
from pos.device_link import start_devices
from pos.services.auth import Role, UserSummary
from pos.services.device_admin import DeviceAdmin, replace_table
from pos.services.devices import TillDevices
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.terminal import Terminal


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "kaunta.toml"
    path.write_text(
        '# the shop\n[terminal]\nstore_id = "NBO01"\n\n[devices.printer]\nport = "COM9"\n'
        'profile = "58mm"\n\n[ui]\nfullscreen = false  # kiosk later\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def till_devices(terminal: Terminal, config_file: Path, tmp_path: Path) -> Iterator[TillDevices]:
    config: Config = load_config(config_path=config_file, data_dir=tmp_path, training=True, env={})
    devices = start_devices(config, terminal, None, poll_interval=0.2)
    try:
        yield devices
    finally:
        devices.close()


def _admin(devices: TillDevices) -> DeviceAdmin:
    assert devices.admin is not None
    return devices.admin


def test_saved_settings_replace_their_table_and_start_up_reads_them(
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    till_devices: TillDevices,
    config_file: Path,
    tmp_path: Path,
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    admin = _admin(till_devices)
    assert admin.settings("printer") == {"port": "COM9", "profile": "58mm"}
    admin.save("printer", {"port": "/dev/ttyUSB1", "baudrate": 19200, "profile": "80mm-42"})
    written = config_file.read_text(encoding="utf-8")
    assert "# the shop" in written
    assert "fullscreen = false  # kiosk later" in written
    assert "COM9" not in written
    live = load_config(config_path=config_file, data_dir=tmp_path, training=False, env={})
    printer = live.devices.printer
    assert printer is not None
    assert (printer.port.url, printer.port.baudrate, printer.profile) == (
        "/dev/ttyUSB1",
        19200,
        "80mm-42",
    )
    with terminal.db.session() as s:
        n = s.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'device_settings_saved'")
        ).scalar()
    assert n == 1


def test_a_wrong_setting_is_refused_and_nothing_is_written(
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    till_devices: TillDevices,
    config_file: Path,
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    before = config_file.read_text(encoding="utf-8")
    with pytest.raises(ServiceError, match=r"devices\.printer\.parity"):
        _admin(till_devices).save("printer", {"port": "COM3", "parity": "Q"})
    assert config_file.read_text(encoding="utf-8") == before


def test_a_cashier_cannot_use_the_device_screen(
    cashier: Terminal, till_devices: TillDevices, config_file: Path
) -> None:
    admin = _admin(till_devices)
    with pytest.raises(PermissionDenied):
        admin.save("printer", {"port": "COM3"})
    with pytest.raises(PermissionDenied):
        admin.test_print(["test"])
    with pytest.raises(PermissionDenied):
        admin.open_drawer()
    assert till_devices.training is not None
    assert till_devices.training.drawer_kicks == 0


def test_replace_table_adds_a_missing_table_at_the_end() -> None:
    assert replace_table("[ui]\nfullscreen = true\n", "display", {"port": "COM5"}) == (
        '[ui]\nfullscreen = true\n\n[devices.display]\nport = "COM5"\n'
    )
