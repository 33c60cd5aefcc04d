"""The OSCU endpoints as the simulator answers them (reference section 7): auth, init,
code lists with ``lastReqDt``, items, sales with duplicates and gaps, look-ups, stock."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sync.etims.sandbox.checks import (
    EAT,
    Invalid,
    SaleRules,
    check_item_save,
    check_sale,
    invoice_number,
    number,
    present,
    stamp,
)
from sync.etims.sandbox.state import Device, Stored
from sync.etims.sandbox.tables import (
    CODE_CLASSES,
    ITEM_CLASSES,
    NOTICES,
    SEEDED_AT,
    branches,
    code_row,
)

if TYPE_CHECKING:
    from sync.etims.sandbox.server import EtimsSandbox

log = logging.getLogger(__name__)

OUTGOING_STOCK = {"11", "13", "16"}


def envelope(code: str, message: str, now: datetime, data: Any = None) -> dict[str, Any]:
    return {
        "resultCd": code,
        "resultMsg": message,
        "resultDt": now.astimezone(EAT).strftime("%Y%m%d%H%M%S"),
        "data": data,
    }


class Api:
    """Stateless handlers over the sandbox's state (the caller holds its lock)."""

    def __init__(self, box: EtimsSandbox) -> None:
        self.box = box

    # -- code lists --------------------------------------------------------------------
    def code_tables(self, now: datetime) -> dict[str, dict[str, tuple[dict[str, Any], str]]]:
        """class -> code -> (row, changed-at) as of ``now`` (with the scheduled change)."""
        tables: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}
        for cls_, (_, rows) in CODE_CLASSES.items():
            tables[cls_] = {
                code: (code_row(code, name, rate, i), SEEDED_AT)
                for i, (code, name, rate) in enumerate(rows, start=1)
            }
        change = self.box.settings.rate_change
        if change is not None and now >= change[0]:
            at, band, rate = change
            row = dict(tables["04"][band][0], userDfnCd1=rate, cdNm=f"{band}-{rate}%")
            tables["04"][band] = (row, at.astimezone(EAT).strftime("%Y%m%d%H%M%S"))
        return tables

    def codes(self, now: datetime) -> dict[str, set[str]]:
        return {c: set(rows) for c, rows in self.code_tables(now).items()}

    def rates(self, now: datetime) -> dict[str, Decimal]:
        return {
            code: Decimal(str(row["userDfnCd1"] or "0"))
            for code, (row, _) in self.code_tables(now)["04"].items()
        }

    # -- endpoints ---------------------------------------------------------------------
    def init(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        tin, bhf, serial = (present(body, n) for n in ("tin", "bhfId", "dvcSrlNo"))
        device = self.box.devices.get((str(tin), str(bhf), str(serial)))
        if device is None:
            return envelope("901", "This is not a valid device", now)
        if device.cmc_key is None:
            self.box.activated += 1
            device.activate(self.box.activated)
            return envelope("000", "Successful", now, {"info": device.info()})
        if self.box.settings.reinit == "same_key":
            return envelope("000", "Successful", now, {"info": device.info()})
        return envelope("902", "This device is installed", now)

    def select_codes(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        since = _since(body)
        out = []
        for cls_, rows in self.code_tables(now).items():
            newer = [row for row, at in rows.values() if at > since]
            if newer:
                name = CODE_CLASSES[cls_][0]
                out.append(
                    {
                        "cdCls": cls_,
                        "cdClsNm": name,
                        "cdClsDesc": None,
                        "useYn": "Y",
                        "userDfnNm1": "Rate" if cls_ == "04" else None,
                        "userDfnNm2": None,
                        "userDfnNm3": None,
                        "dtlList": newer,
                    }
                )
        if not out:
            return envelope("001", "There is no search result", now)
        return envelope("000", "Successful", now, {"clsList": out})

    def select_item_classes(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        if _since(body) >= SEEDED_AT:
            return envelope("001", "There is no search result", now)
        return envelope("000", "Successful", now, {"itemClsList": [dict(r) for r in ITEM_CLASSES]})

    def select_notices(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        notices = [n for n in NOTICES if n["regDt"] > _since(body)]
        if not notices:
            return envelope("001", "There is no search result", now)
        return envelope("000", "Successful", now, {"noticeList": notices})

    def select_branches(
        self, device: Device, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        _since(body)
        return envelope("000", "Successful", now, {"bhfList": branches(device.tin)})

    def save_item(self, device: Device, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        check_item_save(body, self.codes(now), {str(r["itemClsCd"]) for r in ITEM_CLASSES})
        device.items[str(body["itemCd"])] = dict(body)
        return envelope("000", "Successful", now)

    def select_items(self, device: Device, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        _since(body)
        if not device.items:
            return envelope("001", "There is no search result", now)
        return envelope("000", "Successful", now, {"itemList": list(device.items.values())})

    def save_sale(self, device: Device, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        settings = self.box.settings
        invc_no = check_sale(
            body, SaleRules(self.codes(now), self.rates(now), settings.tax_mode, now)
        )
        known = device.invoices.get(invc_no)
        if known is not None:
            # "stored" answers the stored signature only to the same invoice sent again
            # (a lost reply); another invoice under a number already held is refused
            # 994 without any signature, whatever the setting
            if settings.duplicate == "stored" and _same_invoice(known.body, body):
                return envelope("000", "Successful", now, _signature(known))
            return envelope("994", "There is an overlapped Data", now)
        if invc_no != device.last_invc_no + 1:
            if settings.reject_gaps:
                raise Invalid("invcNo", f"must be {device.last_invc_no + 1}, the next number")
            log.info("eTIMS sandbox: invcNo %s after %s (a gap)", invc_no, device.last_invc_no)
            device.gaps.append((device.last_invc_no, invc_no))
        if settings.require_registered_items:
            for i, item in enumerate(body["itemList"]):
                if str(item["itemCd"]) not in device.items:
                    raise Invalid(f"itemList[{i}].itemCd", "is not a registered item")
        kind = str(body["rcptTyCd"])
        if kind == "R":
            self._check_credit(device, body)
        stored = device.sign(invc_no, kind, dict(body), now, settings.seed)
        return envelope("000", "Successful", now, _signature(stored))

    def _check_credit(self, device: Device, body: dict[str, Any]) -> None:
        org = invoice_number(body["orgInvcNo"], "orgInvcNo")
        original = device.invoices.get(org)
        if original is None or original.kind != "S":
            raise Invalid("orgInvcNo", f"invoice {org} is not a signed sale")
        if (body.get("custTin") or None) != (original.body.get("custTin") or None):
            raise Invalid("custTin", "is not the customer PIN of the original invoice")
        if stamp(body["cfmDt"], "cfmDt", 14) < stamp(original.body["cfmDt"], "cfmDt", 14):
            raise Invalid("cfmDt", "is before the original invoice")
        if not self.box.settings.credit_check:
            return
        credited = sum(
            (
                number(s.body["totAmt"], "totAmt")
                for s in device.invoices.values()
                if s.kind == "R" and str(s.body.get("orgInvcNo")) == str(org)
            ),
            Decimal(0),
        )
        if credited + number(body["totAmt"], "totAmt") > number(original.body["totAmt"], "totAmt"):
            raise Invalid("totAmt", "credits more than the original invoice")

    def invoice_details(
        self, device: Device, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        invc_no = invoice_number(present(body, "invcNo"))
        stored = device.invoices.get(invc_no)
        if stored is None:
            return envelope("001", "There is no search result", now)
        receipt = dict(stored.body.get("receipt") or {})
        receipt.update(
            curRcptNo=stored.cur_rcpt_no,
            totRcptNo=stored.tot_rcpt_no,
            intrlData=stored.intrl_data,
            rcptSign=stored.rcpt_sign,
            sdcDateTime=stored.signed_at.astimezone(EAT).strftime("%Y-%m-%d %H:%M:%S.0"),
        )
        return envelope(
            "000", "Successful", now, {"salesList": [{**stored.body, "receipt": receipt}]}
        )

    def stock_io(self, device: Device, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        sar_no = invoice_number(present(body, "sarNo"), "sarNo")
        kind = str(present(body, "sarTyCd"))
        if kind not in self.codes(now)["12"]:
            raise Invalid("sarTyCd", f"{kind!r} is not in code list 12")
        if sar_no in device.stock_io:
            return envelope("994", "There is an overlapped Data", now)
        stamp(present(body, "ocrnDt"), "ocrnDt", 8)
        sign = -1 if kind in OUTGOING_STOCK else 1
        for i, item in enumerate(body.get("itemList") or []):
            code = str(present(item, "itemCd", f"itemList[{i}]."))
            qty = number(present(item, "qty", f"itemList[{i}]."), f"itemList[{i}].qty")
            device.stock_on_hand[code] = device.stock_on_hand.get(code, Decimal(0)) + sign * qty
        device.stock_io[sar_no] = dict(body)
        return envelope("000", "Successful", now)

    def stock_master(self, device: Device, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        code = str(present(body, "itemCd"))
        device.stock_on_hand[code] = number(present(body, "rsdQty"), "rsdQty")
        return envelope("000", "Successful", now)


def _since(body: dict[str, Any]) -> str:
    value = present(body, "lastReqDt")
    stamp(value, "lastReqDt", 14)
    return str(value)


def _same_invoice(stored: dict[str, Any], body: dict[str, Any]) -> bool:
    """The simulator's own test of "the same body": every field equal, as received."""
    return stored == body


def _signature(stored: Stored) -> dict[str, Any]:
    return {
        "curRcptNo": stored.cur_rcpt_no,
        "totRcptNo": stored.tot_rcpt_no,
        "intrlData": stored.intrl_data,
        "rcptSign": stored.rcpt_sign,
        "sdcDateTime": stored.signed_at.astimezone(EAT).strftime("%Y%m%d%H%M%S"),
    }
