"""The till's documents in protocol form: what the services write to the outbox.

The outbox payload IS the wire document (``sync.protocol``), built here from the domain sale,
its derived totals and its journal header, inside the transaction that writes the sale.
VAT is extracted per class (docs/money.md); each line's share of its class's VAT is spread
over the class's lines by largest remainder, so the lines' VAT adds up to the receipt's.
Payment attempts map from their stored record (``attempt_*_document``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pos.domain.buyer import Buyer
from pos.domain.errors import DomainError
from pos.domain.messages import define
from pos.domain.money import Money, allocate
from pos.domain.sale import Discount, DiscountKind, Payment, Sale, SaleStatus, SaleTotals
from pos.domain.tax import TaxTable
from pos.services.context import TerminalContext
from pos.store.attempts import AttemptRecord
from pos.store.repositories import JournalHeader
from sync.protocol import builders
from sync.protocol.fields import Amount, mask_digit_runs
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import (
    Customer,
    DiscountEntry,
    Foreign,
    OrderDiscount,
    SaleBody,
    SaleLine,
    Tender,
    VatClass,
    VatTotal,
)
from sync.protocol.sales import DiscountKind as WireDiscountKind
from sync.protocol.sales import SaleTotals as WireTotals

#: Payment details that have a field of their own on the wire.
PAYER_DETAIL, FOREIGN_DETAIL, RATE_DETAIL = "payer", "foreign", "rate"
_KEY_JUNK = re.compile(r"[^a-z0-9_]")
#: a sale still open or parked is no document for head office (a bug if it is asked for)
NOT_SENT = {
    "open": define("sync_events.not_sent.open", "An open sale is not sent to head office."),
    "parked": define("sync_events.not_sent.parked", "A parked sale is not sent to head office."),
}


def buyer_customer(buyer: Buyer | None) -> Customer | None:
    """The protocol's ``customer`` of a sale (or of a refund, copied from its sale): the
    buyer's KRA PIN and name, or None when the invoice names no buyer."""
    if buyer is None:
        return None
    return Customer(tax_pin=buyer.pin, name=buyer.name or None)


def _discount(discount: Discount | None) -> DiscountEntry | None:
    if discount is None:
        return None
    if discount.kind is DiscountKind.PERCENT:
        return DiscountEntry(WireDiscountKind.PERCENT, percent=discount.percent)
    assert discount.amount is not None
    return DiscountEntry(WireDiscountKind.AMOUNT, amount=Amount.of(discount.amount))


def _foreign(text: str | None, rate: str | None) -> Foreign | None:
    """``"USD 7.72"`` and ``"129.50 KES/USD"`` (as payments store them) as a value."""
    value = builders.rate_value(rate)
    if not text or value is None:
        return None
    code, _, amount = text.partition(" ")
    try:
        return Foreign(Amount.of(Money.parse(amount, code)), value)
    except DomainError:
        return None


def _tender(payment: Payment) -> Tender:
    details = dict(payment.details)
    payer = details.pop(PAYER_DETAIL, None)
    foreign = _foreign(details.get(FOREIGN_DETAIL), details.get(RATE_DETAIL))
    if foreign is not None:
        details.pop(FOREIGN_DETAIL)
        details.pop(RATE_DETAIL)
    extra: dict[str, str] = {}
    for key, value in details.items():
        clean = _KEY_JUNK.sub("_", key.lower())[:40]
        clean = clean if clean[:1].isalpha() else f"x_{clean}"[:40]
        extra[clean] = mask_digit_runs(value)[:200]
    return Tender(
        payment_id=payment.payment_id,
        method=payment.method,
        amount=Amount.of(payment.amount),
        tendered=Amount.of(payment.tendered),
        change=Amount.of(payment.change),
        at=payment.at,
        reference=payment.reference,
        payer_masked=mask_digit_runs(payer) if payer else None,
        foreign=foreign,
        details=extra,
    )


def sale_body(sale: Sale, totals: SaleTotals, table: TaxTable, header: JournalHeader) -> SaleBody:
    """The wire form of a finished (completed or voided) sale.

    ``change`` is what the payments handed back (for a completed sale that is also the
    receipt's change, ``header.change``: the sale is paid exactly when it completes)."""
    by_id = {lt.line_id: lt for lt in totals.lines}
    vat_by_code = {v.tax_class.code: v for v in totals.vat}
    line_vat: dict[str, int] = {}
    for code, row in vat_by_code.items():
        members = [ln for ln in sale.lines if ln.product.vat_class == code]
        shares = allocate(row.vat.minor, [by_id[ln.line_id].total.minor for ln in members])
        line_vat.update(zip((ln.line_id for ln in members), shares, strict=True))
    currency = sale.currency
    lines = []
    for ln in sale.lines:
        lt = by_id[ln.line_id]
        tax_class = table.get(ln.product.vat_class)
        vat = Money(line_vat[ln.line_id], currency)
        lines.append(
            SaleLine(
                line_id=ln.line_id,
                product_id=ln.product.product_id,
                sku=ln.product.sku,
                barcode=ln.product.barcode,
                name=ln.product.name,
                quantity=ln.quantity,
                unit_price=Amount.of(ln.unit_price),
                list_price=Amount.of(ln.product.unit_price),
                discount=_discount(ln.discount),
                line_discount=Amount.of(lt.line_discount),
                order_discount=Amount.of(lt.order_discount),
                gross=Amount.of(lt.gross),
                total=Amount.of(lt.total),
                vat_class=VatClass(tax_class.code, tax_class.rate, tax_class.exempt),
                net=Amount.of(lt.total - vat),
                vat=Amount.of(vat),
            )
        )
    order = _discount(sale.order_discount)
    order_discounts = (
        () if order is None else (OrderDiscount(order, Amount.of(totals.order_discount)),)
    )
    wire_totals = WireTotals(
        gross=Amount.of(totals.subtotal),
        line_discounts=Amount.of(totals.line_discounts),
        order_discounts=Amount.of(totals.order_discount),
        discounts=Amount.of(totals.discounts),
        total=Amount.of(totals.total),
        vat=tuple(
            VatTotal(
                VatClass(v.tax_class.code, v.tax_class.rate, v.tax_class.exempt),
                Amount.of(v.gross),
                Amount.of(v.net),
                Amount.of(v.vat),
            )
            for v in totals.vat
        ),
        vat_total=Amount.of(totals.vat_total),
    )
    return SaleBody(
        sale_id=sale.sale_id,
        receipt_number=header.number,
        business_date=date.fromisoformat(header.business_date),
        opened_at=sale.opened_at,
        closed_at=header.closed_at,
        cashier_id=header.cashier_id,
        opened_by=sale.cashier_id or header.cashier_id,
        currency=currency,
        # the buyer's KRA PIN: eTIMS ``custTin``/``custNm`` on the invoice and its credit notes
        customer=buyer_customer(sale.buyer),
        lines=tuple(lines),
        order_discounts=order_discounts,
        totals=wire_totals,
        payments=tuple(_tender(p) for p in sale.payments),
        rounding=Amount.of(totals.rounding),
        change=Amount.of(sum((p.change for p in sale.payments), Money.zero(currency))),
    )


def sale_document(
    sale: Sale,
    totals: SaleTotals,
    table: TaxTable,
    header: JournalHeader,
    *,
    event_id: str,
    seq: int,
    approved_by: str = "",
    check: bool = False,
) -> dict[str, Any]:
    """The ``sale.completed`` or ``sale.voided`` document for a sale being journalled.

    ``seq`` is the outbox row's number (``repositories.next_outbox_seq`` in the same
    transaction); ``approved_by`` is who approved a void, if not the cashier. Not re-read
    by the strict parser here (``check``): see ``sync.protocol.builders.emit`` for why."""
    body = sale_body(sale, totals, table, header)
    envelope: dict[str, Any] = {
        "event_id": event_id,
        "store_id": header.store_id,
        "terminal_id": header.terminal_id,
        "seq": seq,
        "created_at": header.closed_at,
        "training": header.training,
    }
    if sale.status is SaleStatus.VOIDED:
        return builders.sale_voided(
            **envelope,
            sale=body,
            reason=sale.void_reason,
            approved_by=approved_by or None,
            returned=totals.paid,
            check=check,
        )
    if sale.status is not SaleStatus.COMPLETED:
        raise DomainError(NOT_SENT[sale.status.value]())
    return builders.sale_completed(**envelope, sale=body, check=check)


# -- payment attempts (for the payment service's outbox writes) -------------------------------
def _envelope(ctx: TerminalContext, *, event_id: str, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "store_id": ctx.store.store_id,
        "terminal_id": ctx.terminal_id,
        "seq": seq,
        "created_at": now,
        "training": ctx.training,
    }


def attempt_resolved_document(
    record: AttemptRecord,
    ctx: TerminalContext,
    *,
    event_id: str,
    seq: int,
    now: datetime,
    captured: Money | None = None,
) -> dict[str, Any]:
    """``payment.resolved`` for an attempt that just reached a final state. ``captured``
    is what the gateway reported taking (defaults to the amount asked when captured)."""
    is_captured = record.state == "captured"
    return builders.payment_resolved(
        **_envelope(ctx, event_id=event_id, seq=seq, now=now),
        attempt_id=record.id,
        sale_id=record.sale_id,
        method=record.method,
        outcome=record.state,
        tendered=record.amount,
        captured=(captured or record.amount) if is_captured else None,
        applied=record.applied,
        rounding=record.rounding,
        rate=record.rate,
        payer_masked=record.payer_masked,
        gateway_ref=record.gateway_ref,
        receipt_ref=record.receipt_ref,
        code=record.code,
        message=record.message,
        started_at=record.created_at,
        resolved_at=now,
    )


def attempt_late_document(
    record: AttemptRecord,
    ctx: TerminalContext,
    *,
    reason: str,
    event_id: str,
    seq: int,
    now: datetime,
    captured: Money | None = None,
) -> dict[str, Any]:
    """``payment.late``: ``reason`` is ``sale_closed`` (finished or voided first),
    ``not_needed`` or ``amount_mismatch`` (then ``captured`` is what the gateway took)."""
    return builders.payment_late(
        **_envelope(ctx, event_id=event_id, seq=seq, now=now),
        attempt_id=record.id,
        sale_id=record.sale_id,
        method=record.method,
        tendered=record.amount,
        captured=captured or record.amount,
        applied=record.applied,
        rounding=record.rounding,
        rate=record.rate,
        payer_masked=record.payer_masked,
        gateway_ref=record.gateway_ref,
        receipt_ref=record.receipt_ref,
        reason=reason,
        message=record.message,
        flagged_at=now,
    )


def attempt_settled_document(
    record: AttemptRecord,
    ctx: TerminalContext,
    *,
    settled_by: str,
    approved_by: str,
    reference: str,
    note: str,
    event_id: str,
    seq: int,
    now: datetime,
) -> dict[str, Any]:
    """``payment.late_settled`` from the attempt after the manager's settlement (its
    ``resolution`` is ``refunded``, ``refunded_by_hand`` or ``credited``)."""
    return builders.late_settled(
        **_envelope(ctx, event_id=event_id, seq=seq, now=now),
        attempt_id=record.id,
        sale_id=record.sale_id,
        method=record.method,
        amount=record.amount,
        settlement=record.resolution,
        reference=reference,
        note=note,
        settled_by=settled_by,
        approved_by=None if approved_by in ("", settled_by) else approved_by,
        settled_at=now,
    )


# -- refunds (for the refund service's outbox write) ------------------------------------------
def refund_document(
    refund: RefundCompleted,
    ctx: TerminalContext,
    *,
    event_id: str,
    seq: int,
    now: datetime,
) -> dict[str, Any]:
    """``refund.completed`` for a refund being written (read back strictly: refunds are
    rare, and a refund document that does not add up must not reach the outbox)."""
    return builders.refund_completed(
        **_envelope(ctx, event_id=event_id, seq=seq, now=now), refund=refund
    )
