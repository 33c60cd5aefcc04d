"""A buyer who presses Cancel on PayPal's approve page, and a till that copes with it.

At PayPal, Cancel sends the buyer to the merchant's ``cancel_url`` and leaves the order
as it was: unapproved (CREATED / PAYER_ACTION_REQUIRED), not VOIDED, and nobody is told.
So the till's PayPal method (over real HTTP to the sandbox) must keep seeing "still
waiting", give up at its own deadline, and never capture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.services.payments import PaymentService, PaymentSettings
from pos.services.terminal import Terminal

MILK_1L = "6168232430898"  # 125.00
DEADLINE = 120  # seconds the till waits for the customer in these tests


def press_cancel(action_url: str) -> requests.Response:
    """What the customer's phone does: POST the page's Cancel button, not following the
    redirect (it leads to the shop's cancel_url, off this machine)."""
    answer = requests.post(
        action_url, data={"decision": "cancel"}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 303, answer.text
    return answer


def test_the_method_keeps_waiting_after_a_cancel_then_the_order_lapses_uncaptured(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: Callable[..., PaymentRequest]
) -> None:
    request = new_request()
    started = method.start(request)
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    redirect = press_cancel(started.action_url)
    assert redirect.headers["Location"].endswith(f"token={started.gateway_ref}")
    for _ in range(3):  # polled as the till does: still waiting, never captured
        result = method.status(ref)
        assert result.state is AttemptState.PENDING
        assert result.action_url == started.action_url  # the QR code still works
    sandbox.advance(sandbox.approval_window + 1)
    lapsed = method.status(ref)
    assert lapsed.state is AttemptState.EXPIRED
    assert sandbox.ledger()["captures"] == []


@pytest.fixture
def paypal_box() -> Iterator[PayPalSandbox]:
    box = PayPalSandbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def payments(cashier: Terminal, paypal_box: PayPalSandbox) -> PaymentService:
    method = create_paypal(
        MethodContext(training=True, currency="KES", settings={"base_url": paypal_box.base_url})
    )
    settings = replace(PaymentSettings(), deadline_seconds={"paypal": DEADLINE})
    return cashier.enable_payments({"paypal": method}, settings)


def test_the_till_stays_pending_after_a_cancel_and_expires_at_its_deadline(
    cashier: Terminal, payments: PaymentService, paypal_box: PayPalSandbox, clock: Any
) -> None:
    cashier.checkout.scan(MILK_1L)
    started = payments.start("paypal", Money(12500, "KES"))
    assert started.state is AttemptState.PENDING
    [order] = paypal_box.pending()
    press_cancel(order["approve_url"])

    waiting = payments.poll(started.attempt_id)
    assert (waiting.state, waiting.final) == (AttemptState.PENDING, False)
    clock.advance(DEADLINE - 10)  # the terminal's clock (tests/conftest.py FakeClock)
    assert payments.poll(started.attempt_id).state is AttemptState.PENDING
    clock.advance(20)
    expired = payments.poll(started.attempt_id)
    assert expired.state is AttemptState.EXPIRED
    assert expired.receipt is None

    payments.resolve_unfinished()  # the background re-check finds nothing to take
    assert paypal_box.ledger()["captures"] == []
    assert [r for r in paypal_box.requests if r.path.endswith("/capture")] == []
    assert cashier.checkout.view().totals.due == Money(12500, "KES")
