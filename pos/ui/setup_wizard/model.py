"""What the set-up wizard collects, each field's check, and the live config it becomes.

:class:`ShopDetails` holds the answers; the ``check_*`` functions return ``None`` or a
message that starts with the field's label ("KRA PIN: ..."), in the screens' language, so
a person always knows which box to correct. :func:`config_toml` renders the answers as
the TOML file ``pos.config`` reads (every key it writes is one that file checks again at
start-up, so the wizard can never write a file Kaunta refuses later).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication

from pos.domain.money import exponent
from pos.services.auth import PIN_MAX, PIN_MIN
from pos.services.device_admin import render_table
from pos.services.shop_details import ETIMS_KEYS, ShopSettings

#: KRA PIN: a letter, nine digits, a letter (P051234567X: companies P, individuals A)
KRA_PIN_RE = re.compile(r"[A-Z][0-9]{9}[A-Z]")
#: store and till codes start every receipt number (NBO01-T2-000123)
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.]{0,15}")
PHONE_RE = re.compile(r"\+?[0-9][0-9 -]{5,22}")
#: the longest receipt line a 58 mm printer prints without wrapping (font A: 32; 80 mm: 48)
RECEIPT_LINE_MAX = 40
RECEIPT_LINES_MAX = 4
ADDRESS_LINES_MAX = 6
NAME_MAX = 80
#: currencies a shop can choose (the till knows their minor units); the first is the default
CURRENCIES = ("KES", "UGX", "TZS", "RWF", "USD")
#: time zones of the region, the first the default
TIMEZONES = (
    "Africa/Nairobi",
    "Africa/Kampala",
    "Africa/Dar_es_Salaam",
    "Africa/Kigali",
    "UTC",
)
RECEIPT_LANGUAGES = ("en", "sw", "both")
SCREEN_LANGUAGES = ("en", "sw")
#: the device tables the wizard sets, in the order they are written
DEVICE_TABLES = ("printer", "display", "scanner")
#: a network printer typed as host:port (192.168.1.50:9100): pyserial's socket:// URL
HOST_PORT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*:[0-9]{1,5}")
#: port names the device settings accept: COM3, a device file (/dev/ttyUSB0, a
#: /dev/serial/by-id/... link), a pyserial URL
PORT_RE = re.compile(
    r"(COM[0-9]{1,3}|\\\\\.\\COM[0-9]{1,3}|/\S+|(socket|rfc2217)://[A-Za-z0-9.-]+:[0-9]{1,5}|loop://|"
    r"spy://\S+|file:\S+|raw:\S+)",
    re.IGNORECASE,
)
BRANCH_RE = re.compile(r"[0-9]{2}")
CMC_KEY_RE = re.compile(r"[A-Za-z0-9]{16,255}")
#: ``[etims] environment`` choices (sync.etims.config.ENVIRONMENTS plus the simulator)
ETIMS_ENVIRONMENTS = ("sandbox", "production", "simulator")


@dataclass(slots=True)
class ShopDetails:
    """Every answer of the wizard; the defaults are what a skipped step leaves."""

    shop_name: str = "My shop"
    address: list[str] = field(default_factory=list)
    phone: str = ""
    kra_pin: str = ""
    vat_registered: bool = True
    store_id: str = "SHOP1"
    terminal_id: str = "T1"
    currency: str = CURRENCIES[0]
    timezone: str = TIMEZONES[0]
    screen_language: str = "en"
    receipt_language: str = "en"
    receipt_header: list[str] = field(default_factory=list)
    receipt_footer: list[str] = field(default_factory=lambda: ["Thank you for shopping with us!"])
    manager_name: str = ""
    methods: list[str] = field(default_factory=lambda: ["cash"])
    head_office_url: str = ""
    enrolled: bool = False
    #: ``[devices.<table>]`` tables (printer, display, scanner) as the device settings
    #: write them; a table absent: no such device (set later in the manager's tools)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the ``[etims]`` keys (tin, bhf_id, device_serial, environment, base_url,
    #: verify_host); empty: eTIMS not set up here (the key itself is in the keyring)
    etims: dict[str, str] = field(default_factory=dict)
    #: how the eTIMS test went, for the summary ("" when not tested)
    etims_tested: str = ""
    #: steps skipped, by page name, for the summary (and what to do later)
    skipped: list[str] = field(default_factory=list)


def details_of(settings: ShopSettings, *, enrolled: bool = False) -> ShopDetails:
    """The wizard's answers for a till set up already (the shop details screen shows
    them in the wizard's own pages)."""
    return ShopDetails(
        shop_name=settings.store_name,
        address=list(settings.address),
        phone=settings.phone,
        kra_pin=settings.tax_pin,
        vat_registered=settings.vat_registered,
        store_id=settings.store_id,
        terminal_id=settings.terminal_id,
        currency=settings.currency,
        timezone=settings.timezone,
        screen_language=settings.screen_language,
        receipt_language=settings.receipt_language,
        receipt_header=list(settings.header),
        receipt_footer=list(settings.footer),
        enrolled=enrolled,
        etims=dict(settings.etims),
        methods=list(settings.methods),
    )


def shop_settings(details: ShopDetails, base: ShopSettings) -> ShopSettings:
    """``base`` (the details saved now) with the answers of the pages the shop details
    screen shows put in."""
    return ShopSettings(
        store_name=details.shop_name.strip(),
        address=tuple(details.address),
        phone=details.phone.strip(),
        tax_pin=details.kra_pin.strip().upper(),
        vat_registered=details.vat_registered,
        store_id=details.store_id.strip(),
        terminal_id=details.terminal_id.strip(),
        currency=details.currency,
        timezone=details.timezone,
        screen_language=details.screen_language,
        receipt_language=details.receipt_language,
        header=tuple(details.receipt_header),
        footer=tuple(details.receipt_footer),
        etims=base.etims
        if details.enrolled
        else tuple((k, details.etims[k]) for k in ETIMS_KEYS if details.etims.get(k)),
        methods=tuple(details.methods),
    )


def _control(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def check_shop_name(name: str) -> str | None:
    name = name.strip()
    if not name:
        return QCoreApplication.translate(
            "SetupWizard", "Shop name: type the shop's name; it heads every receipt."
        )
    if len(name) > NAME_MAX or _control(name):
        return QCoreApplication.translate(
            "SetupWizard", "Shop name: one line of at most 80 characters."
        )
    return None


def check_address(lines: list[str]) -> str | None:
    if len(lines) > ADDRESS_LINES_MAX:
        return QCoreApplication.translate("SetupWizard", "Address: at most 6 lines.")
    if any(len(line) > NAME_MAX or _control(line) for line in lines):
        return QCoreApplication.translate(
            "SetupWizard", "Address: each line at most 80 characters."
        )
    return None


def check_phone(phone: str) -> str | None:
    phone = phone.strip()
    if phone and (not PHONE_RE.fullmatch(phone) or len(re.sub(r"\D", "", phone)) < 7):
        return QCoreApplication.translate(
            "SetupWizard", "Phone: digits, spaces and an optional leading +, e.g. 0712 345 678."
        )
    return None


def check_kra_pin(pin: str, *, vat_registered: bool) -> str | None:
    pin = pin.strip().upper()
    if not pin:
        if vat_registered:
            return QCoreApplication.translate(
                "SetupWizard",
                "KRA PIN: a shop registered for VAT prints its KRA PIN on every receipt.",
            )
        return None
    if not KRA_PIN_RE.fullmatch(pin):
        return QCoreApplication.translate(
            "SetupWizard",
            "KRA PIN: a letter, 9 digits and a letter, e.g. P051234567X (as on the KRA "
            "PIN certificate).",
        )
    return None


def check_code(value: str, label: str) -> str | None:
    """``label`` is the field's translated name (Store code, Till number)."""
    if not CODE_RE.fullmatch(value.strip()):
        return QCoreApplication.translate(
            "SetupWizard",
            "{field}: 1 to 16 letters, digits, '_' or '.', no spaces or '-' (it starts "
            "every receipt number).",
        ).format(field=label)
    return None


def check_receipt_lines(lines: list[str], label: str) -> str | None:
    """Header or footer (``label`` translated): a few short lines."""
    if len(lines) > RECEIPT_LINES_MAX:
        return QCoreApplication.translate("SetupWizard", "{field}: at most 4 lines.").format(
            field=label
        )
    if any(len(line) > RECEIPT_LINE_MAX or _control(line) for line in lines):
        return QCoreApplication.translate(
            "SetupWizard", "{field}: each line at most 40 characters (a narrow printer's width)."
        ).format(field=label)
    return None


def check_manager(name: str, pin: str, repeat: str) -> str | None:
    if not name.strip() or len(name.strip()) > 40:
        return QCoreApplication.translate(
            "SetupWizard",
            "Manager's name: type a name of 1 to 40 characters; it is shown at login.",
        )
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        return QCoreApplication.translate("SetupWizard", "PIN: {low} to {high} digits.").format(
            low=PIN_MIN, high=PIN_MAX
        )
    if pin != repeat:
        return QCoreApplication.translate(
            "SetupWizard", "PIN again: the two PINs are not the same; type the PIN twice."
        )
    return None


def normal_port(text: str) -> str:
    """The port as the device settings take it: ``host:port`` becomes pyserial's
    ``socket://host:port`` (a network printer), everything else as typed."""
    text = text.strip()
    if HOST_PORT_RE.fullmatch(text) and not text.upper().startswith("COM"):
        return f"socket://{text}"
    return text


def check_port(port: str, device: str) -> str | None:
    """``device`` is the device's translated name; an empty port means no device."""
    if port and not PORT_RE.fullmatch(port):
        return QCoreApplication.translate(
            "SetupWizard",
            "{device}, Port: a serial port (COM3, /dev/ttyUSB0) or a network device's "
            "address and port (192.168.1.50:9100), or leave it empty for none.",
        ).format(device=device)
    return None


def check_branch_id(value: str) -> str | None:
    if not BRANCH_RE.fullmatch(value.strip()):
        return QCoreApplication.translate(
            "SetupWizard",
            "Branch id: the two digits KRA gave this branch, e.g. 01 (00 only if KRA says so).",
        )
    return None


def check_device_serial(value: str) -> str | None:
    value = value.strip()
    if not 1 <= len(value) <= 100 or _control(value):
        return QCoreApplication.translate(
            "SetupWizard",
            "Device serial: the serial entered in the eTIMS service request, 1 to 100 characters.",
        )
    return None


def check_etims_url(url: str, environment: str) -> str | None:
    """Empty is KRA's own address for the sandbox and production; the simulator's is
    typed (``kaunta sandbox etims`` prints it): https, or http on this computer."""
    url = url.strip()
    if not url and environment != "simulator":
        return None
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if not (parts.scheme == "https" and parts.hostname) and not (
        parts.scheme == "http" and local and environment == "simulator"
    ):
        return QCoreApplication.translate(
            "SetupWizard",
            "eTIMS address: an https:// address (or, for the simulator on this computer, "
            "the http://127.0.0.1:… address kaunta sandbox etims printed).",
        )
    return None


def check_cmc_key(key: str) -> str | None:
    if key and not CMC_KEY_RE.fullmatch(key.strip()):
        return QCoreApplication.translate(
            "SetupWizard",
            "Communication key: the letters and digits KRA gave at the first "
            "initialisation (16 to 255), or leave it empty.",
        )
    return None


def etims_section(tin: str, branch: str, serial: str, environment: str, url: str) -> dict[str, str]:
    """The ``[etims]`` keys for these answers (the simulator's verification host is its
    own address's origin)."""
    section = {
        "tin": tin.strip().upper(),
        "bhf_id": branch.strip(),
        "device_serial": serial.strip(),
        "environment": environment,
    }
    url = url.strip()
    if url:
        section["base_url"] = url
        if environment == "simulator":
            parts = urlsplit(url)
            section["verify_host"] = f"{parts.scheme}://{parts.netloc}"
    return section


def lines_of(text: str) -> list[str]:
    """The non-empty lines of a multi-line box, trimmed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for the text allowed here)."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def cash_rounding_increment(currency: str) -> str:
    """One whole unit of ``currency`` written with exactly its decimals ("1" for UGX and
    RWF, "1.00" for KES): ``pos.config`` refuses more decimals than the currency has, and
    its own default ("1.00") would refuse every zero-decimal currency the wizard offers."""
    digits = exponent(currency)
    return "1." + "0" * digits if digits else "1"


def config_toml(details: ShopDetails) -> str:
    """The live config file for ``details`` (``pos.config`` checks every key again)."""
    lines = [
        "# Kaunta live configuration, written by the set-up wizard.",
        "# Every key is described in docs/configuration.md; secrets are in the OS keyring.",
        "",
        "[terminal]",
        "training = false",
        f"store_id = {_s(details.store_id.strip())}",
        f"terminal_id = {_s(details.terminal_id.strip())}",
        f"store_name = {_s(details.shop_name.strip())}",
        f"address = {_list(details.address)}",
        f"phone = {_s(details.phone.strip())}",
        f"tax_pin = {_s(details.kra_pin.strip().upper())}",
        f"vat_registered = {'true' if details.vat_registered else 'false'}",
        f"currency = {_s(details.currency)}",
        f"timezone = {_s(details.timezone)}",
        "",
        "[ui]",  # the login screen and the start-up messages, before anyone logs in
        f"language = {_s(details.screen_language)}",
        "",
        "[receipt]",
        f"language = {_s(details.receipt_language)}",
        f"header = {_list(details.receipt_header)}",
        f"footer = {_list(details.receipt_footer)}",
        "",
        "[payments]",
        f"methods = {_list(details.methods)}",
        "",
        "[policy]",  # cash is rounded to whole units of the shop's own currency
        f"cash_rounding_increment = {_s(cash_rounding_increment(details.currency))}",
    ]
    if details.head_office_url:
        lines += ["", "[sync]", f"url = {_s(details.head_office_url)}"]
    if details.etims and not details.enrolled:
        lines += ["", "[etims]"] + [f"{k} = {_s(v)}" for k, v in details.etims.items()]
    text = "\n".join(lines) + "\n"
    for table in DEVICE_TABLES:
        if details.devices.get(table):
            text += "\n" + render_table(table, details.devices[table])
    return text
