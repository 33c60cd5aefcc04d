"""A shift close and a Z are refused while a refund attempt of the terminal waits
(pending, approved: the card money may be back, the refund document not yet written), and
the X lists it; once resolved, both go through."""

from __future__ import annotations

import pytest

from pos.domain.money import Money
from pos.services import refund_attempts as attempts
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.refund_attempts import RefundAttemptState as S
from pos.services.terminal import Terminal

MILK = "6168232712628"


def _waiting(term: Terminal, to: S) -> str:
    """A refund attempt of this terminal, stored and moved as the refund service does."""
    term.checkout.scan(MILK, 1)
    term.checkout.pay_cash(term.checkout.view().cash_due)
    now = term.clock.now()
    with term.db.session() as s:
        attempts.add(
            s,
            attempt="R-waiting-1",
            refund_id="R-waiting",
            sale_id="S-any",
            payment_id="P-any",
            terminal_id=term.ctx.terminal_id,
            method="card",
            amount=Money(5000, "KES"),
            request="{}",
            created_by="tester",
            now=now,
        )
        attempts.move(s, "R-waiting-1", S.PENDING, now)
        if to is not S.PENDING:
            attempts.move(s, "R-waiting-1", to, now)
    return "R-waiting-1"


@pytest.mark.parametrize("state", [S.PENDING, S.APPROVED])
def test_close_and_z_refused_while_a_refund_waits(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], state: S
) -> None:
    attempt = _waiting(cashier, state)
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    waiting = cashier.zreports.waiting_refunds()
    assert [(w.attempt_id, w.state, w.amount.minor) for w in waiting] == [
        (attempt, state.value, 5000)
    ]
    with pytest.raises(ServiceError) as close_refused:
        cashier.shifts.close({}, note="counted short")
    assert "refund dialog (Check again, or settle by hand)" in str(close_refused.value)
    assert "the shift close would leave it out" in str(close_refused.value)
    assert cashier.shifts.current() is not None  # still open, nothing lost
    with pytest.raises(ServiceError) as z_refused:
        cashier.zreports.z_report()
    assert "the Z report would leave it out" in str(z_refused.value)
    assert "refund dialog (Check again, or settle by hand)" in str(z_refused.value)
    assert cashier.zreports.z_list() == []


def test_resolved_refund_lets_the_day_close(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    attempt = _waiting(cashier, S.PENDING)
    with cashier.db.session() as s:
        attempts.move(s, attempt, S.DECLINED, cashier.clock.now())
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    assert cashier.zreports.waiting_refunds() == []
    cashier.shifts.close({}, note="counted short")
    cashier.zreports.z_report()
    assert [z.number for z in cashier.zreports.z_list()] == [1]
