"""The M-Pesa sandbox itself: Daraja's three calls, the scripted customer and the clock.

See the package docstring (:mod:`pos.payments.mpesa.sandbox`) for the wire behaviour and
the control paths.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pos.payments.mpesa.sandbox.callbacks import CallbackPlan, CallbackSender
from pos.payments.mpesa.sandbox.control import CONTROL_PREFIX, handle_control
from pos.payments.mpesa.sandbox.daraja import NAIROBI, now_timestamp, password_for
from pos.payments.mpesa.sandbox.handler import Handler
from pos.payments.mpesa.sandbox.model import (
    RESULT_DESC,
    CallbackMode,
    CallbackRecord,
    Decision,
    PendingPush,
)
from pos.payments.mpesa.sandbox.validation import (
    Credentials,
    PushBody,
    read_credentials,
    read_push,
)
from pos.payments.mpesa.sandbox.wire import (
    Reply,
    callback_body,
    envelope,
    failure_reply,
    invalid,
    json_body,
    merchant_request_id,
)

__all__ = [
    "CONTROL_PREFIX",
    "DEMO_CONSUMER_KEY",
    "DEMO_CONSUMER_SECRET",
    "DEMO_PASSKEY",
    "DEMO_PHONE",
    "DEMO_PIN",
    "DEMO_SHORTCODE",
    "DEMO_TILL",
    "OAUTH_PATH",
    "PUSH_PATH",
    "QUERY_PATH",
    "MpesaSandbox",
]

log = logging.getLogger(__name__)

# -- demo credentials (published on purpose: they only open this local sandbox) ---------

DEMO_CONSUMER_KEY = "kaunta-demo-consumer-key"
DEMO_CONSUMER_SECRET = "kaunta-demo-consumer-secret"
#: Safaricom's public sandbox shortcode and passkey (gateways.md A2).
DEMO_SHORTCODE = "174379"
DEMO_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
DEMO_TILL = "654321"
#: Safaricom's sandbox test MSISDN.
DEMO_PHONE = "254708374149"
#: The demo customer's M-Pesa PIN (checked only when a decision carries a PIN).
DEMO_PIN = "1234"

OAUTH_PATH = "/oauth/v1/generate"
PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
QUERY_PATH = "/mpesa/stkpushquery/v1/query"

_ENDPOINTS = {OAUTH_PATH: "oauth", PUSH_PATH: "stkpush", QUERY_PATH: "stkquery"}

_IMMEDIATE = {
    Decision.APPROVE: "0",
    Decision.CANCEL: "1032",
    Decision.WRONG_PIN: "2001",
    Decision.INSUFFICIENT: "1",
}


@dataclass(slots=True)
class _Push:
    info: PendingPush
    callback_url: str
    party_b: str
    decision: Decision
    deadline: float | None  # monotonic time at which a deferred outcome happens
    deadline_code: str  # the ResultCode applied at the deadline
    result_code: str | None = None
    result_desc: str = ""
    receipt: str = ""
    transaction_date: str = ""


@dataclass(slots=True)
class _Failure:
    status: int
    remaining: int
    endpoint: str | None
    after_processing: bool


class MpesaSandbox:
    """The simulator: an HTTP server thread, a deadline thread and callback threads.

    ``local_callbacks``: also accept ``http://`` CallBackURLs on this machine (tests,
    integrators' desks). Off by default, as on Daraja, which wants HTTPS.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        consumer_key: str = DEMO_CONSUMER_KEY,
        consumer_secret: str = DEMO_CONSUMER_SECRET,
        shortcode: str = DEMO_SHORTCODE,
        passkey: str = DEMO_PASSKEY,
        tills: tuple[str, ...] = (DEMO_TILL,),
        shop_name: str = "Kaunta Demo Duka",
        token_ttl: int = 3599,
        prompt_timeout: float = 60.0,
        slow_delay: float = 5.0,
        rate_limit: int | None = None,
        max_amount: int = 250_000,
        desc_limit: int = 182,
        customer_pin: str = DEMO_PIN,
        default: Decision | str = Decision.WAIT,
        callback_timeout: float = 5.0,
        local_callbacks: bool = False,
    ) -> None:
        self.host = host
        self._port = port
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.shortcode = shortcode
        self.passkey = passkey
        self.tills = frozenset(tills)
        self.shop_name = shop_name
        self.token_ttl = token_ttl
        self.prompt_timeout = prompt_timeout
        self.slow_delay = slow_delay
        self.rate_limit = rate_limit
        self.max_amount = max_amount
        self.desc_limit = desc_limit
        self.customer_pin = customer_pin
        self.local_callbacks = local_callbacks
        self._default = Decision(default)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._sender = CallbackSender(self._wake, self._stopping, callback_timeout)
        self._plan = CallbackPlan()
        self._push_plans: dict[str, CallbackPlan] = {}
        self._tokens: dict[str, tuple[str, float]] = {}  # token → (consumer key, expiry)
        self._issued: list[str] = []
        self._pushes: dict[str, _Push] = {}
        self._failures: list[_Failure] = []
        self._delays: dict[str | None, float] = {}
        self._windows: dict[str, deque[float]] = {}
        self._counts: Counter[str] = Counter()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> MpesaSandbox:
        """Bind and serve in daemon threads; returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((self.host, self._port), Handler)
        server.daemon_threads = True
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="mpesa-sandbox-http",
                daemon=True,
            ),
            threading.Thread(target=self._deadline_loop, name="mpesa-sandbox-clock", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info("M-Pesa sandbox listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and wait (briefly) for callback threads."""
        server, self._server = self._server, None
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        if server is not None:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=2.0)
        self._sender.join(timeout=2.0)
        self._threads = []

    def __enter__(self) -> MpesaSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the M-Pesa sandbox is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- control (Python API) ----------------------------------------------------------
    def set_default(self, decision: Decision | str) -> None:
        """What the customer does with prompts that arrive from now on."""
        with self._lock:
            self._default = Decision(decision)

    def decide(
        self, checkout_request_id: str, decision: Decision | str, pin: str | None = None
    ) -> None:
        """Answer one waiting prompt. ``KeyError`` if unknown, ``ValueError`` if final."""
        choice = Decision(decision)
        with self._wake:
            push = self._pushes.get(checkout_request_id)
            if push is None:
                raise KeyError(f"no STK push {checkout_request_id!r}")
            if push.result_code is not None:
                raise ValueError(f"STK push {checkout_request_id} already answered")
            push.decision = choice
            if choice is Decision.APPROVE and pin is not None and pin != self.customer_pin:
                self._finalize(push, "2001")
            elif choice in _IMMEDIATE:
                self._finalize(push, _IMMEDIATE[choice])
            elif choice is Decision.SLOW:
                push.deadline, push.deadline_code = time.monotonic() + self.slow_delay, "0"
            else:  # WAIT / NO_ANSWER: the prompt times out unless decided again
                push.deadline, push.deadline_code = time.monotonic() + self.prompt_timeout, "1037"
            self._wake.notify_all()

    def set_callback_mode(
        self,
        mode: CallbackMode | str,
        *,
        delay: float = 0.0,
        copies: int = 2,
        checkout_request_id: str | None = None,
    ) -> CallbackPlan:
        """How callbacks are sent from now on: ``prompt``, ``delay`` (``delay`` seconds
        late), ``duplicate`` (``copies`` times, ``delay`` apart) or ``drop`` (never).

        With ``checkout_request_id`` only that push's callback follows the plan (the push
        must not be final yet: ``KeyError`` if unknown, ``ValueError`` if final)."""
        plan = CallbackPlan(CallbackMode(mode), delay, copies)
        with self._lock:
            if checkout_request_id is None:
                self._plan = plan
                return plan
            push = self._pushes.get(checkout_request_id)
            if push is None:
                raise KeyError(f"no STK push {checkout_request_id!r}")
            if push.result_code is not None:
                raise ValueError(f"STK push {checkout_request_id} already answered")
            self._push_plans[checkout_request_id] = plan
            return plan

    def callback_mode(self, checkout_request_id: str | None = None) -> CallbackPlan:
        """The plan the next callback (of ``checkout_request_id``, or any) will follow."""
        with self._lock:
            if checkout_request_id is not None and checkout_request_id in self._push_plans:
                return self._push_plans[checkout_request_id]
            return self._plan

    def pending(self) -> list[PendingPush]:
        """Prompts still waiting for the customer, oldest first."""
        with self._lock:
            self._expire_due()
            return [p.info for p in self._pushes.values() if p.result_code is None]

    def result(self, checkout_request_id: str) -> tuple[str, str] | None:
        """``(ResultCode, ResultDesc)`` of a push once final, else None (for tests/UI)."""
        with self._lock:
            self._expire_due()
            push = self._pushes.get(checkout_request_id)
            if push is None or push.result_code is None:
                return None
            return push.result_code, push.result_desc

    @property
    def callbacks_sent(self) -> list[CallbackRecord]:
        """Every callback sent, tried, or dropped so far, in that order."""
        with self._lock:
            return list(self._sender.records)

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[CallbackRecord]:
        """Block until ``count`` callbacks were recorded (or ``timeout``); returns them."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while len(self._sender.records) < count and time.monotonic() < deadline:
                self._wake.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self._sender.records)

    def fail_next(
        self,
        status: int = 503,
        count: int = 1,
        *,
        endpoint: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Make the next ``count`` API calls (to ``endpoint``, or any) answer ``status``."""
        if endpoint is not None and endpoint not in _ENDPOINTS.values():
            raise ValueError(f"endpoint must be one of {sorted(_ENDPOINTS.values())}")
        with self._lock:
            self._failures.append(_Failure(status, count, endpoint, after_processing))

    def set_delay(self, seconds: float, endpoint: str | None = None) -> None:
        """Wait ``seconds`` before answering calls to ``endpoint`` (or any): slow network."""
        with self._lock:
            self._delays[endpoint] = seconds

    def expire_tokens(self) -> int:
        """Invalidate every issued token (as if they all reached ``expires_in``)."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    def request_count(self, endpoint: str) -> int:
        """API calls received so far on ``endpoint`` ("oauth", "stkpush", "stkquery")."""
        with self._lock:
            return self._counts[endpoint]

    @property
    def tokens_issued(self) -> list[str]:
        with self._lock:
            return list(self._issued)

    # -- deadlines and results ---------------------------------------------------------
    def _deadline_loop(self) -> None:
        with self._wake:
            while not self._stopping.is_set():
                self._expire_due()
                deadlines = [
                    p.deadline
                    for p in self._pushes.values()
                    if p.result_code is None and p.deadline is not None
                ]
                timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
                self._wake.wait(timeout=timeout)

    def _expire_due(self) -> None:
        now = time.monotonic()
        for push in self._pushes.values():
            if push.result_code is None and push.deadline is not None and push.deadline <= now:
                self._finalize(push, push.deadline_code)

    def _finalize(self, push: _Push, code: str) -> None:
        """Make a push final and send its callback as planned (lock held)."""
        push.result_code = code
        push.result_desc = RESULT_DESC.get(code, "The transaction failed.")
        push.deadline = None
        if code == "0":
            push.receipt = "S" + "".join(
                secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(9)
            )
            push.transaction_date = now_timestamp(datetime.now(UTC))
        body = callback_body(
            merchant_request_id=push.info.merchant_request_id,
            checkout_request_id=push.info.checkout_request_id,
            result_code=code,
            result_desc=push.result_desc,
            amount=push.info.amount,
            receipt=push.receipt,
            transaction_date=push.transaction_date,
            phone=push.info.phone,
        )
        checkout = push.info.checkout_request_id
        plan = self._push_plans.pop(checkout, self._plan)
        self._sender.send(checkout, push.callback_url, body, plan)
        self._wake.notify_all()

    # -- request handling (called from handler threads) ---------------------------------
    def _pre(self, endpoint: str) -> _Failure | None:
        """Count, delay, rate-limit bookkeeping and injected failures for an API call."""
        with self._lock:
            self._counts[endpoint] += 1
            delay = self._delays.get(endpoint, self._delays.get(None, 0.0))
        if delay > 0:
            self._stopping.wait(delay)
        with self._lock:
            for failure in self._failures:
                if failure.remaining > 0 and failure.endpoint in (None, endpoint):
                    failure.remaining -= 1
                    self._failures = [f for f in self._failures if f.remaining > 0]
                    if not failure.after_processing:
                        raise failure_reply(failure.status)
                    return failure
        return None

    def _rate_check(self, client: str) -> None:
        if self.rate_limit is None:
            return
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(client, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                raise envelope(500, "500.003.02", "Spike Arrest Violation")
            window.append(now)

    def handle_api(self, path: str, method: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        """One Daraja call → its reply (never raises)."""
        split = urlsplit(path)
        endpoint = _ENDPOINTS.get(split.path)
        if endpoint is None:
            return envelope(404, "404.003.01", "Resource not found")
        try:
            injected = self._pre(endpoint)
            if endpoint == "oauth":
                if method != "GET":
                    raise envelope(404, "404.001.04", "Invalid Authentication Header")
                reply = self._oauth(split.query, headers)
            else:
                if method != "POST":
                    raise envelope(404, "404.001.04", "Invalid Authentication Header")
                consumer = self._bearer(headers)
                self._rate_check(consumer)
                body = json_body(raw)
                reply = self._push(body) if endpoint == "stkpush" else self._query(body)
        except Reply as early:
            return early
        if injected is not None:
            return failure_reply(injected.status)
        return reply

    def _oauth(self, query: str, headers: Mapping[str, str]) -> Reply:
        auth = headers.get("Authorization", "")
        scheme, _, encoded = auth.partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise envelope(400, "400.008.01", "Invalid Authentication passed")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise envelope(400, "400.008.01", "Invalid Authentication passed") from None
        user, _, password = decoded.partition(":")
        self._rate_check(user or "anonymous")
        grant = parse_qs(query).get("grant_type", [""])[0]
        if grant != "client_credentials":
            raise envelope(400, "400.008.02", "Invalid grant type passed")
        if not (
            secrets.compare_digest(user, self.consumer_key)
            and secrets.compare_digest(password, self.consumer_secret)
        ):
            raise envelope(400, "400.008.01", "Invalid Authentication passed")
        token = "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(28)
        )
        with self._lock:
            self._tokens[token] = (user, time.monotonic() + self.token_ttl)
            self._issued.append(token)
        return Reply(200, {"access_token": token, "expires_in": str(self.token_ttl)})

    def _bearer(self, headers: Mapping[str, str]) -> str:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        with self._lock:
            entry = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if entry is None or entry[1] <= time.monotonic():
                raise envelope(404, "404.001.03", "Invalid Access Token")
            return entry[0]

    def _merchant_check(self, given: Credentials) -> None:
        if given.shortcode != self.shortcode:
            raise envelope(500, "500.001.1001", "Merchant does not exist")
        expected = password_for(self.shortcode, self.passkey, given.timestamp)
        if not secrets.compare_digest(given.password.encode(), expected.encode()):
            raise envelope(500, "500.001.1001", "[MerchantValidate] - Wrong credentials")

    def _push(self, body: Mapping[str, Any]) -> Reply:
        push = read_push(body, max_amount=self.max_amount, local_callbacks=self.local_callbacks)
        self._merchant_check(push.credentials)
        return self._create_push(push)

    def _create_push(self, body: PushBody) -> Reply:
        amount, phone, party_b, desc = body.amount, body.phone, body.party_b, body.description
        now = datetime.now(UTC)
        with self._wake:
            while True:
                checkout = (
                    "ws_CO_"
                    + now.astimezone(NAIROBI).strftime("%d%m%Y%H%M%S")
                    + f"{secrets.randbelow(10**6):06d}"
                )
                if checkout not in self._pushes:
                    break
            merchant = merchant_request_id()
            info = PendingPush(
                checkout, merchant, amount, phone, self.shop_name, body.reference, desc, now
            )
            self._expire_due()
            busy = any(
                p.result_code is None and p.info.phone == phone for p in self._pushes.values()
            )
            decision = self._default
            push = _Push(info, body.callback_url, party_b, decision, None, "1037")
            self._pushes[checkout] = push
            if body.kind == "CustomerBuyGoodsOnline" and party_b not in self.tills:
                self._finalize(push, "SFC_IC0003")
            elif len(desc) > self.desc_limit:
                self._finalize(push, "1025")
            elif busy:  # one prompt at a time per phone: the open one is left as it is
                self._finalize(push, "1001")
            elif decision in _IMMEDIATE:
                self._finalize(push, _IMMEDIATE[decision])
            elif decision is Decision.SLOW:
                push.deadline, push.deadline_code = time.monotonic() + self.slow_delay, "0"
            else:  # WAIT or NO_ANSWER: time out unless someone decides first
                push.deadline = time.monotonic() + self.prompt_timeout
            self._wake.notify_all()
        return Reply(
            200,
            {
                "MerchantRequestID": merchant,
                "CheckoutRequestID": checkout,
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing",
            },
        )

    def _query(self, body: Mapping[str, Any]) -> Reply:
        credentials = read_credentials(body)
        checkout = body.get("CheckoutRequestID")
        if not isinstance(checkout, str) or not checkout:
            raise invalid("CheckoutRequestID")  # GUESS, as for an unknown one
        self._merchant_check(credentials)
        with self._lock:
            self._expire_due()
            push = self._pushes.get(checkout)
            if push is None:
                raise invalid("CheckoutRequestID")
            if push.result_code is None:
                raise envelope(500, "500.001.1001", "The transaction is being processed")
            return Reply(
                200,
                {
                    "ResponseCode": "0",
                    "ResponseDescription": "The service request has been accepted successsfully",
                    "MerchantRequestID": push.info.merchant_request_id,
                    "CheckoutRequestID": checkout,
                    "ResultCode": push.result_code,
                    "ResultDesc": push.result_desc,
                },
            )

    # -- control over HTTP -------------------------------------------------------------
    def handle_control(self, path: str, method: str, raw: bytes) -> Reply:
        """``/__sandbox__/…`` → reply (the HTTP face of the Python control API)."""
        return handle_control(self, path, method, raw)

    def statement_csv(self, *, holder: str = "Kaunta Demo Duka") -> str:
        """Completed pushes as the org portal's statement CSV (see :mod:`.statement`)."""
        from pos.payments.mpesa.sandbox.statement import sandbox_statement

        with self._lock:
            done = [
                (p.info, p.receipt, p.transaction_date)
                for p in self._pushes.values()
                if p.result_code == "0"
            ]
        return sandbox_statement(done, shortcode=self.shortcode, holder=holder)

    def request_counts(self) -> dict[str, int]:
        """API calls received so far, per endpoint."""
        with self._lock:
            return dict(self._counts)
