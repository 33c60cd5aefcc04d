"""A refund's receipt as stored (``refunds.document``, JSON) and read back for a reprint.

The stored document is what was printed: its SHA-256 goes into the refund's audit entry
and its rows into the journal seal, so it is written once and read, never rebuilt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.refund import RefundReceipt, RefundReceiptLine, RefundReceiptTender, TenderHow
from pos.domain.tax import TaxTable, VatLine
from pos.services.context import TerminalContext


def _money(m: Money) -> list[object]:
    return [m.minor, m.currency]


def stored_document(r: RefundReceipt) -> dict[str, Any]:
    """The receipt as the JSON object stored with the refund (money as [minor, currency])."""
    return {
        "store": {
            "store_id": r.store.store_id,
            "name": r.store.name,
            "address": list(r.store.address),
            "phone": r.store.phone,
            "tax_pin": r.store.tax_pin,
        },
        "number": r.number,
        "refund_id": r.refund_id,
        "original_number": r.original_number,
        "issued_at": r.issued_at.isoformat(),
        "cashier": r.cashier,
        "training": r.training,
        "reason": r.reason,
        "lines": [
            [ln.name, ln.quantity, _money(ln.unit_price), _money(ln.total), ln.vat_code]
            for ln in r.lines
        ],
        "total": _money(r.total),
        "vat": [
            {
                "class": TaxTable((v.tax_class,)).to_list()[0],
                "gross": _money(v.gross),
                "vat": _money(v.vat),
            }
            for v in r.vat
        ],
        "tenders": [
            [t.label, _money(t.amount), t.reference, t.how.value, t.foreign] for t in r.tenders
        ],
        "approved_by": r.approved_by,
    }


def _m(value: list[Any]) -> Money:
    return Money(int(value[0]), str(value[1]))


def receipt_from_document(doc: dict[str, Any], ctx: TerminalContext) -> RefundReceipt:
    """The receipt back from its stored document, its time in the shop's zone."""
    st = doc["store"]
    return RefundReceipt(
        store=StoreInfo(
            st["store_id"], st["name"], tuple(st["address"]), st["phone"], st["tax_pin"], ()
        ),
        number=doc["number"],
        refund_id=doc["refund_id"],
        original_number=doc["original_number"],
        issued_at=datetime.fromisoformat(doc["issued_at"]).astimezone(ctx.zone),
        cashier=doc["cashier"],
        training=bool(doc["training"]),
        reason=doc["reason"],
        lines=tuple(
            RefundReceiptLine(name, int(qty), _m(unit), _m(total), code)
            for name, qty, unit, total, code in doc["lines"]
        ),
        total=_m(doc["total"]),
        vat=tuple(
            VatLine(TaxTable.from_list([v["class"]]).classes[0], _m(v["gross"]), _m(v["vat"]))
            for v in doc["vat"]
        ),
        tenders=tuple(
            RefundReceiptTender(label, _m(amount), ref, TenderHow(how), foreign)
            for label, amount, ref, how, foreign in doc["tenders"]
        ),
        approved_by=str(doc.get("approved_by", "")),  # refunds stored before it was kept
    )
