"""The ``[etims]`` section of a till's config file, checked key by key.

A live till submits its sales to KRA only when this section names its branch device:
the KRA PIN, the branch id KRA assigned (never assumed ``00``: a taxpayer already on the
portal may hold ``00``, reference 1.3), the device serial entered in the eTIMS service
request, and where OSCU is (KRA's sandbox, production, or a simulator on this machine).
Every choice the reference marks GUESS or CONFLICT is a key here too, defaulting to the
reference's recommendation, so a change of KRA's mind is a config edit, not a release.

The communication key is never in this file: KRA returns it at initialisation and it goes
to the OS keyring (``Branch.secret_name``). The optional GavaConnect Bearer token (1.4,
CONFLICT) is read from the keyring too, under ``etims.bearer.<PIN>.<branch>``.

Pure: a mapping in, an :class:`EtimsConfig` (or None when the section is absent) out,
:class:`~sync.etims.settings.SettingsError` naming the key otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sync.etims.settings import (
    PRODUCTION_API,
    PRODUCTION_VERIFY_HOST,
    SANDBOX_API,
    SANDBOX_VERIFY_HOST,
    AmountConvention,
    Branch,
    CuNumberStyle,
    EtimsSettings,
    LineTax,
    RateStyle,
    SettingsError,
)

__all__ = [
    "ENVIRONMENTS",
    "KNOWN_KEYS",
    "EtimsConfig",
    "environment_section",
    "environment_variable",
    "parse_etims",
    "parse_settings",
]

#: ``environment`` -> (API base URL, verification host); "simulator" needs both URLs set
ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "sandbox": (SANDBOX_API, SANDBOX_VERIFY_HOST),
    "production": (PRODUCTION_API, PRODUCTION_VERIFY_HOST),
}

#: every key of ``[etims]``
KNOWN_KEYS = frozenset(
    {
        "tin",
        "bhf_id",
        "device_serial",
        "environment",
        "base_url",
        "verify_host",
        "max_queue_age_hours",
        "timeout_s",
        "init_timeout_s",
        "amount_convention",
        "line_tax",
        "rate_style",
        "cu_number_style",
        "invoice_number_as_string",
        "send_credentials_in_body",
        "purchase_accept_header",
        "purchase_accept_receipt",
        "proxy",
        "item_class",
    }
)

_LOOPBACK = re.compile(r"http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/\S*)?")
_HTTPS = re.compile(r"https://[^\s/]+(/\S*)?")


@dataclass(frozen=True, slots=True)
class EtimsConfig:
    """One till's branch device and how it talks to OSCU."""

    branch: Branch
    settings: EtimsSettings
    environment: str  #: sandbox, production or simulator
    #: the KRA item classification given to products that have none of their own
    item_class: str = ""

    @property
    def bearer_secret_name(self) -> str:
        """The keyring name of the optional GavaConnect token (reference 1.4)."""
        return f"etims.bearer.{self.branch.tin}.{self.branch.bhf_id}"


def _fail(key: str, rule: str, value: object) -> SettingsError:
    return SettingsError(f"etims.{key} {rule}, not {value!r}.")


def _text(section: Mapping[str, Any], key: str, default: str = "") -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise _fail(key, "must be text", value)
    return value.strip()


def _flag(section: Mapping[str, Any], key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise _fail(key, "must be true or false", value)
    return value


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(key, "must be a number", value)
    if not low <= value <= high:
        raise _fail(key, f"must be between {low:g} and {high:g}", value)
    return float(value)


def _choice(section: Mapping[str, Any], key: str, kind: Any, default: Any) -> Any:
    value = section.get(key, default.value)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(f'"{m.value}"' for m in kind)
        raise _fail(key, f"must be one of {allowed}", value) from None


def _url(key: str, value: str, *, simulator: bool) -> str:
    """https anywhere; plain http only to this machine (a simulator)."""
    if _HTTPS.fullmatch(value) or (simulator and _LOOPBACK.fullmatch(value)):
        return value
    rule = "must be an https:// address" + (" or http:// on this machine" if simulator else "")
    raise _fail(key, rule, value)


def _yn(section: Mapping[str, Any], key: str, default: str) -> str:
    value = _text(section, key, default).upper()
    if value not in ("Y", "N"):
        raise _fail(key, 'must be "Y" or "N"', value)
    return value


def parse_etims(section: Mapping[str, Any] | None) -> EtimsConfig | None:
    """``[etims]`` checked, or None when the till has no such section (eTIMS off).
    Unknown keys are the caller's warnings (``KNOWN_KEYS``), as in the rest of the file."""
    if not section:
        return None
    for key in ("tin", "bhf_id", "device_serial"):
        if not _text(section, key):
            raise SettingsError(
                f"etims.{key} must be set: the KRA PIN, the branch id KRA assigned "
                "(00 only if KRA says so) and the device serial of the eTIMS service request."
            )
    branch = Branch(
        _text(section, "tin").upper(), _text(section, "bhf_id"), _text(section, "device_serial")
    )
    settings, environment, item_class = parse_settings(section)
    return EtimsConfig(branch, settings, environment, item_class)


def parse_settings(section: Mapping[str, Any]) -> tuple[EtimsSettings, str, str]:
    """How OSCU is reached and every GUESS/CONFLICT choice, from the keys of ``[etims]``
    other than the branch's (a till's section, or head office's environment through
    :func:`environment_section`): the settings, the environment name and the fallback
    item classification ("" = :data:`sync.etims.items.DEFAULT_CLASS`)."""
    environment = _text(section, "environment", "sandbox")
    simulator = environment == "simulator"
    if environment in ENVIRONMENTS:
        base_default, verify_default = ENVIRONMENTS[environment]
    elif simulator:
        base_default = verify_default = ""
        for key in ("base_url", "verify_host"):
            if not _text(section, key):
                raise SettingsError(
                    f'etims.{key} must be set with environment = "simulator" '
                    "(the address kaunta sandbox etims printed)."
                )
    else:
        raise _fail("environment", 'must be "sandbox", "production" or "simulator"', environment)
    base_url = _url("base_url", _text(section, "base_url", base_default), simulator=simulator)
    verify = _url("verify_host", _text(section, "verify_host", verify_default), simulator=simulator)
    proxy = _text(section, "proxy") or None
    if proxy is not None and not re.fullmatch(r"https?://\S+", proxy):
        raise _fail("proxy", "must be an http:// or https:// proxy address", proxy)
    item_class = _text(section, "item_class")
    if item_class and not re.fullmatch(r"\d{1,10}", item_class):
        raise _fail("item_class", "must be a KRA item classification code (digits)", item_class)
    settings = EtimsSettings(
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        verify_host=verify.rstrip("/"),
        timeout_s=_number(section, "timeout_s", 120.0, 1.0, 600.0),
        init_timeout_s=_number(section, "init_timeout_s", 30.0, 1.0, 600.0),
        amount_convention=_choice(
            section, "amount_convention", AmountConvention, AmountConvention.EXCLUSIVE
        ),
        line_tax=_choice(section, "line_tax", LineTax, LineTax.RECEIPT),
        rate_style=_choice(section, "rate_style", RateStyle, RateStyle.ALL),
        cu_number_style=_choice(section, "cu_number_style", CuNumberStyle, CuNumberStyle.INVOICE),
        invoice_number_as_string=_flag(section, "invoice_number_as_string", False),
        send_credentials_in_body=_flag(section, "send_credentials_in_body", False),
        purchase_accept_header=_yn(section, "purchase_accept_header", "Y"),
        purchase_accept_receipt=_yn(section, "purchase_accept_receipt", "N"),
        queue_alert_after=timedelta(
            hours=_number(section, "max_queue_age_hours", 24.0, 0.1, 24.0 * 30)
        ),
        proxy=proxy,
    )
    return settings, environment, item_class


#: the keys of ``[etims]`` that are a branch's identity, not a setting
BRANCH_KEYS = frozenset({"tin", "bhf_id", "device_serial"})
_FLAGS = frozenset({"invoice_number_as_string", "send_credentials_in_body"})
_NUMBERS = frozenset({"timeout_s", "init_timeout_s", "max_queue_age_hours"})
ENV_PREFIX = "KAUNTA_ETIMS_"


def environment_variable(key: str) -> str:
    """The environment variable head office reads for ``[etims] key``."""
    return ENV_PREFIX + key.upper()


def environment_section(env: Mapping[str, str]) -> dict[str, Any]:
    """Head office's ``[etims]`` settings from ``KAUNTA_ETIMS_<KEY>`` variables (the same
    keys as a till's section, branch keys excepted: those are per branch, in the
    database), typed as the TOML would be: flags ``true``/``false`` (or 1/0, yes/no),
    numbers as numbers. Given ``KAUNTA_ETIMS_BASE_URL`` without an environment, the
    environment is ``simulator`` (both addresses named, plain http only to this machine).
    A value that is not of its kind raises :class:`SettingsError` naming the variable."""
    section: dict[str, Any] = {}
    for key in sorted(KNOWN_KEYS - BRANCH_KEYS):
        raw = env.get(environment_variable(key))
        if raw is None or not raw.strip():
            continue
        value = raw.strip()
        if key in _FLAGS:
            lowered = value.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise SettingsError(
                    f"{environment_variable(key)} must be true or false, not {value!r}."
                )
            section[key] = lowered in ("true", "1", "yes")
        elif key in _NUMBERS:
            try:
                section[key] = float(value)
            except ValueError:
                raise SettingsError(
                    f"{environment_variable(key)} must be a number, not {value!r}."
                ) from None
        else:
            section[key] = value
    if "base_url" in section and "environment" not in section:
        section["environment"] = "simulator"
    return section
