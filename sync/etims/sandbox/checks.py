"""What the simulator checks in a request, in its own code (never the client's): each
refusal is 910 with a message naming the field, as KRA's "request parameter error".

Amounts are checked both ways KRA might mean them (``tax_mode``: ``exclusive``,
``inclusive`` or ``either``, the default, since the reference cannot say which KRA
enforces); band sums and header totals must agree to within 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

EAT = timezone(timedelta(hours=3))
TOLERANCE = Decimal("0.01")
#: A line's tax may be a cent off its exact value; times (1 + rate) that is under 0.02.
TAX_TOLERANCE = Decimal("0.02")
BAND_LETTERS = "ABCDE"

HEADER_REQUIRED = (
    "trdInvcNo",
    "invcNo",
    "orgInvcNo",
    "rcptTyCd",
    "salesSttsCd",
    "cfmDt",
    "salesDt",
    "totItemCnt",
    "totAmt",
    "prchrAcptcYn",
    "modrNm",
    "receipt",
    "itemList",
)
ITEM_REQUIRED = (
    "itemSeq",
    "itemCd",
    "itemClsCd",
    "itemNm",
    "pkgUnitCd",
    "qtyUnitCd",
    "qty",
    "prc",
    "splyAmt",
    "taxTyCd",
    "taxblAmt",
    "taxAmt",
    "totAmt",
)
ITEM_SAVE_REQUIRED = (
    "itemCd",
    "itemClsCd",
    "itemTyCd",
    "itemNm",
    "orgnNatCd",
    "pkgUnitCd",
    "qtyUnitCd",
    "taxTyCd",
    "dftPrc",
    "isrcAplcbYn",
    "useYn",
    "regrId",
    "regrNm",
    "modrId",
    "modrNm",
)


class Invalid(Exception):
    """A refused request: ``code`` and a message naming ``field``."""

    def __init__(self, field: str, why: str, code: str = "910") -> None:
        self.field = field
        self.code = code
        super().__init__(f"Invalid {field}: {why}")


def present(body: dict[str, Any], name: str, where: str = "") -> Any:
    if name not in body or body[name] is None or body[name] == "":
        raise Invalid(where + name, "is required")
    return body[name]


def number(value: Any, field: str) -> Decimal:
    """A JSON number (or a numeric string) with at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid(field, "is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Invalid(field, "is not a number") from None
    if not amount.is_finite():
        raise Invalid(field, "is not a number")
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid(field, "has more than two decimals")
    return amount


def invoice_number(value: Any, field: str = "invcNo") -> int:
    if isinstance(value, bool):
        raise Invalid(field, "is not a whole number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.isdigit():
        n = int(value)
    else:
        raise Invalid(field, "is not a whole number")
    if n < 1:
        raise Invalid(field, "must be 1 or more")
    return n


def stamp(value: Any, field: str, digits: int) -> datetime:
    fmt = "%Y%m%d%H%M%S" if digits == 14 else "%Y%m%d"
    if not isinstance(value, str) or len(value) != digits or not value.isdigit():
        raise Invalid(
            field, f"must be {digits} digits ({'YYYYMMDDhhmmss' if digits == 14 else 'YYYYMMDD'})"
        )
    try:
        return datetime.strptime(value, fmt).replace(tzinfo=EAT)
    except ValueError:
        raise Invalid(field, "is not a real date") from None


@dataclass(frozen=True, slots=True)
class SaleRules:
    """What the simulator enforces on a sale (its settings at the time of the call)."""

    codes: dict[str, set[str]]
    rates: dict[str, Decimal]
    tax_mode: str
    now: datetime


def check_item_save(
    body: dict[str, Any], codes: dict[str, set[str]], item_classes: set[str]
) -> None:
    """``saveItem``: required fields, lengths and code values; ``itemClsCd`` must be
    one of the simulator's own classification list (``selectItemClsList``), as KRA
    accepts only the classes it lists."""
    for name in ITEM_SAVE_REQUIRED:
        present(body, name)
    if len(str(body["itemCd"])) > 20:
        raise Invalid("itemCd", "is longer than 20 characters")
    item_class = str(body["itemClsCd"])
    if not (0 < len(item_class) <= 10 and item_class.isascii() and item_class.isdigit()):
        raise Invalid("itemClsCd", f"{item_class!r} is not 1 to 10 digits")
    if item_class not in item_classes:
        raise Invalid("itemClsCd", f"{item_class!r} is not in the item classification list")
    for name, cls_ in (
        ("pkgUnitCd", "17"),
        ("qtyUnitCd", "10"),
        ("taxTyCd", "04"),
        ("itemTyCd", "24"),
    ):
        if str(body[name]) not in codes[cls_]:
            raise Invalid(name, f"{body[name]!r} is not in code list {cls_}")
    number(body["dftPrc"], "dftPrc")
    for name in ("isrcAplcbYn", "useYn"):
        if body[name] not in ("Y", "N"):
            raise Invalid(name, "must be Y or N")


def _close(a: Decimal, b: Decimal, tolerance: Decimal = TOLERANCE) -> bool:
    return abs(a - b) <= tolerance


def _line_fits(line: dict[str, Decimal], rate: Decimal, mode: str) -> bool:
    taxable, tax, total = line["taxblAmt"], line["taxAmt"], line["totAmt"]
    if mode == "exclusive":
        return _close(total, taxable + tax) and _close(tax, taxable * rate / 100, TAX_TOLERANCE)
    return _close(total, taxable) and _close(tax, total * rate / (100 + rate), TAX_TOLERANCE)


def check_sale(body: dict[str, Any], rules: SaleRules) -> int:
    """Every rule of reference 7.6 but the ones needing stored invoices; returns
    ``invcNo``."""
    for name in HEADER_REQUIRED:
        if name not in body or body[name] is None:
            raise Invalid(name, "is required")
    for band in BAND_LETTERS:
        for prefix in ("taxblAmt", "taxRt", "taxAmt"):
            if f"{prefix}{band}" not in body or body[f"{prefix}{band}"] is None:
                raise Invalid(f"{prefix}{band}", "is required (all fifteen A-E fields)")
    invc_no = invoice_number(body["invcNo"])
    confirmed = stamp(body["cfmDt"], "cfmDt", 14)
    if confirmed > rules.now + timedelta(minutes=1):
        raise Invalid("cfmDt", "is in the future")
    sold = stamp(body["salesDt"], "salesDt", 8)
    if sold > rules.now + timedelta(days=1):
        raise Invalid("salesDt", "is in the future")
    receipt = body["receipt"]
    if not isinstance(receipt, dict):
        raise Invalid("receipt", "is not an object")
    stamp(present(receipt, "rcptPbctDt", "receipt."), "receipt.rcptPbctDt", 14)
    if receipt.get("prchrAcptcYn") not in ("Y", "N"):
        raise Invalid("receipt.prchrAcptcYn", "must be Y or N")
    if body["prchrAcptcYn"] not in ("Y", "N"):
        raise Invalid("prchrAcptcYn", "must be Y or N")
    kind = body["rcptTyCd"]
    if kind not in rules.codes["37"]:
        raise Invalid("rcptTyCd", f"{kind!r} is not in code list 37")
    if body["salesSttsCd"] not in rules.codes["11"]:
        raise Invalid("salesSttsCd", f"{body['salesSttsCd']!r} is not in code list 11")
    if body.get("pmtTyCd") is not None and body["pmtTyCd"] not in rules.codes["07"]:
        raise Invalid("pmtTyCd", f"{body['pmtTyCd']!r} is not in code list 07")
    if kind == "R":
        reason = body.get("rfdRsnCd")
        if reason is None or reason not in rules.codes["32"]:
            raise Invalid("rfdRsnCd", "a credit note needs a reason from code list 32")
        invoice_number(body["orgInvcNo"], "orgInvcNo")
    items = body["itemList"]
    if not isinstance(items, list) or not items:
        raise Invalid("itemList", "needs at least one item")
    if not isinstance(body["totItemCnt"], int) or body["totItemCnt"] != len(items):
        raise Invalid("totItemCnt", f"is not the number of items ({len(items)})")
    lines: list[tuple[str, dict[str, Decimal]]] = []
    for i, item in enumerate(items):
        where = f"itemList[{i}]."
        if not isinstance(item, dict):
            raise Invalid(f"itemList[{i}]", "is not an object")
        for name in ITEM_REQUIRED:
            present(item, name, where)
        if item["itemSeq"] != i + 1:
            raise Invalid(where + "itemSeq", f"must be {i + 1}")
        band = item["taxTyCd"]
        if band not in rules.codes["04"]:
            raise Invalid(where + "taxTyCd", f"{band!r} is not in code list 04")
        for name, cls_ in (("pkgUnitCd", "17"), ("qtyUnitCd", "10")):
            if item[name] not in rules.codes[cls_]:
                raise Invalid(where + name, f"{item[name]!r} is not in code list {cls_}")
        amounts = {
            n: number(item[n], where + n)
            for n in ("qty", "prc", "splyAmt", "taxblAmt", "taxAmt", "totAmt")
        }
        if amounts["qty"] <= 0:
            raise Invalid(where + "qty", "must be more than zero")
        for n in ("dcAmt", "dcRt"):
            if item.get(n) is not None:
                number(item[n], where + n)
        lines.append((band, amounts))
    modes = ("exclusive", "inclusive") if rules.tax_mode == "either" else (rules.tax_mode,)
    for mode in modes:
        if all(_line_fits(a, rules.rates.get(b, Decimal(0)), mode) for b, a in lines):
            break
    else:
        for i, (b, a) in enumerate(lines):
            if not _line_fits(a, rules.rates.get(b, Decimal(0)), modes[0]):
                raise Invalid(
                    f"itemList[{i}].taxAmt",
                    f"does not follow band {b}'s rate ({' or '.join(modes)} amounts)",
                )
    header_taxable = header_tax = Decimal(0)
    used = {b for b, _ in lines}
    for band in BAND_LETTERS:
        taxable = number(body[f"taxblAmt{band}"], f"taxblAmt{band}")
        tax = number(body[f"taxAmt{band}"], f"taxAmt{band}")
        rate = number(body[f"taxRt{band}"], f"taxRt{band}")
        if not _close(taxable, sum((a["taxblAmt"] for b, a in lines if b == band), Decimal(0))):
            raise Invalid(f"taxblAmt{band}", "is not the sum of its lines")
        if not _close(tax, sum((a["taxAmt"] for b, a in lines if b == band), Decimal(0))):
            raise Invalid(f"taxAmt{band}", "is not the sum of its lines")
        known = rules.rates.get(band, Decimal(0))
        if rate != known and not (rate == 0 and band not in used):
            raise Invalid(f"taxRt{band}", f"is {rate}, but band {band} is {known}%")
        header_taxable += taxable
        header_tax += tax
    if body.get("totTaxblAmt") is not None and not _close(
        number(body["totTaxblAmt"], "totTaxblAmt"), header_taxable
    ):
        raise Invalid("totTaxblAmt", "is not the sum of the bands")
    if body.get("totTaxAmt") is not None and not _close(
        number(body["totTaxAmt"], "totTaxAmt"), header_tax
    ):
        raise Invalid("totTaxAmt", "is not the sum of the bands")
    line_total = sum((a["totAmt"] for _, a in lines), Decimal(0))
    if not _close(number(body["totAmt"], "totAmt"), line_total):
        raise Invalid("totAmt", "is not the sum of the lines")
    return invc_no
