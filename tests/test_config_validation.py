"""Every config key is checked at start-up, with a message naming it.

Before, these values were accepted and failed later: ``paths = "oops"`` with a traceback,
``address = [1, 2]`` when printing the receipt of a sale already committed, an empty store
or terminal id in receipt numbers ("--000001"), a PayPal rate of 0, negative or "abc"
switching payments off in silence, ``max_failed_pins`` of a billion. Unknown keys (typos)
are reported as warnings.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from pos.app import payment_settings
from pos.config import KNOWN_KEYS, Config, ConfigError, load_config
from pos.services.backups import BackupPolicy

DOCS = Path(__file__).resolve().parents[1] / "docs"


def load(tmp_path: Path, text: str, *, training: bool = True) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(config_path=path, data_dir=tmp_path / "data", training=training, env={})


BAD = [
    ('paths = "oops"', r"\[paths\] must be a table"),
    ("[paths]\ndata_dir = 3", r"paths\.data_dir must be str"),
    ('[paths]\ndata_dir = "relative/folder"', r"paths\.data_dir must be an absolute path"),
    ('[paths]\ndata_dir = ""', r"paths\.data_dir must not be empty"),
    ("[terminal]\naddress = [1, 2]", r"terminal\.address must be a list of text lines"),
    ('[terminal]\naddress = ["a\\nb"]', r"terminal\.address must be one line of text"),
    ('[terminal]\naddress = ["1", "2", "3", "4", "5", "6", "7"]', r"at most 6 lines"),
    ('[terminal]\nstore_id = ""', r"terminal\.store_id must not be empty"),
    ('[terminal]\nstore_id = "NBO-01"', r"terminal\.store_id must be 1 to 16 letters"),
    ('[terminal]\nterminal_id = ""', r"terminal\.terminal_id must not be empty"),
    ('[terminal]\nterminal_id = "till 2"', r"terminal\.terminal_id must be 1 to 16"),
    ('[terminal]\nstore_name = "  "', r"terminal\.store_name must not be empty"),
    ('[terminal]\nstore_name = "' + "x" * 81 + '"', r"terminal\.store_name must be at most 80"),
    ("[terminal]\nphone = 712000000", r"terminal\.phone must be str"),
    ('[terminal]\ntax_pin = "P05 1234"', r"terminal\.tax_pin must be letters and digits"),
    ('[terminal]\ncurrency = "XYZ"', r"terminal\.currency 'XYZ' is not a supported currency"),
    ('[terminal]\ntimezone = "Mars/Olympus"', r"terminal\.timezone 'Mars/Olympus'"),
    ('[terminal]\ntraining = "yes"', r"terminal\.training must be bool"),
    ("[policy]\nmax_failed_pins = 1000000000", r"policy\.max_failed_pins must be between 1"),
    ("[policy]\nmax_failed_pins = 0", r"policy\.max_failed_pins must be between 1"),
    ('[policy]\nmax_failed_pins = "five"', r"policy\.max_failed_pins must be int"),
    ("[policy]\nmax_failed_pins = true", r"policy\.max_failed_pins must be a whole number"),
    ("[policy]\nlockout_minutes = 0", r"policy\.lockout_minutes must be between 1 and 1440"),
    ("[policy]\nidle_lock_seconds = 1", r"policy\.idle_lock_seconds must be between 10"),
    ("[policy]\ndiscount_approval_percent = 150", r"policy\.discount_approval_percent"),
    ('[policy]\ncash_rounding_increment = "-1"', r"policy\.cash_rounding_increment"),
    ('[policy]\ncash_rounding_increment = "abc"', r"policy\.cash_rounding_increment"),
    ('[policy]\ncash_rounding_mode = "sideways"', r"policy\.cash_rounding_mode must be one of"),
    ("[ui]\nfullscreen = 1", r"ui\.fullscreen must be bool"),
    ('[ui]\nlanguage = "fr"', r'ui\.language must be "en" or "sw"'),
    ('[logging]\nlevel = "loud"', r"logging\.level 'LOUD' is not one of"),
    ("[backup]\nevery_hours = 0", r"backup\.every_hours must be between 0.25 and 168"),
    ('[backup]\nevery_hours = "4"', r"backup\.every_hours must be a number"),
    ("[backup]\nkeep = 0", r"backup\.keep must be between 1 and 1000"),
    ('[payments]\nmethods = "mpesa"', r"payments\.methods must be a list of method codes"),
    ('[payments.paypal]\ncurrency = "USD"\nrate = 0', r"payments\.paypal\.rate must be more"),
    ('[payments.paypal]\ncurrency = "USD"\nrate = -3', r"payments\.paypal\.rate must be more"),
    ('[payments.paypal]\ncurrency = "USD"\nrate = "abc"', r"payments\.paypal\.rate 'abc' is not"),
    ('[payments.paypal]\ncurrency = "USD"\nrate = "inf"', r"payments\.paypal\.rate must be more"),
    ('[payments.paypal]\ncurrency = "USD"\nrate = true', r"payments\.paypal\.rate must be a num"),
    ('[payments.paypal]\nrate = "130"', r"payments\.paypal\.rate is set without"),
    ('[payments.paypal]\ncurrency = "ZZZ"', r"payments\.paypal\.currency 'ZZZ' is not"),
    ('[payments.paypal]\ncurrency = "KES"\nrate = "2"', r"payments\.paypal\.rate is for a for"),
    ('[payments.paypal]\ncurrency = "USD"\nread_timeout = 0', r"payments\.paypal\.read_timeout"),
    (
        '[payments.a]\ncurrency = "USD"\nrate = "130"\n[payments.b]\ncurrency = "USD"\nrate = "1"',
        r"payments\.b\.rate 1 differs from payments\.a\.rate 130",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_value_is_refused_at_start_up_naming_its_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as excinfo:
        load(tmp_path, text)
    assert str(tmp_path / "kaunta.toml") in str(excinfo.value)  # and the file


def test_unknown_keys_and_sections_are_warned_about_by_name(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        'top = 1\n[terminal]\nstor_id = "X"\n[policy]\nmax_failed_pin = 3\n[backups]\nkeep = 3\n'
        '[payments]\nmethod = ["cash"]\n[payments.voucher]\nown_setting = 1\n',
    )
    assert config.warnings == (
        "unknown key 'top' in the config file (ignored; a typo?)",
        "unknown key terminal.stor_id in the config file (ignored; a typo?)",
        "unknown key policy.max_failed_pin in the config file (ignored; a typo?)",
        "unknown section 'backups' in the config file (ignored; a typo?)",
        "unknown key payments.method in the config file (ignored; a typo?)",
    )


def test_the_backup_keys_default_to_every_4_hours_keeping_14(tmp_path: Path) -> None:
    assert load(tmp_path, "").backup == BackupPolicy(every_hours=4.0, keep=14)
    config = load(tmp_path, "[backup]\nevery_hours = 1.5\nkeep = 30\n")
    assert config.backup == BackupPolicy(every_hours=1.5, keep=30)


def test_payment_rates_and_currencies_reach_the_payment_settings(tmp_path: Path) -> None:
    config = load(tmp_path, '[payments.paypal]\ncurrency = "eur"\nrate = 140.25\n')
    settings = payment_settings(config)
    assert settings.method_currency == {"paypal": "EUR"}
    assert settings.foreign_rates["EUR"] == Decimal("140.25")
    assert settings.foreign_rates["USD"] == Decimal("129.50")  # the default stays


def test_a_one_line_address_and_the_demo_defaults_are_accepted(tmp_path: Path) -> None:
    config = load(tmp_path, '[terminal]\naddress = "Moi Avenue 12, Nairobi"\n')
    assert config.store.address == ("Moi Avenue 12, Nairobi",)
    defaults = load(tmp_path, "")
    assert defaults.store.store_id == "DEMO"
    assert defaults.warnings == ()


def test_every_key_the_docs_show_is_known_and_valid(tmp_path: Path) -> None:
    """The examples in the docs load without errors or warnings (docs stay true)."""
    examples = []
    for name in ("configuration.md", "backups.md", "payments.md"):
        text = (DOCS / name).read_text(encoding="utf-8")
        found = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
        examples += [e for e in found if "[project" not in e]  # a plug-in's pyproject.toml
    assert len(examples) >= 3
    for example in examples:
        example = example.replace('"/srv/kaunta"', f'"{tmp_path / "srv"}"')
        config = load(tmp_path, example, training=False)
        assert config.warnings == (), example
    documented = set()
    for example in examples:
        for section, table in tomllib.loads(example).items():
            documented |= {f"{section}.{key}" for key in table if not isinstance(table[key], dict)}
    every = {f"{section}.{key}" for section, keys in KNOWN_KEYS.items() for key in keys}
    assert every <= documented, f"keys not in the docs: {sorted(every - documented)}"
