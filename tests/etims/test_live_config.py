"""A live till's ``[etims]``: every key checked with a message naming it, and a live till
configured for a branch (not 00) initialises its device against the OSCU simulator over
real HTTP, keeps the communication key in the OS keyring and submits its sales; a live
till without the section submits nothing and says so."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backend
import pytest

from pos.config import ConfigError, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.etims_link import ENROLLED_HOLD, NOT_SET_UP, EtimsLink, start_etims
from pos.secrets import SERVICE
from pos.services.auth import Role
from pos.services.etims import EtimsPhase, EtimsView
from pos.services.headoffice import SyncPhase
from pos.services.terminal import DemoUser, Terminal
from sync.etims.config import parse_etims
from sync.etims.sandbox import DEMO_SERIAL_01, DEMO_TIN, EtimsSandbox
from sync.etims.settings import (
    PRODUCTION_API,
    AmountConvention,
    CuNumberStyle,
    RateStyle,
    SettingsError,
)
from tests.conftest import FakeClock, make_ctx
from tests.shift_open import ensure_shift

WAIT_S = 30.0  # a bound for the worker's thread, not a performance claim
BRANCH = {"tin": DEMO_TIN, "bhf_id": "01", "device_serial": DEMO_SERIAL_01}


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory OS keyring (never the real one)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _toml(tmp_path: Path, etims: str) -> Path:
    path = tmp_path / "kaunta.toml"
    path.write_text(
        '[terminal]\nstore_id = "DEMO"\nterminal_id = "T1"\ntraining = false\n'
        f'tax_pin = "{DEMO_TIN}"\n' + etims,
        encoding="utf-8",
    )
    return path


# -- the section, key by key ---------------------------------------------------------------


def test_no_section_means_etims_off() -> None:
    assert parse_etims(None) is None
    assert parse_etims({}) is None


@pytest.mark.parametrize("missing", ["tin", "bhf_id", "device_serial"])
def test_each_identity_key_is_required_and_named(missing: str) -> None:
    section = {k: v for k, v in BRANCH.items() if k != missing}
    with pytest.raises(SettingsError, match=f"etims.{missing} must be set"):
        parse_etims(section)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("tin", "P05123X", "etims.tin"),
        ("bhf_id", "1", "etims.bhf_id"),
        ("environment", "live", "etims.environment"),
        ("base_url", "http://etims.example.com/", "etims.base_url"),
        ("amount_convention", "gross", "etims.amount_convention"),
        ("cu_number_style", "rcpt", "etims.cu_number_style"),
        ("max_queue_age_hours", 0, "etims.max_queue_age_hours"),
        ("invoice_number_as_string", "yes", "etims.invoice_number_as_string"),
        ("purchase_accept_header", "maybe", "etims.purchase_accept_header"),
        ("item_class", "goods", "etims.item_class"),
        ("proxy", "proxy.local:3128", "etims.proxy"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(key: str, value: object, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        parse_etims({**BRANCH, key: value})


def test_defaults_are_the_references_recommendations_and_every_guess_is_settable() -> None:
    default = parse_etims(BRANCH)
    assert default is not None
    assert default.branch.bhf_id == "01"  # never assumed 00
    assert default.environment == "sandbox"
    assert default.settings.base_url.startswith("https://etims-api-sbx.kra.go.ke/")
    assert default.settings.queue_alert_after == timedelta(hours=24)
    assert default.settings.amount_convention is AmountConvention.EXCLUSIVE
    chosen = parse_etims(
        {
            **BRANCH,
            "environment": "production",
            "amount_convention": "inclusive",
            "rate_style": "used",
            "cu_number_style": "curRcptNo",
            "invoice_number_as_string": True,
            "send_credentials_in_body": True,
            "purchase_accept_receipt": "y",
            "max_queue_age_hours": 6,
            "timeout_s": 60,
        }
    )
    assert chosen is not None
    s = chosen.settings
    assert s.base_url == PRODUCTION_API
    assert s.verify_host == "https://etims.kra.go.ke"
    assert (s.amount_convention, s.rate_style, s.cu_number_style) == (
        AmountConvention.INCLUSIVE,
        RateStyle.USED,
        CuNumberStyle.RECEIPT,
    )
    assert s.invoice_number_as_string
    assert s.send_credentials_in_body
    assert s.purchase_accept_receipt == "Y"
    assert s.queue_alert_after == timedelta(hours=6)
    assert s.timeout_s == 60.0


def test_a_simulator_needs_its_addresses_and_may_be_plain_http_on_this_machine() -> None:
    with pytest.raises(SettingsError, match=r"etims\.base_url must be set"):
        parse_etims({**BRANCH, "environment": "simulator"})
    sim = parse_etims(
        {
            **BRANCH,
            "environment": "simulator",
            "base_url": "http://127.0.0.1:8765/etims-api",
            "verify_host": "http://127.0.0.1:8765",
        }
    )
    assert sim is not None
    assert sim.settings.base_url == "http://127.0.0.1:8765/etims-api/"


def test_the_config_file_reports_a_bad_etims_key_with_the_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, f'[etims]\ntin = "{DEMO_TIN}"\nbhf_id = "1"\ndevice_serial = "X"\n')
    with pytest.raises(ConfigError, match=r"etims.bhf_id.*config file"):
        load_config(config_path=path, data_dir=tmp_path, env={})


def test_an_unknown_etims_key_is_a_warning(tmp_path: Path) -> None:
    body = "".join(f'{k} = "{v}"\n' for k, v in BRANCH.items())
    config = load_config(
        config_path=_toml(tmp_path, f"[etims]\n{body}max_queue_age_hour = 3\n"),
        data_dir=tmp_path,
        env={},
    )
    assert config.etims is not None
    assert any("etims.max_queue_age_hour" in w for w in config.warnings)


# -- a live till ---------------------------------------------------------------------------


def _live_till(path: Path, clock: FakeClock) -> Terminal:
    till = Terminal.open(path, replace(make_ctx(), training=False), clock)
    till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
    till.auth.login(cashier.user_id, next(p for _n, r, p in DEMO_USERS if r == "cashier"))
    ensure_shift(till)
    return till


def _wait(till: Terminal, test: object) -> EtimsView:
    assert callable(test)
    cond = threading.Condition()

    def news(_view: EtimsView) -> None:
        with cond:
            cond.notify_all()

    till.etims.subscribe(news)
    with cond:
        assert cond.wait_for(lambda: test(till.etims.view()), WAIT_S), till.etims.view()
    return till.etims.view()


def test_a_live_till_with_etims_initialises_keeps_the_key_in_the_keyring_and_submits(
    tmp_path: Path, clock: FakeClock, memory_keyring: MemoryKeyring
) -> None:
    with EtimsSandbox() as box:
        section = (
            f'[etims]\ntin = "{DEMO_TIN}"\nbhf_id = "01"\ndevice_serial = "{DEMO_SERIAL_01}"\n'
            f'environment = "simulator"\nbase_url = "{box.base_url}"\n'
            f'verify_host = "{box.verify_host}"\nmax_queue_age_hours = 2\n'
        )
        config = load_config(config_path=_toml(tmp_path, section), data_dir=tmp_path, env={})
        assert not config.training
        assert config.etims is not None
        till = _live_till(config.database_path, clock)
        try:
            link = start_etims(config, till)
            assert isinstance(link, EtimsLink)
            try:
                till.checkout.scan("6168232799285", 2)  # VAT 16 %
                sale = till.checkout.pay_cash(Money(100_000))
                assert sale.receipt is not None
                view = _wait(till, lambda v: v.signed == 1)
                assert view.phase is EtimsPhase.ONLINE
                assert not view.training
                assert view.alert_after == timedelta(hours=2)
                block = till.etims.block_for(sale.receipt.sale_id)
                assert block is not None
                assert block.signed
                assert not block.training
                rows = dict(block.rows)
                device = box.device("01")
                assert device.sdc_id in rows["SCU ID"]
                assert block.qr_url.startswith(box.verify_host)
                assert f"Data={DEMO_TIN}01" in block.qr_url
            finally:
                link.stop()
        finally:
            till.close()
        # the key KRA gave is in the keyring, under the branch's name, and nowhere in
        # the queue file
        key = memory_keyring.store[(SERVICE, f"etims.cmc_key.{DEMO_TIN}.01")]
        assert key == box.device("01").cmc_key
        queue_file = config.database_path.with_name("etims.sqlite").read_bytes()
        assert key.encode() not in queue_file
        assert box.calls["selectInitOsdcInfo"] == 1
        # the catalogue is registered ahead of its first sale, each product once
        names = [item["itemNm"] for item in box.device("01").items.values()]
        assert box.calls["saveItem"] == len(names) == len(set(names))
        assert "Brookside Long Life Whole Milk 500ml" in names
        assert box.calls["saveTrnsSalesOsdc"] == 1


def test_a_live_till_without_etims_says_sales_are_not_submitted(
    tmp_path: Path, clock: FakeClock
) -> None:
    config = load_config(config_path=_toml(tmp_path, ""), data_dir=tmp_path, env={})
    assert config.etims is None
    assert not config.training
    till = _live_till(config.database_path, clock)
    try:
        assert start_etims(config, till) is None
        view = till.etims.view()
        assert view.phase is EtimsPhase.OFF
        assert view.reason == NOT_SET_UP
        assert "NOT being submitted to KRA" in view.reason
        assert till.etims.block_for("any") is None
    finally:
        till.close()


def test_an_enrolled_live_till_does_not_number_invoices_itself(
    tmp_path: Path, clock: FakeClock, memory_keyring: MemoryKeyring
) -> None:
    """Head office numbers an enrolled store's invoices (one sequence for all its tills);
    that part is not built, so an enrolled till holds off and says so, rather than give
    KRA an ``invcNo`` another till of the branch may give too."""
    with EtimsSandbox() as box:
        section = (
            f'[etims]\ntin = "{DEMO_TIN}"\nbhf_id = "01"\ndevice_serial = "{DEMO_SERIAL_01}"\n'
            f'environment = "simulator"\nbase_url = "{box.base_url}"\n'
            f'verify_host = "{box.verify_host}"\n'
        )
        config = load_config(config_path=_toml(tmp_path, section), data_dir=tmp_path, env={})
        till = _live_till(config.database_path, clock)
        try:
            till.headoffice.update(
                phase=SyncPhase.RUNNING, head_office_url="https://ho.example.com"
            )
            link = start_etims(config, till)
            assert isinstance(link, EtimsLink)
            try:
                till.checkout.scan("6168232799285", 1)
                assert till.checkout.pay_cash(Money(100_000)).receipt is not None
                link.wake()
                view = _wait(till, lambda v: v.phase is EtimsPhase.HEAD_OFFICE)
                assert view.reason == ENROLLED_HOLD
                assert "submitted to KRA by head office" in view.reason
            finally:
                link.stop()
        finally:
            till.close()
        assert box.requests == 0  # not even the device initialisation


def test_an_enrolled_live_till_without_etims_says_head_office_submits(
    tmp_path: Path, clock: FakeClock
) -> None:
    config = load_config(config_path=_toml(tmp_path, ""), data_dir=tmp_path, env={})
    till = _live_till(config.database_path, clock)
    try:
        assert start_etims(config, till) is None
        assert till.etims.view().phase is EtimsPhase.OFF  # not known to be enrolled yet
        till.headoffice.update(phase=SyncPhase.RUNNING, head_office_url="https://ho.example.com")
        assert till.etims.view().phase is EtimsPhase.HEAD_OFFICE
        assert till.etims.view().reason == ENROLLED_HOLD
    finally:
        till.close()


def test_the_receipts_tax_pin_must_be_the_etims_pin(tmp_path: Path) -> None:
    """A receipt printing one PIN over a KRA QR code signed for another is refused at
    start-up, naming both keys; the same PIN in both loads."""
    body = "".join(f'{k} = "{v}"\n' for k, v in BRANCH.items())
    path = tmp_path / "kaunta.toml"
    path.write_text(
        '[terminal]\nstore_id = "DEMO"\ntraining = false\ntax_pin = "P000000000X"\n'
        f"[etims]\n{body}",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"terminal.tax_pin 'P000000000X' .*etims.tin"):
        load_config(config_path=path, data_dir=tmp_path, env={})
    config = load_config(config_path=_toml(tmp_path, f"[etims]\n{body}"), data_dir=tmp_path, env={})
    assert config.etims is not None
    assert config.store.tax_pin == config.etims.branch.tin == DEMO_TIN
