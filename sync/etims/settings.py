"""Per-branch eTIMS settings, and every choice the reference marks GUESS or CONFLICT.

Nothing KRA has not confirmed is hard-coded: the amount convention, how tax rates are
sent for unused bands, which number follows ``sdcId/`` on the receipt, whether
``invcNo`` goes as a JSON string or number, the optional Bearer token, the tender and
refund-reason maps are all fields here with the reference's recommendation as default
(docs/etims.md lists them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Protocol

from sync.etims.codes import DEFAULT_PAYMENT_TYPES, DEFAULT_REFUND_REASONS

#: Kenya keeps East Africa Time all year (UTC+3, no daylight saving): a fixed offset
#: needs no time-zone database on the till.
NAIROBI = timezone(timedelta(hours=3), "EAT")

PIN_RE = re.compile(r"[A-Z]\d{9}[A-Z]")
BRANCH_RE = re.compile(r"\d{2}")

SANDBOX_API = "https://etims-api-sbx.kra.go.ke/etims-api/"
PRODUCTION_API = "https://etims-api.kra.go.ke/etims-api/"
SANDBOX_VERIFY_HOST = "https://etims-sbx.kra.go.ke"
PRODUCTION_VERIFY_HOST = "https://etims.kra.go.ke"
VERIFY_PATH = "/common/link/etims/receipt/indexEtimsReceiptData?Data="


class SettingsError(ValueError):
    """A setting is wrong; the message names it."""


class AmountConvention(StrEnum):
    """What ``taxblAmt`` means (reference 3.5, CONFLICT)."""

    #: Odoo, Navari, the TaxID SDK: the taxable amount without VAT (recommended).
    EXCLUSIVE = "exclusive"
    #: The spec's Rwanda-derived samples: the VAT-inclusive amount.
    INCLUSIVE = "inclusive"


class LineTax(StrEnum):
    """Where a line's ``taxAmt`` comes from."""

    #: The VAT the Kaunta receipt printed for the line (the class's VAT spread over its
    #: lines): the bands then equal the receipt's VAT table to the cent.
    RECEIPT = "receipt"
    #: Recomputed per line, round-half-up of total x r / (100 + r), as Odoo does.
    PER_LINE = "per_line"


class RateStyle(StrEnum):
    """``taxRtX`` for bands the invoice does not use (reference 3.2, GUESS)."""

    ALL = "all"  #: Odoo: every band's rate from the code list, used or not
    USED = "used"  #: Navari: a band's rate only when the invoice uses it, else 0


class CuNumberStyle(StrEnum):
    """What follows ``sdcId/`` in the receipt's CU invoice number (reference 4.3, CONFLICT)."""

    INVOICE = "invcNo"  #: Odoo
    RECEIPT = "curRcptNo"  #: the TIS-citing renderer


class DuplicateStrategy(StrEnum):
    """What a 994 reply means to the client (reference 5.3, GUESS)."""

    LOOKUP = "lookup"  #: ask selectInvoiceDetails and take its signature


class SecretStore(Protocol):
    """Where the communication key lives: the till's keyring wrapper
    (``pos.secrets.KeyringSecrets``), or an environment/encrypted store at head office."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Branch:
    """One OSCU device: a KRA PIN, a branch id KRA assigned (never assumed ``00``) and the
    device serial entered in the eTIMS service request."""

    tin: str
    bhf_id: str
    device_serial: str

    def __post_init__(self) -> None:
        if not PIN_RE.fullmatch(self.tin):
            raise SettingsError(f"etims.tin: {self.tin!r} is not a KRA PIN (like P051234567X)")
        if not BRANCH_RE.fullmatch(self.bhf_id):
            raise SettingsError(f"etims.bhf_id: {self.bhf_id!r} is not a two-digit branch id")
        if not 1 <= len(self.device_serial) <= 100:
            raise SettingsError("etims.device_serial: 1 to 100 characters")

    @property
    def key(self) -> str:
        """The branch's identity, used to name its queue and its secret."""
        return f"{self.tin}-{self.bhf_id}"

    @property
    def secret_name(self) -> str:
        """The name of the communication key in the secret store."""
        return f"etims.cmc_key.{self.tin}.{self.bhf_id}"


@dataclass(frozen=True, slots=True)
class EtimsSettings:
    """How invoices are built and sent (defaults: the reference's recommendations)."""

    base_url: str = SANDBOX_API
    verify_host: str = SANDBOX_VERIFY_HOST
    init_timeout_s: float = 30.0
    timeout_s: float = 120.0
    amount_convention: AmountConvention = AmountConvention.EXCLUSIVE
    line_tax: LineTax = LineTax.RECEIPT
    rate_style: RateStyle = RateStyle.ALL
    cu_number_style: CuNumberStyle = CuNumberStyle.INVOICE
    invoice_number_as_string: bool = False
    #: Kaunta VAT class code -> KRA tax band, when the code alone decides; otherwise a
    #: class is mapped by its rate and exemption (exempt -> A, 0 % -> C, else the band
    #: whose code-list rate matches).
    band_by_vat_code: dict[str, str] = field(default_factory=lambda: {"E": "A", "Z": "C"})
    payment_types: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PAYMENT_TYPES))
    other_payment_type: str = "07"
    refund_reasons: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REFUND_REASONS))
    purchase_accept_header: str = "Y"
    purchase_accept_receipt: str = "N"
    send_credentials_in_body: bool = False
    queue_alert_after: timedelta = timedelta(hours=24)
    #: An HTTP(S) proxy to reach KRA through (environment variables are not read).
    proxy: str | None = None
    currency: str = "KES"

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise SettingsError(f"etims.base_url: {self.base_url!r} is not an http(s) URL")
        if self.timeout_s <= 0 or self.init_timeout_s <= 0:
            raise SettingsError("etims.timeout_s: must be more than zero")
        for band in self.band_by_vat_code.values():
            if band not in "ABCDE" or len(band) != 1:
                raise SettingsError(f"etims.band_by_vat_code: {band!r} is not a band A-E")


def nairobi_stamp(at: datetime) -> str:
    """``YYYYMMDDhhmmss`` in Nairobi time, as KRA wants every time (naive refused)."""
    if at.tzinfo is None:
        raise SettingsError("a time without a time zone cannot be sent to KRA")
    return at.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def nairobi_day(at: datetime) -> str:
    """``YYYYMMDD`` in Nairobi time."""
    return nairobi_stamp(at)[:8]


def parse_kra_time(text: str) -> datetime:
    """A KRA time as an aware Nairobi time: ``YYYYMMDDhhmmss`` (sales replies) or
    ``YYYY-MM-DD hh:mm:ss.0`` (``selectInvoiceDetails``)."""
    cleaned = text.strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    for fmt in ("%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=NAIROBI)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a KRA date and time")


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
