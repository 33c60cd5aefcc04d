"""Sums of business days for the daily totals view: by hour, tender, category, cashier and
product, over one day or a range.

Everything but voids and refunds comes from the day summaries written with each sale in
its own transaction (migrations 0008 and 0009; a completed sale never changes, so a past
day's rows never change either): a range reads about one row per day and breakdown key
instead of every sale, payment and line. Voids (few) come from their partial index and
refunds from their day index. The top products start from each day's best sellers
(:mod:`pos.store.daily_top`). Every figure equals a plain sum over the journal
(``tests/store/test_daily_summaries.py`` checks it for random data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pos.domain.sale import Sale, SaleTotals
from pos.store import daily_top
from pos.store.driver_sql import DriverStatement

#: What the day summaries (migration 0008) are rebuilt from: the journal's completed sales.
REBUILD = (
    "DELETE FROM daily_hours",
    "DELETE FROM daily_cashiers",
    "DELETE FROM daily_products",
    "DELETE FROM daily_totals",
    "DELETE FROM daily_tenders",
    "DELETE FROM daily_categories",
    "INSERT INTO daily_hours (business_date, utc_hour, sales_count, total_minor) "
    "SELECT business_date, CAST(strftime('%H', closed_at) AS INTEGER), count(*), "
    "sum(total_minor) FROM sales WHERE status = 'completed' GROUP BY 1, 2",
    "INSERT INTO daily_cashiers (business_date, cashier_id, cashier_name, sales_count, "
    "total_minor) SELECT business_date, cashier_id, max(cashier_name), count(*), "
    "sum(total_minor) FROM sales WHERE status = 'completed' GROUP BY 1, 2",
    "INSERT INTO daily_products (business_date, sku, name, category, quantity, total_minor) "
    "SELECT s.business_date, l.sku, max(l.name), coalesce(max(p.category), ''), "
    "sum(l.quantity), sum(l.total_minor) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
    "LEFT JOIN products p ON p.id = l.product_id WHERE s.status = 'completed' "
    "GROUP BY 1, 2",
    "INSERT INTO daily_totals (business_date, sales_count, gross_minor, discount_minor, "
    "total_minor, rounding_minor) SELECT business_date, count(*), "
    "sum(total_minor + discount_minor), sum(discount_minor), sum(total_minor), "
    "sum(rounding_minor) FROM sales WHERE status = 'completed' GROUP BY 1",
    "INSERT INTO daily_tenders (business_date, method, payments_count, amount_minor) "
    "SELECT business_date, method, count(*), sum(amount_minor) FROM payments "
    "WHERE status = 'completed' GROUP BY 1, 2",
    "INSERT INTO daily_categories (business_date, category, quantity, total_minor) "
    "SELECT s.business_date, coalesce(p.category, ''), sum(l.quantity), "
    "sum(l.total_minor) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
    "LEFT JOIN products p ON p.id = l.product_id WHERE s.status = 'completed' "
    "GROUP BY 1, 2",
)

#: A completed sale added to its day's summaries (named parameters; ``kaunta bench store``'s
#: plain-sqlite3 baseline runs the same SQL).
ADD_HOUR_SQL = (
    "INSERT INTO daily_hours (business_date, utc_hour, sales_count, total_minor) "
    "VALUES (:d, :h, 1, :t) ON CONFLICT (business_date, utc_hour) DO UPDATE SET "
    "sales_count = sales_count + 1, total_minor = total_minor + excluded.total_minor"
)
_ADD_HOUR = DriverStatement(text(ADD_HOUR_SQL), insert=False)
ADD_CASHIER_SQL = (
    "INSERT INTO daily_cashiers (business_date, cashier_id, cashier_name, sales_count, "
    "total_minor) VALUES (:d, :c, :n, 1, :t) ON CONFLICT (business_date, cashier_id) "
    "DO UPDATE SET sales_count = sales_count + 1, "
    "total_minor = total_minor + excluded.total_minor"
)
_ADD_CASHIER = DriverStatement(text(ADD_CASHIER_SQL), insert=False)
ADD_PRODUCT_SQL = (
    "INSERT INTO daily_products (business_date, sku, name, category, quantity, total_minor) "
    "VALUES (:d, :sku, :name, coalesce((SELECT category FROM products WHERE id = :pid), ''), "
    ":q, :t) ON CONFLICT (business_date, sku) DO UPDATE SET "
    "quantity = quantity + excluded.quantity, total_minor = total_minor + excluded.total_minor"
)
_ADD_PRODUCT = DriverStatement(text(ADD_PRODUCT_SQL), insert=False)
ADD_TOTAL_SQL = (
    "INSERT INTO daily_totals (business_date, sales_count, gross_minor, discount_minor, "
    "total_minor, rounding_minor) VALUES (:d, 1, :g, :disc, :t, :r) "
    "ON CONFLICT (business_date) DO UPDATE SET sales_count = sales_count + 1, "
    "gross_minor = gross_minor + excluded.gross_minor, "
    "discount_minor = discount_minor + excluded.discount_minor, "
    "total_minor = total_minor + excluded.total_minor, "
    "rounding_minor = rounding_minor + excluded.rounding_minor"
)
_ADD_TOTAL = DriverStatement(text(ADD_TOTAL_SQL), insert=False)
ADD_TENDER_SQL = (
    "INSERT INTO daily_tenders (business_date, method, payments_count, amount_minor) "
    "VALUES (:d, :m, 1, :a) ON CONFLICT (business_date, method) DO UPDATE SET "
    "payments_count = payments_count + 1, amount_minor = amount_minor + excluded.amount_minor"
)
_ADD_TENDER = DriverStatement(text(ADD_TENDER_SQL), insert=False)
ADD_CATEGORY_SQL = (
    "INSERT INTO daily_categories (business_date, category, quantity, total_minor) "
    "VALUES (:d, coalesce((SELECT category FROM products WHERE id = :pid), ''), :q, :t) "
    "ON CONFLICT (business_date, category) DO UPDATE SET "
    "quantity = quantity + excluded.quantity, total_minor = total_minor + excluded.total_minor"
)
_ADD_CATEGORY = DriverStatement(text(ADD_CATEGORY_SQL), insert=False)


@dataclass(frozen=True, slots=True)
class SoldLine:
    sku: str
    name: str
    product_id: int | None
    quantity: int
    total_minor: int


def add_sale(
    session: Session,
    *,
    business_date: str,
    utc_hour: int,
    cashier_id: str,
    cashier_name: str,
    total_minor: int,
    lines: Sequence[SoldLine],
    discount_minor: int = 0,
    rounding_minor: int = 0,
    tenders: Sequence[tuple[str, int]] = (),
) -> None:
    """Add a completed sale to its day's summaries, inside the sale's own transaction.

    ``tenders``: (method, amount) of each payment; gross is ``total + discount``, as the
    sales' own columns give it."""
    # on the driver's cursor (pos/store/driver_sql.py): this runs in every sale's commit
    _ADD_TOTAL.execute(
        session,
        [
            {
                "d": business_date,
                "g": total_minor + discount_minor,
                "disc": discount_minor,
                "t": total_minor,
                "r": rounding_minor,
            }
        ],
    )
    if tenders:
        _ADD_TENDER.execute(session, [{"d": business_date, "m": m, "a": a} for m, a in tenders])
    _ADD_HOUR.execute(session, [{"d": business_date, "h": utc_hour, "t": total_minor}])
    _ADD_CASHIER.execute(
        session, [{"d": business_date, "c": cashier_id, "n": cashier_name, "t": total_minor}]
    )
    if lines:
        _ADD_PRODUCT.execute(
            session,
            [
                {
                    "d": business_date,
                    "sku": ln.sku,
                    "name": ln.name,
                    "pid": ln.product_id,
                    "q": ln.quantity,
                    "t": ln.total_minor,
                }
                for ln in lines
            ],
        )
        _ADD_CATEGORY.execute(
            session,
            [
                {"d": business_date, "pid": ln.product_id, "q": ln.quantity, "t": ln.total_minor}
                for ln in lines
            ],
        )


def rebuild(session: Session) -> None:
    """Recompute every day summary from the journal (after a bulk load)."""
    for statement in REBUILD:
        session.connection().exec_driver_sql(statement)


@dataclass(frozen=True, slots=True)
class DayRange:
    first: str  # YYYY-MM-DD, inclusive
    last: str
    #: the shop's offset from UTC in minutes, to turn UTC hours into the shop's hours
    offset_minutes: int

    def params(self) -> dict[str, str]:
        return {"d0": self.first, "d1": self.last}

    def local_hour(self, utc_hour: int) -> int:
        return ((utc_hour * 60 + self.offset_minutes) // 60) % 24


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
    #: the best-selling products by value (at most ``top`` of them), highest first
    products: list[tuple[str, str, int, int]]  # sku, name, qty, total
    categories: list[tuple[str, int, int]]  # category, qty, total


# Completed sales from their day summaries (``daily_totals``: one row a day); voids from
# the partial index of voided sales (``ix_sales_voided_day``: no completed sale in it;
# named, as the planner prefers ``ix_sales_day``, which covers every sale of the range).
_TOTALS = text(
    "SELECT coalesce(sum(sales_count), 0), coalesce(sum(gross_minor), 0), "
    "coalesce(sum(discount_minor), 0), coalesce(sum(total_minor), 0), "
    "coalesce(sum(rounding_minor), 0) FROM daily_totals "
    "WHERE business_date BETWEEN :d0 AND :d1"
)
_VOIDS = text(
    "SELECT count(*), coalesce(sum(total_minor), 0) FROM sales INDEXED BY ix_sales_voided_day "
    "WHERE status = 'voided' AND business_date BETWEEN :d0 AND :d1"
)
_HOURS = text(
    "SELECT utc_hour, sum(sales_count), sum(total_minor) FROM daily_hours "
    "WHERE business_date BETWEEN :d0 AND :d1 GROUP BY utc_hour"
)
_TENDERS = text(
    "SELECT method, sum(payments_count), sum(amount_minor) FROM daily_tenders "
    "WHERE business_date BETWEEN :d0 AND :d1 GROUP BY method"
)
_CASHIERS = text(
    "SELECT cashier_id, max(cashier_name), sum(sales_count), sum(total_minor) "
    "FROM daily_cashiers WHERE business_date BETWEEN :d0 AND :d1 GROUP BY cashier_id"
)
_CATEGORIES = text(
    "SELECT category, sum(quantity), sum(total_minor) FROM daily_categories "
    "WHERE business_date BETWEEN :d0 AND :d1 GROUP BY category"
)
_REFUNDS = text(
    "SELECT count(*), coalesce(sum(total_minor), 0) FROM refunds "
    "WHERE business_date BETWEEN :d0 AND :d1"
)


_DAY_SALES = text(
    "SELECT coalesce(sum(sales_count), 0), coalesce(sum(total_minor), 0) FROM daily_hours "
    "WHERE business_date BETWEEN :d0 AND :d1"
)


@dataclass(frozen=True, slots=True)
class RangeSales:
    """Completed sales and refunds of a range, from the day summaries (no sale read)."""

    sales_count: int
    sales_total: int
    refunds_count: int
    refunds_value: int


def range_sales(session: Session, days: DayRange) -> RangeSales:
    """What a comparison needs (the same days a week before): a few hundred summary rows
    instead of the covering index over every sale of the range."""
    p = days.params()
    count, total = session.execute(_DAY_SALES, p).one()
    refunds = session.execute(_REFUNDS, p).one()
    return RangeSales(int(count), int(total), int(refunds[0]), int(refunds[1]))


def daily_rows(
    session: Session, days: DayRange, *, detail: bool = True, top: int = 10
) -> DailyRows:
    """Every breakdown of the range (``detail`` False: the totals only, for comparisons);
    the ``top`` products by value."""
    p = days.params()
    ex = session.execute
    done = ex(_TOTALS, p).one()
    void = ex(_VOIDS, p).one()
    refunds = ex(_REFUNDS, p).one()
    return DailyRows(
        sales_count=int(done[0]),
        gross=int(done[1]),
        discounts=int(done[2]),
        total=int(done[3]),
        rounding=int(done[4]),
        voids_count=int(void[0]),
        voids_value=int(void[1]),
        refunds_count=int(refunds[0]),
        refunds_value=int(refunds[1]),
        hours=_local_hours(days, ex(_HOURS, p).all()) if detail else [],
        tenders=[(str(r[0]), int(r[1]), int(r[2])) for r in ex(_TENDERS, p).all()]
        if detail
        else [],
        cashiers=[(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in ex(_CASHIERS, p).all()]
        if detail
        else [],
        products=_top_products(session, days, top) if detail else [],
        categories=[(str(r[0]), int(r[1]), int(r[2])) for r in ex(_CATEGORIES, p).all()]
        if detail
        else [],
    )


def _top_products(session: Session, days: DayRange, top: int) -> list[tuple[str, str, int, int]]:
    return daily_top.top_products(session, days.first, days.last, top)


def _local_hours(days: DayRange, rows: Sequence[Any]) -> list[tuple[int, int, int]]:
    """UTC hours summed into the shop's hours (whole-hour offsets are exact)."""
    hours: dict[int, list[int]] = {}
    for utc_hour, count, total in rows:
        row = hours.setdefault(days.local_hour(int(utc_hour)), [0, 0])
        row[0] += int(count)
        row[1] += int(total)
    return [(h, v[0], v[1]) for h, v in sorted(hours.items())]


def add_completed_sale(session: Session, sale: Sale, totals: SaleTotals, header: Any) -> None:
    """:func:`add_sale` for a sale as ``repositories.write_sale`` just wrote it."""
    by_id = {lt.line_id: lt for lt in totals.lines}
    add_sale(
        session,
        business_date=header.business_date,
        utc_hour=header.closed_at.astimezone(UTC).hour,
        cashier_id=header.cashier_id,
        cashier_name=header.cashier_name,
        total_minor=totals.total.minor,
        discount_minor=totals.discounts.minor,
        rounding_minor=totals.rounding.minor,
        tenders=[(p.method, p.amount.minor) for p in sale.payments],
        lines=[
            SoldLine(
                ln.product.sku,
                ln.product.name,
                ln.product.product_id,
                ln.quantity,
                by_id[ln.line_id].total.minor,
            )
            for ln in sale.lines
        ],
    )
