"""``kaunta bench payments``: gateway clients against plain ``requests``, and approval to receipt.

Two questions, both answered over real HTTP on 127.0.0.1 against the local sandboxes
(started in this process on free ports) and, for the till, a real SQLite terminal:

1. **Client overhead.** What does Kaunta's client (``MpesaMethod`` / ``PayPalMethod`` over
   ``DarajaClient`` / ``PayPalClient`` and ``HttpClient``) add to the HTTP round trips a
   successful payment needs? Each sample is one payment through the method, then the same
   calls (the same payloads, as many calls of each kind as the client made: counted by the
   sandbox) sent with a plain ``requests.Session``, the yardstick
   (``*_requests_ratio``: Kaunta's own cost on top of the HTTP library it uses), and with
   bare ``http.client`` (``*_overhead_ratio``, for information: the library's cost too).
2. **Approval to receipt.** The customer approves on their phone at a random moment
   0.5-3 s after the push; the till polls as the payment dialog does
   (``pos.ui.payment_dialogs.GatewayDialog``: the default
   ``PaymentSettings().poll_schedule``, poll ``n + 1`` sent ``poll_delay(schedule, n)``
   seconds after the answer to the start or to poll ``n`` came back). Timed: the approval
   instant -> the return of the poll whose answer carries the receipt. The M-Pesa and PayPal
   lanes run at the same time, each on its own terminal and sandbox (two tills), to keep
   the run short. The approval moments are drawn from a seeded generator: every run replays
   the same ones.

See docs/performance.md, section "Payments", for the goals and results.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from pos.bench.stats import rounded, summary
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest, PaymentResult
from pos.payments.mpesa import sandbox as mpesa_box
from pos.payments.mpesa.client import daraja_timestamp, stk_password
from pos.payments.mpesa.method import TRAINING_CALLBACK_URL, MpesaMethod
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.paypal import sandbox as paypal_box
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.registry import MethodContext
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.payments import AttemptView, PaymentService, PaymentSettings, poll_delay
from pos.services.terminal import DemoUser, Terminal

#: The goals of docs/performance.md: metric -> the most it may be (lower is better for all).
#: The ratios to bare ``http.client`` (``*_overhead_ratio``) are reported without a goal.
GOALS: dict[str, float] = {
    "mpesa_requests_ratio": 1.15,
    "paypal_requests_ratio": 1.15,
    "approval_to_receipt_ms": 1500.0,
}

SAMPLES = 200  # payments per overhead ratio (--samples)
APPROVAL_SAMPLES = 30  # sales per method in the approval test: min(--samples, this)
WARMUP = 10  # untimed payments before each timed series (also fetches the tokens)
APPROVE_AFTER = (0.5, 3.0)  # seconds after the push at which the customer approves
SALE_DEADLINE_S = 30.0  # an approval lane gives up on a sale after this long
ITEM = "6168232430898"  # Brookside Fresh Milk 1L, KES 125.00 (demo catalog)
PHONE = mpesa_box.DEMO_PHONE
TIMEOUT_S = 10.0  # raw HTTP socket timeout

#: Sandbox request paths, by kind of call.
MPESA_KINDS = ("oauth", "stkpush", "stkquery")
PAYPAL_KINDS = ("oauth", "create", "get", "capture")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(t0: int, t1: int) -> float:
    return (t1 - t0) / 1e6


@dataclass(slots=True)
class Settings:
    samples: int
    approval_samples: int
    json: bool
    seed: int = 20260302

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        samples = int(getattr(args, "samples", SAMPLES))
        approval = getattr(args, "approval_samples", None)
        return cls(
            samples=samples,
            approval_samples=int(approval) if approval is not None else min(samples, 30),
            json=bool(getattr(args, "json", False)),
            seed=int(getattr(args, "seed", 20260302)),
        )

    def problems(self) -> list[str]:
        out = []
        if self.samples < 1:
            out.append("--samples must be at least 1")
        if self.approval_samples < 1:
            out.append("approval samples must be at least 1")
        return out


def bench_context() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue, Nairobi",)),
        "T1",
        training=True,
        policy=Policy(pin_kdf_log2_n=10),  # cheap scrypt: the bench is not about logins
    )


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
        return _ms(t0, time.perf_counter_ns())


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
        return _ms(t0, t1) + _ms(t2, time.perf_counter_ns())


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
                out.client.append(_ms(t0, t1))
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
                out.client.append(_ms(t0, t1) + _ms(t2, t3))
                out.raw.append(raw_ms)
                out.raw_requests.append(lib_ms)
                out.calls.append(sum(calls.values()))
    return out


# -- approval to receipt, at the till ---------------------------------------------------------


def _seed_template(work: Path) -> Path:
    path = work / "template.sqlite"
    term = Terminal.open(path, bench_context())
    try:
        term.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    finally:
        term.close()
    return path


def _cashier_terminal(template: Path, path: Path) -> Terminal:
    """A terminal over a copy of the seeded database, the demo cashier logged in."""
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{path}{suffix}")
    term = Terminal.open(path, bench_context())
    cashier = next(u for u in term.auth.users() if u.role is Role.CASHIER)
    pin = next(p for _, r, p in DEMO_USERS if Role(r) is Role.CASHIER)
    term.auth.login(cashier.user_id, pin)
    term.checkout.restore()
    return term


@dataclass(slots=True)
class Lane:
    """One till taking one kind of gateway payment, sale after sale."""

    code: str  # "mpesa" / "paypal"
    term: Terminal
    payments: PaymentService
    approve: Callable[[], None]  # the customer approves the (only) waiting request
    rng: random.Random
    latency: list[float]
    receipt_poll: list[float]  # the poll that brought the receipt: the till's own work
    polls: list[float]
    approve_after: list[float]


def _lane(code: str, term: Terminal, method: MpesaMethod | PayPalMethod, seed: int) -> Lane:
    payments = PaymentService(
        term.db, term.ctx, term.clock, term.ids, term.auth, term.checkout, {code: method}
    )
    return Lane(code, term, payments, lambda: None, random.Random(seed), [], [], [], [])


def _customer(approve: Callable[[], None], approved: list[int]) -> None:
    approve()
    approved.append(time.perf_counter_ns())


def run_lane(lane: Lane, samples: int) -> Lane:
    """Sell ``samples`` one-item sales, polling like the dialog; fills ``lane``'s series."""
    schedule = lane.payments.settings.poll_schedule
    checkout = lane.term.checkout
    phone = PHONE if lane.code == "mpesa" else None
    for _ in range(samples):
        view = checkout.scan(ITEM)
        started = lane.payments.start(lane.code, view.totals.due, phone)
        if started.state is not AttemptState.PENDING:
            raise RuntimeError(f"{lane.code} start: {started.state} {started.message}")
        after = lane.rng.uniform(*APPROVE_AFTER)
        approved: list[int] = []  # the approval instant, set by the customer's thread
        timer = threading.Timer(after, _customer, (lane.approve, approved))
        timer.start()
        deadline = time.monotonic() + SALE_DEADLINE_S
        n = p0 = p1 = 0
        result: AttemptView = started
        try:
            while result.receipt is None:
                time.sleep(poll_delay(schedule, n))
                n += 1
                p0 = time.perf_counter_ns()
                result = lane.payments.poll(started.attempt_id)
                p1 = time.perf_counter_ns()
                if result.receipt is None and (result.final or time.monotonic() > deadline):
                    raise RuntimeError(
                        f"{lane.code} sale did not complete: {result.state} {result.message}"
                    )
        finally:
            timer.join()
        if not approved or approved[0] > p1:
            raise RuntimeError(f"{lane.code}: receipt before the customer approved")
        lane.latency.append(_ms(approved[0], p1))
        lane.receipt_poll.append(_ms(p0, p1))
        lane.polls.append(float(n))
        lane.approve_after.append(after)
    return lane


def bench_approval(work: Path, samples: int, seed: int) -> tuple[Lane, Lane]:
    """Both lanes at once, each on its own terminal (database file) and sandbox."""
    template = _seed_template(work)
    with (
        mpesa_box.MpesaSandbox(prompt_timeout=SALE_DEADLINE_S * 2) as mbox,
        paypal_box.PayPalSandbox() as pbox,
    ):
        mpesa = create_mpesa(
            MethodContext(training=True, currency="KES", settings={"base_url": mbox.base_url})
        )
        paypal = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": pbox.base_url})
        )
        m_term = _cashier_terminal(template, work / "till-mpesa.sqlite")
        p_term = _cashier_terminal(template, work / "till-paypal.sqlite")
        try:
            m_lane = _lane("mpesa", m_term, mpesa, seed + 1)
            p_lane = _lane("paypal", p_term, paypal, seed + 2)

            def approve_mpesa() -> None:
                [push] = mbox.pending()
                mbox.decide(push.checkout_request_id, mpesa_box.Decision.APPROVE)

            def approve_paypal() -> None:
                [order] = pbox.pending()
                pbox.decide(str(order["id"]), paypal_box.Decision.APPROVE)

            m_lane.approve = approve_mpesa
            p_lane.approve = approve_paypal
            with ThreadPoolExecutor(2, thread_name_prefix="bench-till") as pool:
                futures = [pool.submit(run_lane, lane, samples) for lane in (m_lane, p_lane)]
                for future in futures:
                    future.result()
        finally:
            m_term.close()
            p_term.close()
    return m_lane, p_lane


# -- the run -------------------------------------------------------------------------------


def _count(values: list[int]) -> float:
    """The median of counts, as an int when it is one."""
    m = statistics.median(values)
    return int(m) if m == int(m) else float(m)


def _ratios(client: list[float], baseline: list[float]) -> list[float]:
    """Per payment: the client's time over the same calls' time, measured right after it.

    The headline ratios are the median of these. A pair is timed back to back, so load
    from other processes that comes and goes during a run weighs on both sides of it; a
    ratio of the two medians mixes moments of different load and moves more from run to
    run on a shared machine (both p50s stay in the output).
    """
    return [c / b for c, b in zip(client, baseline, strict=True)]


def measure(cfg: Settings, work: Path) -> dict[str, Any]:
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    schedule = PaymentSettings().poll_schedule
    _say(f"bench payments: {cfg.samples} payments per method, then {cfg.approval_samples} sales")
    _say("M-Pesa: MpesaMethod vs the same calls with requests and http.client...")
    mp = bench_mpesa_overhead(cfg.samples)
    _say("PayPal: PayPalMethod vs the same calls with requests and http.client...")
    pp = bench_paypal_overhead(cfg.samples)
    _say(
        f"approval to receipt: {cfg.approval_samples} sales per method, both tills at once "
        f"(poll schedule {schedule} s)..."
    )
    m_lane, p_lane = bench_approval(work, cfg.approval_samples, cfg.seed)

    d: dict[str, dict[str, float]] = {
        "mpesa_payment_ms": summary(mp.client),
        "mpesa_raw_ms": summary(mp.raw),
        "mpesa_raw_requests_ms": summary(mp.raw_requests),
        "mpesa_requests_ratio": summary(_ratios(mp.client, mp.raw_requests)),
        "mpesa_overhead_ratio": summary(_ratios(mp.client, mp.raw)),
        "mpesa_http_calls": summary([float(c) for c in mp.calls]),
        "paypal_payment_ms": summary(pp.client),
        "paypal_raw_ms": summary(pp.raw),
        "paypal_raw_requests_ms": summary(pp.raw_requests),
        "paypal_requests_ratio": summary(_ratios(pp.client, pp.raw_requests)),
        "paypal_overhead_ratio": summary(_ratios(pp.client, pp.raw)),
        "paypal_http_calls": summary([float(c) for c in pp.calls]),
    }
    for lane in (m_lane, p_lane):
        d[f"{lane.code}_approval_to_receipt_ms"] = summary(lane.latency)
        d[f"{lane.code}_receipt_poll_ms"] = summary(lane.receipt_poll)
        d[f"{lane.code}_polls_per_sale"] = summary(lane.polls)
        d[f"{lane.code}_approve_after_s"] = summary(lane.approve_after)
    worse = max((m_lane, p_lane), key=lambda lane: statistics.median(lane.latency))
    result: dict[str, Any] = {
        "bench": "payments",
        "samples": cfg.samples,
        "approval_samples": cfg.approval_samples,
        "mpesa_requests_ratio": d["mpesa_requests_ratio"]["p50"],
        "mpesa_payment_p50_ms": d["mpesa_payment_ms"]["p50"],
        "mpesa_raw_requests_p50_ms": d["mpesa_raw_requests_ms"]["p50"],
        "mpesa_overhead_ratio": d["mpesa_overhead_ratio"]["p50"],
        "mpesa_raw_p50_ms": d["mpesa_raw_ms"]["p50"],
        "mpesa_http_calls": _count(mp.calls),
        "paypal_requests_ratio": d["paypal_requests_ratio"]["p50"],
        "paypal_payment_p50_ms": d["paypal_payment_ms"]["p50"],
        "paypal_raw_requests_p50_ms": d["paypal_raw_requests_ms"]["p50"],
        "paypal_overhead_ratio": d["paypal_overhead_ratio"]["p50"],
        "paypal_raw_p50_ms": d["paypal_raw_ms"]["p50"],
        "paypal_http_calls": _count(pp.calls),
        "ratio_note": (
            "median over the payments of (client time / the same calls' time, timed right "
            "after it): *_requests_ratio with a plain requests.Session (goal), "
            "*_overhead_ratio with bare http.client (information only)"
        ),
        "approval_to_receipt_ms": d[f"{worse.code}_approval_to_receipt_ms"]["p50"],
        "approval_to_receipt_note": (
            f"the worse p50 of the two methods ({worse.code}); default poll schedule, "
            f"customer approves {APPROVE_AFTER[0]}-{APPROVE_AFTER[1]} s after the push"
        ),
    }
    for lane in (m_lane, p_lane):
        s = d[f"{lane.code}_approval_to_receipt_ms"]
        for q in ("p50", "p90", "p99", "max"):
            result[f"{lane.code}_approval_to_receipt_{q}_ms"] = s[q]
        result[f"{lane.code}_receipt_poll_p50_ms"] = d[f"{lane.code}_receipt_poll_ms"]["p50"]
    result.update(
        {
            "poll_schedule_s": list(schedule),
            "python": platform.python_version(),
            "requests_version": requests.__version__,
            "platform": platform.platform(),
            "cpu_count": os.cpu_count() or 0,
            "load_avg_start": rounded(load_start),
            "load_avg_end": rounded(os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0),
            "total_s": rounded(time.perf_counter() - t_start),
        }
    )
    result["goals"] = dict(GOALS)
    result["goals_met"] = {k: bool(result[k] <= v) for k, v in GOALS.items()}
    result["detail"] = d
    return result


_ROWS: tuple[tuple[str, str], ...] = (
    ("M-Pesa payment, MpesaMethod", "mpesa_payment_ms"),
    ("  same calls, requests.Session", "mpesa_raw_requests_ms"),
    ("  same calls, http.client", "mpesa_raw_ms"),
    ("  ratio to requests (goal)", "mpesa_requests_ratio"),
    ("  ratio to http.client", "mpesa_overhead_ratio"),
    ("PayPal payment, PayPalMethod", "paypal_payment_ms"),
    ("  same calls, requests.Session", "paypal_raw_requests_ms"),
    ("  same calls, http.client", "paypal_raw_ms"),
    ("  ratio to requests (goal)", "paypal_requests_ratio"),
    ("  ratio to http.client", "paypal_overhead_ratio"),
    ("M-Pesa approval -> receipt", "mpesa_approval_to_receipt_ms"),
    ("  the receipt poll itself", "mpesa_receipt_poll_ms"),
    ("PayPal approval -> receipt", "paypal_approval_to_receipt_ms"),
    ("  the receipt poll itself", "paypal_receipt_poll_ms"),
)


def render_table(r: dict[str, Any]) -> str:
    out = [
        f"Kaunta payments bench: {r['samples']} payments per method, "
        f"{r['approval_samples']} sales per method for approval -> receipt",
        f"Python {r['python']}, requests {r['requests_version']}, {r['cpu_count']} CPUs, "
        f"{r['platform']}",
        "",
        f"{'(ms; ratios per payment)':36}{'p50':>10}{'p90':>10}{'p99':>10}{'min':>10}{'max':>10}",
    ]
    for label, key in _ROWS:
        s = r["detail"][key]
        out.append(
            label.ljust(36) + "".join(f"{s[q]:>10.3f}" for q in ("p50", "p90", "p99", "min", "max"))
        )
    out += [
        "",
        f"HTTP calls per payment: M-Pesa {r['mpesa_http_calls']}, PayPal {r['paypal_http_calls']}",
        "ratios: client time / the same calls' time, per payment (the ratio to http.client "
        "is for information, without a goal)",
        f"poll schedule (s): {r['poll_schedule_s']}; total {r['total_s']} s; "
        f"load average {r['load_avg_start']} at start, {r['load_avg_end']} at end",
        "",
        "goals:",
    ]
    for key, limit in r["goals"].items():
        mark = "ok  " if r["goals_met"][key] else "MISS"
        out.append(f"  {mark} {key} = {r[key]} (goal: at most {limit})")
    return "\n".join(out)


def run_payments(args: argparse.Namespace) -> int:
    cfg = Settings.from_args(args)
    problems = cfg.problems()
    if problems:
        for p in problems:
            print(f"kaunta bench payments: {p}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kaunta-bench-pay-") as tmp:
        result = measure(cfg, Path(tmp))
    if cfg.json:
        print(json.dumps(result, indent=2))
    else:
        print(render_table(result))
    return 0
