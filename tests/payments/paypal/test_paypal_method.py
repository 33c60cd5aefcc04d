"""PayPalMethod end to end over real HTTP: QR link, customer decisions, every capture
outcome, idempotency, failures, cancel, refunds, validation and the factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import requests

from pos.domain.money import Money
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    GatewayUnavailable,
    PaymentRequest,
    PaymentResult,
    RefundState,
)
from pos.payments.paypal.client import LIVE_BASE_URL, PayPalClient, PayPalConfig
from pos.payments.paypal.method import PayPalMethod, create, mask_email
from pos.payments.paypal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, PayPalSandbox
from pos.payments.paypal.sandbox_control import SandboxCustomer
from pos.payments.registry import Discovered, MethodContext, build

NewRequest = Callable[..., PaymentRequest]


def ref_for(request: PaymentRequest, started: PaymentResult, **details: str) -> AttemptRef:
    return AttemptRef(
        request.attempt_id, request.sale_id, request.amount, started.gateway_ref, details=details
    )


def started_and_approved(
    method: PayPalMethod, sandbox: PayPalSandbox, request: PaymentRequest, mock: str = ""
) -> AttemptRef:
    started = method.start(request)
    assert started.state is AttemptState.PENDING
    sandbox.decide(started.gateway_ref, "approve", mock_application_codes=mock)
    return ref_for(request, started)


# -- the happy path -----------------------------------------------------------------------


def test_qr_link_approve_over_http_then_status_captures(
    method: PayPalMethod,
    sandbox: PayPalSandbox,
    customer: SandboxCustomer,
    new_request: NewRequest,
) -> None:
    request = new_request(1250)
    started = method.start(request)
    assert started.state is AttemptState.PENDING
    assert started.code == "paypal.PAYER_ACTION_REQUIRED"
    assert started.action_url == f"{sandbox.base_url}/checkoutnow?token={started.gateway_ref}"
    ref = ref_for(request, started)

    waiting = method.status(ref)
    assert (waiting.state, waiting.action_url) == (AttemptState.PENDING, started.action_url)

    [pending] = customer.pending()
    assert (pending.id, pending.currency, pending.value) == (started.gateway_ref, "USD", "12.50")
    assert pending.brand_name == "Kaunta Demo Duka"
    assert customer.decide(pending.id, "approve") == "APPROVED"

    paid = method.status(ref)
    assert paid.state is AttemptState.CAPTURED
    assert paid.code == "ok"
    assert paid.captured == Money(1250, "USD")
    [capture] = sandbox.ledger()["captures"]
    assert paid.receipt_ref == capture["id"]
    assert paid.details["capture_id"] == capture["id"]
    assert paid.gateway_ref == started.gateway_ref
    assert paid.payer.startswith("s***@")  # masked e-mail of the payer
    capture_call = next(r for r in sandbox.requests if r.path.endswith("/capture"))
    assert capture_call.headers["paypal-request-id"] == f"{request.attempt_id}-capture"

    # Asking again is harmless: the capture is reported, not repeated.
    assert method.status(ref).receipt_ref == paid.receipt_ref
    assert len(sandbox.ledger()["captures"]) == 1
    assert customer.pending() == []


def test_customer_approves_on_the_approve_page(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(990)
    started = method.start(request)
    page = requests.get(started.action_url, timeout=5)
    assert page.status_code == 200
    assert "USD 9.90" in page.text
    assert "Kaunta Demo Duka" in page.text
    assert "value='approve'" in page.text
    assert "value='cancel'" in page.text
    answer = requests.post(
        started.action_url,
        data={"token": started.gateway_ref, "decision": "approve"},
        timeout=5,
    )
    assert "You approved this payment" in answer.text
    assert method.status(ref_for(request, started)).state is AttemptState.CAPTURED


def test_start_replayed_after_a_crash_finds_the_same_order(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    first = method.start(request)
    sandbox.decide(first.gateway_ref, "approve")
    again = method.start(request)  # same attempt id = same PayPal-Request-Id
    assert again.gateway_ref == first.gateway_ref
    assert (again.state, again.code) == (AttemptState.PENDING, "paypal.APPROVED")
    assert method.status(ref_for(request, again)).state is AttemptState.CAPTURED


# -- every capture outcome ------------------------------------------------------------------


def test_capture_pending_then_settled(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    ref = started_and_approved(method, sandbox, request, mock="CAPTURE_PENDING")
    held = method.status(ref)
    assert (held.state, held.code) == (AttemptState.PENDING, "paypal.CAPTURE_PENDING")
    assert held.details["reason"] == "PENDING_REVIEW"
    assert "PENDING_REVIEW" in held.message
    assert method.status(ref).state is AttemptState.PENDING  # still held, no new capture
    sandbox.settle_capture(held.details["capture_id"], "COMPLETED")
    paid = method.status(ref)
    assert paid.state is AttemptState.CAPTURED
    assert paid.receipt_ref == held.details["capture_id"]
    assert len(sandbox.ledger()["captures"]) == 1


def test_capture_declined(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request(), mock="CAPTURE_DECLINED")
    result = method.status(ref)
    assert (result.state, result.code, result.retry_allowed) == (
        AttemptState.DECLINED,
        "paypal.CAPTURE_DECLINED",
        True,
    )
    assert result.captured is None
    assert result.receipt_ref == ""


def test_instrument_declined_offers_another_funding_source(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request(), mock="INSTRUMENT_DECLINED")
    result = method.status(ref)
    assert (result.state, result.code, result.retry_allowed) == (
        AttemptState.DECLINED,
        "paypal.INSTRUMENT_DECLINED",
        True,
    )
    assert result.action_url == f"{sandbox.base_url}/checkoutnow?token={ref.gateway_ref}"
    assert "another funding source" in result.message
    assert result.details["debug_id"]
    assert sandbox.ledger()["captures"] == []


def test_transaction_refused_is_a_decline(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request(), mock="TRANSACTION_REFUSED")
    result = method.status(ref)
    assert (result.state, result.code) == (AttemptState.DECLINED, "paypal.TRANSACTION_REFUSED")
    assert result.action_url == ""


def test_order_not_approved_on_capture_stays_pending(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request(), mock="ORDER_NOT_APPROVED")
    result = method.status(ref)
    assert (result.state, result.code) == (AttemptState.PENDING, "paypal.ORDER_NOT_APPROVED")
    assert method.status(ref).state is AttemptState.CAPTURED  # the mock was one-shot


def test_order_already_captured_elsewhere_is_reported_as_captured(
    config: PayPalConfig, sandbox: PayPalSandbox, client: PayPalClient, new_request: NewRequest
) -> None:
    class OtherTillCapturesFirst(requests.Session):
        """Between our GET (APPROVED) and our capture, another till captures the order."""

        fired = False

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if method == "POST" and url.endswith("/capture") and not self.fired:
                self.fired = True
                client.capture_order(url.split("/")[-2], "other-till-capture")
            return super().request(method, url, *args, **kwargs)

    racing = PayPalMethod(PayPalClient(config, session=OtherTillCapturesFirst()))
    request = new_request()
    ref = started_and_approved(racing, sandbox, request)
    result = racing.status(ref)
    assert result.state is AttemptState.CAPTURED
    [capture] = sandbox.ledger()["captures"]
    assert result.receipt_ref == capture["id"]
    codes = [r.status for r in sandbox.requests if r.path.endswith("/capture")]
    assert codes == [201, 422]  # theirs succeeded, ours was ORDER_ALREADY_CAPTURED


def test_order_lapses_after_the_approval_window(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    started = method.start(request)
    sandbox.advance(sandbox.approval_window + 1)
    result = method.status(ref_for(request, started))
    assert (result.state, result.code, result.retry_allowed) == (
        AttemptState.EXPIRED,
        "paypal.INVALID_RESOURCE_ID",
        True,
    )


def test_approved_but_lapsed_before_capture_is_expired(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request())
    sandbox.advance(sandbox.approval_window + 1)
    assert method.status(ref).state is AttemptState.EXPIRED
    assert sandbox.ledger()["captures"] == []
    reversed_events = [e.event_type for e in sandbox.webhook_events]
    assert "CHECKOUT.PAYMENT-APPROVAL.REVERSED" in reversed_events


def test_customer_cancel_leaves_the_order_waiting(
    method: PayPalMethod, sandbox: PayPalSandbox, customer: SandboxCustomer, new_request: NewRequest
) -> None:
    """As at PayPal, the buyer's Cancel leaves the order unapproved (not VOIDED): the till
    keeps waiting until its deadline, and nothing is captured."""
    request = new_request()
    started = method.start(request)
    assert customer.decide(started.gateway_ref, "cancel") == "PAYER_ACTION_REQUIRED"
    result = method.status(ref_for(request, started))
    assert (result.state, result.code) == (AttemptState.PENDING, "paypal.PAYER_ACTION_REQUIRED")
    assert sandbox.ledger()["captures"] == []


def test_default_customer_decision(
    method: PayPalMethod, customer: SandboxCustomer, new_request: NewRequest
) -> None:
    customer.set_default("approve")
    request = new_request()
    started = method.start(request)
    assert method.status(ref_for(request, started)).state is AttemptState.CAPTURED


# -- idempotency and failures -----------------------------------------------------------------


def test_capture_answer_lost_to_5xx_is_retried_into_one_capture(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request())
    sandbox.fail_next(1, 503, after=True, path=f"/v2/checkout/orders/{ref.gateway_ref}/capture")
    result = method.status(ref)
    assert result.state is AttemptState.CAPTURED
    assert [r.status for r in sandbox.requests if r.path.endswith("/capture")] == [503, 200]
    assert len(sandbox.ledger()["captures"]) == 1


def test_capture_timeout_then_next_status_reports_the_one_capture(
    make_method: Callable[..., PayPalMethod], sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    method = make_method(read_timeout=0.2)
    ref = started_and_approved(method, sandbox, new_request())
    # Every try of this capture is answered too late; the first one did capture.
    sandbox.fail_next(3, 0, delay=0.4, path=f"/v2/checkout/orders/{ref.gateway_ref}/capture")
    with pytest.raises(GatewayUnavailable):
        method.status(ref)
    deadline = time.monotonic() + 5
    while len([r for r in sandbox.requests if r.path.endswith("/capture")]) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    result = method.status(ref)  # the attempt is asked about again later
    assert result.state is AttemptState.CAPTURED
    assert len(sandbox.ledger()["captures"]) == 1


def test_status_survives_token_expiry_mid_flow(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request())
    requests.post(f"{sandbox.base_url}/__sandbox__/expire-tokens", timeout=5).raise_for_status()
    assert method.status(ref).state is AttemptState.CAPTURED
    assert sum(1 for r in sandbox.requests if r.path == "/v1/oauth2/token") == 2


def test_gets_retried_on_503_over_the_control_path(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    started = method.start(request)
    requests.post(
        f"{sandbox.base_url}/__sandbox__/fail-next",
        json={"count": 2, "status": 503, "path": "/v2/checkout/orders/"},
        timeout=5,
    ).raise_for_status()
    assert method.status(ref_for(request, started)).state is AttemptState.PENDING


def test_status_timeout_is_gateway_unavailable(
    make_method: Callable[..., PayPalMethod], sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    method = make_method(read_timeout=0.2, retries=0)
    request = new_request()
    started = method.start(request)
    sandbox.fail_next(1, 0, delay=0.5, path="/v2/checkout/orders/")
    with pytest.raises(GatewayUnavailable, match="outcome is not known"):
        method.status(ref_for(request, started))


def test_start_with_bad_credentials_is_declined_not_raised(
    make_method: Callable[..., PayPalMethod], new_request: NewRequest
) -> None:
    result = make_method(client_secret="wrong").start(new_request())
    assert (result.state, result.code, result.retry_allowed) == (
        AttemptState.DECLINED,
        "paypal.INVALID_CLIENT",
        False,
    )
    assert "credentials" in result.message


# -- cancel -------------------------------------------------------------------------------------


def test_cancel_before_approval(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    started = method.start(request)
    result = method.cancel(ref_for(request, started))
    assert (result.state, result.code) == (AttemptState.CANCELLED, "paypal.cancelled")
    sandbox.decide(started.gateway_ref, "approve")  # the customer approves too late
    assert sandbox.ledger()["captures"] == []  # the till never captures: nothing is taken


def test_cancel_after_approval_takes_nothing(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request())
    assert method.cancel(ref).state is AttemptState.CANCELLED
    assert sandbox.ledger()["captures"] == []


def test_cancel_after_capture_reports_the_money(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request())
    paid = method.status(ref)
    result = method.cancel(ref)
    assert result.state is AttemptState.CAPTURED
    assert result.receipt_ref == paid.receipt_ref
    assert "cannot be cancelled" in result.message


def test_cancel_of_a_lapsed_order(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request()
    started = method.start(request)
    sandbox.advance(sandbox.approval_window + 1)
    assert method.cancel(ref_for(request, started)).state is AttemptState.CANCELLED


# -- refunds ------------------------------------------------------------------------------------


def paid_ref(method: PayPalMethod, sandbox: PayPalSandbox, request: PaymentRequest) -> AttemptRef:
    ref = started_and_approved(method, sandbox, request)
    assert method.status(ref).state is AttemptState.CAPTURED
    return ref


def test_full_refund(method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest) -> None:
    ref = paid_ref(method, sandbox, new_request(2000))
    result = method.refund(ref, Money(2000, "USD"))
    assert (result.ok, result.code, result.amount) == (True, "ok", Money(2000, "USD"))
    [refund] = sandbox.ledger()["refunds"]
    assert result.refund_ref == refund["id"]


def test_partial_refunds_then_over_refund_refused(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(2000)
    ref = paid_ref(method, sandbox, request)
    first = method.refund(replace(ref, details={"refund_id": "r-1"}), Money(500, "USD"))
    second = method.refund(replace(ref, details={"refund_id": "r-2"}), Money(500, "USD"))
    assert first.ok
    assert second.ok
    assert first.refund_ref != second.refund_ref
    too_much = method.refund(replace(ref, details={"refund_id": "r-3"}), Money(1500, "USD"))
    assert (too_much.ok, too_much.code) == (False, "paypal.REFUND_AMOUNT_EXCEEDED")
    assert "more than what is left" in too_much.message
    assert len(sandbox.ledger()["refunds"]) == 2


def test_retried_refund_is_not_paid_twice(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = paid_ref(method, sandbox, new_request(2000))
    sandbox.fail_next(1, 503, after=True, path="/v2/payments/captures/")
    first = method.refund(ref, Money(700, "USD"))  # answer lost, retried, replayed
    again = method.refund(ref, Money(700, "USD"))  # the till retries the whole refund
    assert first.ok
    assert again.ok
    assert first.refund_ref == again.refund_ref
    assert len(sandbox.ledger()["refunds"]) == 1


def test_a_refund_whose_answer_was_lost_is_asked_about_and_found_once(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    """The refund recovery's question (``refund_status``): PayPal's refund is idempotent
    by request id, so repeating the refund finds the one that went through (never a
    second); one PayPal refused is said not refunded; PayPal away leaves it unanswered."""
    assert method.can(Capability.IDEMPOTENT_REFUND)
    ref = replace(paid_ref(method, sandbox, new_request(2000)), details={"refund_id": "r-9"})
    sandbox.fail_next(3, 503, after=True, path="/v2/payments/captures/")
    with pytest.raises(GatewayUnavailable):
        method.refund(ref, Money(700, "USD"))  # it went through; every answer was lost
    [made] = sandbox.ledger()["refunds"]
    check = method.refund_status(ref, Money(700, "USD"), "", nothing_since=False)
    assert check.state is RefundState.REFUNDED
    assert check.refund_ref == made["id"]
    assert len(sandbox.ledger()["refunds"]) == 1
    too_much = replace(ref, details={"refund_id": "r-10"})
    refused = method.refund_status(too_much, Money(1500, "USD"), "", nothing_since=True)
    assert refused.state is RefundState.NOT_REFUNDED
    assert len(sandbox.ledger()["refunds"]) == 1
    method.client.close()  # PayPal cannot be reached: no answer, nothing concluded
    with pytest.raises(GatewayUnavailable):
        method.refund_status(ref, Money(700, "USD"), "", nothing_since=True)


def test_refund_checks_amount_before_calling(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = paid_ref(method, sandbox, new_request(2000))
    calls = len(sandbox.requests)
    assert method.refund(ref, Money(2001, "USD")).code == "paypal.invalid_refund"
    assert method.refund(ref, Money(0, "USD")).code == "paypal.invalid_refund"
    assert len(sandbox.requests) == calls


def test_refund_of_a_pending_capture_is_refused(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    ref = started_and_approved(method, sandbox, new_request(), mock="CAPTURE_PENDING")
    method.status(ref)
    result = method.refund(ref, Money(100, "USD"))
    assert (result.ok, result.code) == (False, "paypal.PENDING_CAPTURE")


# -- validation, capabilities, factory ---------------------------------------------------------


def test_kes_is_refused_before_anything_is_sent(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(100000, "KES")
    problem = method.validate(request)
    assert problem is not None
    assert "KES" in str(problem)
    assert "USD" in str(problem)
    assert method.start(request).state is AttemptState.DECLINED
    assert sandbox.requests == []


def test_validate_accepts_paypal_currencies_and_refuses_zero(
    method: PayPalMethod, new_request: NewRequest
) -> None:
    assert method.validate(new_request(1250, "USD")) is None
    assert method.validate(new_request(1250, "JPY")) is None
    assert str(method.validate(new_request(0, "USD"))) == "The amount must be more than zero."


def test_declared_capabilities(method: PayPalMethod) -> None:
    assert method.code == "paypal"
    assert method.label == "PayPal"
    assert method.capabilities == {
        Capability.REFUND,
        Capability.PARTIAL_REFUND,
        Capability.CANCEL,
        Capability.CUSTOMER_DEVICE,
        Capability.IDEMPOTENT_START,
        Capability.IDEMPOTENT_REFUND,
    }
    assert "KES" not in method.currencies
    assert {"USD", "EUR", "JPY"} <= method.currencies


def test_mask_email() -> None:
    assert mask_email("wanjiru@example.com") == "w***@example.com"
    assert mask_email("") == ""


class Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def test_factory_in_training_uses_the_sandbox_and_demo_credentials(
    sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    context = MethodContext(
        training=True,
        currency="KES",
        settings={"base_url": sandbox.base_url, "brand_name": "Duka"},
    )
    method = build(
        "paypal", context, {"paypal": Discovered("paypal", create, "pos.payments.paypal.method")}
    )
    assert isinstance(method, PayPalMethod)
    assert method.client.config.client_id == DEMO_CLIENT_ID
    assert method.client.config.client_secret == DEMO_CLIENT_SECRET
    assert method.price_currency == "USD"
    assert method.start(new_request()).state is AttemptState.PENDING


def test_factory_defaults_and_refusals() -> None:
    training = create(MethodContext(training=True, currency="KES"))
    assert training.client.config.base_url == "http://127.0.0.1:8770"
    with pytest.raises(ValueError, match="local PayPal sandbox"):
        create(MethodContext(True, "KES", {"base_url": LIVE_BASE_URL}))
    with pytest.raises(LookupError, match=r"paypal\.client_id"):
        create(MethodContext(False, "KES", secrets=Secrets({})))
    live = create(
        MethodContext(
            False,
            "KES",
            {"currency": "eur", "read_timeout": 9},
            Secrets({"paypal.client_id": "id", "paypal.client_secret": "s3cret"}),
        )
    )
    assert live.client.config.base_url == LIVE_BASE_URL
    assert (live.price_currency, live.client.config.read_timeout) == ("EUR", 9.0)
    assert "s3cret" not in repr(live.client.config)
    with pytest.raises(ValueError, match="https"):
        create(
            MethodContext(
                False,
                "KES",
                {"base_url": "http://api-m.paypal.com"},
                Secrets({"paypal.client_id": "id", "paypal.client_secret": "s"}),
            )
        )
    with pytest.raises(ValueError, match="KES"):
        create(MethodContext(True, "KES", {"currency": "KES"}))


def test_scrub_delegates_to_the_client(method: PayPalMethod) -> None:
    token = method.client.access_token()
    assert token not in method.scrub(f"Authorization: Bearer {token}")
    assert DEMO_CLIENT_SECRET not in method.scrub(f"oops {DEMO_CLIENT_SECRET}")
