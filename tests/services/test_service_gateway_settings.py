"""Manager-only payment settings: keys to the keyring, tested against a real gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    MpesaSandbox,
)
from pos.payments.paypal.method import PayPalMethod
from pos.payments.registry import MethodContext
from pos.secrets import MemorySecrets
from pos.services.audit import AuditWriter
from pos.services.auth import Role, UserSummary
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.gateway_settings import GatewaySettingsService, fields_of
from pos.services.terminal import Terminal
from pos.store import repositories as repo


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def store() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def settings(
    terminal: Terminal, sandbox: MpesaSandbox, store: MemorySecrets, rebuilt: Counter
) -> GatewaySettingsService:
    def tester(code: str) -> str:
        assert code == "mpesa"
        context = MethodContext(
            training=False,  # live mode: the keys must come from the store
            currency="KES",
            settings={"base_url": sandbox.base_url, "callback_url": "https://ho.invalid/cb"},
            secrets=store,
        )
        return create_mpesa(context).check_connection()

    return GatewaySettingsService(
        terminal.db,
        terminal.auth,
        AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
        store,
        tester,
        lambda: [MpesaMethod.describe(), PayPalMethod.describe()],
        on_saved=rebuilt.append_one,
    )


class Counter:
    """Counts calls of the on-saved hook (the app rebuilds its methods there)."""

    def __init__(self) -> None:
        self.calls = 0

    def append_one(self) -> None:
        self.calls += 1


@pytest.fixture
def rebuilt() -> Counter:
    return Counter()


def login(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], role: Role
) -> None:
    terminal.auth.login(users[role].user_id, pins[role])


def test_only_a_manager_sees_or_changes_settings(
    terminal: Terminal,
    settings: GatewaySettingsService,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    for role in (Role.CASHIER, Role.SUPERVISOR):
        login(terminal, users, pins, role)
        with pytest.raises(PermissionDenied, match="Changing payment settings"):
            settings.fields()
        with pytest.raises(PermissionDenied):
            settings.save({"mpesa.passkey": "x"})
    login(terminal, users, pins, Role.MANAGER)
    expected = fields_of([MpesaMethod.describe(), PayPalMethod.describe()])
    assert [f.field.name for f in settings.fields()] == [f.name for f in expected]
    assert "mpesa.passkey" in [f.name for f in expected]
    assert not any(f.is_set for f in settings.fields())


def test_saved_keys_work_and_are_never_audited_by_value(
    terminal: Terminal,
    settings: GatewaySettingsService,
    store: MemorySecrets,
    rebuilt: Counter,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    login(terminal, users, pins, Role.MANAGER)
    with pytest.raises(ServiceError, match="not set up"):
        settings.test_connection("mpesa")
    changed = settings.save(
        {
            "mpesa.consumer_key": DEMO_CONSUMER_KEY,
            "mpesa.consumer_secret": DEMO_CONSUMER_SECRET,
            "mpesa.passkey": DEMO_PASSKEY,
            "mpesa.shortcode": DEMO_SHORTCODE,
            "mpesa.till_number": "",  # empty: left as it is
        }
    )
    assert changed == [
        "mpesa.consumer_key",
        "mpesa.consumer_secret",
        "mpesa.passkey",
        "mpesa.shortcode",
    ]
    assert store.get("mpesa.consumer_secret") == DEMO_CONSUMER_SECRET
    assert rebuilt.calls == 1  # the methods were rebuilt: the keys apply at once
    assert "the keys work" in str(settings.test_connection("mpesa"))
    with terminal.db.session() as s:
        entries = [e for e in repo.recent_audit(s, 20) if e.action.startswith("settings_")]
    text = json.dumps([e.detail for e in entries])
    assert DEMO_CONSUMER_SECRET not in text
    assert DEMO_PASSKEY not in text
    assert {(e.action, e.result) for e in entries} == {
        ("settings_saved", "ok"),
        ("settings_test", "ok"),
        ("settings_test", "failed"),
    }


def test_wrong_keys_are_reported(
    terminal: Terminal,
    settings: GatewaySettingsService,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    login(terminal, users, pins, Role.MANAGER)
    settings.save(
        {
            "mpesa.consumer_key": DEMO_CONSUMER_KEY,
            "mpesa.consumer_secret": "wrong-secret",
            "mpesa.passkey": DEMO_PASSKEY,
            "mpesa.shortcode": DEMO_SHORTCODE,
        }
    )
    with pytest.raises(ServiceError, match="Daraja refused the keys"):
        settings.test_connection("mpesa")
    with pytest.raises(ServiceError, match="Unknown setting"):
        settings.save({"mpesa.secret_sauce": "x"})
