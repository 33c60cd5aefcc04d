"""Regressions from the code review: money on a basket is never dropped or doubled."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import (
    AccountLocked,
    ApprovalRequired,
    PermissionDenied,
    ServiceError,
    WrongPin,
)
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from tests.conftest import FakeClock
from pos.store import repositories as repo

MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def test_recall_refuses_while_money_is_on_the_basket(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """Part-paid sale whose lines were all removed: recall must not throw the cash away."""
    co = cashier.checkout
    co.scan(MILK)
    parked = co.park("later")
    assert parked.is_empty
    view = co.scan(MILK_1L)
    co.pay_cash(kes("100"), partial=True)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REMOVE_AFTER_TENDER
    )
    view = co.remove_line(view.lines[0].line_id, approval)
    assert view.lines == ()
    assert view.totals.paid == kes("100")
    [summary] = co.parked()
    with pytest.raises(ServiceError, match="Money was taken on the current sale"):
        co.recall(summary.sale_id)
    # nothing is left to sell: the basket is voided and the 100 handed back, on record
    with pytest.raises(ServiceError, match="void"):
        co.complete_paid()
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.VOID_SALE
    )
    voided = co.void("Customer changed mind", approval)
    assert voided.cash_to_return == kes("100")
    assert voided.receipt.number == "DEMO-T1-000001"
    recalled = co.recall(summary.sale_id)
    assert len(recalled.lines) == 1


def test_the_same_cash_tender_twice_is_recorded_once(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK_1L)  # 125.00
    first = co.pay_cash(kes("100"), partial=True, request_id="tap-1")
    again = co.pay_cash(kes("100"), partial=True, request_id="tap-1")
    assert first.view.totals.paid == again.view.totals.paid == kes("100")
    done = co.pay_cash(kes("100"), request_id="tap-2")
    assert done.receipt is not None
    assert [p.amount for p in done.receipt.payments] == [kes("100"), kes("25")]
    assert done.change == kes("75")


def test_a_due_that_rounds_to_zero_cash_can_be_finished(cashier: Terminal) -> None:
    co = cashier.checkout
    view = co.scan(MILK)
    supervisor_free = co.set_line_discount(view.lines[0].line_id, Discount.of_percent("10"))
    assert supervisor_free.totals.total == kes("58.50")
    # cash that rounds away: 0.30 due with KES 1 coins -> tender 0 finishes the sale
    co.pay_cash(kes("58.20"), partial=True)
    assert co.view().cash_due == kes("0")
    done = co.pay_cash(kes("0"))
    assert done.receipt is not None
    assert done.receipt.rounding == kes("-0.30")


def test_the_journal_names_the_cashier_who_finished(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier.checkout.scan(MILK)
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    done = cashier.checkout.pay_cash(kes("65"))
    assert done.receipt is not None
    assert done.receipt.cashier == "Brian Otieno"
    conn = sqlite3.connect(cashier.db.path)
    try:
        row = conn.execute("SELECT cashier_id, cashier_name FROM sales").fetchone()
    finally:
        conn.close()
    assert row == (users[Role.SUPERVISOR].user_id, "Brian Otieno")


def test_a_zero_total_sale_can_be_finished(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    co = cashier.checkout
    view = co.scan(MILK)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.DISCOUNT_OVER_LIMIT
    )
    view = co.set_line_discount(view.lines[0].line_id, Discount.of_percent(100), approval)
    assert view.totals.total == kes("0")
    assert not view.totals.due
    done = co.complete_paid()
    assert done.receipt is not None
    assert done.receipt.total == kes("0")


def test_small_discounts_adding_up_over_the_limit_need_approval(cashier: Terminal) -> None:
    """10 % on the line and 10 % on the order is 19 % off: over a 10 % limit."""
    co = cashier.checkout
    view = co.scan(MILK_1L)  # 125.00
    co.set_line_discount(view.lines[0].line_id, Discount.of_percent("10"))
    with pytest.raises(ApprovalRequired) as excinfo:
        co.set_order_discount(Discount.of_percent("10"))
    assert excinfo.value.permissions == ("discount_over_limit",)
    assert "19.0%" in str(excinfo.value)
    assert co.view().totals.order_discount == kes("0")


def test_an_approved_discount_does_not_grow_without_approval(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """50 % approved on one item is not 50 % on ninety-nine."""
    co = cashier.checkout
    view = co.scan(MILK_1L)
    line_id = view.lines[0].line_id
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.DISCOUNT_OVER_LIMIT
    )
    co.set_line_discount(line_id, Discount.of_percent("50"), approval)
    with pytest.raises(ApprovalRequired):
        co.set_quantity(line_id, 99)
    assert co.view().lines[0].quantity == 1
    co.set_quantity(line_id, 1)  # not growing: allowed


def test_repeated_lockouts_last_longer(
    terminal: Terminal, users: dict[Role, UserSummary], clock: FakeClock
) -> None:
    cashier_id = users[Role.CASHIER].user_id
    minutes = []
    for _round in range(3):
        for _ in range(5):
            with pytest.raises((WrongPin, AccountLocked)):
                terminal.auth.login(cashier_id, "0000")
        locked = next(u for u in terminal.auth.users() if u.user_id == cashier_id).locked_until
        assert locked is not None
        minutes.append(round((locked - clock.now()).total_seconds() / 60))
        clock.advance(seconds=(minutes[-1] + 1) * 60)
    assert minutes == [15, 30, 60]
    terminal.auth.login(cashier_id, "1111")  # the right PIN resets the escalation
    for _ in range(5):
        with pytest.raises((WrongPin, AccountLocked)):
            terminal.auth.login(cashier_id, "0000")
    locked = next(u for u in terminal.auth.users() if u.user_id == cashier_id).locked_until
    assert locked is not None
    assert round((locked - clock.now()).total_seconds() / 60) == 15


def test_an_approval_refused_for_role_is_audited_as_not_permitted(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    with pytest.raises(PermissionDenied, match="cannot approve"):
        terminal.auth.approve(users[Role.CASHIER].user_id, pins[Role.CASHIER], Permission.VOID_SALE)
    with terminal.db.session() as s:
        last = repo.recent_audit(s, 1)[0]
    assert (last.action, last.result) == ("approve:void_sale", "not_permitted")
    # a right PIN is not a failed attempt
    [cashier] = [u for u in terminal.auth.users() if u.role is Role.CASHIER]
    assert cashier.locked_until is None


def test_change_after_an_overpayment_is_rounded_to_coins(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    co = cashier.checkout
    view = co.scan(MILK_1L)  # 125.00
    view = co.scan(MILK)  # 65.00
    co.set_line_discount(view.lines[1].line_id, Discount.of_amount(kes("3.75")))  # 61.25
    co.pay_cash(kes("150"), partial=True)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REMOVE_AFTER_TENDER
    )
    co.remove_line(view.lines[0].line_id, approval)  # 61.25 left, 150 paid
    done = co.complete_paid()
    assert done.receipt is not None
    assert done.change == kes("89")  # not 88.75: coins
    assert done.receipt.rounding == kes("-0.25")
    assert done.receipt.total + done.receipt.rounding + done.change == kes("150")
