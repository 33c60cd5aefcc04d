"""The simulator's state: approved devices, their keys and counters, the invoices they
signed, registered items and the stock ledger; and the deterministic signature fields."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def signature_text(seed: str, tin: str, bhf_id: str, invc_no: int, kind: str, length: int) -> str:
    """Uppercase A-Z0-9 text of ``length``, the same for the same invoice and seed."""
    digest = hashlib.sha256(f"{seed}|{kind}|{tin}|{bhf_id}|{invc_no}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:length])


@dataclass(slots=True)
class Settings:
    """Behaviour the reference marks unknown, switchable at run time (control API)."""

    #: A second init: "902" (data null, the key is not re-sent) or "same_key" (000 + key).
    reinit: str = "902"
    #: An existing invcNo again: "994", or "stored" (000 with the stored signature, only
    #: when the body is the same as the stored one; another body is 994 either way).
    duplicate: str = "994"
    reject_gaps: bool = False
    require_registered_items: bool = False
    #: Refuse credit notes crediting more than their invoice (KRA does not, per Odoo).
    credit_check: bool = False
    tax_mode: str = "either"
    #: Require ``Authorization: Bearer <token>`` (off by default: a GUESS).
    bearer_token: str | None = None
    #: Seconds every API answer waits (the bench's "default latency").
    latency_s: float = 0.0
    #: (when, band, new rate): the code list changes at that moment.
    rate_change: tuple[datetime, str, str] | None = None
    seed: str = "kaunta-etims-sandbox"

    def update(self, values: dict[str, Any]) -> None:
        """Change the named settings, all or none: each value is checked first (a value
        the simulator would not act on, such as ``tax_mode: "exclusiv"``, must not be
        taken silently), and the ``ValueError`` names the setting."""
        for name, value in values.items():
            if name not in self.__slots__ or name == "rate_change":
                raise ValueError(f"unknown setting {name!r}")
            _check_setting(name, value)
        for name, value in values.items():
            setattr(self, name, value)


#: the settings that take one of a fixed set of texts
CHOICES: dict[str, tuple[str, ...]] = {
    "reinit": ("902", "same_key"),
    "duplicate": ("994", "stored"),
    "tax_mode": ("either", "exclusive", "inclusive"),
}
FLAGS = ("reject_gaps", "require_registered_items", "credit_check")
#: the longest ``latency_s``: a wait per answer beyond this is a typo, not a test
MAX_LATENCY_S = 600.0


def _check_setting(name: str, value: object) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is one it can take."""
    if name in CHOICES:
        if value not in CHOICES[name] or not isinstance(value, str):
            allowed = ", ".join(repr(c) for c in CHOICES[name])
            raise ValueError(f"setting {name!r} must be one of {allowed}, not {value!r}")
    elif name in FLAGS:
        if not isinstance(value, bool):
            raise ValueError(f"setting {name!r} must be true or false, not {value!r}")
    elif name == "latency_s":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_LATENCY_S
        ):
            raise ValueError(
                f"setting 'latency_s' must be a number of seconds from 0 to "
                f"{MAX_LATENCY_S:g}, not {value!r}"
            )
    elif name == "bearer_token":
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"setting 'bearer_token' must be a text or null, not {value!r}")
    elif name == "seed" and (not isinstance(value, str) or not value):
        raise ValueError(f"setting 'seed' must be a non-empty text, not {value!r}")


@dataclass(slots=True)
class Stored:
    """One signed invoice."""

    invc_no: int
    kind: str
    body: dict[str, Any]
    cur_rcpt_no: int
    tot_rcpt_no: int
    intrl_data: str
    rcpt_sign: str
    signed_at: datetime


@dataclass(slots=True)
class Device:
    """One approved (tin, bhfId, serial) and everything KRA keeps for it."""

    tin: str
    bhf_id: str
    serial: str
    taxpayer: str = "DUKA LA MFANO LTD"
    cmc_key: str | None = None
    sdc_id: str = ""
    mrc_no: str = ""
    dvc_id: str = ""
    counters: dict[str, int] = field(default_factory=lambda: {"S": 0, "R": 0})
    total: int = 0
    invoices: dict[int, Stored] = field(default_factory=dict)
    last_invc_no: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock_io: dict[int, dict[str, Any]] = field(default_factory=dict)
    stock_on_hand: dict[str, Decimal] = field(default_factory=dict)

    def activate(self, index: int) -> None:
        self.cmc_key = secrets.token_hex(26).upper()
        self.sdc_id = f"KRACU0{index:09d}"
        self.mrc_no = f"WIS0{index:07d}"
        self.dvc_id = f"99999{index:011d}"

    def info(self) -> dict[str, Any]:
        return {
            "tin": self.tin,
            "taxprNm": self.taxpayer,
            "bsnsActv": "Retail",
            "bhfId": self.bhf_id,
            "bhfNm": "Headquarter" if self.bhf_id == "00" else f"Branch {self.bhf_id}",
            "bhfOpenDt": "20250301",
            "prvncNm": "NAIROBI",
            "dstrtNm": "WESTLANDS",
            "sctrNm": "PARKLANDS",
            "locDesc": None,
            "hqYn": "Y" if self.bhf_id == "00" else "N",
            "mgrNm": "J. Otieno",
            "mgrTelNo": "0700000000",
            "mgrEmail": "ops@example.co.ke",
            "dvcId": self.dvc_id,
            "sdcId": self.sdc_id,
            "mrcNo": self.mrc_no,
            "cmcKey": self.cmc_key,
        }

    def sign(
        self, invc_no: int, kind: str, body: dict[str, Any], at: datetime, seed: str
    ) -> Stored:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        self.total += 1
        stored = Stored(
            invc_no,
            kind,
            body,
            self.counters[kind],
            self.total,
            signature_text(seed, self.tin, self.bhf_id, invc_no, "intrl", 26),
            signature_text(seed, self.tin, self.bhf_id, invc_no, "sign", 16),
            at,
        )
        self.invoices[invc_no] = stored
        if invc_no > self.last_invc_no:
            self.last_invc_no = invc_no
        return stored
