"""The shop details after set-up (``pos.services.shop_details`` wired by ``pos.shop_link``):
a live till's config file written by the wizard, changed by a manager, read back by
``pos.config`` as a start reads it, and the next receipt printed with the new details
while the till keeps running."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import render_text
from pos.services.auth import Role
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.shop_details import ShopDetailsService, ShopSettings
from pos.services.terminal import DemoUser, Terminal
from pos.shop_link import start_shop_details
from pos.store.models import AuditEntry
from pos.ui import i18n
from pos.ui.setup_wizard.model import ShopDetails, config_toml
from tests.shift_open import ensure_shift

PINS = {Role(r): p for _n, r, p in DEMO_USERS}
#: a line of the shop's own, which no save may lose
COMMENT = "# opening hours agreed with the landlord; ask Wanjiru before changing"


def _write_config(folder: Path, **changes: object) -> Path:
    details = ShopDetails(
        shop_name="Mama Njeri Duka",
        address=["Moi Avenue 12", "Nairobi"],
        phone="0712 345 678",
        kra_pin="P051234567X",
        store_id="NBO01",
        terminal_id="T2",
        receipt_header=["Open 7am-9pm"],
        receipt_footer=["Asante!"],
    )
    for key, value in changes.items():
        setattr(details, key, value)
    text = config_toml(details).replace("[receipt]\n", f"[receipt]\n{COMMENT}\n")
    path = folder / "kaunta.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _open(folder: Path, *, catalog: bool = True) -> tuple[Config, Terminal, ShopDetailsService]:
    config = load_config(_write_config(folder), folder / "data", False, env={})
    assert not config.training
    ctx = config.terminal_context()
    ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, pin_kdf_log2_n=10))
    config.database_path.parent.mkdir(parents=True, exist_ok=True)
    terminal = Terminal.open(config.database_path, ctx)
    terminal.auth.bootstrap_users([(n, Role(r), p) for n, r, p in DEMO_USERS])
    if catalog:
        terminal.catalog.import_csv(CATALOG_CSV, operator="test")
    return config, terminal, start_shop_details(config, terminal)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Config, Terminal, ShopDetailsService]]:
    config, terminal, service = _open(tmp_path)
    try:
        yield config, terminal, service
    finally:
        terminal.close()
        i18n.set_receipt_language("en")  # a save applied it process-wide: put it back


def _login(terminal: Terminal, role: Role) -> None:
    user = next(u for u in terminal.auth.users() if u.role is role)
    terminal.auth.login(user.user_id, PINS[role])


def _sell_one(terminal: Terminal) -> str:
    """A cash sale of the first demo product; its printed receipt as text."""
    ensure_shift(terminal)
    barcode = next(p for p in terminal.checkout.search("milk", limit=5) if p.barcode).barcode
    assert barcode is not None
    terminal.checkout.scan(barcode)
    result = terminal.checkout.pay_cash(Money.parse("1000", "KES"))
    assert result.receipt is not None
    return "\n".join(render_text(result.receipt, 48)).upper()


def test_new_details_print_on_the_next_receipt_without_a_restart(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    config, terminal, service = live
    _login(terminal, Role.MANAGER)
    before = _sell_one(terminal)
    assert "MAMA NJERI DUKA" in before
    last = terminal.receipts.last_paid()
    assert last is not None
    new = dataclasses.replace(
        service.current(),
        store_name="Mama Njeri Supermarket",
        address=("Kenyatta Avenue 3", "Nairobi"),
        tax_pin="P051234568Y",
        header=("Open 6am-10pm",),
        footer=("Karibu tena!", "Goods sold are not returnable"),
        receipt_language="both",
    )
    result = service.save(new)
    assert set(result.changed) == {
        "store_name",
        "address",
        "tax_pin",
        "header",
        "footer",
        "receipt_language",
    }
    assert set(result.now) == set(result.changed)
    assert result.restart == ()

    after = _sell_one(terminal)  # the same running till, no restart
    for text in ("MAMA NJERI SUPERMARKET", "KENYATTA AVENUE 3", "OPEN 6AM-10PM", "P051234568Y"):
        assert text in after
        assert text not in before
    assert "KARIBU TENA!" in after
    assert i18n.receipt_language() == "both"  # the printer and screens say labels so now
    assert "MOI AVENUE 12" not in after
    # the first sale keeps what it printed: its reprint shows the old details
    reprint = "\n".join(render_text(terminal.receipts.reprint(last.sale_id), 48)).upper()
    assert "MAMA NJERI DUKA" in reprint
    assert "MOI AVENUE 12" in reprint

    # the file reads back as a start reads it, with the shop's own comment kept
    text = config.config_path.read_text(encoding="utf-8")
    assert COMMENT in text
    again = load_config(config.config_path, config.data_dir, False, env={})
    assert again.store.name == "Mama Njeri Supermarket"
    assert again.store.address == ("Kenyatta Avenue 3", "Nairobi", "Open 6am-10pm")
    assert again.store.footer == ("Karibu tena!", "Goods sold are not returnable")
    assert again.store.tax_pin == "P051234568Y"
    assert again.receipt_language == "both"
    assert again.raw["payments"] == config.raw["payments"]  # other sections untouched

    # audited, with each field's old and new value
    with terminal.db.read_session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "shop_details_saved"))
        saved = [json.loads(e.detail) for e in entries]
    assert len(saved) == 1
    assert saved[0]["store_name"] == ["Mama Njeri Duka", "Mama Njeri Supermarket"]


def test_only_a_manager_may_open_or_save_and_a_refusal_writes_nothing(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    config, terminal, service = live
    original = config.config_path.read_text(encoding="utf-8")
    for role in (Role.CASHIER, Role.SUPERVISOR):
        _login(terminal, role)
        with pytest.raises(PermissionDenied):
            service.screen()
        with pytest.raises(PermissionDenied):
            service.save(ShopSettings(store_name="Someone else's shop"))
    assert config.config_path.read_text(encoding="utf-8") == original
    assert terminal.ctx.store.name == "Mama Njeri Duka"


def test_a_value_start_up_would_refuse_is_refused_naming_the_key(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    config, terminal, service = live
    _login(terminal, Role.MANAGER)
    original = config.config_path.read_text(encoding="utf-8")
    with pytest.raises(ServiceError, match=r"terminal\.store_name must be at most 80"):
        service.save(dataclasses.replace(service.current(), store_name="N" * 81))
    with pytest.raises(ServiceError, match=r"receipt\.header must have at most 4 lines"):
        service.save(dataclasses.replace(service.current(), header=("a", "b", "c", "d", "e")))
    assert config.config_path.read_text(encoding="utf-8") == original
    assert terminal.ctx.store.name == "Mama Njeri Duka"


def test_store_code_and_till_number_never_change(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    _config, terminal, service = live
    _login(terminal, Role.MANAGER)
    for change in ({"store_id": "NBO02"}, {"terminal_id": "T3"}):
        with pytest.raises(ServiceError, match="store code and till number cannot be changed"):
            service.save(dataclasses.replace(service.current(), **change))  # type: ignore[arg-type]


def test_currency_is_refused_once_the_till_has_money_in_it(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    config, terminal, service = live
    _login(terminal, Role.MANAGER)
    assert service.screen().currency_fixed  # the catalog is priced in KES
    _sell_one(terminal)
    recorded = service.money_recorded()
    assert recorded["sales"] == 1
    assert recorded["shifts"] == 1
    assert recorded["products"] > 0
    with pytest.raises(ServiceError, match="Currency: this till has recorded money in KES"):
        service.save(dataclasses.replace(service.current(), currency="UGX"))
    assert load_config(config.config_path, config.data_dir, False, env={}).currency == "KES"


def test_currency_of_an_empty_till_changes_at_the_next_start(tmp_path: Path) -> None:
    config, terminal, service = _open(tmp_path, catalog=False)
    try:
        _login(terminal, Role.MANAGER)
        assert not service.screen().currency_fixed
        result = service.save(
            dataclasses.replace(service.current(), currency="UGX", timezone="Africa/Kampala")
        )
        assert result.restart == ("currency", "timezone")
        assert result.now == ()
        assert terminal.ctx.currency == "KES"  # the running till is built for KES
    finally:
        terminal.close()
    again = load_config(config.config_path, config.data_dir, False, env={})
    assert (again.currency, again.timezone) == ("UGX", "Africa/Kampala")
    assert again.raw["policy"]["cash_rounding_increment"] == "1"  # whole shillings


def test_an_enrolled_till_keeps_head_office_s_currency_and_etims(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    _config, terminal, service = live
    service._enrolled = lambda: True  # the sync state says enrolled
    _login(terminal, Role.MANAGER)
    screen = service.screen()
    assert screen.enrolled
    assert screen.currency_fixed
    with pytest.raises(ServiceError, match="head office owns its KRA eTIMS settings"):
        service.save(
            dataclasses.replace(
                service.current(),
                etims=(("tin", "P051234567X"), ("bhf_id", "01"), ("device_serial", "S1")),
            )
        )
    # what the shop prints is still the shop's
    assert service.save(dataclasses.replace(service.current(), phone="0722 000 111")).now == (
        "phone",
    )


def test_etims_settings_are_written_for_the_next_start(
    live: tuple[Config, Terminal, ShopDetailsService],
) -> None:
    config, terminal, service = live
    _login(terminal, Role.MANAGER)
    etims = (
        ("tin", "P051234567X"),
        ("bhf_id", "01"),
        ("device_serial", "KAUNTA-NBO01-T2"),
        ("environment", "sandbox"),
    )
    result = service.save(dataclasses.replace(service.current(), etims=etims))
    assert result.restart == ("etims",)
    again = load_config(config.config_path, config.data_dir, False, env={})
    assert again.etims is not None
    assert again.raw["etims"] == dict(etims)


def test_training_details_are_the_demo_shop_s(tmp_path: Path) -> None:
    empty = tmp_path / "kaunta.toml"  # never the developer's own config
    empty.write_text("", encoding="utf-8")
    config = load_config(empty, tmp_path / "data", True, env={})
    terminal = Terminal.open(config.database_path, config.terminal_context())
    try:
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        service = start_shop_details(config, terminal)
        _login(terminal, Role.MANAGER)
        with pytest.raises(ServiceError, match="Training mode"):
            service.screen()
        with pytest.raises(ServiceError, match="Training mode"):
            service.save(dataclasses.replace(service.current(), store_name="Real shop"))
    finally:
        terminal.close()
    assert config.config_path.read_text(encoding="utf-8") == ""
