"""Sums of business days for the daily totals view: by hour, tender, category, cashier and
product, over one day or a range, read from the day indexes (``business_date`` first).

Lines are read once, grouped by product (with its current category); categories are summed
from those rows, so a range costs one pass over its lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class DayRange:
    first: str  # YYYY-MM-DD, inclusive
    last: str
    #: the shop's offset from UTC for the hours, as SQLite's modifier ("+180 minutes")
    offset: str

    def params(self) -> dict[str, str]:
        return {"d0": self.first, "d1": self.last, "off": self.offset}


@dataclass(frozen=True, slots=True)
class DailyRows:
    sales_count: int
    gross: int
    discounts: int
    total: int
    rounding: int
    voids_count: int
    voids_value: int
    refunds_count: int
    refunds_value: int
    hours: list[tuple[int, int, int]]  # hour, count, total
    tenders: list[tuple[str, int, int]]  # method, count, amount
    cashiers: list[tuple[str, str, int, int]]  # id, name, count, total
    products: list[tuple[str, str, str, int, int]]  # sku, name, category, qty, total


_SALES = text(
    "SELECT status, count(*), coalesce(sum(subtotal_minor), 0), "
    "coalesce(sum(discount_minor), 0), coalesce(sum(total_minor), 0), "
    "coalesce(sum(rounding_minor), 0) FROM sales "
    "WHERE business_date BETWEEN :d0 AND :d1 GROUP BY status"
)
_HOURS = text(
    "SELECT CAST(strftime('%H', closed_at, :off) AS INTEGER) AS h, count(*), "
    "sum(total_minor) FROM sales WHERE business_date BETWEEN :d0 AND :d1 "
    "AND status = 'completed' GROUP BY h ORDER BY h"
)
_TENDERS = text(
    "SELECT method, count(*), sum(amount_minor) FROM payments "
    "WHERE business_date BETWEEN :d0 AND :d1 AND status = 'completed' GROUP BY method"
)
_CASHIERS = text(
    "SELECT cashier_id, max(cashier_name), count(*), sum(total_minor) FROM sales "
    "WHERE business_date BETWEEN :d0 AND :d1 AND status = 'completed' GROUP BY cashier_id"
)
_PRODUCTS = text(
    "SELECT l.sku, max(l.name), coalesce(max(p.category), ''), sum(l.quantity), "
    "sum(l.total_minor) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
    "LEFT JOIN products p ON p.id = l.product_id "
    "WHERE s.business_date BETWEEN :d0 AND :d1 AND s.status = 'completed' GROUP BY l.sku"
)
_REFUNDS = text(
    "SELECT count(*), coalesce(sum(total_minor), 0) FROM refunds "
    "WHERE business_date BETWEEN :d0 AND :d1"
)


def daily_rows(session: Session, days: DayRange, *, detail: bool = True) -> DailyRows:
    """Every breakdown of the range (``detail`` False: the totals only, for comparisons)."""
    p = days.params()
    ex = session.execute
    by_status = {r[0]: r for r in ex(_SALES, p).all()}
    done = by_status.get("completed", ("", 0, 0, 0, 0, 0))
    void = by_status.get("voided", ("", 0, 0, 0, 0, 0))
    refunds = ex(_REFUNDS, p).one()
    return DailyRows(
        sales_count=int(done[1]),
        gross=int(done[2]),
        discounts=int(done[3]),
        total=int(done[4]),
        rounding=int(done[5]),
        voids_count=int(void[1]),
        voids_value=int(void[4]),
        refunds_count=int(refunds[0]),
        refunds_value=int(refunds[1]),
        hours=[(int(r[0]), int(r[1]), int(r[2])) for r in ex(_HOURS, p).all()] if detail else [],
        tenders=[(str(r[0]), int(r[1]), int(r[2])) for r in ex(_TENDERS, p).all()]
        if detail
        else [],
        cashiers=[(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in ex(_CASHIERS, p).all()]
        if detail
        else [],
        products=[
            (str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4])) for r in ex(_PRODUCTS, p).all()
        ]
        if detail
        else [],
    )
