"""What OSCU sends back, as typed values: the envelope, the device, the code lists, the
signature of an invoice. Parsers are lenient about numbers-as-strings (KRA's samples
use both) and strict about what must be there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.etims.codes import TAX_TYPE_CLASS, ResultKind, classify
from sync.etims.settings import nairobi_stamp, parse_kra_time

#: Code-list requests start from here the first time (Odoo's default).
FIRST_REQUEST = "20180101000000"


class EtimsError(Exception):
    """Base class of eTIMS client errors; ``str()`` is a message for a manager."""


class ReplyError(EtimsError):
    """KRA's reply could not be read (not JSON, no ``resultCd``, a missing field)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """``{"resultCd", "resultMsg", "resultDt", "data"}`` (every endpoint)."""

    result_cd: str
    result_msg: str
    result_dt: str
    data: Any

    @property
    def kind(self) -> ResultKind:
        return classify(self.result_cd)

    @property
    def ok(self) -> bool:
        return self.kind is ResultKind.OK

    def reason(self) -> str:
        """``910: Invalid taxblAmtB`` for a manager's screen."""
        return f"{self.result_cd}: {self.result_msg or 'no message'}"

    @classmethod
    def parse(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict) or "resultCd" not in raw:
            raise ReplyError("KRA's reply has no resultCd")
        return cls(
            str(raw["resultCd"]),
            str(raw.get("resultMsg") or ""),
            str(raw.get("resultDt") or ""),
            raw.get("data"),
        )


def _need(data: Any, name: str) -> Any:
    if not isinstance(data, dict) or data.get(name) is None:
        raise ReplyError(f"KRA's reply has no {name}")
    return data[name]


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What initialisation returns and must be kept per branch (the key goes to the
    secret store, never here)."""

    tin: str
    bhf_id: str
    taxpayer_name: str
    branch_name: str
    sdc_id: str
    mrc_no: str
    dvc_id: str

    @classmethod
    def parse(cls, info: Any) -> tuple[DeviceInfo, str]:
        """The device and its communication key."""
        return (
            cls(
                tin=str(_need(info, "tin")),
                bhf_id=str(_need(info, "bhfId")),
                taxpayer_name=str(info.get("taxprNm") or ""),
                branch_name=str(info.get("bhfNm") or ""),
                sdc_id=str(_need(info, "sdcId")),
                mrc_no=str(info.get("mrcNo") or ""),
                dvc_id=str(info.get("dvcId") or ""),
            ),
            str(_need(info, "cmcKey")),
        )

    def to_json(self) -> dict[str, str]:
        return {
            "tin": self.tin,
            "bhf_id": self.bhf_id,
            "taxpayer_name": self.taxpayer_name,
            "branch_name": self.branch_name,
            "sdc_id": self.sdc_id,
            "mrc_no": self.mrc_no,
            "dvc_id": self.dvc_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> DeviceInfo:
        return cls(**data)


@dataclass(slots=True)
class CodeCache:
    """The code lists and item classes, refreshed by ``lastReqDt``: a refresh merges what
    KRA says changed since the last successful fetch. Tax rates come from class 04."""

    codes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    item_classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes_fetched: str = FIRST_REQUEST
    classes_fetched: str = FIRST_REQUEST

    def merge_codes(self, data: Any, at: datetime) -> int:
        """Merge ``data.clsList``; returns how many codes changed."""
        changed = 0
        for cls_ in (data or {}).get("clsList") or []:
            table = self.codes.setdefault(str(cls_["cdCls"]), {})
            for row in cls_.get("dtlList") or []:
                table[str(row["cd"])] = dict(row)
                changed += 1
        self.codes_fetched = nairobi_stamp(at)
        return changed

    def merge_classes(self, data: Any, at: datetime) -> int:
        changed = 0
        for row in (data or {}).get("itemClsList") or []:
            self.item_classes[str(row["itemClsCd"])] = dict(row)
            changed += 1
        self.classes_fetched = nairobi_stamp(at)
        return changed

    def tax_rates(self) -> dict[str, Decimal]:
        """Band -> rate in percent, from class 04's ``userDfnCd1`` (never hard-coded)."""
        rates: dict[str, Decimal] = {}
        for code, row in self.codes.get(TAX_TYPE_CLASS, {}).items():
            if row.get("useYn", "Y") == "N":
                continue
            try:
                rates[code] = Decimal(str(row.get("userDfnCd1") or "0"))
            except InvalidOperation:
                raise ReplyError(f"tax type {code} has no readable rate") from None
        return rates

    def has_code(self, cls_: str, code: str) -> bool:
        row = self.codes.get(cls_, {}).get(code)
        return row is not None and row.get("useYn", "Y") != "N"

    def to_json(self) -> dict[str, Any]:
        return {
            "codes": self.codes,
            "item_classes": self.item_classes,
            "codes_fetched": self.codes_fetched,
            "classes_fetched": self.classes_fetched,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CodeCache:
        return cls(
            data["codes"], data["item_classes"], data["codes_fetched"], data["classes_fetched"]
        )


@dataclass(frozen=True, slots=True)
class Signature:
    """KRA's answer to an invoice: what the receipt's SCU block prints."""

    invc_no: int
    rcpt_ty_cd: str
    cur_rcpt_no: int
    tot_rcpt_no: int
    intrl_data: str
    rcpt_sign: str
    sdc_date_time: datetime

    @classmethod
    def parse(cls, data: Any, invc_no: int, rcpt_ty_cd: str) -> Signature:
        """From ``saveTrnsSalesOsdc``'s ``data`` or a ``salesList[0].receipt``."""
        try:
            return cls(
                invc_no=invc_no,
                rcpt_ty_cd=rcpt_ty_cd,
                cur_rcpt_no=int(_need(data, "curRcptNo")),
                tot_rcpt_no=int(_need(data, "totRcptNo")),
                intrl_data=str(_need(data, "intrlData")),
                rcpt_sign=str(_need(data, "rcptSign")),
                sdc_date_time=parse_kra_time(str(_need(data, "sdcDateTime"))),
            )
        except ValueError as exc:
            raise ReplyError(f"KRA's signature is unreadable: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "invc_no": self.invc_no,
            "rcpt_ty_cd": self.rcpt_ty_cd,
            "cur_rcpt_no": self.cur_rcpt_no,
            "tot_rcpt_no": self.tot_rcpt_no,
            "intrl_data": self.intrl_data,
            "rcpt_sign": self.rcpt_sign,
            "sdc_date_time": nairobi_stamp(self.sdc_date_time),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        return cls(
            int(data["invc_no"]),
            str(data["rcpt_ty_cd"]),
            int(data["cur_rcpt_no"]),
            int(data["tot_rcpt_no"]),
            str(data["intrl_data"]),
            str(data["rcpt_sign"]),
            parse_kra_time(str(data["sdc_date_time"])),
        )


@dataclass(frozen=True, slots=True)
class RegisteredItem:
    """A product as registered with ``saveItem``: what a sale line must name."""

    sku: str
    item_cd: str
    item_cls_cd: str
    pkg_unit_cd: str = "NT"
    qty_unit_cd: str = "U"
    tax_ty_cd: str = "B"


def item_code(origin: str, item_type: str, pkg_unit: str, qty_unit: str, number: int) -> str:
    """The trader-built ``itemCd``: origin country + product type + packaging unit +
    quantity unit + a running number, zero-padded to 20 characters (Odoo's rule)."""
    head = f"{origin}{item_type}{pkg_unit}{qty_unit}"
    width = 20 - len(head)
    if number < 1 or len(str(number)) > width:
        raise ValueError(f"item number {number} does not fit an item code after {head}")
    return f"{head}{number:0{width}d}"
