"""Webhook signature verification (offline method) and IPN postback, against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import requests

from pos.domain.money import Money
from pos.payments.http import HttpClient, HttpSettings
from pos.payments.paypal.client import PayPalClient, PayPalConfig
from pos.payments.paypal.ipn import IPN_PATH, validate_ipn
from pos.payments.paypal.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    PayPalSandbox,
    WebhookRecord,
    WebhookSigner,
)
from pos.payments.paypal.webhook_verify import (
    ReplayGuard,
    TrustPolicy,
    WebhookFormatError,
    parse_event,
    verify_webhook,
)
from pos.payments.paypal.webhooks import CertFetcher
from pos.payments.scrubbing import mask_phones

if TYPE_CHECKING:
    from conftest import Listener


def captured_order(client: PayPalClient, sandbox: PayPalSandbox) -> str:
    order = client.create_order(Money(1250, "USD"), "attempt-1", "DEMO-T1-000042")
    sandbox.decide(order.id, "approve")
    client.capture_order(order.id, "attempt-1-capture")
    return order.id


def event(sandbox: PayPalSandbox, event_type: str) -> WebhookRecord:
    return next(r for r in sandbox.webhook_events if r.event_type == event_type)


def sent_at(record: WebhookRecord) -> datetime:
    return datetime.fromisoformat(record.headers["PAYPAL-TRANSMISSION-TIME"])


@pytest.fixture
def policy(sandbox: PayPalSandbox) -> TrustPolicy:
    return TrustPolicy.sandbox(sandbox.signer.ca_pem)


@pytest.fixture
def verify(sandbox: PayPalSandbox, policy: TrustPolicy) -> Callable[..., object]:
    """verify_webhook with the sandbox's webhook id, policy and a real HTTP cert fetcher."""
    fetcher = CertFetcher()

    def run(record: WebhookRecord, **changes: object) -> object:
        arguments: dict[str, object] = {
            "headers": record.headers,
            "raw_body": record.body,
            "webhook_id": sandbox.webhook_id,
            "fetch_cert": fetcher,
            "trusted": policy,
            "now": sent_at(record) + timedelta(seconds=2),
        }
        arguments.update(changes)
        return verify_webhook(**arguments)  # type: ignore[arg-type]

    return run


# -- the good case ----------------------------------------------------------------------


def test_every_sandbox_event_verifies(
    client: PayPalClient, sandbox: PayPalSandbox, verify: Callable[..., object]
) -> None:
    order_id = captured_order(client, sandbox)
    types = [record.event_type for record in sandbox.webhook_events]
    assert types == [
        "CHECKOUT.ORDER.APPROVED",
        "PAYMENT.CAPTURE.COMPLETED",
        "CHECKOUT.ORDER.COMPLETED",
    ]
    for record in sandbox.webhook_events:
        verdict = verify(record)
        assert verdict.ok, verdict.reason  # type: ignore[attr-defined]
        assert verdict.reason == "verified"  # type: ignore[attr-defined]
        assert parse_event(record.body).order_id == order_id


def test_webhook_delivered_to_a_listener_verifies_from_the_received_bytes(
    client: PayPalClient, sandbox: PayPalSandbox, listener: Listener, policy: TrustPolicy
) -> None:
    sandbox.add_webhook_listener(f"{listener.url}/paypal/webhook")
    captured_order(client, sandbox)
    assert sandbox.flush_webhooks(5)
    assert len(listener.received) == 3
    for received in listener.received:
        assert received.path == "/paypal/webhook"
        verdict = verify_webhook(
            received.headers,
            received.body,
            sandbox.webhook_id,
            fetch_cert=CertFetcher(),
            trusted=policy,
        )
        assert verdict.ok, verdict.reason
    assert all(d["status"] == 200 for r in sandbox.webhook_events for d in r.deliveries)
    envelope = parse_event(listener.received[1].body)
    assert envelope.event_type == "PAYMENT.CAPTURE.COMPLETED"
    assert envelope.resource_type == "capture"
    assert envelope.resource["amount"] == {"currency_code": "USD", "value": "12.50"}


# -- every way it must fail -------------------------------------------------------------------


@pytest.fixture
def record(client: PayPalClient, sandbox: PayPalSandbox) -> WebhookRecord:
    captured_order(client, sandbox)
    return event(sandbox, "PAYMENT.CAPTURE.COMPLETED")


def reason(verdict: object) -> str:
    assert not verdict.ok  # type: ignore[attr-defined]
    return str(verdict.reason)  # type: ignore[attr-defined]


def test_tampered_body_fails(record: WebhookRecord, verify: Callable[..., object]) -> None:
    tampered = record.body.replace(b'"value":"12.50"', b'"value":"1250.00"')
    assert tampered != record.body
    assert "signature does not match" in reason(verify(record, raw_body=tampered))


def test_reserialised_json_fails(record: WebhookRecord, verify: Callable[..., object]) -> None:
    reserialised = json.dumps(json.loads(record.body), indent=2).encode()
    assert json.loads(reserialised) == json.loads(record.body)  # same data, other bytes
    assert "re-serialised" in reason(verify(record, raw_body=reserialised))


def test_parsed_json_instead_of_bytes_fails(
    record: WebhookRecord, verify: Callable[..., object]
) -> None:
    assert "raw request bytes" in reason(verify(record, raw_body=json.loads(record.body)))


def test_wrong_webhook_id_fails(record: WebhookRecord, verify: Callable[..., object]) -> None:
    assert "signature does not match" in reason(verify(record, webhook_id="0OTHERWEBHOOK"))


def test_cert_url_off_the_allow_list_is_never_fetched(
    record: WebhookRecord, verify: Callable[..., object]
) -> None:
    fetched: list[str] = []

    def spy(url: str) -> bytes:
        fetched.append(url)
        return b""

    for url, why in [
        ("https://evil.example.com/v1/notifications/certs/CERT-1", "not one of PayPal's"),
        ("https://api.paypal.com.evil.example/c", "not one of PayPal's"),
        ("ftp://127.0.0.1/cert", "must use"),
        ("http://user:pw@127.0.0.1/cert", "credentials"),
    ]:
        headers = {**record.headers, "PAYPAL-CERT-URL": url}
        assert why in reason(verify(record, headers=headers, fetch_cert=spy))
    assert fetched == []


def test_old_or_future_timestamp_fails(
    record: WebhookRecord, verify: Callable[..., object], policy: TrustPolicy
) -> None:
    late = sent_at(record) + timedelta(minutes=11)
    early = sent_at(record) - timedelta(minutes=11)
    assert "too far from now" in reason(verify(record, now=late))
    assert "too far from now" in reason(verify(record, now=early))
    tight = replace(policy, tolerance=timedelta(seconds=1))  # the tolerance is configurable
    assert "too far from now" in reason(verify(record, trusted=tight))  # now = sent + 2 s


@pytest.mark.parametrize(
    "header",
    [
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-TRANSMISSION-SIG",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
    ],
)
def test_missing_header_fails(
    record: WebhookRecord, verify: Callable[..., object], header: str
) -> None:
    headers = {k: v for k, v in record.headers.items() if k != header}
    assert f"missing header {header}" == reason(verify(record, headers=headers))


def test_headers_are_case_insensitive(record: WebhookRecord, verify: Callable[..., object]) -> None:
    lower = {k.lower(): v for k, v in record.headers.items()}
    assert verify(record, headers=lower).ok  # type: ignore[attr-defined]


def test_other_algorithm_fails(record: WebhookRecord, verify: Callable[..., object]) -> None:
    headers = {**record.headers, "PAYPAL-AUTH-ALGO": "SHA1withRSA"}
    assert "unsupported signature algorithm" in reason(verify(record, headers=headers))


def test_garbage_values_are_verdicts_not_exceptions(
    record: WebhookRecord, verify: Callable[..., object]
) -> None:
    def broken(url: str) -> bytes:
        raise ConnectionError("down")

    cases = [
        ({"PAYPAL-TRANSMISSION-TIME": "yesterday"}, "not a date"),
        ({"PAYPAL-TRANSMISSION-TIME": "2026-03-02T07:30:00"}, "no time zone"),
        ({"PAYPAL-TRANSMISSION-SIG": "***not base64***"}, "not base64"),
        ({"PAYPAL-CERT-URL": "http://[::1"}, "not a URL"),
    ]
    for change, why in cases:
        assert why in reason(verify(record, headers={**record.headers, **change}))
    assert "could not get the certificate" in reason(verify(record, fetch_cert=broken))
    assert "could not get the certificate" in reason(
        verify(record, fetch_cert=lambda url: b"not a pem")
    )


def test_replayed_transmission_fails(record: WebhookRecord, verify: Callable[..., object]) -> None:
    guard = ReplayGuard()
    assert verify(record, replay_guard=guard).ok  # type: ignore[attr-defined]
    assert "replay" in reason(verify(record, replay_guard=guard))


def test_chain_to_an_untrusted_root_fails(
    record: WebhookRecord, verify: Callable[..., object]
) -> None:
    stranger = TrustPolicy.sandbox(WebhookSigner.generate().ca_pem)
    assert "trusted root" in reason(verify(record, trusted=stranger))


def test_production_policy_demands_digicert(
    record: WebhookRecord, verify: Callable[..., object]
) -> None:
    production = TrustPolicy.production()
    assert all("DigiCert" in a.subject.rfc4514_string() for a in production.anchors)
    assert "must use https" in reason(verify(record, trusted=production))
    # Even with the sandbox's host allowed, its self-signed chain is not DigiCert's.
    local = replace(
        production, cert_hosts=frozenset({"127.0.0.1"}), schemes=frozenset({"http"}), any_port=True
    )
    assert "trusted root" in reason(verify(record, trusted=local))


def test_leaf_not_named_like_paypal_fails() -> None:
    signer = WebhookSigner.generate(common_name="payments.evil.example")
    with PayPalSandbox(signer=signer) as box:
        box.decide(_waiting_order(box), "approve")
        record = box.webhook_events[0]
        verdict = verify_webhook(
            record.headers,
            record.body,
            box.webhook_id,
            fetch_cert=CertFetcher(),
            trusted=TrustPolicy.sandbox(signer.ca_pem),
        )
    assert "not PayPal" in reason(verdict)


def test_expired_certificate_fails() -> None:
    now = datetime.now(UTC)
    signer = WebhookSigner.generate(
        not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    with PayPalSandbox(signer=signer) as box:
        box.decide(_waiting_order(box), "approve")
        record = box.webhook_events[0]
        verdict = verify_webhook(
            record.headers,
            record.body,
            box.webhook_id,
            fetch_cert=CertFetcher(),
            trusted=TrustPolicy.sandbox(signer.ca_pem),
        )
    assert "not valid now" in reason(verdict)


def _waiting_order(box: PayPalSandbox) -> str:
    client = PayPalClient(PayPalConfig(box.base_url, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    return client.create_order(Money(100, "USD"), "w-1").id


def test_parse_event_refuses_non_events() -> None:
    for body in (
        b"not json",
        b"[]",
        b'{"id": "WH-1"}',
        b'{"id":"WH-1","event_type":"X","resource":1}',
    ):
        with pytest.raises(WebhookFormatError):
            parse_event(body)


def test_sandbox_lists_signed_webhooks_over_http(
    client: PayPalClient, sandbox: PayPalSandbox, verify: Callable[..., object]
) -> None:
    captured_order(client, sandbox)
    listed = requests.get(f"{sandbox.base_url}/__sandbox__/webhooks", timeout=5).json()
    assert listed["webhook_id"] == sandbox.webhook_id
    first = listed["events"][0]
    record = WebhookRecord(json.loads(first["body"]), first["body"].encode(), first["headers"])
    assert verify(record).ok  # type: ignore[attr-defined]


# -- IPN ------------------------------------------------------------------------------------


def ipn_http(base_url: str) -> HttpClient:
    return HttpClient(
        HttpSettings(base_url, read_timeout=2, backoff=0.01), "paypal-ipn", mask_phones
    )


def test_ipn_verified_only_for_the_exact_message(sandbox: PayPalSandbox) -> None:
    message = sandbox.ipn_message(
        [("txn_type", "web_accept"), ("payment_status", "Completed"), ("mc_gross", "12.50"),
         ("mc_currency", "USD"), ("custom", "DEMO-T1-000042"), ("payer_email", "a+b@example.com")]
    )  # fmt: skip
    http = ipn_http(sandbox.base_url)
    assert validate_ipn(message, http) is True
    reordered = b"&".join(reversed(message.split(b"&")))
    assert validate_ipn(reordered, http) is False
    assert validate_ipn(message.replace(b"12.50", b"1.00"), http) is False
    assert validate_ipn(b"", http) is False
    postback = next(r for r in sandbox.requests if r.path == IPN_PATH)
    assert postback.body == b"cmd=_notify-validate&" + message


def test_ipn_over_the_control_path(sandbox: PayPalSandbox) -> None:
    made = requests.post(
        f"{sandbox.base_url}/__sandbox__/ipn",
        json={"fields": {"txn_id": "61E67681CH3238416", "payment_status": "Completed"}},
        timeout=5,
    ).json()
    assert validate_ipn(made["body"].encode(), ipn_http(sandbox.base_url)) is True


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(b"VERIFIED", True), (b"VERIFIED\n", False), (b"verified", False), (b"INVALID", False)],
)
def test_ipn_accepts_only_the_exact_body_verified(
    listener: Listener, answer: bytes, expected: bool
) -> None:
    listener.body = answer
    message = b"txn_id=1&payment_status=Completed&first_name=Wanjiru%20K"
    assert validate_ipn(message, ipn_http(listener.url)) is expected
    [received] = listener.received
    assert received.path == IPN_PATH
    assert received.body == b"cmd=_notify-validate&" + message  # original order and bytes
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
