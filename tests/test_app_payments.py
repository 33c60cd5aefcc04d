"""The composition root builds the methods and rebuilds them when keys are saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.app import Payments, payment_settings
from pos.config import Config, load_config
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    MpesaSandbox,
)
from pos.secrets import MemorySecrets
from pos.services.audit import AuditWriter
from pos.services.auth import Role, UserSummary
from pos.services.gateway_settings import GatewaySettingsService
from pos.services.terminal import Terminal


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


def live_config(tmp_path: Path, sandbox: MpesaSandbox) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text(
        '[payments]\nmethods = ["mpesa"]\n'
        f'[payments.mpesa]\nbase_url = "{sandbox.base_url}"\n'
        'callback_url = "https://ho.invalid/cb/{attempt_id}"\n'
        '[payments.paypal]\ncurrency = "EUR"\nrate = "140.25"\n',
        encoding="utf-8",
    )
    return load_config(config_path=path, data_dir=tmp_path, training=False, env={})


def test_keys_saved_in_settings_apply_at_once(
    tmp_path: Path,
    sandbox: MpesaSandbox,
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    config = live_config(tmp_path, sandbox)
    payments = Payments(config, terminal)
    payments.secrets = MemorySecrets()  # the OS keyring's stand-in, empty at first
    service = terminal.enable_payments(payments.build_methods())
    assert [m.code for m in service.methods()] == []  # no keys yet: M-Pesa cannot be built
    settings = GatewaySettingsService(
        terminal.db,
        terminal.auth,
        AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
        payments.secrets,
        payments.test_connection,
        payments.descriptions,
        on_saved=payments.rebuild,
    )
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    assert {f.field.method for f in settings.fields()} >= {"mpesa", "paypal"}
    settings.save(
        {
            "mpesa.consumer_key": DEMO_CONSUMER_KEY,
            "mpesa.consumer_secret": DEMO_CONSUMER_SECRET,
            "mpesa.passkey": DEMO_PASSKEY,
            "mpesa.shortcode": DEMO_SHORTCODE,
        }
    )
    assert [m.code for m in service.methods()] == ["mpesa"]  # no restart needed


def test_method_currency_and_rate_come_from_the_config(
    tmp_path: Path, sandbox: MpesaSandbox
) -> None:
    settings = payment_settings(live_config(tmp_path, sandbox))
    assert settings.method_currency == {"paypal": "EUR"}
    assert str(settings.foreign_rates["EUR"]) == "140.25"
