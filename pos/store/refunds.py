"""Refunds as stored: written once with their lines and tenders, never changed.

Each function takes the caller's session, so the refund service writes a refund, its
outbox event and its audit entry in one transaction. "What went back already" is read
from ``ix_refund_lines_original`` and ``ix_refund_tenders_payment`` (index-only reads of
one sale's rows), so a limit check costs the same with a year of refunds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from pos.domain.money import Money
from pos.store.models import RefundLineRecord, RefundRecord, RefundTenderRecord

_REFUNDS = cast(Table, RefundRecord.__table__)
_LINES = cast(Table, RefundLineRecord.__table__)
_TENDERS = cast(Table, RefundTenderRecord.__table__)


@dataclass(frozen=True, slots=True)
class RefundHeader:
    refund_id: str
    number: str
    seq: int
    store_id: str
    terminal_id: str
    original_sale_id: str
    original_number: str
    cashier_id: str
    cashier_name: str
    approved_by: str
    reason_code: str
    reason: str
    closed_at: datetime
    business_date: str
    currency: str
    total_minor: int
    vat_minor: int
    item_count: int
    training: bool
    document: str


@dataclass(frozen=True, slots=True)
class StoredLine:
    line_no: int
    original_line_no: int | None
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    vat_class: str
    vat_minor: int
    restock: bool


@dataclass(frozen=True, slots=True)
class StoredTender:
    tender_no: int
    method: str
    amount_minor: int
    currency: str
    original_payment_id: str
    reference: str
    by_hand: bool
    foreign_minor: int = 0
    foreign_currency: str = ""


def write_refund(
    session: Session,
    header: RefundHeader,
    lines: Sequence[StoredLine],
    tenders: Sequence[StoredTender],
) -> None:
    """Append a refund with its lines and tenders (inside the caller's transaction)."""
    conn = session.connection()
    conn.execute(
        _REFUNDS.insert(),
        {
            "id": header.refund_id,
            "number": header.number,
            "seq": header.seq,
            "store_id": header.store_id,
            "terminal_id": header.terminal_id,
            "original_sale_id": header.original_sale_id,
            "original_number": header.original_number,
            "cashier_id": header.cashier_id,
            "cashier_name": header.cashier_name,
            "approved_by": header.approved_by,
            "reason_code": header.reason_code,
            "reason": header.reason,
            "closed_at": header.closed_at,
            "business_date": header.business_date,
            "currency": header.currency,
            "total_minor": header.total_minor,
            "vat_minor": header.vat_minor,
            "item_count": header.item_count,
            "training": header.training,
            "document": header.document,
        },
    )
    conn.execute(
        _LINES.insert(),
        [
            {
                "refund_id": header.refund_id,
                "line_no": ln.line_no,
                "original_sale_id": header.original_sale_id,
                "original_line_no": ln.original_line_no,
                "product_id": ln.product_id,
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price_minor": ln.unit_price_minor,
                "total_minor": ln.total_minor,
                "vat_class": ln.vat_class,
                "vat_minor": ln.vat_minor,
                "restock": ln.restock,
                "business_date": header.business_date,
            }
            for ln in lines
        ],
    )
    conn.execute(
        _TENDERS.insert(),
        [
            {
                "refund_id": header.refund_id,
                "tender_no": t.tender_no,
                "method": t.method,
                "amount_minor": t.amount_minor,
                "currency": t.currency,
                "original_payment_id": t.original_payment_id,
                "reference": t.reference,
                "by_hand": t.by_hand,
                "foreign_minor": t.foreign_minor,
                "foreign_currency": t.foreign_currency,
                "created_at": header.closed_at,
                "business_date": header.business_date,
            }
            for t in tenders
        ],
    )


def refunded_by_line(session: Session, sale_id: str) -> dict[int, tuple[int, int]]:
    """``{original line no: (units, minor units)}`` already refunded from ``sale_id``."""
    rows = session.execute(
        select(
            _LINES.c.original_line_no,
            func.sum(_LINES.c.quantity),
            func.sum(_LINES.c.total_minor),
        )
        .where(_LINES.c.original_sale_id == sale_id, _LINES.c.original_line_no.is_not(None))
        .group_by(_LINES.c.original_line_no)
    ).all()
    return {int(no): (int(qty), int(total)) for no, qty, total in rows}


def refunded_by_payment(session: Session, payment_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{payment id: (minor units, foreign minor units)}`` already given back to each of
    a sale's payments."""
    ids = [p for p in payment_ids if p]
    if not ids:
        return {}
    rows = session.execute(
        select(
            _TENDERS.c.original_payment_id,
            func.sum(_TENDERS.c.amount_minor),
            func.sum(_TENDERS.c.foreign_minor),
        )
        .where(_TENDERS.c.original_payment_id.in_(ids))
        .group_by(_TENDERS.c.original_payment_id)
    ).all()
    return {str(pid): (int(amount), int(foreign)) for pid, amount, foreign in rows}


@dataclass(frozen=True, slots=True)
class RefundSummary:
    refund_id: str
    number: str
    original_sale_id: str
    original_number: str
    closed_at: datetime
    business_date: str
    total: Money
    item_count: int
    cashier_name: str
    training: bool


def _summary(r: RefundRecord) -> RefundSummary:
    return RefundSummary(
        refund_id=r.id,
        number=r.number,
        original_sale_id=r.original_sale_id,
        original_number=r.original_number,
        closed_at=r.closed_at,
        business_date=r.business_date,
        total=Money(r.total_minor, r.currency),
        item_count=r.item_count,
        cashier_name=r.cashier_name,
        training=r.training,
    )


def refunds_of_sale(session: Session, sale_id: str) -> list[RefundSummary]:
    rows = session.scalars(
        select(RefundRecord)
        .where(RefundRecord.original_sale_id == sale_id)
        .order_by(RefundRecord.seq)
    )
    return [_summary(r) for r in rows]


def refunds_of_day(session: Session, business_date: str, limit: int = 200) -> list[RefundSummary]:
    rows = session.scalars(
        select(RefundRecord)
        .where(RefundRecord.business_date == business_date)
        .order_by(RefundRecord.seq.desc())
        .limit(limit)
    )
    return [_summary(r) for r in rows]


def refund_by_id(session: Session, refund_id: str) -> RefundRecord | None:
    return session.get(RefundRecord, refund_id)


def refund_by_number(session: Session, number: str) -> RefundRecord | None:
    return session.scalars(select(RefundRecord).where(RefundRecord.number == number)).first()


@dataclass(frozen=True, slots=True)
class RefundDayTotals:
    """A day's refunds for reports: count and value, VAT per class, money per method."""

    count: int
    total_minor: int
    vat: tuple[tuple[str, int, int], ...]  # class, gross, vat
    tenders: tuple[tuple[str, int, int], ...]  # method, count, amount


def day_totals(session: Session, business_date: str) -> RefundDayTotals:
    """Served by the ``_day`` indexes of the three tables."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(_REFUNDS.c.total_minor), 0)).where(
            _REFUNDS.c.business_date == business_date
        )
    ).one()
    vat = session.execute(
        select(_LINES.c.vat_class, func.sum(_LINES.c.total_minor), func.sum(_LINES.c.vat_minor))
        .where(_LINES.c.business_date == business_date)
        .group_by(_LINES.c.vat_class)
    ).all()
    tenders = session.execute(
        select(_TENDERS.c.method, func.count(), func.sum(_TENDERS.c.amount_minor))
        .where(_TENDERS.c.business_date == business_date)
        .group_by(_TENDERS.c.method)
    ).all()
    return RefundDayTotals(
        int(count),
        int(total),
        tuple((str(c), int(g), int(v)) for c, g, v in vat),
        tuple((str(m), int(n), int(a)) for m, n, a in tenders),
    )
