"""Totals for managers: what a day took, by VAT class and by tender."""

from __future__ import annotations

from dataclasses import dataclass

from pos.domain.money import Money
from pos.domain.sale import SaleStatus
from pos.services.auth import AuthService, Permission
from pos.services.context import TerminalContext
from pos.store import repositories as repo
from pos.store.db import Database


@dataclass(frozen=True, slots=True)
class VatTotal:
    code: str
    gross: Money
    vat: Money


@dataclass(frozen=True, slots=True)
class DailyTotals:
    business_date: str
    sales_count: int
    voids_count: int
    items: int
    total: Money  # goods sold, VAT included, after discounts
    discounts: Money
    rounding: Money
    voided_total: Money
    vat: tuple[VatTotal, ...]
    tenders: tuple[tuple[str, int, Money], ...]  # method, count, amount

    @property
    def takings(self) -> Money:
        """Money that should be in the till and accounts: goods + cash rounding."""
        return self.total + self.rounding


class ReportService:
    def __init__(self, db: Database, ctx: TerminalContext, auth: AuthService) -> None:
        self._db = db
        self._ctx = ctx
        self._auth = auth

    def daily_totals(self, business_date: str) -> DailyTotals:
        """Totals of one business day (``YYYY-MM-DD``, the store's calendar)."""
        self._auth.require(Permission.VIEW_REPORTS)
        with self._db.session() as s:
            rows = repo.day_rows(s, business_date)
        cur = self._ctx.currency

        def m(v: int) -> Money:
            return Money(int(v), cur)

        done = [r for r in rows.sales if r[0] == SaleStatus.COMPLETED.value]
        void = [r for r in rows.sales if r[0] == SaleStatus.VOIDED.value]
        _, n, total, disc, rounding, items = done[0] if done else ("", 0, 0, 0, 0, 0)
        order = {code: i for i, code in enumerate(self._ctx.tax_table.codes())}
        return DailyTotals(
            business_date=business_date,
            sales_count=n,
            voids_count=void[0][1] if void else 0,
            items=items,
            total=m(total),
            discounts=m(disc),
            rounding=m(rounding),
            voided_total=m(void[0][2] if void else 0),
            vat=tuple(
                VatTotal(code, m(g), m(v))
                for code, g, v in sorted(rows.taxes, key=lambda r: order.get(r[0], 99))
            ),
            tenders=tuple((meth, cnt, m(amt)) for meth, cnt, amt in sorted(rows.tenders)),
        )
