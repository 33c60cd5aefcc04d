"""The daily totals view: breakdowns that add up, the hour in the shop's time, last week."""

from __future__ import annotations

import csv

import pytest

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.terminal import Terminal
from tests.conftest import FakeClock


def _barcodes() -> list[str]:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return [r["barcode"] for r in csv.DictReader(f) if r["barcode"]]


BARCODES = _barcodes()


def _sell(term: Terminal, barcode: str, qty: int = 1) -> int:
    term.checkout.scan(barcode, qty)
    total = term.checkout.view().totals.total.minor
    due = term.checkout.view().cash_due
    assert term.checkout.pay_cash(Money(due.minor + 1000)).receipt is not None
    return total


def test_a_day_by_hour_tender_category_cashier_and_product_adds_up(
    terminal: Terminal,
    clock: FakeClock,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    week_ago = _sell(terminal, BARCODES[2])
    clock.advance(minutes=7 * 24 * 60)  # a week later, 10:30 in Nairobi
    totals = [_sell(terminal, BARCODES[0], 2)]
    clock.advance(minutes=3 * 60)  # 13:30
    totals.append(_sell(terminal, BARCODES[1]))
    day = terminal.ctx.business_date(clock.now())
    view = terminal.daily.view(day)
    assert view.totals.sales_count == 2
    assert view.totals.sales_total == sum(totals)
    assert view.week_before.sales_total == week_ago
    assert [(h, n) for h, n, _ in view.hours if n] == [(10, 1), (13, 1)]
    assert len(view.hours) == 24
    assert sum(c.amount for c in view.categories) == sum(totals)
    assert sum(c.amount for c in view.cashiers) == sum(totals)
    assert sum(p.amount for p in view.top_products) == sum(totals)
    assert sum(t.count for t in view.tenders) == 2
    assert view.top_products[0].amount == max(totals)
    rng = terminal.daily.view(terminal.ctx.business_date(clock.now().replace(day=1)), day)
    assert rng.totals.sales_count == 3


def test_the_view_needs_the_reports_permission_and_a_sane_range(cashier: Terminal) -> None:
    with pytest.raises(PermissionDenied):
        cashier.daily.view("2026-03-02")


def test_a_bad_range_is_refused_with_its_reason(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    with pytest.raises(ServiceError, match="after the last"):
        terminal.daily.view("2026-03-05", "2026-03-01")
    with pytest.raises(ServiceError, match="not a date"):
        terminal.daily.view("yesterday")
    with pytest.raises(ServiceError, match="at most"):
        terminal.daily.view("2020-01-01", "2026-01-01")


def test_the_day_summaries_kept_at_each_sale_equal_a_rebuild_from_the_journal(
    cashier: Terminal,
) -> None:
    from sqlalchemy import text

    from pos.store import daily

    for n, barcode in enumerate(BARCODES[:4]):
        _sell(cashier, barcode, n + 1)

    def rows() -> list[tuple[object, ...]]:
        with cashier.db.read_session() as s:
            return [
                tuple(r)
                for table in ("daily_hours", "daily_cashiers", "daily_products")
                for r in s.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
            ]

    kept = rows()
    with cashier.db.session() as s:
        daily.rebuild(s)
    assert rows() == kept
    assert len(kept) == 1 + 1 + 4
