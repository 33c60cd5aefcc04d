"""Unfinished payments are re-asked on a backed-off schedule that ends with the method's
window, and a gateway result is applied once however many paths deliver it.

The method here is a small real implementation that stays pending and counts the
questions it is asked (what a gateway's rate limit would count); the service, the store
and the clock rules are the real ones.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from pos.domain.money import Money
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    DialogKind,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
)
from pos.services.payments import PaymentService, PaymentSettings
from pos.services.steps import NetCall
from pos.services.terminal import Terminal

MILK = "6168232712628"  # Brookside Fresh Milk 500ml, KES 65.00


class SlowCustomer(PaymentMethod):
    """Pending until told otherwise; counts every status question."""

    code = "slowpay"
    label = "Slow Pay"
    currencies = frozenset({"KES"})
    description = MethodDescription(
        code="slowpay",
        label="Slow Pay",
        dialog=DialogKind.NONE,
        deadline_seconds=120,
        recheck_window_seconds=3600,
    )

    def __init__(self) -> None:
        self.questions = 0
        self.answer = AttemptState.PENDING

    def start(self, request: PaymentRequest) -> PaymentResult:
        return PaymentResult(AttemptState.PENDING, "slow.pending", "Waiting.", gateway_ref="G1")

    def status(self, ref: AttemptRef) -> PaymentResult:
        self.questions += 1
        if self.answer is AttemptState.CAPTURED:
            return PaymentResult(
                AttemptState.CAPTURED, "ok", "Paid.", gateway_ref="G1", captured=ref.amount
            )
        return PaymentResult(self.answer, "slow.pending", "Still waiting.", gateway_ref="G1")


@pytest.fixture
def method() -> SlowCustomer:
    return SlowCustomer()


@pytest.fixture
def payments(cashier: Terminal, method: SlowCustomer) -> PaymentService:
    return PaymentService(
        cashier.db,
        cashier.ctx,
        cashier.clock,
        cashier.ids,
        cashier.auth,
        cashier.checkout,
        {"slowpay": method},
        replace(PaymentSettings(), recheck_first_seconds=30, recheck_max_seconds=3600),
    )


def advance(terminal: Terminal, seconds: float) -> None:
    terminal.clock.advance(seconds=seconds)  # type: ignore[attr-defined]


def test_rechecks_back_off_and_stop_when_the_window_has_passed(
    cashier: Terminal, payments: PaymentService, method: SlowCustomer
) -> None:
    cashier.checkout.scan(MILK)
    started = payments.start("slowpay", Money(6500, "KES"))
    payments.cancel(started.attempt_id)  # the cashier stopped waiting
    asked_at: list[int] = []
    elapsed = 0
    for _ in range(6 * 60 * 3):  # three hours of the 30-second timer
        before = method.questions
        payments.resolve_unfinished(everything=False)
        if method.questions > before:
            asked_at.append(elapsed)
        advance(cashier, 30)
        elapsed += 30
    # 30 s doubling to an hour, never every 30 s: ~2,880 questions a day were asked before
    gaps = [b - a for a, b in itertools.pairwise(asked_at)]
    assert gaps[:5] == [30, 60, 120, 240, 480]
    assert all(g <= 3600 for g in gaps)
    # expired at 120 s; asked no more once the hour's window after that had passed
    assert asked_at[-1] <= 120 + 3600
    assert len(asked_at) < 15
    with cashier.db.session() as s:
        [(state, resolution)] = (
            s.connection().exec_driver_sql("SELECT state, resolution FROM payment_attempts").all()
        )
    assert (state, resolution) == ("expired", "closed")


def test_start_up_asks_about_everything_once(
    cashier: Terminal, payments: PaymentService, method: SlowCustomer
) -> None:
    cashier.checkout.scan(MILK)
    payments.start("slowpay", Money(6500, "KES"))
    payments.resolve_unfinished(everything=False)
    assert method.questions == 1
    payments.resolve_unfinished(everything=False)  # not due yet: not asked
    assert method.questions == 1
    payments.resolve_unfinished(everything=True)  # start-up pass: asked regardless
    assert method.questions == 2


def test_a_capture_delivered_twice_is_applied_once(
    cashier: Terminal, payments: PaymentService, method: SlowCustomer
) -> None:
    """The dialog's poll and the background re-check both learn of the capture while
    each waited on the network; whichever comes back second changes nothing."""
    cashier.checkout.scan(MILK)
    started = payments.start("slowpay", Money(6500, "KES"))
    method.answer = AttemptState.CAPTURED
    first = payments.poll_steps(started.attempt_id)
    second = payments.poll_steps(started.attempt_id)
    call_1 = next(first)
    call_2 = next(second)  # both are now waiting on the gateway
    assert isinstance(call_1, NetCall)
    result_1, result_2 = call_1.fn(), call_2.fn()
    with pytest.raises(StopIteration) as done_1:
        first.send(result_1)
    with pytest.raises(StopIteration) as done_2:
        second.send(result_2)
    assert done_1.value.value.receipt is not None  # the first completed the sale
    assert done_2.value.value.receipt is None  # the second found it applied already
    with cashier.db.session() as s:
        payments_rows = s.connection().exec_driver_sql("SELECT count(*) FROM payments").all()
        events = (
            s.connection()
            .exec_driver_sql("SELECT kind FROM outbox WHERE kind LIKE 'payment.%'")
            .all()
        )
    assert payments_rows == [(1,)]
    assert events == [("payment.resolved",)]
