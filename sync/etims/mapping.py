"""A Kaunta ``sale.completed`` or ``refund.completed`` body as a ``saveTrnsSalesOsdc``
request (reference 3.2-3.8).

The input is the protocol's parsed body (``sync.protocol``), so the head office (which
receives the documents) and a standalone till (which writes them) feed the same code.
The invoice number is given by the caller: it comes from the branch's one gap-free
sequence (:mod:`sync.etims.queue`), never from the document.

:func:`parse_sale` reads a sale document for :func:`sale_invoice`: a plain sale (no
discounts, no foreign tender: most of them) through the protocol's quick check
(:mod:`sync.protocol.quick`, the full parser's rules in straight-line code, held to its
verdicts by its own tests) as a :class:`PlainSale`, anything else or in any doubt through
the full parser (``SaleBody.parse``), which accepts or refuses with the field and reason.
Both give :func:`sale_invoice` the same values, so the same invoice, byte for byte
(``tests/etims/test_invoice_bytes.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sync.etims.amounts import LineOut, MappingError, amounts_of, band_fields, band_for, money
from sync.etims.codes import OTHER_REFUND_REASON, SALES_STATUS_APPROVED, ReceiptType
from sync.etims.models import RegisteredItem
from sync.etims.settings import NAIROBI, PIN_RE, EtimsSettings, nairobi_stamp
from sync.protocol.envelope import Header
from sync.protocol.fields import Fields
from sync.protocol.quick import _body as _plain_sale_checked
from sync.protocol.quick import _vat_class
from sync.protocol.refunds import RefundCompleted, RefundLine
from sync.protocol.sales import SaleBody, SaleLine

__all__ = [
    "MappingError",
    "PlainSale",
    "Registrar",
    "UnregisteredItems",
    "credit_note",
    "parse_sale",
    "sale_invoice",
]


class UnregisteredItems(MappingError):
    """Products sold before ``saveItem`` registered them; register these SKUs first."""

    def __init__(self, skus: Sequence[str]) -> None:
        self.skus = tuple(skus)
        super().__init__(
            "not yet registered with KRA: " + ", ".join(self.skus) + " (register them first)"
        )


@dataclass(frozen=True, slots=True)
class Registrar:
    """Who recorded the invoice (``regrId``/``regrNm``; ``modr*`` the same)."""

    user_id: str
    name: str

    def fields(self) -> dict[str, str]:
        return {
            "regrId": self.user_id[:20],
            "regrNm": self.name[:60],
            "modrId": self.user_id[:20],
            "modrNm": self.name[:60],
        }


#: One line as the mapping reads it: (sku, barcode, name, quantity, unit price, total,
#: VAT, (VAT code, rate, exempt)), money in minor units, VAT included.
_Line = tuple[str, str | None, str, int, int, int, int, tuple[str, Decimal, bool]]


@dataclass(frozen=True, slots=True)
class PlainSale:
    """A plain sale document as :func:`parse_sale` read it (every field checked by the
    protocol's quick check): what :func:`sale_invoice` needs, nothing more."""

    currency: str
    receipt_number: str
    business_date: date
    closed_at: datetime
    customer: tuple[str | None, str | None] | None  #: (tax PIN, name)
    tenders: tuple[tuple[str, int], ...]  #: (method, amount in minor units)
    lines: tuple[_Line, ...]


def parse_sale(body: Mapping[str, Any], header: Header) -> PlainSale | SaleBody:
    """A ``sale.completed`` body for :func:`sale_invoice`: a :class:`PlainSale` when the
    protocol's quick check finds it a good plain sale, else ``SaleBody.parse`` (which
    raises :class:`~sync.protocol.fields.ProtocolError` naming the field for a bad one)."""
    try:
        _plain_sale_checked(body, header)
    except Exception:
        return SaleBody.parse(Fields(body, "body"), header, min_lines=1)
    customer = body["customer"]
    return PlainSale(
        currency=body["currency"],
        receipt_number=body["receipt_number"],
        business_date=date.fromisoformat(body["business_date"]),
        closed_at=datetime.fromisoformat(body["closed_at"]).astimezone(UTC),
        customer=None if customer is None else (customer["tax_pin"], customer["name"]),
        tenders=tuple((p["method"], p["amount"]["minor"]) for p in body["payments"]),
        lines=tuple(
            (
                ln["sku"],
                ln["barcode"],
                ln["name"],
                ln["quantity"],
                ln["unit_price"]["minor"],
                ln["total"]["minor"],
                ln["vat"]["minor"],
                _line_class(ln["vat_class"]),
            )
            for ln in body["lines"]
        ),
    )


def _line_class(row: dict[str, Any]) -> tuple[str, Decimal, bool]:
    """A checked line's VAT class as (code, rate, exempt)."""
    code, rate, exempt = _vat_class(row)
    return code, rate.value, exempt


def _customer(pin: str | None, name: str | None) -> tuple[str | None, str | None]:
    if pin is not None and not PIN_RE.fullmatch(pin):
        raise MappingError(f"the customer's PIN {pin!r} is not a KRA PIN (like A000123456F)")
    return pin, (name[:60] if name else None)


def _payment_type(tenders: Sequence[tuple[str, int]], settings: EtimsSettings) -> str:
    """One code per invoice: the method that paid the most (the first of equals)."""
    if not tenders:
        return settings.other_payment_type
    method = max(tenders, key=lambda t: t[1])[0]
    return settings.payment_types.get(method, settings.other_payment_type)


def _wire_number(n: int, settings: EtimsSettings) -> int | str:
    if n < 1:
        raise MappingError(f"invoice number {n} must be 1 or more")
    return str(n) if settings.invoice_number_as_string else n


def _items(
    lines: Sequence[_Line],
    items: Mapping[str, RegisteredItem],
    rates: dict[str, Decimal],
    settings: EtimsSettings,
) -> tuple[list[dict[str, Any]], list[LineOut]]:
    missing = [ln[0] for ln in lines if ln[0] not in items]
    if missing:
        raise UnregisteredItems(sorted(set(missing)))
    out: list[dict[str, Any]] = []
    amounts: list[LineOut] = []
    bands: dict[tuple[str, Decimal, bool], str] = {}  # a sale has few classes: map each once
    convention, line_tax = settings.amount_convention, settings.line_tax
    for seq, (sku, barcode, name, quantity, unit_price, total, vat, vc) in enumerate(
        lines, start=1
    ):
        band = bands.get(vc)
        if band is None:
            band = band_for(vc[0], vc[1], vc[2], rates, settings.band_by_vat_code)
            bands[vc] = band
        item = items[sku]
        if item.tax_ty_cd != band:
            raise MappingError(
                f"{sku} is registered with KRA in band {item.tax_ty_cd} but sold in band "
                f"{band}: register it again with its VAT class"
            )
        a = amounts_of(quantity, unit_price, total, vat, band, vc[1], convention, line_tax)
        amounts.append(a)
        out.append(
            {
                "itemSeq": seq,
                "itemCd": item.item_cd,
                "itemClsCd": item.item_cls_cd,
                "itemNm": name[:200],
                "bcd": barcode,
                "pkgUnitCd": item.pkg_unit_cd,
                "pkg": quantity,
                "qtyUnitCd": item.qty_unit_cd,
                "qty": quantity,
                "prc": money(a.prc),
                "splyAmt": money(a.sply_amt),
                "dcRt": a.dc_rt,
                "dcAmt": money(a.dc_amt),
                "taxTyCd": band,
                "taxblAmt": money(a.taxbl_amt),
                "taxAmt": money(a.tax_amt),
                "totAmt": money(a.tot_amt),
            }
        )
    return out, amounts


def _stamp(at: datetime) -> str:
    """:func:`~sync.etims.settings.nairobi_stamp`, formatted without ``strftime``."""
    if at.tzinfo is None:
        return nairobi_stamp(at)  # refused there, with its message
    t = at.astimezone(NAIROBI)
    if t.year < 1000:
        return nairobi_stamp(at)
    return f"{t.year}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _invoice(
    *,
    invc_no: int,
    org_invc_no: int,
    receipt_number: str,
    receipt_type: ReceiptType,
    customer: tuple[str | None, str | None],
    pmt_ty_cd: str,
    confirmed: str,
    sale_day: str,
    lines: Sequence[_Line],
    items: Mapping[str, RegisteredItem],
    rates: dict[str, Decimal],
    settings: EtimsSettings,
    registrar: Registrar,
    refund_reason: str | None,
) -> dict[str, Any]:
    item_list, amounts = _items(lines, items, rates, settings)
    pin, name = customer
    credit = receipt_type is ReceiptType.CREDIT_NOTE
    return {
        "invcNo": _wire_number(invc_no, settings),
        "orgInvcNo": _wire_number(org_invc_no, settings) if org_invc_no else 0,
        "trdInvcNo": receipt_number[:50],
        "custTin": pin,
        "custNm": name,
        "rcptTyCd": receipt_type.value,
        "pmtTyCd": pmt_ty_cd,
        "salesSttsCd": SALES_STATUS_APPROVED,
        "cfmDt": confirmed,
        "salesDt": sale_day,
        "stockRlsDt": confirmed,
        "cnclReqDt": None,
        "cnclDt": None,
        "rfdDt": confirmed if credit else None,
        "rfdRsnCd": refund_reason,
        "totItemCnt": len(item_list),
        **band_fields(amounts, rates, settings.rate_style),
        "prchrAcptcYn": settings.purchase_accept_header,
        "remark": None,
        **registrar.fields(),
        "receipt": {
            "custTin": pin,
            "custMblNo": None,
            "rcptPbctDt": confirmed,
            "trdeNm": None,
            "adrs": None,
            "topMsg": None,
            "btmMsg": None,
            "prchrAcptcYn": settings.purchase_accept_receipt,
        },
        "itemList": item_list,
    }


def _check_currency(currency: str, settings: EtimsSettings) -> None:
    if currency != settings.currency:
        raise MappingError(f"eTIMS invoices are in {settings.currency}, not {currency}")


def sale_invoice(
    sale: SaleBody | PlainSale,
    *,
    invc_no: int,
    items: Mapping[str, RegisteredItem],
    rates: dict[str, Decimal],
    settings: EtimsSettings,
    registrar: Registrar,
) -> dict[str, Any]:
    """``saveTrnsSalesOsdc`` for a completed sale (receipt type S), from the full
    parser's value or a :class:`PlainSale` (the same invoice for the same document)."""
    _check_currency(sale.currency, settings)
    if isinstance(sale, PlainSale):
        lines, tenders, customer = sale.lines, sale.tenders, sale.customer
    else:
        lines = _lines(sale.lines)
        tenders = tuple((p.method, p.amount.minor) for p in sale.payments)
        cust = sale.customer
        customer = None if cust is None else (cust.tax_pin, cust.name)
    pin, name = customer if customer is not None else (None, None)
    return _invoice(
        invc_no=invc_no,
        org_invc_no=0,
        receipt_number=sale.receipt_number,
        receipt_type=ReceiptType.SALE,
        customer=_customer(pin, name),
        pmt_ty_cd=_payment_type(tenders, settings),
        confirmed=_stamp(sale.closed_at),
        # the Nairobi calendar day of the sale, as cfmDt's: the shop's business date can be
        # another zone's or the day before (a shift past midnight), and KRA's two dates
        # would then disagree (a credit note's is made the same way)
        sale_day=_stamp(sale.closed_at)[:8],
        lines=lines,
        items=items,
        rates=rates,
        settings=settings,
        registrar=registrar,
        refund_reason=None,
    )


def _lines(lines: Sequence[SaleLine | RefundLine]) -> tuple[_Line, ...]:
    """The protocol's lines as the mapping reads them."""
    return tuple(
        (
            ln.sku,
            ln.barcode,
            ln.name,
            ln.quantity,
            ln.unit_price.minor,
            ln.total.minor,
            ln.vat.minor,
            (ln.vat_class.code, ln.vat_class.rate, ln.vat_class.exempt),
        )
        for ln in lines
    )


def credit_note(
    refund: RefundCompleted,
    *,
    invc_no: int,
    org_invc_no: int,
    original_customer_pin: str | None,
    items: Mapping[str, RegisteredItem],
    rates: dict[str, Decimal],
    settings: EtimsSettings,
    registrar: Registrar,
) -> dict[str, Any]:
    """``saveTrnsSalesOsdc`` for a refund (receipt type R): the next number of the same
    sequence, the original's number, a reason code and the original's customer PIN."""
    _check_currency(refund.currency, settings)
    if org_invc_no < 1:
        raise MappingError("a credit note needs the original invoice's KRA number")
    cust = refund.customer
    pin = cust.tax_pin if cust else None
    if pin != original_customer_pin:
        raise MappingError(
            "a credit note must carry the customer PIN of the original invoice "
            f"({original_customer_pin or 'none'}), not {pin or 'none'}"
        )
    return _invoice(
        invc_no=invc_no,
        org_invc_no=org_invc_no,
        receipt_number=refund.receipt_number,
        receipt_type=ReceiptType.CREDIT_NOTE,
        customer=_customer(pin, cust.name if cust else None),
        pmt_ty_cd=_payment_type([(t.method, t.amount.minor) for t in refund.tenders], settings),
        confirmed=_stamp(refund.closed_at),
        sale_day=_stamp(refund.closed_at)[:8],
        lines=_lines(refund.lines),
        items=items,
        rates=rates,
        settings=settings,
        registrar=registrar,
        refund_reason=settings.refund_reasons.get(refund.reason_code, OTHER_REFUND_REASON),
    )
