"""``refund.completed`` documents for tests, made with the protocol's own builder from a
sale document (no Django: the end-to-end tests use it too)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sync.protocol.builders import refund_completed
from sync.protocol.fields import Amount
from sync.protocol.refunds import OriginalSale, RefundCompleted, RefundLine, RefundTender
from sync.protocol.sales import VatClass, VatTotal
from tests.server.factory import CASHIER, T0, Till, new_id


def _kes(minor: int) -> Amount:
    return Amount(minor, "KES")


def refund(till: Till, sale: dict[str, Any], quantity: int, *, line: int = 0) -> dict[str, Any]:
    """``refund.completed`` from ``till`` giving back ``quantity`` of line ``line`` of the
    sale document ``sale`` (cash, at the line's unit price)."""
    till.seq += 1
    body = sale["body"]
    ln = body["lines"][line]
    vc = VatClass(ln["vat_class"]["code"], Decimal(ln["vat_class"]["rate"]), False)
    total = int(ln["unit_price"]["minor"]) * quantity
    vat = round(total * vc.rate / (100 + vc.rate))
    doc = RefundCompleted(
        refund_id=new_id(),
        receipt_number=f"{till.store_id}-{till.terminal_id}-{900000 + till.seq:06d}",
        business_date=T0.date(),
        closed_at=T0 + timedelta(hours=1),
        cashier_id=CASHIER,
        approved_by=None,
        original=OriginalSale(body["sale_id"], body["receipt_number"], T0.date()),
        reason_code="damaged",
        reason="Seal broken",
        currency="KES",
        customer=None,
        lines=(
            RefundLine(
                new_id(),
                ln["line_id"],
                ln.get("product_id"),
                ln["sku"],
                ln.get("barcode"),
                ln["name"],
                quantity,
                _kes(int(ln["unit_price"]["minor"])),
                _kes(total),
                vc,
                _kes(total - vat),
                _kes(vat),
                True,
            ),
        ),
        vat=(VatTotal(vc, _kes(total), _kes(total - vat), _kes(vat)),),
        total=_kes(total),
        vat_total=_kes(vat),
        tenders=(RefundTender(new_id(), "cash", _kes(total), "", None, False, None, None),),
    )
    return refund_completed(
        event_id=new_id(),
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        seq=till.seq,
        created_at=T0 + timedelta(hours=1),
        training=False,
        refund=doc,
    )
