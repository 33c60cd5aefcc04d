"""Configuration: one TOML file, overridable by environment variables and CLI flags.

Precedence (highest first): CLI flags, ``KAUNTA_*`` environment variables, the TOML file,
built-in defaults. With no config file at all, Kaunta starts in **training mode** with a
demo store, so a fresh install can be tried without setting anything up.
Secrets never live here: they go to the OS keyring.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir, user_log_dir

from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.sale import CashRounding
from pos.services.context import Policy, TerminalContext

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
    log_level: str = "INFO"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

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


_DEMO_STORE = StoreInfo(
    store_id="DEMO",
    name="Kaunta Demo Duka",
    address=("Moi Avenue, Nairobi",),
    phone="0700 000 000",
    tax_pin="P000000000X",
)


def _get(table: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = table.get(key, default)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{where}.{key} must be a whole number, not {value!r}.")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}.{key} must be {kind.__name__}, not {value!r}.")
    return value


def load_config(
    config_path: Path | None = None,
    data_dir: Path | None = None,
    training: bool | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Read the effective configuration (file + env + flags)."""
    env = dict(os.environ) if env is None else env
    path = config_path or Path(env["KAUNTA_CONFIG"]) if env.get("KAUNTA_CONFIG") else None
    path = config_path or path or default_config_path()
    raw: dict[str, Any] = {}
    found = path.is_file()
    if found:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read the config file {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The config file {path} is not valid TOML: {exc}") from None
    elif config_path is not None:
        raise ConfigError(f"The config file {path} does not exist.")

    term = raw.get("terminal", {})
    pol = raw.get("policy", {})
    ui = raw.get("ui", {})
    for name, table in (("terminal", term), ("policy", pol), ("ui", ui)):
        if not isinstance(table, dict):
            raise ConfigError(f"[{name}] in {path} must be a table.")

    env_training = env.get("KAUNTA_TRAINING")
    if training is None and env_training is not None:
        training = env_training.lower() in ("1", "true", "yes")
    if training is None:
        training = bool(_get(term, "training", bool, not found, "terminal"))

    currency = _get(term, "currency", str, "KES", "terminal")
    try:
        Money.zero(currency)
    except Exception:
        raise ConfigError(f"terminal.currency {currency!r} is not a supported currency.") from None
    store = StoreInfo(
        store_id=_get(term, "store_id", str, _DEMO_STORE.store_id, "terminal"),
        name=_get(term, "store_name", str, _DEMO_STORE.name, "terminal"),
        address=tuple(_get(term, "address", list, list(_DEMO_STORE.address), "terminal")),
        phone=_get(term, "phone", str, _DEMO_STORE.phone, "terminal"),
        tax_pin=_get(term, "tax_pin", str, _DEMO_STORE.tax_pin, "terminal"),
    )
    increment_text = str(_get(pol, "cash_rounding_increment", str, "1.00", "policy"))
    try:
        increment = Money.parse(increment_text, currency).minor
        mode = CashRounding(_get(pol, "cash_rounding_mode", str, "nearest", "policy"))
    except Exception as exc:
        raise ConfigError(f"Bad cash rounding setting: {exc}") from None
    policy = Policy(
        discount_approval_percent=_get(pol, "discount_approval_percent", int, 10, "policy"),
        cash_rounding_increment=max(increment, 1),
        cash_rounding_mode=mode,
        max_failed_pins=_get(pol, "max_failed_pins", int, 5, "policy"),
        lockout_minutes=_get(pol, "lockout_minutes", int, 15, "policy"),
        idle_lock_seconds=_get(pol, "idle_lock_seconds", int, 120, "policy"),
    )
    if policy.max_failed_pins < 1 or policy.lockout_minutes < 1:
        raise ConfigError("policy.max_failed_pins and policy.lockout_minutes must be at least 1.")
    tz = _get(term, "timezone", str, "Africa/Nairobi", "terminal")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        raise ConfigError(f"terminal.timezone {tz!r} is not a known time zone.") from None
    log_section = raw.get("logging", {})
    level = str(
        env.get("KAUNTA_LOG_LEVEL")
        or _get(
            log_section if isinstance(log_section, dict) else {}, "level", str, "INFO", "logging"
        )
    ).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"logging.level {level!r} is not one of DEBUG, INFO, WARNING, ERROR "
            "(or set KAUNTA_LOG_LEVEL)."
        )
    data = data_dir or (Path(env["KAUNTA_DATA_DIR"]) if env.get("KAUNTA_DATA_DIR") else None)
    data = data or Path(
        _get(raw.get("paths", {}), "data_dir", str, str(default_data_dir()), "paths")
    )
    return Config(
        config_path=path,
        config_found=found,
        data_dir=data,
        log_dir=Path(env["KAUNTA_LOG_DIR"]) if env.get("KAUNTA_LOG_DIR") else default_log_dir(),
        training=training,
        store=store,
        terminal_id=_get(term, "terminal_id", str, "T1", "terminal"),
        currency=currency,
        timezone=tz,
        policy=policy,
        fullscreen=bool(_get(ui, "fullscreen", bool, False, "ui")),
        log_level=level,
        raw=raw,
    )
