"""The set-up wizard's answers become a live config that ``pos.config`` reads back as
typed, and each field's check names the field it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos.config import ConfigError, load_config
from pos.ui.setup_wizard.model import (
    ShopDetails,
    check_address,
    check_code,
    check_kra_pin,
    check_manager,
    check_phone,
    check_receipt_lines,
    check_shop_name,
    config_toml,
)


def _details() -> ShopDetails:
    return ShopDetails(
        shop_name='Mama "Njeri" Duka',
        address=["Moi Avenue 12", "Nairobi"],
        phone="+254 712 345 678",
        kra_pin="p051234567x",
        store_id="NBO01",
        terminal_id="T2",
        currency="KES",
        timezone="Africa/Nairobi",
        receipt_language="both",
        receipt_header=["Open 7am-9pm"],
        receipt_footer=["Asante!", "Karibu tena"],
        methods=["cash", "mpesa"],
    )


def test_the_written_config_reads_back_as_typed_with_header_and_footer(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text(config_toml(_details()), encoding="utf-8")
    config = load_config(path, data_dir=tmp_path / "data", env={})
    assert not config.training
    assert config.warnings == ()
    store = config.store
    assert (store.store_id, store.name, store.phone, store.tax_pin) == (
        "NBO01",
        'Mama "Njeri" Duka',
        "+254 712 345 678",
        "P051234567X",
    )
    assert store.address == ("Moi Avenue 12", "Nairobi", "Open 7am-9pm")  # header under it
    assert store.footer == ("Asante!", "Karibu tena")
    assert config.terminal_id == "T2"
    assert config.receipt_language == "both"
    assert config.raw["payments"]["methods"] == ["cash", "mpesa"]
    assert config.database_path == tmp_path / "data" / "kaunta.sqlite"  # not training's


def test_a_footer_line_too_long_for_the_printer_is_refused_naming_the_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text('[receipt]\nfooter = ["' + "x" * 41 + '"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"receipt\.footer must be at most 40 characters"):
        load_config(path, data_dir=tmp_path, env={})


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (check_shop_name(""), "Shop name"),
        (check_shop_name("x" * 81), "Shop name"),
        (check_address([f"line {n}" for n in range(7)]), "Address"),
        (check_phone("call me"), "Phone"),
        (check_kra_pin("P05123456X", vat_registered=True), "KRA PIN"),  # 8 digits
        (check_kra_pin("051234567XX", vat_registered=True), "KRA PIN"),
        (check_kra_pin("", vat_registered=True), "KRA PIN"),
        (check_code("NBO-1", "Store code"), "Store code"),
        (check_code("", "Till number"), "Till number"),
        (check_receipt_lines(["a"] * 5, "Receipt footer"), "Receipt footer"),
        (check_receipt_lines(["y" * 41], "Receipt header"), "Receipt header"),
        (check_manager("", "1234", "1234"), "Manager's name"),
        (check_manager("Amina", "12a4", "12a4"), "PIN"),
        (check_manager("Amina", "1234", "1243"), "PIN again"),
    ],
)
def test_each_bad_field_is_refused_with_a_message_naming_it(
    message: str | None, field: str
) -> None:
    assert message is not None
    assert message.startswith(f"{field}:")


def test_good_fields_pass() -> None:
    assert check_kra_pin("A123456789Z", vat_registered=True) is None
    assert check_kra_pin("", vat_registered=False) is None
    assert check_phone("0712 345 678") is None
    assert check_manager("Amina", "4826", "4826") is None
    assert check_code("NBO01", "Store code") is None
