"""Daily totals: per business day in Nairobi time, by VAT class and tender, voids apart."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.services.auth import Permission, Role, UserSummary
from pos.services.reports import DailyTotals
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from conftest import FakeClock

Users = dict[Role, UserSummary]

MILK = "6168232712628"  # DAI-0001, 65.00, Z
MILK_1L = "6168232430898"  # DAI-0002, 125.00, Z
UHT = "6168232799285"  # DAI-0003, 75.00, S
FLOUR = "6162393385004"  # FLR-0001, 88.00, E


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


def summary(t: DailyTotals) -> dict[str, object]:
    return {
        "sales": t.sales_count,
        "voids": t.voids_count,
        "items": t.items,
        "total": t.total.minor,
        "discounts": t.discounts.minor,
        "rounding": t.rounding.minor,
        "takings": t.takings.minor,
        "voided": t.voided_total.minor,
        "vat": [(v.code, v.gross.minor, v.vat.minor) for v in t.vat],
        "tenders": [(m, n, a.minor) for m, n, a in t.tenders],
    }


def as_manager(terminal: Terminal, users: Users) -> Terminal:
    terminal.auth.login(users[Role.MANAGER].user_id, "3333")
    return terminal


@pytest.fixture
def two_days(cashier: Terminal, users: Users, clock: FakeClock) -> Terminal:
    """Three sales and a void on Monday 2 March, one sale after midnight (Tuesday)."""
    co = cashier.checkout
    # 10:30 Nairobi: 2 x milk (Z) + long-life milk (S) = 205.00
    co.scan(MILK, 2)
    co.scan(UHT)
    assert co.pay_cash(kes("500")).change == kes("295.00")

    # 10:40: long-life milk with 3 % off = 72.75, cash rounded to 73.00
    clock.advance(minutes=10)
    line = co.scan(UHT).lines[0].line_id
    co.set_line_discount(line, Discount.of_percent(Decimal(3)))
    assert co.pay_cash(kes("100")).change == kes("27.00")

    # 10:50: flour, 50.00 taken, then voided (cash handed back)
    clock.advance(minutes=10)
    co.scan(FLOUR)
    co.pay_cash(kes("50"), partial=True)
    approval = cashier.auth.approve(users[Role.SUPERVISOR].user_id, "2222", Permission.VOID_SALE)
    assert co.void("customer short of cash", approval).cash_to_return == kes("50.00")

    # 23:59:59 Nairobi (20:59:59 UTC): still Monday
    clock.set(datetime(2026, 3, 2, 20, 59, 59, tzinfo=UTC))
    co.scan(FLOUR)
    assert co.pay_cash(kes("88")).change == kes("0.00")

    # 22:30 UTC on 2 March is 01:30 on Tuesday 3 March in Nairobi
    clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    co.scan(MILK_1L)
    result = co.pay_cash(kes("200"))
    assert result.receipt is not None
    assert result.receipt.issued_at.isoformat() == "2026-03-03T01:30:00+03:00"
    return cashier


def test_a_sale_after_local_midnight_belongs_to_the_next_day(two_days: Terminal) -> None:
    with two_days.db.session() as s:
        rows = s.execute(
            text("SELECT number, status, closed_at, business_date FROM sales ORDER BY seq")
        ).all()
    assert [(r.number, r.status, r.business_date) for r in rows] == [
        ("DEMO-T1-000001", "completed", "2026-03-02"),
        ("DEMO-T1-000002", "completed", "2026-03-02"),
        ("DEMO-T1-000003", "voided", "2026-03-02"),
        ("DEMO-T1-000004", "completed", "2026-03-02"),
        ("DEMO-T1-000005", "completed", "2026-03-03"),
    ]
    assert rows[3].closed_at.startswith("2026-03-02 20:59:59")
    assert rows[4].closed_at.startswith("2026-03-02 22:30:00")  # UTC date is still the 2nd


def test_daily_totals_of_the_first_day(two_days: Terminal, users: Users) -> None:
    totals = as_manager(two_days, users).reports.daily_totals("2026-03-02")
    assert totals.business_date == "2026-03-02"
    assert summary(totals) == {
        "sales": 3,
        "voids": 1,
        "items": 5,
        "total": 20500 + 7275 + 8800,
        "discounts": 225,
        "rounding": 25,
        "takings": 36600,
        "voided": 8800,
        # VAT is extracted per class per sale: 1034 (75.00) + 1003 (72.75)
        "vat": [("S", 7500 + 7275, 1034 + 1003), ("Z", 13000, 0), ("E", 8800, 0)],
        "tenders": [("cash", 3, 36600)],  # the voided sale's 50.00 is not takings
    }
    assert totals.takings == totals.tenders[0][2]


def test_daily_totals_of_the_second_day(two_days: Terminal, users: Users) -> None:
    totals = as_manager(two_days, users).reports.daily_totals("2026-03-03")
    assert summary(totals) == {
        "sales": 1,
        "voids": 0,
        "items": 1,
        "total": 12500,
        "discounts": 0,
        "rounding": 0,
        "takings": 12500,
        "voided": 0,
        "vat": [("Z", 12500, 0)],
        "tenders": [("cash", 1, 12500)],
    }


def test_a_day_without_sales_is_all_zero(two_days: Terminal, users: Users) -> None:
    totals = as_manager(two_days, users).reports.daily_totals("2026-03-01")
    assert summary(totals) == {
        "sales": 0,
        "voids": 0,
        "items": 0,
        "total": 0,
        "discounts": 0,
        "rounding": 0,
        "takings": 0,
        "voided": 0,
        "vat": [],
        "tenders": [],
    }


def test_supervisor_sees_the_same_totals(two_days: Terminal, users: Users) -> None:
    two_days.auth.login(users[Role.SUPERVISOR].user_id, "2222")
    assert two_days.reports.daily_totals("2026-03-02").total == kes("365.75")


def test_cash_tenders_match_takings_after_an_overpaid_sale(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(MILK_1L)
    co.pay_cash(kes("100"), partial=True)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, "2222", Permission.REMOVE_AFTER_TENDER
    )
    co.remove_line(view.lines[1].line_id, approval)
    assert co.complete_paid().change == kes("35.00")
    totals = as_manager(cashier, users).reports.daily_totals("2026-03-02")
    assert totals.takings == kes("65.00")
    assert totals.tenders == (("cash", 1, kes("65.00")),)
