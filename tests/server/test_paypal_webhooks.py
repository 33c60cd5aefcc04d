"""PayPal webhooks and IPN at head office, against the real PayPal sandbox on 127.0.0.1.

The sandbox serves its certificate chain (made at run time, never committed) at a real
``PAYPAL-CERT-URL`` and signs with the key it made; the head office fetches it over HTTP,
checks the chain (the pure verifier and ``cryptography``'s path validation) against a trust
store that holds the sandbox's root, and the real django-tasks database worker turns events
into the results a real enrolled terminal pulls. Forged requests are refused, logged as
``RejectedCallback`` rows with their reason, and change nothing; their counts are printed.
"""

from __future__ import annotations

import base64
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from pos.payments.paypal.sandbox import PayPalSandbox, WebhookSigner
from sync.server.callbacks import outbound
from sync.server.callbacks.models import RejectedCallback
from sync.server.callbacks.paypal_models import (
    EventState,
    IpnMessage,
    IpnState,
    PayPalResult,
    PayPalWebhookEvent,
)
from sync.server.callbacks.paypal_tasks import apply_event, requeue_unprocessed
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

HOOK = "/hooks/paypal/webhook"
IPN = "/hooks/paypal/ipn"
FORGED: Counter[str] = Counter()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[PayPalSandbox]:
    with PayPalSandbox() as sb:
        yield sb


@pytest.fixture
def paypal(sandbox: PayPalSandbox, tmp_path: Path) -> Iterator[PayPalSandbox]:
    """Head office set up to trust the sandbox (and only it) for offline verification."""
    store = tmp_path / "trust.pem"
    store.write_bytes(sandbox.signer.ca_pem)
    with override_settings(
        PAYPAL_WEBHOOK_ID=sandbox.webhook_id,
        PAYPAL_VERIFY="offline",
        PAYPAL_CERT_HOSTS=["127.0.0.1"],
        PAYPAL_TRUST_STORE=str(store),
        PAYPAL_CERT_INSECURE=True,
        PAYPAL_API_URL=sandbox.base_url,
        PAYPAL_CLIENT_ID=sandbox.client_id,
        PAYPAL_CLIENT_SECRET=sandbox.client_secret,
        PAYPAL_IPN_URL=sandbox.base_url + "/cgi-bin/webscr",
    ):
        outbound.forget_cached()
        yield sandbox
    outbound.forget_cached()


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


def order_id() -> str:
    return secrets.token_hex(8).upper()[:17]


def capture_event(order: str, value: str = "12.50", *, kind: str = "COMPLETED") -> bytes:
    """A capture event shaped like the sandbox's (and PayPal's), compact JSON."""
    status = {"COMPLETED": "COMPLETED", "PENDING": "PENDING"}.get(kind, "DECLINED")
    event = {
        "id": f"WH-{secrets.token_hex(8).upper()}-{secrets.token_hex(8).upper()}",
        "event_version": "1.0",
        "create_time": "2026-03-02T10:30:00Z",
        "resource_type": "capture",
        "resource_version": "2.0",
        "event_type": f"PAYMENT.CAPTURE.{kind}",
        "summary": f"Payment {status.lower()}",
        "resource": {
            "id": secrets.token_hex(8).upper()[:17],
            "status": status,
            "amount": {"currency_code": "USD", "value": value},
            "supplementary_data": {"related_ids": {"order_id": order}},
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def refund_event(capture_id: str, value: str) -> bytes:
    event = {
        "id": f"WH-{secrets.token_hex(8).upper()}-R",
        "event_version": "1.0",
        "create_time": "2026-03-02T11:00:00Z",
        "resource_type": "refund",
        "resource_version": "2.0",
        "event_type": "PAYMENT.CAPTURE.REFUNDED",
        "summary": "A capture was refunded",
        "resource": {
            "id": secrets.token_hex(8).upper()[:17],
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": value},
            "links": [
                {
                    "href": f"https://api.paypal.com/v2/payments/captures/{capture_id}",
                    "rel": "up",
                    "method": "GET",
                }
            ],
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def signed(
    sb: PayPalSandbox,
    body: bytes,
    *,
    signer: WebhookSigner | None = None,
    webhook_id: str | None = None,
    when: datetime | None = None,
    cert_url: str | None = None,
) -> dict[str, str]:
    """The headers the sandbox (PayPal) sends with ``body``, optionally bent one way."""
    headers = (signer or sb.signer).headers(
        body, webhook_id or sb.webhook_id, cert_url or sb.cert_url, when or datetime.now(UTC)
    )
    headers.pop("Content-Type")
    return headers


def deliver(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(HOOK, body, content_type="application/json", headers=headers)


def register(client: Client, till: Till, order: str, amount_minor: int = 1250) -> None:
    r = client.post(
        "/api/v1/paypal-orders",
        {"order_id": order, "amount_minor": amount_minor, "currency": "USD"},
        content_type="application/json",
        **till.auth,
    )
    assert r.status_code == 200, r.content


def work() -> None:
    call_command("db_worker", batch=True, interval=0, verbosity=0)


def results(client: Client, till: Till, after: int = 0) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/paypal-results?after={after}", **till.auth)
    assert r.status_code == 200, r.content
    return list(r.json()["results"])


def snapshot() -> tuple[int, int, int]:
    return (
        PayPalWebhookEvent.objects.count(),
        PayPalResult.objects.count(),
        IpnMessage.objects.count(),
    )


def test_a_signed_capture_is_stored_processed_once_and_pulled_by_its_till(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order)
    body = capture_event(order)
    r = deliver(client, body, signed(paypal, body))
    assert r.status_code == 200, r.content
    assert r.json() == {"status": "accepted"}
    row = PayPalWebhookEvent.objects.get(order_id=order)
    assert row.body.encode() == body  # stored byte for byte before the answer
    assert row.state == EventState.RECEIVED
    work()
    row.refresh_from_db()
    assert row.state == EventState.DONE
    (result,) = results(client, till)
    assert (result["order_id"], result["state"], result["amount_minor"]) == (order, "paid", 1250)
    assert result["currency"] == "USD"
    assert results(client, till, after=result["seq"]) == []
    # the certificate was fetched from the sandbox over real HTTP (once, then cached)
    assert any(r.path.startswith("/v1/notifications/certs/") for r in paypal.requests)
    metrics = client.get("/metrics").content.decode()
    assert 'kaunta_hq_paypal_notifications_total{kind="webhook",state="done"}' in metrics


def test_denied_then_refund_map_to_results_and_other_events_are_ignored(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    denied, paid = order_id(), order_id()
    register(client, till, denied)
    register(client, till, paid, amount_minor=4000)
    for body in (capture_event(denied, kind="DENIED"), capture_event(paid, "40.00")):
        assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    capture_id = PayPalResult.objects.get(order__order_id=paid).capture_id
    refund = refund_event(capture_id, "15.00")
    approved = json.loads(capture_event(paid, "40.00"))
    approved["event_type"] = "CHECKOUT.ORDER.APPROVED"
    approved_body = json.dumps(approved, separators=(",", ":")).encode()
    for body in (refund, approved_body):
        assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    got = [(r["order_id"], r["state"], r["amount_minor"]) for r in results(client, till)]
    assert got == [(denied, "failed", 1250), (paid, "paid", 4000), (paid, "refunded", 1500)]
    assert PayPalWebhookEvent.objects.get(event_type="CHECKOUT.ORDER.APPROVED").state == "ignored"


def test_an_event_before_its_order_is_applied_when_the_till_registers_it(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    body = capture_event(order)
    assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    assert PayPalWebhookEvent.objects.get(order_id=order).state == EventState.UNMATCHED
    assert results(client, till) == []
    register(client, till, order)
    work()
    assert [r["state"] for r in results(client, till)] == ["paid"]


def test_an_amount_that_is_not_the_orders_gives_no_result(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order, amount_minor=1250)
    body = capture_event(order, "1.25")
    assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    assert PayPalWebhookEvent.objects.get(order_id=order).state == EventState.MISMATCH
    assert results(client, till) == []


def _expect_refused(
    client: Client, body: bytes, headers: dict[str, str], status: int, reason: str
) -> None:
    before, refused = snapshot(), RejectedCallback.objects.count()
    r = deliver(client, body, headers)
    assert r.status_code == status, (reason, r.content)
    assert r.json()["reason"] == reason
    assert RejectedCallback.objects.count() == refused + 1
    assert RejectedCallback.objects.latest("pk").reason == reason
    assert snapshot() == before  # nothing stored, nothing enqueued, no result
    FORGED[reason] += 1


def test_forged_webhooks_are_refused_logged_and_change_nothing(
    client: Client, till: Till, paypal: PayPalSandbox, sandbox: PayPalSandbox
) -> None:
    FORGED.clear()
    order = order_id()
    register(client, till, order)
    body = capture_event(order)
    good = signed(paypal, body)
    # the body changed after signing (an amount raised), and a signature of other bytes
    _expect_refused(client, body.replace(b"12.50", b"99.50"), good, 400, "signature")
    other = capture_event(order)
    _expect_refused(client, body, {**good, "PAYPAL-TRANSMISSION-SIG": signed(paypal, other)[
        "PAYPAL-TRANSMISSION-SIG"]}, 400, "signature")  # fmt: skip
    # signed for another PayPal app's webhook
    _expect_refused(
        client, body, signed(paypal, body, webhook_id="9OTHER0WEBHOOK"), 400, "signature"
    )
    # an old capture sent again with its own (then valid) signature
    stale = datetime.now(UTC) - timedelta(hours=1)
    _expect_refused(client, body, signed(paypal, body, when=stale), 400, "stale")
    _expect_refused(
        client,
        body,
        signed(paypal, body, when=datetime.now(UTC) + timedelta(hours=1)),
        400,
        "stale",
    )
    # a key and chain of the forger's own, served from an allowed host (another sandbox)
    with PayPalSandbox() as rogue:
        _expect_refused(
            client,
            body,
            signed(paypal, body, signer=rogue.signer, cert_url=rogue.cert_url),
            400,
            "untrusted_cert",
        )
    # expired, and not PayPal's name, though issued by the trusted sandbox root
    for bent in (
        {"not_after": datetime.now(UTC) - timedelta(days=1)},
        {"common_name": "shop.example.com"},
    ):
        forger = _issued_by_sandbox_root(sandbox, **bent)
        cert = _serve_cert_at_sandbox(sandbox, forger)
        _expect_refused(
            client, body, signed(paypal, body, signer=forger, cert_url=cert), 400, "untrusted_cert"
        )
    # a certificate URL off the allow-list is refused before anything is fetched
    fetched = len(paypal.requests)
    for url in (
        f"http://localhost:{paypal.port}/v1/notifications/certs/{paypal.cert_id}",
        f"https://evil.example/v1/notifications/certs/{paypal.cert_id}",
        f"http://user:pw@127.0.0.1:{paypal.port}/v1/notifications/certs/{paypal.cert_id}",
    ):
        _expect_refused(client, body, signed(paypal, body, cert_url=url), 400, "cert_url")
    assert len(paypal.requests) == fetched
    # headers missing, an algorithm PayPal does not use
    _expect_refused(client, body, {}, 400, "headers")
    _expect_refused(client, body, {**good, "PAYPAL-AUTH-ALGO": "SHA1withRSA"}, 400, "headers")
    # not an event at all, and too large to read
    for junk in (b"{not json", b"[1, 2]", b'{"id": "WH-1"}', "\u00e9".encode("latin-1")):
        _expect_refused(client, junk, signed(paypal, junk), 400, "malformed")
    huge = capture_event(order)[:-1] + b',"pad":"' + b"x" * 70_000 + b'"}'
    _expect_refused(client, huge, signed(paypal, huge), 413, "too_large")
    # the genuine one still works afterwards, exactly once
    assert deliver(client, body, good).status_code == 200
    work()
    assert [r["state"] for r in results(client, till)] == ["paid"]
    print(f"\nforged PayPal webhooks refused by reason: {dict(FORGED)}")


def test_a_replay_and_a_redelivery_are_harmless(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order)
    body = capture_event(order)
    headers = signed(paypal, body)
    assert deliver(client, body, headers).json() == {"status": "accepted"}
    before = snapshot()
    # the same transmission again (captured and replayed): answered, logged, nothing new
    r = deliver(client, body, headers)
    assert (r.status_code, r.json()) == (200, {"status": "duplicate"})
    assert RejectedCallback.objects.latest("pk").reason == "replay"
    # PayPal's own redelivery: the same event in a new transmission
    r = deliver(client, body, signed(paypal, body))
    assert (r.status_code, r.json()) == (200, {"status": "duplicate"})
    assert RejectedCallback.objects.latest("pk").reason == "duplicate_event"
    assert snapshot() == before
    work()
    assert len(results(client, till)) == 1


def test_a_task_run_twice_or_requeued_applies_its_event_once(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order)
    body = capture_event(order)
    deliver(client, body, signed(paypal, body))
    pk = PayPalWebhookEvent.objects.get(order_id=order).pk
    assert requeue_unprocessed() >= 1  # as after a killed worker: enqueued a second time
    work()
    assert apply_event(pk) == str(EventState.DONE)  # and once more by hand
    assert PayPalResult.objects.filter(order__order_id=order).count() == 1


def test_postback_verification_asks_the_sandbox(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order)
    body = capture_event(order)
    already = len(paypal.requests)
    with override_settings(PAYPAL_VERIFY="postback"):
        tampered = body.replace(b"12.50", b"99.50")
        _expect_refused(client, tampered, signed(paypal, body), 400, "signature")
        _expect_refused(
            client, body, signed(paypal, body, webhook_id="9OTHER0WEBHOOK"), 400, "signature"
        )
        stale = datetime.now(UTC) - timedelta(hours=1)
        _expect_refused(client, body, signed(paypal, body, when=stale), 400, "stale")
        r = deliver(client, body, signed(paypal, body))
        assert r.status_code == 200, r.content
    new = paypal.requests[already:]
    asked = [r for r in new if r.path == "/v1/notifications/verify-webhook-signature"]
    assert len(asked) == 3
    assert all(r.status == 200 for r in asked)
    work()
    assert PayPalWebhookEvent.objects.get(order_id=order).verified_by == "postback"
    assert [r["state"] for r in results(client, till)] == ["paid"]


def test_paypal_unreachable_for_the_certificate_is_503_so_paypal_sends_again(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    body = capture_event(order)
    gone = f"http://127.0.0.1:9/v1/notifications/certs/{paypal.cert_id}"  # discard port
    _expect_refused(client, body, signed(paypal, body, cert_url=gone), 503, "unverifiable")


def _issued_by_sandbox_root(sandbox: PayPalSandbox, **kw: Any) -> WebhookSigner:
    """A leaf signed by the sandbox's trusted root but bent (expired, wrong name)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    # the sandbox's root key is not exposed; make a sibling root with the same name and
    # key the leaf to *it*: the chain then names the trusted root but is not signed by it
    now = datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = kw.get("common_name", "messageverificationcerts.sandbox.paypal.com")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(sandbox.signer.ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(kw.get("not_after", now + timedelta(days=30)))
        .sign(sandbox.signer.key, hashes.SHA256())  # not the root's key: a forged issuer
    )
    return WebhookSigner(key, leaf, sandbox.signer.ca)


def _serve_cert_at_sandbox(sandbox: PayPalSandbox, forger: WebhookSigner) -> str:
    """A second sandbox serving the forger's chain from an allowed host."""
    rogue = PayPalSandbox(signer=forger).start()
    _ROGUES.append(rogue)
    return rogue.cert_url


_ROGUES: list[PayPalSandbox] = []


@pytest.fixture(autouse=True, scope="module")
def _stop_rogues() -> Iterator[None]:
    yield
    for rogue in _ROGUES:
        rogue.stop()


# -- IPN ----------------------------------------------------------------------------------


def ipn_fields(txn: str, status: str = "Completed") -> list[tuple[str, str]]:
    return [
        ("mc_gross", "19.95"),
        ("protection_eligibility", "Eligible"),
        ("payer_id", "LPLWNMTBWMFAY"),
        ("payment_date", "20:12:59 Jan 13, 2026 PST"),
        ("payment_status", status),
        ("charset", "windows-1252"),
        ("first_name", "Wanjiru"),
        ("mc_currency", "USD"),
        ("txn_id", txn),
        ("custom", "STORE1-T1-000042"),
        ("receiver_email", "sb-merchant@business.example.com"),
    ]


def post_ipn(client: Client, body: bytes) -> Any:
    return client.post(IPN, body, content_type="application/x-www-form-urlencoded")


def test_an_ipn_is_stored_verified_by_postback_and_kept_once_per_txn(
    client: Client, paypal: PayPalSandbox
) -> None:
    txn = secrets.token_hex(8).upper()[:17]
    body = paypal.ipn_message(ipn_fields(txn))
    assert post_ipn(client, body).status_code == 200
    row = IpnMessage.objects.get(txn_id=txn)
    assert row.body.encode() == body
    assert row.state == IpnState.RECEIVED
    assert post_ipn(client, body).status_code == 200  # PayPal resends: stored once
    assert IpnMessage.objects.filter(txn_id=txn).count() == 1
    work()
    row.refresh_from_db()
    assert row.state == IpnState.VERIFIED
    assert (row.mc_gross, row.mc_currency, row.payment_status) == ("19.95", "USD", "Completed")
    # the same txn and status in other bytes (field order changed): verified, duplicate
    other = paypal.ipn_message(list(reversed(ipn_fields(txn))))
    post_ipn(client, other)
    # the same txn, a new status (Refunded later): its own verified row
    refunded = paypal.ipn_message(ipn_fields(txn, "Refunded"))
    post_ipn(client, refunded)
    work()
    states = sorted(IpnMessage.objects.filter(txn_id=txn).values_list("payment_status", "state"))
    assert states == [
        ("Completed", "duplicate"),
        ("Completed", "verified"),
        ("Refunded", "verified"),
    ]


def test_forged_ipn_is_invalid_and_bad_requests_are_refused(
    client: Client, paypal: PayPalSandbox
) -> None:
    FORGED.clear()
    txn = secrets.token_hex(8).upper()[:17]
    genuine = paypal.ipn_message(ipn_fields(txn))
    forged = genuine.replace(b"19.95", b"1995.00")  # never sent by the sandbox
    assert post_ipn(client, forged).status_code == 200
    work()
    assert IpnMessage.objects.get(body=forged.decode()).state == IpnState.INVALID
    FORGED["ipn_invalid"] += 1
    for junk, status, reason in (
        (b"", 400, "malformed"),
        (b"txn_id=1&&&=", 400, "malformed"),
        ("txn_id=\u00e9".encode(), 400, "malformed"),
        (b"a=" + b"x" * 40_000, 413, "too_large"),
    ):
        before = snapshot()
        r = post_ipn(client, junk)
        assert (r.status_code, RejectedCallback.objects.latest("pk").reason) == (status, reason)
        assert snapshot() == before
        FORGED[f"ipn_{reason}"] += 1
    # the genuine message is not blocked by the forged one with its txn_id
    post_ipn(client, genuine)
    work()
    assert IpnMessage.objects.get(body=genuine.decode()).state == IpnState.VERIFIED
    print(f"\nforged IPN requests by outcome: {dict(FORGED)}")


def test_ipn_fields_follow_the_messages_charset() -> None:
    from sync.server.callbacks.paypal_tasks import ipn_fields as parse

    raw = urllib.parse.urlencode(
        [("charset", "windows-1252"), ("first_name", "Zoë")], encoding="cp1252"
    ).encode()
    assert parse(raw)["first_name"] == "Zoë"


def test_cryptography_path_validation_refuses_a_non_ca_issuer_the_signature_walk_accepts(
    tmp_path: Path,
) -> None:
    """A chain leaf <- end-entity <- root: every signature is right, but the middle one is
    not a CA. The pure verifier's signature walk lets it through; ``cryptography``'s path
    validation (the head office's second check) refuses it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from pos.payments.paypal.webhook_verify import TrustPolicy, _check_chain
    from sync.server.callbacks.paypal_trust import chain_verified

    now = datetime.now(UTC)

    def cert(cn: str, issuer: x509.Name, key: Any, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        return builder.sign(signer, hashes.SHA256())

    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root")])
    root = cert("Test Root", root_name, keys[0], keys[0], True)
    middle = cert("not-a-ca.paypal.com", root_name, keys[1], keys[0], False)
    leaf = cert("messageverificationcerts.paypal.com", middle.subject, keys[2], keys[1], False)
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, middle))
    policy = TrustPolicy.sandbox(root.public_bytes(serialization.Encoding.PEM))
    assert _check_chain([leaf, middle], policy, now) is None  # the walk: fine
    assert "path validation" in (chain_verified(pem, policy, now) or "")
    direct = cert("messageverificationcerts.paypal.com", root_name, keys[2], keys[0], False)
    assert chain_verified(direct.public_bytes(serialization.Encoding.PEM), policy, now) is None


def test_the_sandbox_postback_wants_a_token_and_every_field(sandbox: PayPalSandbox) -> None:
    url = sandbox.base_url + "/v1/notifications/verify-webhook-signature"

    def post(payload: object, auth: str = "") -> int:
        request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", auth)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    assert post({}) == 401
    token = urllib.request.Request(
        sandbox.base_url + "/v1/oauth2/token", data=b"grant_type=client_credentials"
    )
    basic = base64.b64encode(f"{sandbox.client_id}:{sandbox.client_secret}".encode()).decode()
    token.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(token, timeout=10) as answer:
        bearer = "Bearer " + json.loads(answer.read())["access_token"]
    assert post({"auth_algo": "SHA256withRSA"}, bearer) == 400
