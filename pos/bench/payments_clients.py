"""The client half of ``kaunta bench payments``: each gateway payment through Kaunta's
method, then the same HTTP calls with a plain ``requests.Session`` (the yardstick) and with
bare ``http.client`` (for information). See :mod:`pos.bench.payments` for the whole bench
and docs/performance.md, section "Payments", for what the figures mean.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest, PaymentResult
from pos.payments.mpesa import sandbox as mpesa_box
from pos.payments.mpesa.client import daraja_timestamp, stk_password
from pos.payments.mpesa.method import TRAINING_CALLBACK_URL
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.paypal import sandbox as paypal_box
from pos.payments.paypal.method import create as create_paypal
from pos.payments.registry import MethodContext

WARMUP = 10  # untimed payments before each timed series (also fetches the tokens)
PHONE = mpesa_box.DEMO_PHONE
TIMEOUT_S = 10.0  # raw HTTP socket timeout

#: Sandbox request paths, by kind of call.
MPESA_KINDS = ("oauth", "stkpush", "stkquery")
PAYPAL_KINDS = ("oauth", "create", "get", "capture")


def ms(t0: int, t1: int) -> float:
    """Milliseconds between two ``perf_counter_ns`` readings."""
    return (t1 - t0) / 1e6


# -- raw HTTP: the baselines ----------------------------------------------------------------


class RawHttp:
    """One request per connection with ``http.client``: the leanest round trip there is.

    The sandboxes speak HTTP/1.0 (``BaseHTTPRequestHandler``'s default), so every call
    opens and closes its own connection, for the clients under test too.
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80

    def call(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


class RequestsHttp:
    """The same calls through a plain ``requests.Session``: the yardstick. ``HttpClient``
    is a ``requests.Session`` too, so the ratio is Kaunta's own cost on top of it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def call(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        response = self.session.request(
            method, self.base_url + path, data=body, headers=headers, timeout=TIMEOUT_S
        )
        return response.status_code, response.content


Transport = RawHttp | RequestsHttp


def _expect(status: int, body: bytes, want: int, what: str) -> dict[str, Any]:
    if status != want:
        raise RuntimeError(f"raw {what}: HTTP {status} {body[:200]!r}")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise RuntimeError(f"raw {what}: not a JSON object")
    return data


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


class MpesaRaw:
    """Daraja's calls by hand: the bodies ``DarajaClient`` sends, built before timing."""

    oauth_path = mpesa_box.OAUTH_PATH + "?grant_type=client_credentials"

    def __init__(self, transport: Transport) -> None:
        self.t = transport
        self.basic = {
            "Authorization": _basic(mpesa_box.DEMO_CONSUMER_KEY, mpesa_box.DEMO_CONSUMER_SECRET)
        }
        self.token = self.oauth()  # the cached token of a client that is already running

    def oauth(self) -> str:
        status, body = self.t.call("GET", self.oauth_path, None, self.basic)
        return str(_expect(status, body, 200, "M-Pesa token")["access_token"])

    def bodies(self, attempt_id: str, amount_kes: int) -> tuple[bytes, dict[str, Any]]:
        """The push body (bytes) and the query body (without its CheckoutRequestID)."""
        timestamp = daraja_timestamp(datetime.now(UTC))
        password = stk_password(mpesa_box.DEMO_SHORTCODE, mpesa_box.DEMO_PASSKEY, timestamp)
        push = {
            "BusinessShortCode": mpesa_box.DEMO_SHORTCODE,
            "Password": password,
            "Timestamp": timestamp,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": amount_kes,
            "PartyA": PHONE,
            "PartyB": mpesa_box.DEMO_SHORTCODE,
            "PhoneNumber": PHONE,
            "CallBackURL": TRAINING_CALLBACK_URL.replace(
                "{attempt_id}", quote(attempt_id, safe="")
            ),
            "AccountReference": "DEMO",
            "TransactionDesc": "Kaunta Demo D",
        }
        query = {
            "BusinessShortCode": mpesa_box.DEMO_SHORTCODE,
            "Password": password,
            "Timestamp": timestamp,
        }
        return json.dumps(push).encode(), query

    def payment(self, calls: Counter[str], push: bytes, query: dict[str, Any]) -> float:
        """``calls`` round trips of each kind, in the client's order; returns ms."""
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        t0 = time.perf_counter_ns()
        for _ in range(calls["oauth"]):
            self.token = self.oauth()
            headers["Authorization"] = f"Bearer {self.token}"
        checkout = ""
        for _ in range(calls["stkpush"]):
            status, body = self.t.call("POST", mpesa_box.PUSH_PATH, push, headers)
            checkout = str(_expect(status, body, 200, "STK push")["CheckoutRequestID"])
        for _ in range(calls["stkquery"]):
            payload = json.dumps({**query, "CheckoutRequestID": checkout}).encode()
            status, body = self.t.call("POST", mpesa_box.QUERY_PATH, payload, headers)
            if _expect(status, body, 200, "STK query").get("ResultCode") != "0":
                raise RuntimeError(f"raw STK query: not paid: {body[:200]!r}")
        return ms(t0, time.perf_counter_ns())


class PayPalRaw:
    """PayPal's calls by hand, with the client's headers and bodies."""

    def __init__(self, transport: Transport, sandbox: paypal_box.PayPalSandbox) -> None:
        self.t = transport
        self.sandbox = sandbox
        self.token = self.oauth()

    def oauth(self) -> str:
        headers = {
            "Authorization": _basic(paypal_box.DEMO_CLIENT_ID, paypal_box.DEMO_CLIENT_SECRET),
            "Accept": "application/json",
            "Accept-Language": "en_US",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, body = self.t.call(
            "POST", "/v1/oauth2/token", b"grant_type=client_credentials", headers
        )
        return str(_expect(status, body, 200, "PayPal token")["access_token"])

    def _headers(self, request_id: str | None) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Prefer": "return=representation",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
        }
        if request_id is not None:
            headers["PayPal-Request-Id"] = request_id
        return headers

    def payment(self, calls: Counter[str], create_body: bytes, request_id: str) -> float:
        """Create, (the customer approves: untimed), GET(s), capture(s); returns ms."""
        t0 = time.perf_counter_ns()
        for _ in range(calls["oauth"]):  # not expected with a warm client; kept in step
            self.token = self.oauth()
        order_id = ""
        for _ in range(calls["create"]):
            status, body = self.t.call(
                "POST", "/v2/checkout/orders", create_body, self._headers(request_id)
            )
            order_id = str(_expect(status, body, 201, "create order")["id"])
        t1 = time.perf_counter_ns()
        self.sandbox.decide(order_id, paypal_box.Decision.APPROVE)
        t2 = time.perf_counter_ns()
        path = f"/v2/checkout/orders/{order_id}"
        for _ in range(calls["get"]):
            status, body = self.t.call("GET", path, None, self._headers(None))
            _expect(status, body, 200, "get order")
        for _ in range(calls["capture"]):
            status, body = self.t.call(
                "POST", path + "/capture", b"{}", self._headers(f"{request_id}-capture")
            )
            if _expect(status, body, 201, "capture").get("status") != "COMPLETED":
                raise RuntimeError(f"raw capture: not completed: {body[:200]!r}")
        return ms(t0, t1) + ms(t2, time.perf_counter_ns())


def _paypal_calls(sandbox: paypal_box.PayPalSandbox, since: int) -> Counter[str]:
    calls: Counter[str] = Counter()
    for r in sandbox.requests[since:]:
        path = r.path.split("?", 1)[0]
        if path == "/v1/oauth2/token":
            calls["oauth"] += 1
        elif path == "/v2/checkout/orders" and r.method == "POST":
            calls["create"] += 1
        elif path.endswith("/capture") and r.method == "POST":
            calls["capture"] += 1
        elif path.startswith("/v2/checkout/orders/") and r.method == "GET":
            calls["get"] += 1
        else:
            calls["other"] += 1
    return calls


def _mpesa_calls(sandbox: mpesa_box.MpesaSandbox) -> Counter[str]:
    return Counter({k: sandbox.request_count(k) for k in MPESA_KINDS})


# -- the client under test ------------------------------------------------------------------


def _until_captured(
    status: Callable[[AttemptRef], PaymentResult], ref: AttemptRef, what: str
) -> PaymentResult:
    for _ in range(10):
        result = status(ref)
        if result.state is AttemptState.CAPTURED:
            return result
        if result.state.final:
            raise RuntimeError(f"{what} ended {result.state}: {result.code} {result.message}")
    raise RuntimeError(f"{what} was not captured after 10 status calls")


@dataclass(slots=True)
class Overhead:
    client: list[float]
    raw: list[float]
    raw_requests: list[float]
    calls: list[int]


def bench_mpesa_overhead(samples: int) -> Overhead:
    """One M-Pesa payment through ``MpesaMethod``, then the same calls with plain
    ``http.client`` and plain ``requests``; interleaved."""
    out = Overhead([], [], [], [])
    with mpesa_box.MpesaSandbox(default=mpesa_box.Decision.APPROVE) as box:
        method = create_mpesa(
            MethodContext(training=True, currency="KES", settings={"base_url": box.base_url})
        )
        raw = MpesaRaw(RawHttp(box.base_url))
        lib = MpesaRaw(RequestsHttp(box.base_url))
        amount = Money(12500, "KES")
        for i in range(samples + WARMUP):
            keep = i >= WARMUP
            attempt = str(uuid.uuid4())
            request = PaymentRequest(attempt, "bench-sale", amount, "DEMO", "Kaunta Demo D", PHONE)
            before = _mpesa_calls(box)
            t0 = time.perf_counter_ns()
            started = method.start(request)
            if started.state is not AttemptState.PENDING:
                raise RuntimeError(f"M-Pesa start: {started.state} {started.message}")
            ref = AttemptRef(attempt, "bench-sale", amount, started.gateway_ref, PHONE)
            _until_captured(method.status, ref, "M-Pesa payment")
            t1 = time.perf_counter_ns()
            calls = _mpesa_calls(box)
            calls.subtract(before)
            push, query = raw.bodies(str(uuid.uuid4()), 125)
            raw_ms = raw.payment(calls, push, query)
            lib_ms = lib.payment(calls, push, query)
            if keep:
                out.client.append(ms(t0, t1))
                out.raw.append(raw_ms)
                out.raw_requests.append(lib_ms)
                out.calls.append(sum(calls.values()))
    return out


def bench_paypal_overhead(samples: int) -> Overhead:
    """One PayPal payment through ``PayPalMethod``, then the same calls with plain
    ``http.client`` and plain ``requests``; interleaved.

    The customer's approval (a Python call on the sandbox) is not timed in either.
    """
    out = Overhead([], [], [], [])
    with paypal_box.PayPalSandbox() as box:
        method = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": box.base_url})
        )
        raw = PayPalRaw(RawHttp(box.base_url), box)
        lib = PayPalRaw(RequestsHttp(box.base_url), box)
        amount = Money(97, "USD")  # KES 125.00 at 129.50
        for i in range(samples + WARMUP):
            keep = i >= WARMUP
            attempt = str(uuid.uuid4())
            request = PaymentRequest(attempt, "bench-sale", amount, "DEMO", "Kaunta Demo D")
            since = len(box.requests)
            t0 = time.perf_counter_ns()
            started = method.start(request)
            t1 = time.perf_counter_ns()
            if started.state is not AttemptState.PENDING:
                raise RuntimeError(f"PayPal start: {started.state} {started.message}")
            box.decide(started.gateway_ref, paypal_box.Decision.APPROVE)
            t2 = time.perf_counter_ns()
            ref = AttemptRef(attempt, "bench-sale", amount, started.gateway_ref)
            _until_captured(method.status, ref, "PayPal payment")
            t3 = time.perf_counter_ns()
            calls = _paypal_calls(box, since)
            if calls["other"]:
                raise RuntimeError(f"PayPal client made unexpected calls: {calls}")
            body = json.dumps(method.client.order_request(amount, "DEMO", "Kaunta Demo D")).encode()
            raw_ms = raw.payment(calls, body, str(uuid.uuid4()))
            lib_ms = lib.payment(calls, body, str(uuid.uuid4()))
            if keep:
                out.client.append(ms(t0, t1) + ms(t2, t3))
                out.raw.append(raw_ms)
                out.raw_requests.append(lib_ms)
                out.calls.append(sum(calls.values()))
    return out
