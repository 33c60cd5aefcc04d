"""PayPalClient against the sandbox over real HTTP: tokens, idempotency, retries, errors,
money strings and secret scrubbing."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from dataclasses import replace

import pytest

from pos.domain.money import Money
from pos.payments.base import GatewayUnavailable
from pos.payments.paypal.client import (
    MONEY_VALUE_RE,
    PayPalClient,
    PayPalConfig,
    PayPalError,
    PayPalProtocolError,
    PayPalUnavailable,
    parse_money,
    parse_order,
    to_paypal_value,
)
from pos.payments.paypal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, PayPalSandbox


def token_calls(sandbox: PayPalSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path == "/v1/oauth2/token")


# -- money strings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Money(1250, "USD"), "12.50"),
        (Money(5, "USD"), "0.05"),
        (Money(100000, "EUR"), "1000.00"),
        (Money(1250, "JPY"), "1250"),  # no decimals for yen
        (Money(10**13, "USD"), "100000000000.00"),
    ],
)
def test_money_values_follow_the_spec_pattern_with_the_currency_decimals(
    amount: Money, text: str
) -> None:
    assert to_paypal_value(amount) == text
    assert MONEY_VALUE_RE.match(text)
    assert parse_money({"currency_code": amount.currency, "value": text}) == amount


@pytest.mark.parametrize(
    "bad",
    [
        {"currency_code": "USD", "value": 12.5},  # a number, not a string
        {"currency_code": "USD", "value": "12,50"},
        {"currency_code": "USD", "value": "12.505"},  # more decimals than a cent
        {"currency_code": "XYZ", "value": "1.00"},
        {"value": "1.00"},
        "12.50",
    ],
)
def test_unreadable_amounts_from_paypal_are_protocol_errors(bad: object) -> None:
    with pytest.raises(PayPalProtocolError):
        parse_money(bad)


# -- OAuth ------------------------------------------------------------------------------


def test_token_is_fetched_once_and_cached(client: PayPalClient, sandbox: PayPalSandbox) -> None:
    client.create_order(Money(100, "USD"), "req-a")
    client.create_order(Money(100, "USD"), "req-b")
    assert token_calls(sandbox) == 1
    token_request = next(r for r in sandbox.requests if r.path == "/v1/oauth2/token")
    assert token_request.body == b"grant_type=client_credentials"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.headers["authorization"] == "Basic [REDACTED]"  # as logged by sandbox


def test_token_is_renewed_before_expires_in(config: PayPalConfig, sandbox: PayPalSandbox) -> None:
    sandbox.token_lifetime = 300
    now = [1000.0]
    client = PayPalClient(replace(config, token_margin=60), clock=lambda: now[0])
    client.access_token()
    now[0] += 239  # still inside 300 - 60
    client.access_token()
    assert token_calls(sandbox) == 1
    now[0] += 2  # past expires_in minus the margin
    client.access_token()
    assert token_calls(sandbox) == 2


def test_token_rejected_mid_flow_is_renewed_once(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    order = client.create_order(Money(100, "USD"), "req-1")
    sandbox.expire_tokens()
    assert client.get_order(order.id).id == order.id
    statuses = [(r.path.split("/")[-1], r.status) for r in sandbox.requests]
    assert statuses.count(("token", 200)) == 2
    assert (order.id, 401) in statuses
    assert (order.id, 200) in statuses


def test_persistent_401_is_an_error_not_a_loop(
    client: PayPalClient, sandbox: PayPalSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = client.create_order(Money(100, "USD"), "req-1")
    # Every token the sandbox hands out is already dead: renewal happens once, then stops.
    monkeypatch.setattr(sandbox, "token_lifetime", -1)
    sandbox.expire_tokens()
    with pytest.raises(PayPalError) as caught:
        client.get_order(order.id)
    assert caught.value.status == 401
    assert caught.value.issue == "INVALID_TOKEN"
    assert token_calls(sandbox) == 2  # the first token and exactly one renewal


def test_bad_credentials_give_invalid_client(config: PayPalConfig) -> None:
    client = PayPalClient(replace(config, client_secret="wrong"))
    with pytest.raises(PayPalError) as caught:
        client.access_token()
    assert (caught.value.status, caught.value.name, caught.value.issue) == (
        401,
        "invalid_client",
        "INVALID_CLIENT",
    )
    assert caught.value.description == "Client Authentication failed"
    assert caught.value.debug_id


# -- orders -----------------------------------------------------------------------------


def test_create_order_uses_experience_context_and_returns_the_payer_action_link(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    order = client.create_order(Money(1250, "USD"), "attempt-1", "DEMO-T1-000042", "Sale 42")
    assert order.status == "PAYER_ACTION_REQUIRED"
    assert order.http_status == 201
    assert order.approve_url == f"{sandbox.base_url}/checkoutnow?token={order.id}"
    sent = next(r for r in sandbox.requests if r.path == "/v2/checkout/orders")
    assert sent.headers["paypal-request-id"] == "attempt-1"
    body = sent.json()
    assert body["intent"] == "CAPTURE"
    assert body["purchase_units"] == [
        {
            "amount": {"currency_code": "USD", "value": "12.50"},
            "custom_id": "DEMO-T1-000042",
            "description": "Sale 42",
        }
    ]
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context["user_action"] == "PAY_NOW"
    assert context["shipping_preference"] == "NO_SHIPPING"
    assert context["brand_name"] == "Kaunta Demo Duka"
    assert context["return_url"]
    assert context["cancel_url"]


def test_replayed_create_returns_the_same_order_with_200(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    first = client.create_order(Money(1250, "USD"), "attempt-1")
    again = client.create_order(Money(1250, "USD"), "attempt-1")
    other = client.create_order(Money(1250, "USD"), "attempt-2")
    assert (first.http_status, again.http_status) == (201, 200)
    assert again.id == first.id
    assert other.id != first.id


def test_approve_link_also_accepted_from_the_legacy_approve_rel(client: PayPalClient) -> None:
    raw = {
        "id": "5O190127TN364715T",
        "status": "CREATED",
        "links": [
            {"href": "https://api/x", "rel": "self", "method": "GET"},
            {"href": "https://www.sandbox.paypal.com/checkoutnow?token=5O1", "rel": "approve"},
        ],
    }
    assert parse_order(raw).approve_url == "https://www.sandbox.paypal.com/checkoutnow?token=5O1"


def test_capture_before_approval_is_order_not_approved(client: PayPalClient) -> None:
    order = client.create_order(Money(1250, "USD"), "attempt-1")
    with pytest.raises(PayPalError) as caught:
        client.capture_order(order.id, "attempt-1-capture")
    error = caught.value
    assert (error.status, error.name, error.issue) == (
        422,
        "UNPROCESSABLE_ENTITY",
        "ORDER_NOT_APPROVED",
    )
    assert error.description.startswith("Payer has not yet approved the Order")
    assert error.debug_id
    assert error.link("information_link").endswith("#error-ORDER_NOT_APPROVED")


def test_replayed_capture_never_captures_twice(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    order = client.create_order(Money(1250, "USD"), "attempt-1")
    sandbox.decide(order.id, "approve")
    first = client.capture_order(order.id, "attempt-1-capture")
    again = client.capture_order(order.id, "attempt-1-capture")
    assert (first.http_status, again.http_status) == (201, 200)
    assert first.captures == again.captures
    assert len(sandbox.ledger()["captures"]) == 1
    sent = [r for r in sandbox.requests if r.path.endswith("/capture")]
    assert [r.body for r in sent] == [b"{}", b"{}"]
    # A different request id on a captured order is refused, not a second capture.
    with pytest.raises(PayPalError) as caught:
        client.capture_order(order.id, "someone-else")
    assert caught.value.issue == "ORDER_ALREADY_CAPTURED"
    assert len(sandbox.ledger()["captures"]) == 1


def test_mock_response_header_makes_a_capture_pending(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    order = client.create_order(Money(1250, "USD"), "attempt-1")
    sandbox.decide(order.id, "approve")
    captured = client.capture_order(
        order.id, "attempt-1-capture", mock_response='{"mock_application_codes":"CAPTURE_PENDING"}'
    )
    assert captured.status == "COMPLETED"
    assert captured.captures[0].status == "PENDING"
    assert captured.captures[0].reason == "PENDING_REVIEW"
    sent = next(r for r in sandbox.requests if r.path.endswith("/capture"))
    assert sent.headers["paypal-mock-response"] == '{"mock_application_codes":"CAPTURE_PENDING"}'


def test_mock_instrument_declined_carries_a_redirect_link(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    order = client.create_order(Money(1250, "USD"), "attempt-1")
    sandbox.decide(order.id, "approve")
    with pytest.raises(PayPalError) as caught:
        client.capture_order(
            order.id,
            "attempt-1-capture",
            mock_response='{"mock_application_codes": "INSTRUMENT_DECLINED"}',
        )
    assert caught.value.issue == "INSTRUMENT_DECLINED"
    assert caught.value.link("redirect") == order.approve_url
    assert sandbox.ledger()["captures"] == []


def test_kes_is_refused_by_paypal(client: PayPalClient) -> None:
    with pytest.raises(PayPalError) as caught:
        client.create_order(Money(100000, "KES"), "attempt-kes")
    assert (caught.value.status, caught.value.issue) == (422, "INVALID_CURRENCY_CODE")


def test_unknown_order_is_404_invalid_resource_id(client: PayPalClient) -> None:
    with pytest.raises(PayPalError) as caught:
        client.get_order("0NOSUCHORDER00000")
    assert (caught.value.status, caught.value.name, caught.value.issue) == (
        404,
        "RESOURCE_NOT_FOUND",
        "INVALID_RESOURCE_ID",
    )


def test_ids_are_checked_before_they_reach_a_url(client: PayPalClient) -> None:
    with pytest.raises(ValueError, match="not a PayPal resource id"):
        client.get_order("../v1/oauth2/token")


# -- refunds ----------------------------------------------------------------------------


def test_full_and_partial_refunds(client: PayPalClient, sandbox: PayPalSandbox) -> None:
    order = client.create_order(Money(1000, "USD"), "attempt-1")
    sandbox.decide(order.id, "approve")
    capture = client.capture_order(order.id, "attempt-1-capture").captures[0]
    part = client.refund_capture(capture.id, Money(300, "USD"), "refund-1")
    assert (part.status, part.amount, part.http_status) == ("COMPLETED", Money(300, "USD"), 201)
    again = client.refund_capture(capture.id, Money(300, "USD"), "refund-1")
    assert (again.id, again.http_status) == (part.id, 201)  # Payments v2 documents no 200
    with pytest.raises(PayPalError) as caught:
        client.refund_capture(capture.id, Money(800, "USD"), "refund-2")
    assert caught.value.issue == "REFUND_AMOUNT_EXCEEDED"
    rest = client.refund_capture(capture.id, None, "refund-3")  # what is left
    assert rest.amount == Money(700, "USD")
    assert client.get_capture(capture.id).status == "REFUNDED"
    with pytest.raises(PayPalError) as caught:
        client.refund_capture(capture.id, Money(1, "USD"), "refund-4")
    assert caught.value.issue == "CAPTURE_FULLY_REFUNDED"
    assert len(sandbox.ledger()["refunds"]) == 2


# -- failures ---------------------------------------------------------------------------


def test_get_is_retried_on_503(client: PayPalClient, sandbox: PayPalSandbox) -> None:
    order = client.create_order(Money(100, "USD"), "attempt-1")
    sandbox.fail_next(2, 503, path=f"/v2/checkout/orders/{order.id}")
    assert client.get_order(order.id).id == order.id
    gets = [r.status for r in sandbox.requests if r.path.endswith(order.id)]
    assert gets == [503, 503, 200]


def test_create_whose_answer_was_lost_is_retried_into_the_same_order(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    sandbox.fail_next(1, 503, after=True, path="/v2/checkout/orders")
    order = client.create_order(Money(100, "USD"), "attempt-1")
    assert order.http_status == 200  # the retry was answered as a replay
    creates = [r.status for r in sandbox.requests if r.path == "/v2/checkout/orders"]
    assert creates == [503, 200]
    assert len(sandbox.pending()) == 1  # one order, not two


def test_500_is_unavailable_without_retry(client: PayPalClient, sandbox: PayPalSandbox) -> None:
    order = client.create_order(Money(100, "USD"), "attempt-1")
    sandbox.fail_next(5, 500, path=f"/v2/checkout/orders/{order.id}")
    with pytest.raises(PayPalUnavailable, match="debug id"):
        client.get_order(order.id)
    assert [r.status for r in sandbox.requests if r.path.endswith(order.id)] == [500]


def test_non_json_error_page_is_unavailable(client: PayPalClient, sandbox: PayPalSandbox) -> None:
    order = client.create_order(Money(100, "USD"), "attempt-1")
    sandbox.fail_next(3, 502, path=f"/v2/checkout/orders/{order.id}")
    with pytest.raises(GatewayUnavailable):
        client.get_order(order.id)
    assert [r.status for r in sandbox.requests if r.path.endswith(order.id)] == [502, 502, 502]


def test_timeouts_become_gateway_unavailable(config: PayPalConfig, sandbox: PayPalSandbox) -> None:
    client = PayPalClient(replace(config, read_timeout=0.2))
    client.access_token()
    sandbox.fail_next(3, 0, delay=0.5, path="/v2/")
    with pytest.raises(GatewayUnavailable, match="did not answer in time"):
        client.get_order("0NOSUCHORDER00000")


def test_unreachable_gateway_is_unavailable(config: PayPalConfig) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = PayPalClient(replace(config, base_url=url, connect_timeout=0.5))
    with pytest.raises(GatewayUnavailable, match="could not be reached"):
        client.access_token()


# -- secrets ----------------------------------------------------------------------------


def test_scrub_removes_token_secret_and_authorization(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    token = client.access_token()
    basic = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()
    other_token = "A21AAOtherTokenSeenOnlyInThisTranscript_x-1"
    transcript = "\n".join(
        [
            "POST /v1/oauth2/token HTTP/1.1",
            f"Authorization: Basic {basic}",
            "Content-Type: application/x-www-form-urlencoded",
            "",
            f"grant_type=client_credentials&client_secret={DEMO_CLIENT_SECRET}",
            "HTTP/1.1 200 OK",
            f'{{"scope":"s","access_token":"{token}","token_type":"Bearer","expires_in":32400}}',
            "POST /v2/checkout/orders HTTP/1.1",
            f"Authorization: Bearer {token}",
            "PayPal-Request-Id: attempt-1",
            f"headers={{'Authorization': 'Bearer {other_token}', 'PayPal-Request-Id': 'a'}}",
            f'{{"access_token": "{other_token}"}} customer phone 0712345678',
            f"secret in free text: {DEMO_CLIENT_SECRET}",
        ]
    )
    clean = client.scrub(transcript)
    for secret in (token, other_token, DEMO_CLIENT_SECRET, basic):
        assert secret not in clean
    assert "PayPal-Request-Id: attempt-1" in clean  # useful context is kept
    assert "0712345678" not in clean
    assert "2547******78" in clean
    assert clean.count("[REDACTED]") >= 6


def test_nothing_logged_in_a_full_flow_holds_a_token_or_the_secret(
    client: PayPalClient, sandbox: PayPalSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    order = client.create_order(Money(1250, "USD"), "attempt-1")
    sandbox.expire_tokens()  # force a second token mid-flow
    sandbox.decide(order.id, "approve")
    capture = client.capture_order(order.id, "attempt-1-capture").captures[0]
    client.refund_capture(capture.id, Money(250, "USD"), "refund-1")
    with pytest.raises(PayPalError):
        PayPalClient(replace(client.config, client_secret="wrong-secret")).access_token()
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert len(sandbox.issued_tokens) == 2
    for secret in (*sandbox.issued_tokens, DEMO_CLIENT_SECRET, "wrong-secret"):
        assert secret not in logged
    # The transcript was logged (scrubbed), so the check above is not vacuous.
    assert '"access_token": "[REDACTED]"' in logged
    assert "capture order answer 201" in logged


# -- threads and shutdown ---------------------------------------------------------------


def test_threads_sharing_a_client_share_one_token(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    orders: list[str] = []
    start = threading.Barrier(6)

    def sell(n: int) -> None:
        start.wait()
        orders.append(client.create_order(Money(100 + n, "USD"), f"attempt-{n}").id)

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(set(orders)) == 6
    assert token_calls(sandbox) == 1


def test_a_closed_client_refuses_calls_without_reaching_paypal(
    client: PayPalClient, sandbox: PayPalSandbox
) -> None:
    client.access_token()
    client.close()
    before = len(sandbox.requests)
    with pytest.raises(GatewayUnavailable, match="closing"):
        client.create_order(Money(100, "USD"), "attempt-late")
    assert len(sandbox.requests) == before
