"""Configuration: one TOML file, overridable by environment variables and CLI flags.

Precedence (highest first): CLI flags, ``KAUNTA_*`` environment variables, the TOML file,
built-in defaults. With no config file at all, Kaunta starts in **training mode** with a
demo store, so a fresh install can be tried without setting anything up.
Secrets never live here: they go to the OS keyring.

Every key is checked here, at start-up, with a message that names it: a value accepted now
and failing later (an address that breaks the receipt after the sale committed, a rate of
0 that switches a payment method off) is worse than not starting. Keys Kaunta does not
know are reported as warnings (``Config.warnings``), since they are usually typos.
Settings of a payment method beyond ``currency`` and ``rate`` are the method's own and are
checked when it is built.

Importing this module is kept cheap (the domain's values, the device settings' parsers and
the standard library): every ``kaunta`` command reads the configuration first, and most
never open the store. So the ``[shifts]`` limits come from their own small module
(``pos.services.shift_limits``, not the shift use cases with SQLAlchemy and the store
models), and the eTIMS settings' package (``sync.etims``, which brings ``requests``) is
imported only for a file that has an ``[etims]`` section.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_config_dir, user_data_dir, user_log_dir

from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.sale import CashRounding
from pos.services.backups import BackupPolicy
from pos.services.context import Policy, TerminalContext
from pos.services.device_config import DeviceConfigError, DevicesConfig, devices_config
from pos.services.shift_limits import ShiftLimits

if TYPE_CHECKING:  # imported where used: see the module docstring
    from sync.etims.config import EtimsConfig

APP = "kaunta"


class ConfigError(Exception):
    """The config file is unreadable or has a bad value; the message names which."""


def default_config_path() -> Path:
    return Path(user_config_dir(APP, appauthor=False)) / "kaunta.toml"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP, appauthor=False))


def default_log_dir() -> Path:
    return Path(user_log_dir(APP, appauthor=False))


@dataclass(frozen=True, slots=True)
class Config:
    config_path: Path
    config_found: bool
    data_dir: Path
    log_dir: Path
    training: bool
    store: StoreInfo
    terminal_id: str
    currency: str
    timezone: str
    policy: Policy
    fullscreen: bool = False
    #: ``[ui] language``: the screens' language before anyone logs in (the login screen,
    #: the start-up dialog); after a login, each user's own
    language: str = "en"
    log_level: str = "INFO"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    backup: BackupPolicy = field(default_factory=BackupPolicy)
    #: ``[payments.<method>] currency``, by method code
    method_currency: Mapping[str, str] = field(default_factory=dict)
    #: ``[payments.<method>] rate``: store-currency units per unit of that currency
    foreign_rates: Mapping[str, Decimal] = field(default_factory=dict)
    #: unknown keys and sections (usually typos), one sentence each
    warnings: tuple[str, ...] = ()
    #: ``[receipt] language``: the receipt's language, "en", "sw" or "both" (each label in
    #: English and Kiswahili)
    receipt_language: str = "en"
    #: ``[sync]``: how the sync agent reaches the head office
    sync: SyncConfig = field(default_factory=lambda: SyncConfig())
    #: ``[shifts]``: above these amounts a manager approves (cash in/out, a close's count)
    shift_limits: ShiftLimits = field(default_factory=ShiftLimits)
    #: ``[terminal] vat_registered``: recorded by the set-up wizard (it makes the KRA PIN
    #: required there); prices and VAT classes are the catalog's whatever it says
    vat_registered: bool = True
    #: ``[devices.printer|display|scanner]`` (see docs/configuration.md); the card terminal
    #: is ``[payments.card_zvt]``
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    #: ``[etims]``: the branch's KRA eTIMS device (docs/etims.md); None: a live till
    #: does not submit its sales to KRA (and says so)
    etims: EtimsConfig | None = None

    @property
    def database_path(self) -> Path:
        """Training data is kept apart from real sales, always."""
        if self.training:
            return self.data_dir / "training" / "kaunta.sqlite"
        return self.data_dir / "kaunta.sqlite"

    def terminal_context(self) -> TerminalContext:
        return TerminalContext(
            store=self.store,
            terminal_id=self.terminal_id,
            training=self.training,
            currency=self.currency,
            timezone=self.timezone,
            policy=self.policy,
        )


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """``[sync]``: the head office's address offered at enrollment (the enrolled address is
    kept in the keyring with the token), how often to poll, a private CA bundle to trust
    (TLS verification is always on), and after how long without a sync to warn."""

    url: str = ""
    poll_seconds: float = 30.0
    ca_bundle: Path | None = None
    warn_after_hours: float = 24.0


def _sync(section: dict[str, Any]) -> SyncConfig:
    url = _text(section, "url", "", "sync", max_len=300).rstrip("/")
    if url and not re.fullmatch(
        r"https://[^\s/]+(/\S*)?|http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/\S*)?", url
    ):
        raise _fail("sync", "url", "must be an https:// address (http only to this machine)", url)
    bundle = _text(section, "ca_bundle", "", "sync", max_len=1000)
    ca_bundle = Path(bundle).expanduser() if bundle else None
    if ca_bundle is not None and not ca_bundle.is_file():
        raise _fail("sync", "ca_bundle", "must be an existing PEM file", bundle)
    return SyncConfig(
        url=url,
        poll_seconds=_number(section, "poll_seconds", 30.0, "sync", 1.0, 3600.0),
        ca_bundle=ca_bundle,
        warn_after_hours=_number(section, "warn_after_hours", 24.0, "sync", 0.1, 24.0 * 90),
    )


_DEMO_STORE = StoreInfo(
    store_id="DEMO",
    name="Kaunta Demo Duka",
    address=("Moi Avenue, Nairobi",),
    phone="0700 000 000",
    tax_pin="P000000000X",
)

#: Every key Kaunta reads, by section, but ``[etims]`` (see :func:`known_keys`).
#: ``[payments.<method>]`` tables are the methods' own.
_KEYS: dict[str, frozenset[str]] = {
    "terminal": frozenset(
        {
            "store_id",
            "store_name",
            "address",
            "phone",
            "tax_pin",
            "terminal_id",
            "currency",
            "timezone",
            "training",
            "vat_registered",
        }
    ),
    "policy": frozenset(
        {
            "discount_approval_percent",
            "cash_rounding_increment",
            "cash_rounding_mode",
            "max_failed_pins",
            "lockout_minutes",
            "idle_lock_seconds",
            "kept_sale_days",
        }
    ),
    "ui": frozenset({"fullscreen", "language"}),
    "paths": frozenset({"data_dir"}),
    "logging": frozenset({"level"}),
    "backup": frozenset({"every_hours", "keep"}),
    "payments": frozenset({"methods"}),
    "receipt": frozenset({"language", "header", "footer"}),
    "shifts": frozenset({"cash_movement_approval_above", "close_difference_approval_above"}),
    "sync": frozenset({"url", "poll_seconds", "ca_bundle", "warn_after_hours"}),
    "devices": frozenset(),  # only tables: [devices.printer|display|scanner]
}
#: the sections read, ``[etims]`` included
SECTIONS = (*_KEYS, "etims")


def known_keys(section: str) -> frozenset[str]:
    """The keys Kaunta reads in ``[section]``. ``[etims]``'s are eTIMS's own list, looked
    up only for a file that has that section (it imports ``sync.etims``)."""
    if section == "etims":
        from sync.etims.config import KNOWN_KEYS as ETIMS_KEYS

        return ETIMS_KEYS
    return _KEYS[section]


def __getattr__(name: str) -> dict[str, frozenset[str]]:
    """``KNOWN_KEYS``: every section's keys, eTIMS's included (made on first use)."""
    if name == "KNOWN_KEYS":
        return {section: known_keys(section) for section in SECTIONS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: ``[receipt] language`` values
RECEIPT_LANGUAGES = ("en", "sw", "both")
#: ``[ui] language`` values (the languages the screens speak)
UI_LANGUAGES = ("en", "sw")
#: keys of ``[payments.<method>]`` checked here; the rest belong to the method
_METHOD_NUMBERS = ("connect_timeout", "read_timeout")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

#: store and terminal ids start every receipt number (NBO01-T2-000123), so no "-" or spaces
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.]{0,15}")
_ID_RULE = "1 to 16 letters, digits, '_' or '.' (no spaces or '-')"
_TAX_PIN_RE = re.compile(r"[A-Za-z0-9]{0,20}")
_METHOD_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_MAX_RATE = Decimal(10) ** 9


def _fail(where: str, key: str, rule: str, value: Any) -> ConfigError:
    return ConfigError(f"{where}.{key} {rule}, not {value!r}.")


def _get(table: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = table.get(key, default)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{where}.{key} must be a whole number, not {value!r}.")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}.{key} must be {kind.__name__}, not {value!r}.")
    return value


def _has_control(text: str) -> bool:
    """Control characters and line or paragraph separators: they break receipts."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def _text(
    table: dict[str, Any],
    key: str,
    default: str,
    where: str,
    *,
    max_len: int = 80,
    required: bool = False,
    why: str = "",
) -> str:
    value = str(_get(table, key, str, default, where)).strip()
    if required and not value:
        raise ConfigError(f"{where}.{key} must not be empty{why}.")
    if len(value) > max_len:
        raise _fail(where, key, f"must be at most {max_len} characters", value)
    if _has_control(value):
        raise _fail(where, key, "must be one line of text without control characters", value)
    return value


def _ident(table: dict[str, Any], key: str, default: str, where: str) -> str:
    value = _text(
        table,
        key,
        default,
        where,
        required=True,
        why=": it is part of every receipt number (e.g. NBO01-T2-000123)",
    )
    if not _ID_RE.fullmatch(value):
        raise _fail(where, key, f"must be {_ID_RULE}: it is printed in receipt numbers", value)
    return value


def _whole(table: dict[str, Any], key: str, default: int, where: str, low: int, high: int) -> int:
    value = _get(table, key, int, default, where)
    if not low <= value <= high:
        raise _fail(where, key, f"must be between {low} and {high}", value)
    return int(value)


def _number(
    table: dict[str, Any], key: str, default: float, where: str, low: float, high: float
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, key, "must be a number", value)
    if not low <= value <= high:
        raise _fail(where, key, f"must be between {low:g} and {high:g}", value)
    return float(value)


def _flag(table: dict[str, Any], key: str, default: bool, where: str) -> bool:
    return bool(_get(table, key, bool, default, where))


def _currency(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'{name} must be a currency code such as "KES", not {value!r}.')
    code = value.strip().upper()
    try:
        Money.zero(code)
    except Exception:
        raise ConfigError(f"{name} {value!r} is not a supported currency.") from None
    return code


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table (a [{name}] heading with keys under it).")
    return table


def _unknown(raw: dict[str, Any]) -> list[str]:
    """One warning per key or section this version does not read (typos, mostly)."""
    found: list[str] = []
    for name, table in raw.items():
        if name not in SECTIONS:
            what = "section" if isinstance(table, dict) else "key"
            found.append(f"unknown {what} {name!r} in the config file (ignored; a typo?)")
            continue
        keys = known_keys(name)
        for key, value in table.items():
            if key in keys or (name in ("payments", "devices") and isinstance(value, dict)):
                continue
            found.append(f"unknown key {name}.{key} in the config file (ignored; a typo?)")
    return found


def _store(term: dict[str, Any]) -> StoreInfo:
    address_value = term.get("address", list(_DEMO_STORE.address))
    if isinstance(address_value, str):
        address_value = [address_value]
    if not isinstance(address_value, list) or not all(
        isinstance(line, str) for line in address_value
    ):
        raise _fail("terminal", "address", "must be a list of text lines", address_value)
    if len(address_value) > 6:
        raise _fail("terminal", "address", "must have at most 6 lines", address_value)
    address = tuple(_text({"address": line}, "address", "", "terminal") for line in address_value)
    tax_pin = _text(term, "tax_pin", _DEMO_STORE.tax_pin, "terminal", max_len=20)
    if not _TAX_PIN_RE.fullmatch(tax_pin):
        raise _fail("terminal", "tax_pin", "must be letters and digits only", tax_pin)
    return StoreInfo(
        store_id=_ident(term, "store_id", _DEMO_STORE.store_id, "terminal"),
        name=_text(
            term,
            "store_name",
            _DEMO_STORE.name,
            "terminal",
            required=True,
            why=": it heads every receipt",
        ),
        address=tuple(line for line in address if line),
        phone=_text(term, "phone", _DEMO_STORE.phone, "terminal", max_len=40),
        tax_pin=tax_pin,
    )


def _policy(pol: dict[str, Any], currency: str) -> Policy:
    increment_value = pol.get("cash_rounding_increment", "1.00")
    if isinstance(increment_value, bool) or not isinstance(increment_value, str | int):
        raise _fail(
            "policy",
            "cash_rounding_increment",
            'must be an amount in quotes, e.g. "1.00"',
            increment_value,
        )
    try:
        increment = Money.parse(str(increment_value), currency).minor
    except Exception as exc:
        raise ConfigError(f"policy.cash_rounding_increment: {exc}") from None
    if not 0 <= increment <= Money.parse("1000", currency).minor:
        raise _fail(
            "policy",
            "cash_rounding_increment",
            f"must be between 0 and 1000 {currency}",
            increment_value,
        )
    mode_text = _get(pol, "cash_rounding_mode", str, "nearest", "policy")
    try:
        mode = CashRounding(mode_text)
    except ValueError:
        choices = " | ".join(m.value for m in CashRounding)
        raise _fail(
            "policy", "cash_rounding_mode", f"must be one of {choices}", mode_text
        ) from None
    return Policy(
        discount_approval_percent=_whole(pol, "discount_approval_percent", 10, "policy", 0, 100),
        cash_rounding_increment=max(increment, 1),
        cash_rounding_mode=mode,
        max_failed_pins=_whole(pol, "max_failed_pins", 5, "policy", 1, 20),
        lockout_minutes=_whole(pol, "lockout_minutes", 15, "policy", 1, 1440),
        idle_lock_seconds=_whole(pol, "idle_lock_seconds", 120, "policy", 10, 3600),
        kept_sale_days=_whole(pol, "kept_sale_days", 90, "policy", 1, 3660),
    )


def _rate(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f'{name} must be a number such as "129.50", not {value!r}.')
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError(f"{name} {value!r} is not a number.") from None
    if not rate.is_finite() or not 0 < rate < _MAX_RATE:
        raise ConfigError(
            f"{name} must be more than 0 (store-currency units per unit), not {value!r}."
        )
    return rate


def _payments(
    section: dict[str, Any], store_currency: str
) -> tuple[dict[str, str], dict[str, Decimal]]:
    """``[payments] methods`` and each ``[payments.<method>]`` currency, rate, timeouts."""
    methods = section.get("methods", [])
    if not isinstance(methods, list) or not all(
        isinstance(m, str) and _METHOD_CODE_RE.fullmatch(m) for m in methods
    ):
        raise _fail("payments", "methods", 'must be a list of method codes like ["cash"]', methods)
    currencies: dict[str, str] = {}
    rates: dict[str, Decimal] = {}
    rate_from: dict[str, str] = {}
    for code, sub in section.items():
        if not isinstance(sub, dict):
            continue
        where = f"payments.{code}"
        for key in _METHOD_NUMBERS:
            if key in sub:
                _number(sub, key, 0.0, where, 0.1, 300.0)
        if "base_url" in sub:
            _text(sub, "base_url", "", where, max_len=500)
        if "rate" in sub and "currency" not in sub:
            raise ConfigError(
                f"{where}.rate is set without {where}.currency: say which currency the rate "
                "converts to."
            )
        if "currency" not in sub:
            continue
        currency = _currency(sub["currency"], f"{where}.currency")
        currencies[str(code)] = currency
        if "rate" not in sub:
            continue
        if currency == store_currency:
            raise ConfigError(
                f"{where}.rate is for a foreign currency, but {where}.currency is the store's "
                f"own ({currency})."
            )
        rate = _rate(sub["rate"], f"{where}.rate")
        if currency in rates and rates[currency] != rate:
            raise ConfigError(
                f"{where}.rate {rate} differs from payments.{rate_from[currency]}.rate "
                f"{rates[currency]} for the same currency {currency}."
            )
        rates[currency] = rate
        rate_from[currency] = str(code)
    return currencies, rates


def _data_dir(paths: dict[str, Any]) -> Path | None:
    if "data_dir" not in paths:
        return None
    text = _text(paths, "data_dir", "", "paths", max_len=1000, required=True)
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise _fail("paths", "data_dir", "must be an absolute path", text)
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}") from None


def load_config(
    config_path: Path | None = None,
    data_dir: Path | None = None,
    training: bool | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Read the effective configuration (file + env + flags), checking every key.

    Raises :class:`ConfigError` naming the key and the file for the first bad value.
    """
    env = dict(os.environ) if env is None else env
    path = config_path or Path(env["KAUNTA_CONFIG"]) if env.get("KAUNTA_CONFIG") else None
    path = config_path or path or default_config_path()
    raw: dict[str, Any] = {}
    found = path.is_file()
    if found:
        raw = _read(path)
    elif config_path is not None:
        raise ConfigError(f"The config file {path} does not exist.")
    try:
        return _build(path, found, raw, data_dir, training, env)
    except ConfigError as exc:
        if not found:
            raise
        raise ConfigError(f"{exc} (config file: {path})") from None


def _build(
    path: Path,
    found: bool,
    raw: dict[str, Any],
    data_dir: Path | None,
    training: bool | None,
    env: dict[str, str],
) -> Config:
    sections = {name: _section(raw, name) for name in SECTIONS}
    term, pol = sections["terminal"], sections["policy"]

    env_training = env.get("KAUNTA_TRAINING")
    if training is None and env_training is not None:
        training = env_training.lower() in ("1", "true", "yes")
    if training is None:
        training = _flag(term, "training", not found, "terminal")
    else:
        _flag(term, "training", False, "terminal")  # still checked

    currency = _currency(term.get("currency", "KES"), "terminal.currency")
    tz = _text(term, "timezone", "Africa/Nairobi", "terminal", required=True)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        raise ConfigError(f"terminal.timezone {tz!r} is not a known time zone.") from None

    env_level = env.get("KAUNTA_LOG_LEVEL")
    level = (env_level or _get(sections["logging"], "level", str, "INFO", "logging")).upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(
            f"logging.level {level!r} is not one of {', '.join(_LOG_LEVELS)} "
            "(or set KAUNTA_LOG_LEVEL)."
        )
    backup_section = sections["backup"]
    backup = BackupPolicy(
        every_hours=_number(backup_section, "every_hours", 4.0, "backup", 0.25, 168.0),
        keep=_whole(backup_section, "keep", 14, "backup", 1, 1000),
    )
    method_currency, foreign_rates = _payments(sections["payments"], currency)
    ui_language = _get(sections["ui"], "language", str, "en", "ui")
    if ui_language not in UI_LANGUAGES:
        raise _fail("ui", "language", 'must be "en" or "sw"', ui_language)
    receipt_language = _get(sections["receipt"], "language", str, "en", "receipt")
    if receipt_language not in RECEIPT_LANGUAGES:
        raise _fail("receipt", "language", 'must be "en", "sw" or "both"', receipt_language)

    etims = _etims(sections["etims"])
    store = _receipt_lines(_store(term), sections["receipt"])
    if etims is not None and store.tax_pin != etims.branch.tin:
        # the receipt would print one taxpayer's PIN over a KRA QR code of another's
        raise ConfigError(
            f"terminal.tax_pin {store.tax_pin!r} must be the eTIMS KRA PIN etims.tin "
            f"{etims.branch.tin!r}: the receipt prints the one and KRA signs for the other."
        )
    if training:
        # training is a practice run of this shop (its name and address on the receipts,
        # marked TRAINING), but never under its real KRA PIN: a training receipt must not
        # pass for the shop's tax invoice. The demo store's PIN stands in, and the training
        # eTIMS simulator signs for it (pos.etims_link), never for the shop's own
        store = replace(store, tax_pin=_DEMO_STORE.tax_pin)
    configured_dir = _data_dir(sections["paths"])
    data = data_dir or (Path(env["KAUNTA_DATA_DIR"]) if env.get("KAUNTA_DATA_DIR") else None)
    data = data or configured_dir or default_data_dir()
    return Config(
        config_path=path,
        config_found=found,
        data_dir=data,
        log_dir=Path(env["KAUNTA_LOG_DIR"]) if env.get("KAUNTA_LOG_DIR") else default_log_dir(),
        training=training,
        store=store,
        terminal_id=_ident(term, "terminal_id", "T1", "terminal"),
        currency=currency,
        timezone=tz,
        policy=_policy(pol, currency),
        fullscreen=_flag(sections["ui"], "fullscreen", False, "ui"),
        language=ui_language,
        log_level=level,
        raw=raw,
        backup=backup,
        method_currency=method_currency,
        foreign_rates=foreign_rates,
        warnings=tuple(_unknown(raw)),
        receipt_language=receipt_language,
        sync=_sync(sections["sync"]),
        shift_limits=_shift_limits(sections["shifts"], currency),
        vat_registered=_flag(term, "vat_registered", True, "terminal"),
        devices=_devices(sections["devices"]),
        etims=etims,
    )


def _etims(section: dict[str, Any]) -> EtimsConfig | None:
    """``[etims]`` checked by eTIMS's own parser; no section: None, and nothing imported."""
    if not section:
        return None
    from sync.etims.config import parse_etims
    from sync.etims.settings import SettingsError

    try:
        return parse_etims(section)
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None


def _devices(section: dict[str, Any]) -> DevicesConfig:
    try:
        return devices_config(section)
    except DeviceConfigError as exc:
        raise ConfigError(f"{exc}.") from None


def _receipt_lines(store: StoreInfo, section: dict[str, Any]) -> StoreInfo:
    """``[receipt] header`` (lines printed under the address) and ``footer`` (replacing
    the default thank-you line), each at most 4 lines of 40 characters."""
    found: dict[str, tuple[str, ...]] = {}
    for key in ("header", "footer"):
        if key not in section:
            continue
        value = section[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail("receipt", key, "must be a list of text lines", value)
        if len(value) > 4:
            raise _fail("receipt", key, "must have at most 4 lines", value)
        found[key] = tuple(
            line
            for line in (_text({key: v}, key, "", "receipt", max_len=40) for v in value)
            if line
        )
    if "header" in found:
        store = replace(store, address=store.address + found["header"])
    if "footer" in found:
        store = replace(store, footer=found["footer"])
    return store


def _shift_limits(section: dict[str, Any], currency: str) -> ShiftLimits:
    """``[shifts]`` limits in whole units of the currency (KES 5000 = 500000 minor)."""
    from pos.domain.money import exponent

    unit = 10 ** exponent(currency)
    return ShiftLimits(
        cash_movement_approval_above=unit
        * _whole(section, "cash_movement_approval_above", 5000, "shifts", 0, 10**9),
        close_difference_approval_above=unit
        * _whole(section, "close_difference_approval_above", 500, "shifts", 0, 10**9),
    )
