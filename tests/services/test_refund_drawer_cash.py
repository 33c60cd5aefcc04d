"""A cash refund is never more than the drawer should hold (the cash-up's expected cash):
no approval overrides that, the refusal says what the drawer holds and what to do, and
nothing is written; the same refund goes through once cash is paid in."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from pos.domain.money import Money
from pos.domain.refund import TenderHow
from pos.domain.sale import Payment
from pos.services.auth import Approval, Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, ServiceError
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal

MILK_1L = "6168232430898"  # 125.00


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def rows(t: Terminal, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def mpesa_sale(t: Terminal, quantity: int) -> str:
    """A sale paid by M-Pesa (recorded as the payment service records it): no cash in."""
    t.checkout.scan(MILK_1L, quantity)
    sale_id = t.checkout.open_sale_id
    assert sale_id is not None
    total = t.checkout.view().totals.total
    payment = Payment("mpesa-1", "mpesa", total, total, kes("0"), datetime.now(UTC), "SGH7XYZ12")
    outcome = t.checkout.apply_payment(sale_id, payment, rounding=kes("0"), within=lambda _s: None)
    assert outcome.receipt is not None
    return sale_id


def test_a_cash_refund_beyond_the_drawer_is_refused_even_with_a_manager(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    cashier.shifts.cash_in(kes("1200"), "float_top_up", "morning float")
    sale = mpesa_sale(cashier, 40)  # KES 5,000.00, none of it in the drawer
    cash = RefundRequest(sale, {1: 40}, "damaged", how={"mpesa-1": TenderHow.CASH})
    with pytest.raises(ServiceError) as refused:  # before any approval is asked
        cashier.refunds.refund(cash)
    text = str(refused.value)
    assert "should hold only KES 1,200.00" in text or "should hold only KES 1200.00" in text
    assert "another method" in text
    assert "cash in" in text

    def approval() -> Approval:  # each approval is used once
        return cashier.auth.approve(
            users[Role.MANAGER].user_id, pins[Role.MANAGER], [Permission.REFUND_TO_CASH]
        )

    with pytest.raises(ServiceError, match="should hold only"):
        cashier.refunds.refund(cash, approval())  # a manager cannot make the cash be there
    assert rows(cashier, "SELECT count(*) FROM refunds") == [(0,)]
    # what is possible: 9 litres (1,125.00) in cash, or all of it once cash is paid in
    part = RefundRequest(sale, {1: 9}, "damaged", how={"mpesa-1": TenderHow.CASH})
    assert cashier.refunds.refund(part, approval()).cash_out == kes("1125")
    cashier.shifts.cash_in(kes("4000"), "float_top_up", "from the safe for a refund")
    rest = RefundRequest(sale, {1: 31}, "damaged", how={"mpesa-1": TenderHow.CASH})
    with pytest.raises(ApprovalRequired):
        cashier.refunds.refund(rest)  # the drawer holds it now: the approval is asked
    assert cashier.refunds.refund(rest, approval()).cash_out == kes("3875")
    assert cashier.shifts.current() is not None


def test_a_refund_by_hand_does_not_need_the_drawer(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    sale = mpesa_sale(cashier, 40)
    done = cashier.refunds.refund(
        RefundRequest(sale, {1: 40}, "damaged", references={"mpesa-1": "RVS12345"})
    )
    assert done.cash_out == kes("0")
    assert done.total == kes("5000")
