"""The sandbox's own surface: OAuth answers, the approve page, every control path, the
scriptable customer, and ``serve()`` for ``kaunta sandbox paypal``."""

from __future__ import annotations

import base64
import io
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pos.domain.money import Money
from pos.payments.paypal.client import PayPalClient, PayPalConfig
from pos.payments.paypal.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_WEBHOOK_ID,
    PayPalSandbox,
    SandboxError,
    serve,
)
from pos.payments.paypal.sandbox_control import SandboxControlError, SandboxCustomer

if TYPE_CHECKING:
    from conftest import Listener


def control(sandbox: PayPalSandbox, method: str, name: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{sandbox.base_url}/__sandbox__/{name}", json=body, timeout=5)


def token_answer(sandbox: PayPalSandbox, user: str, password: str, form: str) -> requests.Response:
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return requests.post(
        f"{sandbox.base_url}/v1/oauth2/token",
        data=form,
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )


def test_oauth_answers(sandbox: PayPalSandbox) -> None:
    good = token_answer(
        sandbox, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "grant_type=client_credentials"
    )
    body = good.json()
    assert good.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 32400
    assert isinstance(body["expires_in"], int)
    assert body["access_token"].startswith("A21AA")
    bad = token_answer(sandbox, DEMO_CLIENT_ID, "nope", "grant_type=client_credentials")
    assert (bad.status_code, bad.json()) == (
        401,
        {"error": "invalid_client", "error_description": "Client Authentication failed"},
    )
    grant = token_answer(sandbox, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "grant_type=password")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")


def test_unknown_and_expired_tokens_are_invalid_token(
    sandbox: PayPalSandbox, client: PayPalClient
) -> None:
    unknown = requests.get(
        f"{sandbox.base_url}/v2/checkout/orders/1ABC",
        headers={"Authorization": "Bearer A21AAmadeup"},
        timeout=5,
    )
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_token")
    token = client.access_token()
    sandbox.advance(sandbox.token_lifetime + 1)
    expired = requests.get(
        f"{sandbox.base_url}/v2/checkout/orders/1ABC",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert (expired.status_code, expired.json()["error"]) == (401, "invalid_token")


def test_approve_page_states(sandbox: PayPalSandbox, client: PayPalClient) -> None:
    order = client.create_order(Money(1250, "USD"), "page-1", "DEMO-1", "Two sodas <b>")
    page = requests.get(order.approve_url, timeout=5)
    assert "Two sodas &lt;b&gt;" in page.text  # escaped
    assert "training sandbox" in page.text
    approved = requests.post(order.approve_url, data={"decision": "approve"}, timeout=5)
    assert "You approved this payment" in approved.text
    too_late = requests.post(order.approve_url, data={"decision": "cancel"}, timeout=5)
    assert "not awaiting the customer" in too_late.text
    assert client.get_order(order.id).status == "APPROVED"
    missing = requests.get(f"{sandbox.base_url}/checkoutnow?token=0NOPE", timeout=5)
    assert missing.status_code == 404
    late = client.create_order(Money(100, "USD"), "page-2")
    sandbox.advance(sandbox.approval_window + 1)
    assert "expired" in requests.get(late.approve_url, timeout=5).text


def test_cancel_on_the_approve_page_redirects_and_leaves_the_order_unapproved(
    sandbox: PayPalSandbox, client: PayPalClient, customer: SandboxCustomer
) -> None:
    order = client.create_order(Money(1250, "USD"), "cancel-1", "DEMO-1", "Two sodas")
    before = client.get_order(order.id).status
    cancelled = requests.post(
        order.approve_url, data={"decision": "cancel"}, allow_redirects=False, timeout=5
    )
    assert cancelled.status_code == 303
    assert cancelled.headers["Location"] == (
        f"https://www.paypal.com/myaccount/summary?token={order.id}"  # the client's cancel_url
    )
    after = client.get_order(order.id)
    assert after.status == before == "PAYER_ACTION_REQUIRED"  # not VOIDED, not approved
    assert [e.event_type for e in sandbox.webhook_events] == []  # PayPal tells nobody
    assert customer.pending() == []  # the customer's phone has left the page ...
    [listed] = customer.pending(include_cancelled=True)  # ... the order is still open
    assert (listed.id, listed.buyer_cancelled) == (order.id, True)
    assert sandbox.pending()[0]["buyer_cancelled"] is True
    again = requests.get(order.approve_url, timeout=5)
    assert "value='approve'" in again.text  # ... but may come back and pay
    assert "You cancelled earlier" in again.text
    assert customer.decide(order.id, "approve") == "APPROVED"


def test_cancel_without_a_cancel_url_stays_on_the_page(
    sandbox: PayPalSandbox, client: PayPalClient
) -> None:
    token = client.access_token()
    created = requests.post(
        f"{sandbox.base_url}/v2/checkout/orders",
        json={
            "intent": "CAPTURE",
            "purchase_units": [{"amount": {"currency_code": "USD", "value": "1.00"}}],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    url = f"{sandbox.base_url}/checkoutnow?token={created['id']}"
    page = requests.post(url, data={"decision": "cancel"}, allow_redirects=False, timeout=5)
    assert page.status_code == 200
    assert "You cancelled this payment" in page.text
    assert sandbox.order(created["id"])["status"] == "CREATED"


def test_pending_lists_only_orders_waiting_for_the_customer(
    sandbox: PayPalSandbox, client: PayPalClient, customer: SandboxCustomer
) -> None:
    first = client.create_order(Money(100, "USD"), "p-1", description="first")
    second = client.create_order(Money(250, "EUR"), "p-2", description="second")
    listed = customer.pending()
    assert [p.id for p in listed] == [first.id, second.id]
    assert (listed[1].currency, listed[1].value, listed[1].description) == ("EUR", "2.50", "second")
    assert 0 < listed[0].seconds_left <= sandbox.approval_window
    customer.decide(first.id, "approve")
    assert customer.decide(first.id, "approve") == "APPROVED"  # approving twice is harmless
    assert customer.decide(second.id, "no_answer") == "PAYER_ACTION_REQUIRED"
    assert [p.id for p in customer.pending()] == [second.id]


def test_default_decision_with_delay_respects_explicit_no_answer(
    sandbox: PayPalSandbox, client: PayPalClient, customer: SandboxCustomer
) -> None:
    customer.set_default("approve", delay=60)
    quick = client.create_order(Money(100, "USD"), "d-1")
    silent = client.create_order(Money(100, "USD"), "d-2")
    customer.decide(silent.id, "no_answer")
    assert client.get_order(quick.id).status == "PAYER_ACTION_REQUIRED"
    sandbox.advance(61)
    assert client.get_order(quick.id).status == "APPROVED"
    assert client.get_order(silent.id).status == "PAYER_ACTION_REQUIRED"
    control(sandbox, "POST", "customer", {"default": "cancel"}).raise_for_status()
    walked_away = client.create_order(Money(1, "USD"), "d-3")
    assert client.get_order(walked_away.id).status == "PAYER_ACTION_REQUIRED"  # never VOIDED
    assert walked_away.id not in [p.id for p in customer.pending()]


def test_control_errors(sandbox: PayPalSandbox, customer: SandboxCustomer) -> None:
    with pytest.raises(SandboxControlError, match="no open order"):
        customer.decide("0NOSUCHORDER", "approve")
    with pytest.raises(ValueError, match="maybe"):
        customer.decide("0NOSUCHORDER", "maybe")
    assert (
        control(sandbox, "POST", "customer", {"order_id": "X", "decision": "maybe"}).status_code
        == 400
    )
    assert control(sandbox, "POST", "customer", {"decision": "approve"}).status_code == 400
    assert control(sandbox, "GET", "nothing-here").status_code == 404
    bad_json = requests.post(f"{sandbox.base_url}/__sandbox__/customer", data=b"[1", timeout=5)
    assert bad_json.status_code == 400
    with pytest.raises(SandboxError):
        sandbox.settle_capture("0NOSUCHCAPTURE")
    with pytest.raises(SandboxControlError, match="not reachable"):
        SandboxCustomer("http://127.0.0.1:9", timeout=0.5).pending()


def test_control_paths_over_http(
    sandbox: PayPalSandbox, client: PayPalClient, listener: Listener
) -> None:
    assert control(sandbox, "POST", "webhooks", {"url": listener.url}).json() == {"ok": True}
    order = client.create_order(Money(1000, "USD"), "h-1")
    control(sandbox, "POST", "customer", {
        "order_id": order.id, "decision": "approve", "mock_application_codes": "CAPTURE_PENDING",
    }).raise_for_status()  # fmt: skip
    capture = client.capture_order(order.id, "h-1-capture").captures[0]
    assert capture.status == "PENDING"
    control(sandbox, "POST", "capture-status", {"capture_id": capture.id}).raise_for_status()
    ledger = control(sandbox, "GET", "ledger").json()
    assert [c["status"] for c in ledger["captures"]] == ["COMPLETED"]
    assert sandbox.flush_webhooks(5)
    listed = control(sandbox, "GET", "webhooks").json()
    assert listed["listeners"] == [listener.url]
    assert [e["event_type"] for e in listed["events"]] == [
        "CHECKOUT.ORDER.APPROVED",
        "PAYMENT.CAPTURE.PENDING",
        "PAYMENT.CAPTURE.COMPLETED",
    ]
    assert all(e["deliveries"][0]["status"] == 200 for e in listed["events"])
    assert len(listener.received) == 3
    late = client.create_order(Money(1, "USD"), "h-2")
    assert [p["id"] for p in control(sandbox, "GET", "pending").json()["orders"]] == [late.id]
    control(sandbox, "POST", "advance", {"seconds": sandbox.approval_window + 1})
    assert control(sandbox, "GET", "pending").json() == {"orders": []}


def test_failed_webhook_delivery_is_recorded(sandbox: PayPalSandbox, listener: Listener) -> None:
    listener.status = 500
    sandbox.add_webhook_listener(listener.url)
    sandbox.add_webhook_listener("http://127.0.0.1:9/nobody-listens")
    client = PayPalClient(PayPalConfig(sandbox.base_url, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    sandbox.decide(client.create_order(Money(1, "USD"), "w-1").id, "approve")
    assert sandbox.flush_webhooks(5)
    [record] = sandbox.webhook_events
    outcomes = {d["url"]: d.get("status", d.get("error")) for d in record.deliveries}
    assert outcomes[listener.url] == 500
    assert outcomes["http://127.0.0.1:9/nobody-listens"] == "URLError"


def test_unknown_api_path_and_cert_path(sandbox: PayPalSandbox, client: PayPalClient) -> None:
    token = client.access_token()
    nowhere = requests.get(
        f"{sandbox.base_url}/v2/invoicing/invoices",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert (nowhere.status_code, nowhere.json()["name"]) == (404, "RESOURCE_NOT_FOUND")
    pem = requests.get(sandbox.cert_url, timeout=5)
    assert pem.content.count(b"BEGIN CERTIFICATE") == 2
    assert (
        requests.get(f"{sandbox.base_url}/v1/notifications/certs/CERT-x", timeout=5).status_code
        == 404
    )


def test_serve_prints_the_base_url_and_demo_credentials() -> None:
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=("127.0.0.1", 0), kwargs={"out": out, "stop": stop}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while "Press Ctrl+C" not in out.getvalue():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        text = out.getvalue()
        base_url = text.split("running at ")[1].split()[0]
        assert DEMO_CLIENT_ID in text
        assert DEMO_CLIENT_SECRET in text
        assert DEMO_WEBHOOK_ID in text
        assert requests.get(f"{base_url}/__sandbox__/pending", timeout=5).json() == {"orders": []}
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_methods_training_defaults_are_the_sandboxs_own() -> None:
    """The method's factory reads the sandbox's training values from a light module of
    their own; the sandbox keeps its own copy (it imports nothing of Kaunta's): equal."""
    from pos.payments.paypal import training_defaults
    from pos.payments.paypal.sandbox import server

    for name in ("DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "DEFAULT_PORT", "DEFAULT_HOST"):
        assert getattr(training_defaults, name) == getattr(server, name), name
