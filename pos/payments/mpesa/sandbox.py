"""A local Daraja (M-Pesa Express) simulator for training mode, tests and integrators.

It answers like Safaricom's API as documented in ``gateways.md`` section A, over plain
HTTP on 127.0.0.1 (``port=0`` picks a free port), and plays the customer's phone through a
scriptable "customer". Run one with ``with MpesaSandbox() as sandbox: sandbox.base_url``
or from the command line through :func:`serve`.

Daraja API (same paths, shapes and error envelopes as the real one):

``GET  /oauth/v1/generate?grant_type=client_credentials``
    Basic auth with the consumer key/secret → ``{"access_token", "expires_in": "3599"}``
    (``expires_in`` is a string, as on the wire; the lifetime is ``token_ttl``). Missing
    or wrong credentials → 400 ``400.008.01``; another grant type → 400 ``400.008.02``.
``POST /mpesa/stkpush/v1/processrequest``
    Bearer token (missing/expired → 404 ``404.001.03`` "Invalid Access Token"). Every field
    is validated → 400 ``400.002.02`` "Bad Request - Invalid <Field>"; a wrong Password →
    500 ``500.001.1001`` "[MerchantValidate] - Wrong credentials"; an unknown shortcode →
    500 ``500.001.1001`` "Merchant does not exist". Success → the reference body
    (MerchantRequestID, CheckoutRequestID "ws_CO_…", ResponseCode "0", …).
``POST /mpesa/stkpushquery/v1/query``
    Pending → HTTP 500 ``500.001.1001`` "The transaction is being processed"; final →
    ResponseCode "0" with ResultCode as a *string* and Daraja's own typo "successsfully".
Callbacks
    When a push becomes final, the reference callback JSON is POSTed (from a background
    thread) to its CallBackURL: ResultCode as a number (the string ``"SFC_IC0003"`` for an
    unknown till), CallbackMetadata (Amount, MpesaReceiptNumber, Balance without a value,
    TransactionDate and PhoneNumber as numbers) on success only. Hosts under the reserved
    ``.invalid`` domain are not contacted (recorded as undelivered).
Rate limiting
    ``rate_limit`` requests per rolling second per client (consumer key, or token owner)
    → 500 ``500.003.02`` "Spike Arrest Violation".

The customer (Python API on :class:`MpesaSandbox`, and the same over HTTP):

========================================  ============================================
``POST /__sandbox__/customer``            ``{"checkout_request_id": "ws_CO_…",
                                          "decision": "approve", "pin": "1234"}`` answers
                                          one prompt (a wrong ``pin`` with "approve" is
                                          ResultCode 2001); ``{"default": "approve"}`` sets
                                          what happens to new prompts.
``GET  /__sandbox__/pending``             ``{"pending": [PendingPush…]}``: prompts waiting.
``POST /__sandbox__/fail-next``           ``{"status": 503, "count": 2, "endpoint":
                                          "stkquery", "after_processing": false}``: the
                                          next API calls answer that status (endpoint one
                                          of ``oauth``, ``stkpush``, ``stkquery``; omitted
                                          = any). ``after_processing`` = the call is done
                                          but its answer is replaced (a "lost answer").
``POST /__sandbox__/expire-tokens``       every issued token becomes invalid.
``GET  /__sandbox__/callbacks``           ``{"callbacks": [CallbackRecord…]}`` delivered
                                          (or failed) so far.
``GET  /__sandbox__/stats``               ``{"requests": {"oauth": n, …}}``.
========================================  ============================================

Decisions: ``wait`` (the default: the prompt waits for a decision, then times out),
``approve`` (ResultCode 0), ``cancel`` (1032), ``wrong_pin`` (2001), ``insufficient`` (1),
``no_answer`` (1037 after ``prompt_timeout`` seconds), ``slow`` (approve after
``slow_delay`` seconds). A TransactionDesc longer than ``desc_limit`` ends in 1025, and a
BuyGoods push to a till the sandbox does not know ends in ``"SFC_IC0003"``, as reported in
the wild.

Where the real API's behaviour is not documented the sandbox makes a choice and says so
(GUESS): OAuth errors for wrong credentials, the maximum amount (``max_amount``), an
unknown CheckoutRequestID on query (400.002.02 "Invalid CheckoutRequestID"), a PartyB
different from the shortcode in paybill mode (400.002.02 "Invalid PartyB") and an
unreadable body (400.002.05 "Invalid Payload").
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pos.payments.mpesa.client import NAIROBI, daraja_timestamp, stk_password

__all__ = [
    "DEMO_CONSUMER_KEY",
    "DEMO_CONSUMER_SECRET",
    "DEMO_PASSKEY",
    "DEMO_PHONE",
    "DEMO_PIN",
    "DEMO_SHORTCODE",
    "DEMO_TILL",
    "CallbackRecord",
    "Decision",
    "MpesaSandbox",
    "PendingPush",
    "serve",
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
CONTROL_PREFIX = "/__sandbox__/"

_ENDPOINTS = {OAUTH_PATH: "oauth", PUSH_PATH: "stkpush", QUERY_PATH: "stkquery"}


class Decision(StrEnum):
    """What the simulated customer does with a prompt."""

    WAIT = "wait"  # nothing yet: wait for decide(), then time out (1037)
    APPROVE = "approve"  # 0
    CANCEL = "cancel"  # 1032
    WRONG_PIN = "wrong_pin"  # 2001
    INSUFFICIENT = "insufficient"  # 1
    NO_ANSWER = "no_answer"  # 1037 after prompt_timeout
    SLOW = "slow"  # approve after slow_delay


#: ResultDesc texts as Daraja sends them (gateways.md A5); 1025's text is a GUESS.
RESULT_DESC: Mapping[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction.",
    "1032": "Request cancelled by user",
    "1037": "DS timeout user cannot be reached",
    "2001": "The initiator information is invalid.",
    "1025": "An error occurred while sending a push request",
    "SFC_IC0003": "The operator does not exist.",
}

_IMMEDIATE = {
    Decision.APPROVE: "0",
    Decision.CANCEL: "1032",
    Decision.WRONG_PIN: "2001",
    Decision.INSUFFICIENT: "1",
}

_MSISDN = re.compile(r"^254[17]\d{8}$")
_SHORTCODE = re.compile(r"^\d{5,7}$")
_TIMESTAMP = re.compile(r"^\d{14}$")


@dataclass(frozen=True, slots=True)
class PendingPush:
    """A prompt on the simulated customer's phone, waiting for an answer."""

    checkout_request_id: str
    merchant_request_id: str
    amount: int  # whole shillings
    phone: str
    shop_name: str
    account_reference: str
    description: str
    created: datetime  # UTC

    @property
    def prompt(self) -> str:
        """Roughly what the phone shows."""
        return (
            f"Do you want to pay Ksh{self.amount:,}.00 to {self.shop_name} "
            f"(account {self.account_reference})? Enter M-PESA PIN:"
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["prompt"] = self.prompt
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingPush:
        return cls(
            checkout_request_id=str(data["checkout_request_id"]),
            merchant_request_id=str(data["merchant_request_id"]),
            amount=int(data["amount"]),
            phone=str(data["phone"]),
            shop_name=str(data["shop_name"]),
            account_reference=str(data["account_reference"]),
            description=str(data["description"]),
            created=datetime.fromisoformat(str(data["created"])),
        )


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """One callback the sandbox POSTed (or tried to)."""

    checkout_request_id: str
    url: str
    body: str  # the exact JSON text sent
    status: int | None  # the receiver's HTTP status; None if it could not be reached
    error: str
    sent_at: datetime

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "checkout_request_id": self.checkout_request_id,
            "url": self.url,
            "body": json.loads(self.body),
            "status": self.status,
            "error": self.error,
            "sent_at": self.sent_at.isoformat(),
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


class _Reply(Exception):
    """Raised inside request handling to answer at once with ``status`` and ``body``."""

    def __init__(self, status: int, body: Mapping[str, Any] | str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _envelope(status: int, code: str, message: str) -> _Reply:
    request_id = f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(9 * 10**7) + 10**7}-1"
    return _Reply(status, {"requestId": request_id, "errorCode": code, "errorMessage": message})


def _invalid(field: str) -> _Reply:
    return _envelope(400, "400.002.02", f"Bad Request - Invalid {field}")


def _digits(value: object) -> str | None:
    """A JSON number or string of digits → the digits (both appear in the wild)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return value.strip()
    return None


def _amount(value: object) -> int | None:
    """Whole shillings as a JSON integer, an integral float or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    digits = _digits(value)
    return int(digits) if digits is not None else None


class MpesaSandbox:
    """The simulator: an HTTP server thread, a deadline thread and callback threads."""

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
        self.callback_timeout = callback_timeout
        self._default = Decision(default)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._tokens: dict[str, tuple[str, float]] = {}  # token → (consumer key, expiry)
        self._issued: list[str] = []
        self._pushes: dict[str, _Push] = {}
        self._failures: list[_Failure] = []
        self._delays: dict[str | None, float] = {}
        self._windows: dict[str, deque[float]] = {}
        self._counts: Counter[str] = Counter()
        self._callbacks: list[CallbackRecord] = []
        self._callback_threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> MpesaSandbox:
        """Bind and serve in daemon threads; returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((self.host, self._port), _Handler)
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
        for thread in [*self._threads, *self._callback_threads]:
            thread.join(timeout=2.0)
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
        with self._lock:
            return list(self._callbacks)

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[CallbackRecord]:
        """Block until ``count`` callbacks were attempted (or ``timeout``); returns them."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while len(self._callbacks) < count and time.monotonic() < deadline:
                self._wake.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self._callbacks)

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
        """Make a push final and send its callback (lock held)."""
        push.result_code = code
        push.result_desc = RESULT_DESC.get(code, "The transaction failed.")
        push.deadline = None
        if code == "0":
            push.receipt = "S" + "".join(
                secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(9)
            )
            push.transaction_date = daraja_timestamp(datetime.now(UTC))
        body = _callback_body(push)
        thread = threading.Thread(
            target=self._deliver,
            args=(push.info.checkout_request_id, push.callback_url, body),
            name="mpesa-sandbox-callback",
            daemon=True,
        )
        self._callback_threads = [t for t in self._callback_threads if t.is_alive()]
        self._callback_threads.append(thread)
        thread.start()
        self._wake.notify_all()

    def _deliver(self, checkout_request_id: str, url: str, body: str) -> None:
        status: int | None = None
        error = ""
        host = urlsplit(url).hostname or ""
        if host == "invalid" or host.endswith(".invalid"):
            error = "not delivered: .invalid hosts never resolve"
        else:
            request = urllib.request.Request(
                url,
                data=body.encode("utf-8"),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            # A receiver on this machine is reached directly, whatever *_proxy says.
            opener = (
                urllib.request.build_opener(urllib.request.ProxyHandler({}))
                if _is_loopback(host)
                else urllib.request.build_opener()
            )
            try:
                with opener.open(request, timeout=self.callback_timeout) as answer:
                    status = int(answer.status)
            except urllib.error.HTTPError as exc:
                status = exc.code
                error = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
        record = CallbackRecord(checkout_request_id, url, body, status, error, datetime.now(UTC))
        with self._wake:
            self._callbacks.append(record)
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
                        raise _failure_reply(failure.status)
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
                raise _envelope(500, "500.003.02", "Spike Arrest Violation")
            window.append(now)

    def handle_api(self, path: str, method: str, headers: Mapping[str, str], raw: bytes) -> _Reply:
        """One Daraja call → its reply (never raises)."""
        split = urlsplit(path)
        endpoint = _ENDPOINTS.get(split.path)
        if endpoint is None:
            return _envelope(404, "404.003.01", "Resource not found")
        try:
            injected = self._pre(endpoint)
            if endpoint == "oauth":
                if method != "GET":
                    raise _envelope(404, "404.001.04", "Invalid Authentication Header")
                reply = self._oauth(split.query, headers)
            else:
                if method != "POST":
                    raise _envelope(404, "404.001.04", "Invalid Authentication Header")
                consumer = self._bearer(headers)
                self._rate_check(consumer)
                body = _json_body(raw)
                reply = self._push(body) if endpoint == "stkpush" else self._query(body)
        except _Reply as early:
            return early
        if injected is not None:
            return _failure_reply(injected.status)
        return reply

    def _oauth(self, query: str, headers: Mapping[str, str]) -> _Reply:
        auth = headers.get("Authorization", "")
        scheme, _, encoded = auth.partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise _envelope(400, "400.008.01", "Invalid Authentication passed")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _envelope(400, "400.008.01", "Invalid Authentication passed") from None
        user, _, password = decoded.partition(":")
        self._rate_check(user or "anonymous")
        grant = parse_qs(query).get("grant_type", [""])[0]
        if grant != "client_credentials":
            raise _envelope(400, "400.008.02", "Invalid grant type passed")
        if not (
            secrets.compare_digest(user, self.consumer_key)
            and secrets.compare_digest(password, self.consumer_secret)
        ):
            raise _envelope(400, "400.008.01", "Invalid Authentication passed")
        token = "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(28)
        )
        with self._lock:
            self._tokens[token] = (user, time.monotonic() + self.token_ttl)
            self._issued.append(token)
        return _Reply(200, {"access_token": token, "expires_in": str(self.token_ttl)})

    def _bearer(self, headers: Mapping[str, str]) -> str:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        with self._lock:
            entry = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if entry is None or entry[1] <= time.monotonic():
                raise _envelope(404, "404.001.03", "Invalid Access Token")
            return entry[0]

    def _merchant_check(self, shortcode: str, password: str, timestamp: str) -> None:
        if shortcode != self.shortcode:
            raise _envelope(500, "500.001.1001", "Merchant does not exist")
        expected = stk_password(self.shortcode, self.passkey, timestamp)
        if not secrets.compare_digest(password, expected):
            raise _envelope(500, "500.001.1001", "[MerchantValidate] - Wrong credentials")

    @staticmethod
    def _common(body: Mapping[str, Any]) -> tuple[str, str, str]:
        shortcode = _digits(body.get("BusinessShortCode"))
        if shortcode is None or not _SHORTCODE.match(shortcode):
            raise _invalid("BusinessShortCode")
        password = body.get("Password")
        if not isinstance(password, str) or not password:
            raise _invalid("Password")
        try:
            base64.b64decode(password, validate=True)
        except binascii.Error:
            raise _invalid("Password") from None
        timestamp = _digits(body.get("Timestamp"))
        if timestamp is None or not _TIMESTAMP.match(timestamp):
            raise _invalid("Timestamp")
        try:
            datetime.strptime(timestamp, "%Y%m%d%H%M%S")
        except ValueError:
            raise _invalid("Timestamp") from None
        return shortcode, password, timestamp

    def _push(self, body: Mapping[str, Any]) -> _Reply:
        shortcode, password, timestamp = self._common(body)
        kind = body.get("TransactionType")
        if kind not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
            raise _invalid("TransactionType")
        amount = _amount(body.get("Amount"))
        if amount is None or amount < 1 or amount > self.max_amount:
            raise _invalid("Amount")
        party_a = _digits(body.get("PartyA"))
        if party_a is None or not _MSISDN.match(party_a):
            raise _invalid("PartyA")
        party_b = _digits(body.get("PartyB"))
        if party_b is None or not _SHORTCODE.match(party_b):
            raise _invalid("PartyB")
        if kind == "CustomerPayBillOnline" and party_b != shortcode:
            raise _invalid("PartyB")
        phone = _digits(body.get("PhoneNumber"))
        if phone is None or not _MSISDN.match(phone):
            raise _invalid("PhoneNumber")
        callback = body.get("CallBackURL")
        parts = urlsplit(callback) if isinstance(callback, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise _invalid("CallBackURL")
        reference = body.get("AccountReference")
        if not isinstance(reference, str) or not 1 <= len(reference) <= 12:
            raise _invalid("AccountReference")
        desc = body.get("TransactionDesc")
        if not isinstance(desc, str) or not desc:
            raise _invalid("TransactionDesc")
        self._merchant_check(shortcode, password, timestamp)
        assert isinstance(callback, str)
        return self._create_push(amount, phone, party_b, kind, callback, reference, desc)

    def _create_push(
        self,
        amount: int,
        phone: str,
        party_b: str,
        kind: str,
        callback: str,
        reference: str,
        desc: str,
    ) -> _Reply:
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
            merchant = (
                f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(9 * 10**7) + 10**7}-1"
            )
            info = PendingPush(
                checkout, merchant, amount, phone, self.shop_name, reference, desc, now
            )
            decision = self._default
            push = _Push(info, callback, party_b, decision, None, "1037")
            self._pushes[checkout] = push
            if kind == "CustomerBuyGoodsOnline" and party_b not in self.tills:
                self._finalize(push, "SFC_IC0003")
            elif len(desc) > self.desc_limit:
                self._finalize(push, "1025")
            elif decision in _IMMEDIATE:
                self._finalize(push, _IMMEDIATE[decision])
            elif decision is Decision.SLOW:
                push.deadline, push.deadline_code = time.monotonic() + self.slow_delay, "0"
            else:  # WAIT or NO_ANSWER: time out unless someone decides first
                push.deadline = time.monotonic() + self.prompt_timeout
            self._wake.notify_all()
        return _Reply(
            200,
            {
                "MerchantRequestID": merchant,
                "CheckoutRequestID": checkout,
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing",
            },
        )

    def _query(self, body: Mapping[str, Any]) -> _Reply:
        shortcode, password, timestamp = self._common(body)
        checkout = body.get("CheckoutRequestID")
        if not isinstance(checkout, str) or not checkout:
            raise _invalid("CheckoutRequestID")
        self._merchant_check(shortcode, password, timestamp)
        with self._lock:
            self._expire_due()
            push = self._pushes.get(checkout)
            if push is None:
                raise _invalid("CheckoutRequestID")
            if push.result_code is None:
                raise _envelope(500, "500.001.1001", "The transaction is being processed")
            return _Reply(
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
    def handle_control(self, path: str, method: str, raw: bytes) -> _Reply:
        """``/__sandbox__/…`` → reply (the HTTP face of the Python control API)."""
        name = urlsplit(path).path[len(CONTROL_PREFIX) :].strip("/")
        try:
            body: Mapping[str, Any] = _json_body(raw) if method == "POST" and raw else {}
        except _Reply:
            return _Reply(400, {"error": "body must be a JSON object"})
        try:
            if (name, method) == ("pending", "GET"):
                return _Reply(200, {"pending": [p.to_json() for p in self.pending()]})
            if (name, method) == ("callbacks", "GET"):
                return _Reply(200, {"callbacks": [c.to_json() for c in self.callbacks_sent]})
            if (name, method) == ("stats", "GET"):
                with self._lock:
                    return _Reply(200, {"requests": dict(self._counts)})
            if (name, method) == ("expire-tokens", "POST"):
                return _Reply(200, {"expired": self.expire_tokens()})
            if (name, method) == ("fail-next", "POST"):
                self.fail_next(
                    int(body.get("status", 503)),
                    int(body.get("count", 1)),
                    endpoint=body.get("endpoint"),
                    after_processing=bool(body.get("after_processing", False)),
                )
                return _Reply(200, {"ok": True})
            if (name, method) == ("customer", "POST"):
                if "default" in body:
                    self.set_default(str(body["default"]))
                    return _Reply(200, {"ok": True, "default": str(body["default"])})
                pin = body.get("pin")
                self.decide(
                    str(body.get("checkout_request_id", "")),
                    str(body.get("decision", "")),
                    pin=None if pin is None else str(pin),
                )
                return _Reply(200, {"ok": True})
        except KeyError as exc:
            return _Reply(404, {"error": str(exc.args[0]) if exc.args else "not found"})
        except (ValueError, TypeError) as exc:
            return _Reply(409 if "already" in str(exc) else 400, {"error": str(exc)})
        return _Reply(404, {"error": f"no sandbox control {method} {CONTROL_PREFIX}{name}"})


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _failure_reply(status: int) -> _Reply:
    if status == 500:
        return _envelope(500, "500.003.1001", "Internal Server Error")
    reasons = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    reason = reasons.get(status, "Error")
    return _Reply(status, f"<html><body><h1>{status} {reason}</h1></body></html>")


def _json_body(raw: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _envelope(400, "400.002.05", "Invalid Payload") from None
    if not isinstance(data, dict):
        raise _envelope(400, "400.002.05", "Invalid Payload")
    return data


_AMOUNT_MARK = "__kaunta_amount__"


def _callback_body(push: _Push) -> str:
    """The callback JSON text exactly as Daraja shapes it (gateways.md A6)."""
    result = push.result_code or ""
    code: int | str = int(result) if result.isdigit() else result  # "SFC_IC0003" stays text
    callback: dict[str, Any] = {
        "MerchantRequestID": push.info.merchant_request_id,
        "CheckoutRequestID": push.info.checkout_request_id,
        "ResultCode": code,
        "ResultDesc": push.result_desc,
    }
    if push.result_code == "0":
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": _AMOUNT_MARK},
                {"Name": "MpesaReceiptNumber", "Value": push.receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(push.transaction_date)},
                {"Name": "PhoneNumber", "Value": int(push.info.phone)},
            ]
        }
    text = json.dumps({"Body": {"stkCallback": callback}})
    # Daraja writes the amount as 1.00 (two decimals), which json.dumps cannot produce.
    return text.replace(f'"{_AMOUNT_MARK}"', f"{push.info.amount}.00")


class _Handler(BaseHTTPRequestHandler):
    server_version = "MpesaSandbox/1.0"

    def _sandbox(self) -> MpesaSandbox:
        sandbox: MpesaSandbox = self.server.sandbox  # type: ignore[attr-defined]
        return sandbox

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        raw = self._body()
        sandbox = self._sandbox()
        if self.path.startswith(CONTROL_PREFIX):
            reply = sandbox.handle_control(self.path, method, raw)
        else:
            headers = {k: v for k, v in self.headers.items()}
            reply = sandbox.handle_api(self.path, method, headers, raw)
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        if isinstance(reply.body, str):
            payload, kind = reply.body.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(reply.body).encode("utf-8"), "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (read timeout): nothing to answer to
            log.debug("M-Pesa sandbox: client left before the answer to %s", self.path)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("M-Pesa sandbox: " + format, *args)


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Run a sandbox until Ctrl+C, printing its URL and demo credentials."""
    sandbox = MpesaSandbox(host=host, port=port)
    sandbox.start()
    print(f"M-Pesa sandbox running at {sandbox.base_url}")
    print(f"  consumer key:    {DEMO_CONSUMER_KEY}")
    print(f"  consumer secret: {DEMO_CONSUMER_SECRET}")
    print(f"  shortcode:       {DEMO_SHORTCODE} (paybill)   demo till: {DEMO_TILL}")
    print(f"  passkey:         {DEMO_PASSKEY}")
    print(f"  test phone:      {DEMO_PHONE}   customer PIN: {DEMO_PIN}")
    print(f"  customer control: {sandbox.base_url}{CONTROL_PREFIX}pending, …/customer")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        _block_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _block_forever() -> None:
    """Sleep until interrupted (a seam so tests can stand in for Ctrl+C)."""
    while True:
        time.sleep(3600)
