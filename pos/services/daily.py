"""The daily totals view: a business day (or a range of them) by hour, tender, category,
cashier and product, compared with the same days a week before.

Business day: the shop's calendar day in which a sale closed (``TerminalContext.
business_date``), whatever shift it was in; a shift that runs past midnight puts its later
sales on the next day here, while its close and the Z count them with the shift. Hours are
the shop's local hours. All terminals whose sales are in this database are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pos.domain.messages import define
from pos.services.auth import AuthService, Permission
from pos.services.context import TerminalContext
from pos.services.errors import ServiceError
from pos.store import daily as store
from pos.store.db import Database

BAD_RANGE = define("daily_bad_range", "The first day ({first}) is after the last ({last}).")
NOT_A_DATE = define("daily_not_a_date", "That is not a date (YYYY-MM-DD): {problem}")
TOO_LONG = define("daily_too_long", "Choose at most {days} days at a time.")
MAX_DAYS = 400
TOP_PRODUCTS = 10


@dataclass(frozen=True, slots=True)
class Totals:
    sales_count: int
    gross: int
    discounts: int
    refunds_count: int
    refunds_value: int
    voids_count: int
    voids_value: int
    sales_total: int

    @property
    def net_sales(self) -> int:
        return self.gross - self.discounts - self.refunds_value

    @property
    def average_basket(self) -> int:
        return self.sales_total // self.sales_count if self.sales_count else 0


@dataclass(frozen=True, slots=True)
class Comparison:
    """The same days a week before: completed sales and refunds (what the view compares)."""

    sales_count: int
    sales_total: int  # after discounts
    refunds_value: int

    @property
    def net_sales(self) -> int:
        return self.sales_total - self.refunds_value


@dataclass(frozen=True, slots=True)
class Breakdown:
    key: str
    label: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class DailyView:
    first: str
    last: str
    currency: str
    totals: Totals
    week_before: Comparison
    hours: tuple[tuple[int, int, int], ...]  # 24 rows: hour, sales, total
    tenders: tuple[Breakdown, ...]
    categories: tuple[Breakdown, ...]
    cashiers: tuple[Breakdown, ...]
    top_products: tuple[Breakdown, ...]


def _totals(r: store.DailyRows) -> Totals:
    return Totals(
        r.sales_count,
        r.gross,
        r.discounts,
        r.refunds_count,
        r.refunds_value,
        r.voids_count,
        r.voids_value,
        r.total,
    )


class DailyService:
    def __init__(self, db: Database, ctx: TerminalContext, auth: AuthService) -> None:
        self._db = db
        self._ctx = ctx
        self._auth = auth

    def _offset(self, day: date) -> int:
        """The shop's offset from UTC on ``day``, in minutes (at noon: DST days shift by
        the change for part of the day)."""
        noon = datetime.combine(day, time(12), self._ctx.zone)
        delta = noon.utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    def view(self, first: str, last: str | None = None) -> DailyView:
        """One day (``last`` None) or the days ``first`` to ``last`` inclusive."""
        self._auth.require(Permission.VIEW_REPORTS)
        try:
            d0 = date.fromisoformat(first)
            d1 = date.fromisoformat(last) if last else d0
        except ValueError as exc:
            raise ServiceError(NOT_A_DATE(problem=str(exc))) from None
        if d1 < d0:
            raise ServiceError(BAD_RANGE(first=d0, last=d1))
        if (d1 - d0).days + 1 > MAX_DAYS:
            raise ServiceError(TOO_LONG(days=MAX_DAYS))
        days = store.DayRange(d0.isoformat(), d1.isoformat(), self._offset(d0))
        week = timedelta(days=7)
        before = store.DayRange(
            (d0 - week).isoformat(), (d1 - week).isoformat(), self._offset(d0 - week)
        )
        with self._db.read_session() as s:
            rows = store.daily_rows(s, days, top=TOP_PRODUCTS)
            prior = store.range_sales(s, before)
        by_hour = {h: (n, t) for h, n, t in rows.hours}
        return DailyView(
            first=days.first,
            last=days.last,
            currency=self._ctx.currency,
            totals=_totals(rows),
            week_before=Comparison(prior.sales_count, prior.sales_total, prior.refunds_value),
            hours=tuple((h, *by_hour.get(h, (0, 0))) for h in range(24)),
            tenders=tuple(
                Breakdown(m, m, n, a) for m, n, a in sorted(rows.tenders, key=lambda t: -t[2])
            ),
            categories=tuple(
                Breakdown(c, c or "-", q, t)
                for c, q, t in sorted(rows.categories, key=lambda r: (-r[2], r[0]))
            ),
            cashiers=tuple(
                Breakdown(cid, name, n, t)
                for cid, name, n, t in sorted(rows.cashiers, key=lambda c: -c[3])
            ),
            top_products=tuple(Breakdown(sku, name, q, t) for sku, name, q, t in rows.products),
        )
