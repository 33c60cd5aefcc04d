"""Queries of shifts, cash movements and Z reports, and the figures of a period.

A period is a set of consecutive shifts of one terminal. Its documents are the receipts
numbered ``first_sale_seq`` to ``last_sale_seq`` and the refunds numbered
``first_refund_seq`` to ``last_refund_seq`` of that terminal: ranges on the
``ix_sales_seq`` / ``ix_refunds_seq`` indexes, so the cost of a Z follows the size of the
day, never the size of the journal. Everything is summed in SQL; money stays integers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pos.store.driver_sql import DriverStatement
from pos.store.models import (
    CashMovementRecord,
    Counter,
    Draft,
    ShiftCloseRecord,
    ShiftRecord,
    ZReportRecord,
)


def counter_value(session: Session, name: str) -> int:
    """The last number a gap-free counter gave (0 before its first)."""
    value = session.execute(select(Counter.value).where(Counter.name == name)).scalar()
    return int(value or 0)


def latest_shift(
    session: Session, terminal_id: str
) -> tuple[ShiftRecord, ShiftCloseRecord | None] | None:
    """This terminal's newest shift and its close (None while it is open)."""
    shift = session.execute(
        select(ShiftRecord)
        .where(ShiftRecord.terminal_id == terminal_id)
        .order_by(ShiftRecord.number.desc())
        .limit(1)
    ).scalar()
    if shift is None:
        return None
    return shift, session.get(ShiftCloseRecord, shift.id)


#: the newest shift's id and whether it has a close: one indexed lookup, run on every sale
OPEN_SHIFT_SQL = (
    "SELECT s.id, c.shift_id FROM shifts s LEFT JOIN shift_closes c ON c.shift_id = s.id "
    "WHERE s.terminal_id = :terminal ORDER BY s.number DESC LIMIT 1"
)
_OPEN_SHIFT_ID = DriverStatement(text(OPEN_SHIFT_SQL), insert=False)


def open_shift_id(session: Session, terminal_id: str) -> str | None:
    """The id of the shift open on this terminal, if any: what every sale checks, so it
    loads no ORM object (``open_shift`` gives the record)."""
    row = _OPEN_SHIFT_ID.first(session, {"terminal": terminal_id})
    if row is None or row[1] is not None:
        return None
    return str(row[0])


def open_shift(session: Session, terminal_id: str) -> ShiftRecord | None:
    """The shift open on this terminal, if any (at most one: a new one needs the last
    one closed)."""
    latest = latest_shift(session, terminal_id)
    if latest is None or latest[1] is not None:
        return None
    return latest[0]


def shift_by_id(session: Session, shift_id: str) -> ShiftRecord | None:
    return session.get(ShiftRecord, shift_id)


def close_of(session: Session, shift_id: str) -> ShiftCloseRecord | None:
    return session.get(ShiftCloseRecord, shift_id)


def shifts_after(
    session: Session, terminal_id: str, after_number: int
) -> list[tuple[ShiftRecord, ShiftCloseRecord | None]]:
    """The terminal's shifts numbered after ``after_number``, oldest first, with closes."""
    rows = session.execute(
        select(ShiftRecord, ShiftCloseRecord)
        .outerjoin(ShiftCloseRecord, ShiftCloseRecord.shift_id == ShiftRecord.id)
        .where(ShiftRecord.terminal_id == terminal_id, ShiftRecord.number > after_number)
        .order_by(ShiftRecord.number)
    ).all()
    return [(r[0], r[1]) for r in rows]


def open_basket_items(session: Session, terminal_id: str) -> int:
    """Items on this terminal's open (not parked) basket: a shift cannot close under it."""
    value = session.execute(
        select(func.coalesce(func.sum(Draft.item_count), 0)).where(
            Draft.terminal_id == terminal_id, Draft.status == "open"
        )
    ).scalar()
    return int(value or 0)


def add(session: Session, row: object) -> None:
    """Insert one append-only row (shift, close, movement, Z) and flush it."""
    session.add(row)
    session.flush()


def movements(session: Session, shift_ids: list[str]) -> list[CashMovementRecord]:
    """The cash movements (and no-sale openings) of these shifts, in time order."""
    if not shift_ids:
        return []
    return list(
        session.execute(
            select(CashMovementRecord)
            .where(CashMovementRecord.shift_id.in_(shift_ids))
            .order_by(CashMovementRecord.at, CashMovementRecord.id)
        ).scalars()
    )


def latest_z(session: Session, terminal_id: str) -> ZReportRecord | None:
    return session.execute(
        select(ZReportRecord)
        .where(ZReportRecord.terminal_id == terminal_id)
        .order_by(ZReportRecord.number.desc())
        .limit(1)
    ).scalar()


def z_reports(session: Session, terminal_id: str, limit: int = 100) -> list[ZReportRecord]:
    """The terminal's Z reports, newest first."""
    return list(
        session.execute(
            select(ZReportRecord)
            .where(ZReportRecord.terminal_id == terminal_id)
            .order_by(ZReportRecord.number.desc())
            .limit(limit)
        ).scalars()
    )


def all_z_reports(session: Session, terminal_id: str) -> list[ZReportRecord]:
    """Every Z of the terminal, oldest first (to verify the chain)."""
    return list(
        session.execute(
            select(ZReportRecord)
            .where(ZReportRecord.terminal_id == terminal_id)
            .order_by(ZReportRecord.number)
        ).scalars()
    )


def z_by_id(session: Session, z_id: str) -> ZReportRecord | None:
    return session.get(ZReportRecord, z_id)


# -- a period's figures --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeqRange:
    """Receipt and refund numbers of a period (inclusive; empty when last < first)."""

    terminal_id: str
    first_sale: int
    last_sale: int
    first_refund: int
    last_refund: int

    def params(self) -> dict[str, Any]:
        return {
            "t": self.terminal_id,
            "s0": self.first_sale,
            "s1": self.last_sale,
            "r0": self.first_refund,
            "r1": self.last_refund,
        }


@dataclass(frozen=True, slots=True)
class PeriodRows:
    """Raw sums of a period, in minor units of the sale currency unless said otherwise."""

    sales_count: int
    gross: int
    discounts: int
    total: int
    rounding: int
    items: int
    voids_count: int
    voids_value: int
    vat: list[tuple[str, int, int, int]]  # class, rate bp, gross, vat
    tenders: list[tuple[str, int, int]]  # method, count, amount
    foreign: list[tuple[str, str, int]]  # method, currency, amount in that currency
    cashiers: list[tuple[str, str, int, int]]  # id, name, sales count, sales net
    refunds_count: int
    refunds_value: int
    refund_vat: list[tuple[str, int, int]]  # class, gross, vat
    refund_tenders: list[tuple[str, int]]  # method, amount (cash = from the drawer)
    refund_cashiers: list[tuple[str, str, int]]  # id, name, value


_SALES = text(
    "SELECT status, count(*), coalesce(sum(subtotal_minor), 0), "
    "coalesce(sum(discount_minor), 0), coalesce(sum(total_minor), 0), "
    "coalesce(sum(rounding_minor), 0), coalesce(sum(item_count), 0) "
    "FROM sales WHERE terminal_id = :t AND seq BETWEEN :s0 AND :s1 GROUP BY status"
)
_VAT = text(
    "SELECT x.vat_class, max(x.rate_bp), sum(x.gross_minor), sum(x.vat_minor) "
    "FROM sales s JOIN sale_taxes x ON x.sale_id = s.id "
    "WHERE s.terminal_id = :t AND s.seq BETWEEN :s0 AND :s1 AND s.status = 'completed' "
    "GROUP BY x.vat_class"
)
_TENDERS = text(
    "SELECT p.method, count(*), sum(p.amount_minor) "
    "FROM sales s JOIN payments p ON p.sale_id = s.id "
    "WHERE s.terminal_id = :t AND s.seq BETWEEN :s0 AND :s1 AND s.status = 'completed' "
    "GROUP BY p.method"
)
_FOREIGN = text(
    "SELECT p.method, a.currency, sum(a.amount_minor) "
    "FROM sales s JOIN payments p ON p.sale_id = s.id "
    "JOIN payment_attempts a ON a.id = p.id "
    "WHERE s.terminal_id = :t AND s.seq BETWEEN :s0 AND :s1 AND s.status = 'completed' "
    "AND a.currency != s.currency GROUP BY p.method, a.currency"
)
_CASHIERS = text(
    "SELECT cashier_id, max(cashier_name), count(*), "
    "sum(subtotal_minor - discount_minor) "
    "FROM sales WHERE terminal_id = :t AND seq BETWEEN :s0 AND :s1 AND status = 'completed' "
    "GROUP BY cashier_id"
)
_REFUNDS = text(
    "SELECT count(*), coalesce(sum(total_minor), 0) FROM refunds "
    "WHERE terminal_id = :t AND seq BETWEEN :r0 AND :r1"
)
_REFUND_VAT = text(
    "SELECT l.vat_class, sum(l.total_minor), sum(l.vat_minor) "
    "FROM refunds r JOIN refund_lines l ON l.refund_id = r.id "
    "WHERE r.terminal_id = :t AND r.seq BETWEEN :r0 AND :r1 GROUP BY l.vat_class"
)
_REFUND_TENDERS = text(
    "SELECT d.method, sum(d.amount_minor) "
    "FROM refunds r JOIN refund_tenders d ON d.refund_id = r.id "
    "WHERE r.terminal_id = :t AND r.seq BETWEEN :r0 AND :r1 GROUP BY d.method"
)
_REFUND_CASHIERS = text(
    "SELECT cashier_id, max(cashier_name), sum(total_minor) FROM refunds "
    "WHERE terminal_id = :t AND seq BETWEEN :r0 AND :r1 GROUP BY cashier_id"
)


def period_rows(session: Session, seqs: SeqRange) -> PeriodRows:
    """Every sum a shift close, an X or a Z shows, for one range of documents."""
    p = seqs.params()
    ex = session.execute
    by_status = {r[0]: r for r in ex(_SALES, p).all()}
    done = by_status.get("completed", ("", 0, 0, 0, 0, 0, 0))
    void = by_status.get("voided", ("", 0, 0, 0, 0, 0, 0))
    refunds = ex(_REFUNDS, p).one()
    return PeriodRows(
        sales_count=int(done[1]),
        gross=int(done[2]),
        discounts=int(done[3]),
        total=int(done[4]),
        rounding=int(done[5]),
        items=int(done[6]),
        voids_count=int(void[1]),
        voids_value=int(void[4]),
        vat=[(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in ex(_VAT, p).all()],
        tenders=[(str(r[0]), int(r[1]), int(r[2])) for r in ex(_TENDERS, p).all()],
        foreign=[(str(r[0]), str(r[1]), int(r[2])) for r in ex(_FOREIGN, p).all()],
        cashiers=[(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in ex(_CASHIERS, p).all()],
        refunds_count=int(refunds[0]),
        refunds_value=int(refunds[1]),
        refund_vat=[(str(r[0]), int(r[1]), int(r[2])) for r in ex(_REFUND_VAT, p).all()],
        refund_tenders=[(str(r[0]), int(r[1])) for r in ex(_REFUND_TENDERS, p).all()],
        refund_cashiers=[(str(r[0]), str(r[1]), int(r[2])) for r in ex(_REFUND_CASHIERS, p).all()],
    )


def movement_sums(session: Session, shift_ids: list[str]) -> tuple[int, int, int]:
    """Cash paid in, paid out, and the number of no-sale openings of these shifts."""
    if not shift_ids:
        return 0, 0, 0
    rows = session.execute(
        select(
            CashMovementRecord.direction,
            func.count(),
            func.coalesce(func.sum(CashMovementRecord.amount_minor), 0),
        )
        .where(CashMovementRecord.shift_id.in_(shift_ids))
        .group_by(CashMovementRecord.direction)
    ).all()
    sums = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
    return sums.get("in", (0, 0))[1], sums.get("out", (0, 0))[1], sums.get("none", (0, 0))[0]


def counts_json(counts: list[tuple[int, int]]) -> str:
    return json.dumps([[v, c] for v, c in counts], separators=(",", ":"))


def counts_of(raw: str) -> list[tuple[int, int]]:
    return [(int(v), int(c)) for v, c in json.loads(raw)]


def ended_at(close: ShiftCloseRecord | None, now: datetime) -> datetime:
    return close.closed_at if close is not None else now
