"""PayPal after the till gave up, and captures refunded before the till saw them.

Regressions from issue 7: the background re-check captured any APPROVED order for a day
after the attempt expired (a customer who had paid cash meanwhile was charged again), and a
capture already REFUNDED or PARTIALLY_REFUNDED when first resolved counted as paid in full.
Over real HTTP against the PayPal sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.paypal.client import PayPalClient
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.sandbox import PayPalSandbox

NewRequest = Callable[..., PaymentRequest]


def test_an_approval_after_the_till_gave_up_is_never_captured(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(1250)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    late = method.status(replace(ref, may_capture=False))
    assert late.state is AttemptState.CANCELLED
    assert late.code == "paypal.approved_late"
    assert "not charged" in late.message
    assert sandbox.ledger()["captures"] == []  # nothing was taken
    assert not any(r.path.endswith("/capture") for r in sandbox.requests)


def test_a_capture_refunded_in_full_before_the_till_saw_it_counts_nothing(
    method: PayPalMethod, client: PayPalClient, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(1250)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    order = client.capture_order(started.gateway_ref, f"{request.attempt_id}-capture")
    client.refund_capture(order.captures[-1].id, Money(1250, "USD"), request_id="r-full")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    result = method.status(ref)
    assert result.state is AttemptState.CANCELLED
    assert result.code == "paypal.CAPTURE_REFUNDED"
    assert result.captured is None


def test_a_capture_refunded_in_part_counts_only_what_was_kept(
    method: PayPalMethod, client: PayPalClient, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(1250)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    order = client.capture_order(started.gateway_ref, f"{request.attempt_id}-capture")
    client.refund_capture(order.captures[-1].id, Money(250, "USD"), request_id="r-part")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    result = method.status(ref)
    assert result.state is AttemptState.CAPTURED
    assert result.captured == Money(1000, "USD")  # the service flags the difference
