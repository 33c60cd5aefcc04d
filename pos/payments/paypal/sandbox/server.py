"""The PayPal sandbox itself: state, clocks, the scripted customer, webhooks, dispatch.

See the package docstring (:mod:`pos.payments.paypal.sandbox`) for what it answers. The
API handlers live beside this module (:mod:`.orders`, :mod:`.patch`, :mod:`.payments`),
as do the approve page (:mod:`.page`) and the control paths (:mod:`.control`).
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

from pos.payments.paypal.sandbox.control import handle_control
from pos.payments.paypal.sandbox.errors import (
    ERROR_NAMES,
    KAUNTA_CAPTURE_MOCKS,
    ApiError,
    InvalidToken,
    debug_id,
    documented_status,
    json_response,
    oauth_error,
)
from pos.payments.paypal.sandbox.handler import Handler, Server
from pos.payments.paypal.sandbox.model import (
    AWAITING,
    OPEN,
    Capture,
    Decision,
    Failure,
    Order,
    RecordedRequest,
    Refund,
    Request,
    Response,
    SandboxError,
    WebhookRecord,
    new_id,
    new_payer_id,
)
from pos.payments.paypal.sandbox.orders import capture_order, create_order, get_order
from pos.payments.paypal.sandbox.page import checkout_page
from pos.payments.paypal.sandbox.patch import patch_order
from pos.payments.paypal.sandbox.payments import get_capture, get_refund, refund_capture
from pos.payments.paypal.sandbox.rules import money
from pos.payments.paypal.sandbox.signing import WebhookSigner
from pos.payments.paypal.sandbox.verify import verify_signature
from pos.payments.paypal.sandbox.views import approve_url, capture_json, order_json, refund_json

#: Credentials the sandbox accepts; training mode uses them. Not secrets. The sandbox
#: imports nothing of Kaunta's outside itself (tests/payments/test_sandbox_independence.py),
#: so ``pos.payments.paypal.training_defaults`` holds the same values for the method's
#: factory; tests/payments/paypal/test_paypal_sandbox.py holds the two copies equal.
DEMO_CLIENT_ID = "KauntaTrainingSandboxClientId"
DEMO_CLIENT_SECRET = "KauntaTrainingSandboxSecret-not-a-real-secret"
#: Where ``kaunta sandbox paypal`` listens, and training mode looks, by default.
DEFAULT_PORT = 8770
DEFAULT_HOST = "127.0.0.1"

__all__ = [
    "DEFAULT_APPROVAL_WINDOW",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_TOKEN_LIFETIME",
    "DEMO_APP_ID",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_WEBHOOK_ID",
    "IDEMPOTENCY_TTL",
    "PayPalSandbox",
    "iter_events",
]

log = logging.getLogger(__name__)

#: The webhook id the sandbox signs with (spec pattern ``^[a-zA-Z0-9]+$``).
DEMO_WEBHOOK_ID = "0KAUNTA0SANDBOX0WEBHOOK"
DEMO_APP_ID = "APP-80W284485P519543T"
#: PayPal's defaults: 3 h to approve and capture, tokens for 9 h, request ids kept 6 h.
DEFAULT_APPROVAL_WINDOW = 3 * 3600.0
DEFAULT_TOKEN_LIFETIME = 32400
IDEMPOTENCY_TTL = 6 * 3600.0


class PayPalSandbox:
    """PayPal's REST API on ``127.0.0.1``, with a scriptable customer. See the module doc."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        approval_window: float = DEFAULT_APPROVAL_WINDOW,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        webhook_id: str = DEMO_WEBHOOK_ID,
        webhook_urls: Sequence[str] = (),
        signer: WebhookSigner | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.approval_window = approval_window
        self.token_lifetime = token_lifetime
        self.webhook_id = webhook_id
        self.webhook_urls: list[str] = list(webhook_urls)
        self._signer = signer
        self.cert_id = f"CERT-{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
        self.merchant_id = new_payer_id()
        self._lock = threading.RLock()
        self._offset = 0.0
        self._tokens: dict[str, float] = {}
        self._orders: dict[str, Order] = {}
        self._captures: dict[str, Capture] = {}
        self._refunds: dict[str, Refund] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._failures: list[Failure] = []
        self._default: tuple[Decision, float] | None = None
        self._ipn_sent: set[bytes] = set()
        self.webhook_events: list[WebhookRecord] = []
        self.requests: list[RecordedRequest] = []
        #: Every access token handed out (tests check none of them ever reaches a log).
        self.issued_tokens: list[str] = []
        self._deliveries: queue.Queue[tuple[WebhookRecord, str] | None] = queue.Queue()
        self._undelivered = 0
        self._delivered = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> PayPalSandbox:
        """Listen (port 0 = any free port) and serve on daemon threads."""
        if self._server is not None:
            return self
        if self._signer is None:
            self._signer = WebhookSigner.generate()
        server = Server((self.host, self._requested_port), Handler)
        server.sandbox = self
        self._server = server
        serving = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns in 50 ms, not 500
            name="paypal-sandbox",
            daemon=True,
        )
        delivering = threading.Thread(
            target=self._deliver_loop, name="paypal-sandbox-webhooks", daemon=True
        )
        self._threads = [serving, delivering]
        for thread in self._threads:
            thread.start()
        log.info("PayPal sandbox listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and delivering; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._deliveries.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> PayPalSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Serving (between :meth:`start` and :meth:`stop`)."""
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def cert_url(self) -> str:
        return f"{self.base_url}/v1/notifications/certs/{self.cert_id}"

    @property
    def signer(self) -> WebhookSigner:
        if self._signer is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._signer

    # -- clocks -----------------------------------------------------------------------
    def _now(self) -> float:
        return time.monotonic() + self._offset

    def _wall(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def _stamp(self) -> str:
        return self._wall().strftime("%Y-%m-%dT%H:%M:%SZ")

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (order windows, token lifetimes)."""
        with self._lock:
            self._offset += seconds

    # -- the scriptable customer --------------------------------------------------------
    def set_default(self, decision: Decision | str | None, delay: float = 0.0) -> None:
        """What every customer does ``delay`` seconds after an order is created, unless
        told otherwise per order. ``None``: customers wait to be told (the default)."""
        with self._lock:
            self._default = None if decision is None else (Decision(decision), delay)

    def decide(
        self, order_id: str, decision: Decision | str, *, mock_application_codes: str = ""
    ) -> str:
        """The customer acts on ``order_id``; returns the order's status afterwards.

        ``approve`` approves; ``cancel`` is the approve page's Cancel: the order stays as
        it was (unapproved), as at PayPal, and the customer may still approve later;
        ``no_answer`` keeps the default customer away from this order.
        ``mock_application_codes`` is applied to that order's next capture, as if the
        capture call had carried it in ``PayPal-Mock-Response`` (an issue the spec
        documents for capture, or one of Kaunta's ``CAPTURE_*`` codes)."""
        chosen = Decision(decision)
        code = mock_application_codes
        known = not code or code in KAUNTA_CAPTURE_MOCKS
        if not known and documented_status("orders.capture", code) is None:
            raise SandboxError(f"{code} is not an error PayPal documents for capture", 400)
        with self._lock:
            order = self._orders.get(order_id)
            if order is None or order.expired:
                raise SandboxError(f"no open order {order_id!r}", 404)
            self._tick(order)
            if order.expired:
                raise SandboxError(f"order {order_id} has lapsed", 409)
            if code:
                order.mock = code
            if order.status not in AWAITING:
                if chosen is Decision.APPROVE and order.status == "APPROVED":
                    return order.status
                raise SandboxError(f"order {order_id} is {order.status}, not awaiting the customer")
            self._apply(order, chosen)
            return order.status

    def pending(self) -> list[dict[str, Any]]:
        """Orders still waiting for the customer, oldest first.

        An order whose buyer pressed Cancel is listed too, with ``buyer_cancelled`` true:
        at PayPal it stays approvable until it lapses (the buyer may scan again). The
        training phone (:class:`~.sandbox_control.SandboxCustomer`) leaves those out."""
        with self._lock:
            waiting = []
            for order in list(self._orders.values()):
                self._tick(order)
                if order.expired or order.status not in AWAITING:
                    continue
                waiting.append(
                    {
                        "id": order.id,
                        "status": order.status,
                        "amount": money(order.value, order.currency),
                        "description": order.description,
                        "brand_name": order.brand_name,
                        "approve_url": approve_url(self, order),
                        "create_time": order.create_time,
                        "seconds_left": max(
                            0.0, order.created_at + self.approval_window - self._now()
                        ),
                        "buyer_cancelled": order.buyer_cancelled,
                    }
                )
            return waiting

    def _apply(self, order: Order, decision: Decision) -> None:
        order.decision = decision
        if decision is Decision.APPROVE:
            order.buyer_cancelled = False
            payer_id = new_payer_id()
            order.payer = {
                "name": {"given_name": "Wanjiru", "surname": "Kamau"},
                "email_address": f"sb-{payer_id.lower()}@personal.example.com",
                "payer_id": payer_id,
                "address": {"country_code": "KE"},
            }
            order.status = "APPROVED"
            order.update_time = self._stamp()
            self._emit(
                "CHECKOUT.ORDER.APPROVED",
                "checkout-order",
                "An order has been approved by buyer",
                order_json(self, order, full=True),
            )
        elif decision is Decision.CANCEL:
            order.buyer_cancelled = True  # PayPal changes nothing: no status, no webhook

    def _tick(self, order: Order) -> None:
        """Let time act on ``order``: the default customer, then the approval window."""
        now = self._now()
        if (
            self._default is not None
            and order.decision is None
            and order.status in AWAITING
            and not order.expired
        ):
            decision, delay = self._default
            if now >= order.created_at + delay and decision is not Decision.NO_ANSWER:
                self._apply(order, decision)
        if (
            not order.expired
            and order.status in OPEN
            and now >= order.created_at + self.approval_window
        ):
            order.expired = True
            if order.status == "APPROVED":
                self._emit(
                    "CHECKOUT.PAYMENT-APPROVAL.REVERSED",
                    "checkout-order",
                    "A payment approval was reversed",
                    order_json(self, order, full=True),
                )

    # -- other test controls -----------------------------------------------------------
    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        delay: float = 0.0,
        after: bool = False,
        path: str = "/",
    ) -> None:
        """Make the next ``count`` API calls under ``path`` fail (see module doc)."""
        with self._lock:
            self._failures.append(Failure(count, status, delay, after, path))

    def expire_tokens(self) -> None:
        """Forget every issued token, as when PayPal's token cache drops them."""
        with self._lock:
            self._tokens.clear()

    def settle_capture(self, capture_id: str, status: str = "COMPLETED") -> None:
        """Finish a PENDING capture as COMPLETED or DECLINED (and send the webhook)."""
        if status not in ("COMPLETED", "DECLINED"):
            raise SandboxError("status must be COMPLETED or DECLINED", 400)
        with self._lock:
            capture = self._captures.get(capture_id)
            if capture is None:
                raise SandboxError(f"no capture {capture_id!r}", 404)
            if capture.status != "PENDING":
                raise SandboxError(f"capture {capture_id} is {capture.status}, not PENDING")
            capture.status, capture.reason = status, ""
            capture.update_time = self._stamp()
            event = (
                "PAYMENT.CAPTURE.COMPLETED" if status == "COMPLETED" else "PAYMENT.CAPTURE.DENIED"
            )
            self._emit(
                event, "capture", f"Payment {status.lower()}", capture_json(self, capture, True)
            )

    def ledger(self) -> dict[str, list[dict[str, Any]]]:
        """Every capture and refund ever made (what the merchant account would show)."""
        with self._lock:
            return {
                "captures": [capture_json(self, c, True) for c in self._captures.values()],
                "refunds": [refund_json(self, r) for r in self._refunds.values()],
            }

    def activity_csv(self, *, day_first: bool = True) -> str:
        """Captures and refunds as PayPal's activity download (see :mod:`.statement`)."""
        from pos.payments.paypal.sandbox.statement import sandbox_activity

        return sandbox_activity(self, day_first=day_first)

    def order(self, order_id: str) -> dict[str, Any]:
        """The full representation of an order, as GET would show it (ignoring expiry)."""
        with self._lock:
            return order_json(self, self._orders[order_id], full=True)

    def add_webhook_listener(self, url: str) -> None:
        """Deliver every webhook from now on to ``url`` too (once, however often added)."""
        with self._lock:
            if url not in self.webhook_urls:
                self.webhook_urls.append(url)

    def remove_webhook_listener(self, url: str) -> None:
        """Stop delivering to ``url`` (deliveries already queued are still tried)."""
        with self._lock:
            if url in self.webhook_urls:
                self.webhook_urls.remove(url)

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until every queued webhook delivery was tried; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._delivered:
            while self._undelivered:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._delivered.wait(left)
            return True

    def ipn_message(self, fields: Mapping[str, str] | Sequence[tuple[str, str]]) -> bytes:
        """An IPN message as PayPal would POST it; the sandbox will say VERIFIED to it."""
        body = urllib.parse.urlencode(fields).encode()
        with self._lock:
            self._ipn_sent.add(body)
        return body

    # -- webhooks -----------------------------------------------------------------------
    def _emit(self, event_type: str, resource_type: str, summary: str, resource: Any) -> None:
        event_id = f"WH-{new_id(17)}-{new_id(17)}"
        event = {
            "id": event_id,
            "event_version": "1.0",
            "create_time": self._stamp(),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
            "links": [
                {
                    "href": f"{self.base_url}/v1/notifications/webhooks-events/{event_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.base_url}/v1/notifications/webhooks-events/{event_id}/resend",
                    "rel": "resend",
                    "method": "POST",
                },
            ],
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = self.signer.headers(body, self.webhook_id, self.cert_url, self._wall())
        record = WebhookRecord(event, body, headers)
        self.webhook_events.append(record)
        for url in self.webhook_urls:
            self._undelivered += 1
            self._deliveries.put((record, url))

    def _deliver_loop(self) -> None:
        while True:
            item = self._deliveries.get()
            if item is None:
                return
            record, url = item
            outcome: dict[str, Any] = {"url": url, "time": self._stamp()}
            request = urllib.request.Request(url, data=record.body, headers=record.headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    outcome["status"] = answer.status
            except urllib.error.HTTPError as exc:
                outcome["status"] = exc.code
            except (OSError, ValueError) as exc:
                outcome["error"] = type(exc).__name__
            with self._delivered:
                record.deliveries.append(outcome)
                self._undelivered -= 1
                self._delivered.notify_all()

    # -- HTTP dispatch ------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        failure = self._take_failure(request.path)
        if failure is not None and failure.delay:
            time.sleep(failure.delay)  # answer late: the caller may have given up already
        if failure is not None and failure.status and not failure.after:
            response = self._failure_response(failure.status)
        else:
            try:
                response = self._route(request)
            except ApiError as exc:
                response = exc.response()
            except SandboxError as exc:
                response = json_response(exc.status, {"error": str(exc)})
            if failure is not None and failure.status and failure.after:
                response = self._failure_response(failure.status)  # work done, answer lost
        auth = request.headers.get("authorization", "")
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        if auth:
            headers["authorization"] = auth.split(" ", 1)[0] + " [REDACTED]"
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, headers, request.body, response.status
                )
            )
        return response

    def _take_failure(self, path: str) -> Failure | None:
        if not (path.startswith("/v2/") or path.startswith("/v1/oauth2/")):
            return None
        with self._lock:
            for failure in self._failures:
                if path.startswith(failure.path) and failure.count > 0:
                    failure.count -= 1
                    if failure.count == 0:
                        self._failures.remove(failure)
                    return failure
        return None

    @staticmethod
    def _failure_response(status: int) -> Response:
        if status in ERROR_NAMES and status >= 500:
            return ApiError(status).response()
        return Response(status, b"upstream trouble", {"Content-Type": "text/plain"})

    def _route(self, request: Request) -> Response:
        method, path = request.method, request.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        if path == "/v1/oauth2/token" and method == "POST":
            return self._oauth(request)
        if path.startswith("/v1/notifications/certs/") and method == "GET":
            if parts[-1] != self.cert_id:
                return Response(404, b"", {})
            return Response(200, self.signer.chain_pem, {"Content-Type": "application/x-pem-file"})
        if path == "/cgi-bin/webscr" and method == "POST":
            return self._ipn(request)
        if path == "/v1/notifications/verify-webhook-signature" and method == "POST":
            self._authorise(request)
            return verify_signature(self, request)
        if path == "/checkoutnow":
            return checkout_page(self, request)
        if path.startswith("/__sandbox__/"):
            return handle_control(self, method, parts[1:], request)
        if path.startswith("/v2/"):
            self._authorise(request)
            return self._api(method, parts, request)
        return Response(404, b"not found", {"Content-Type": "text/plain"})

    # -- OAuth and auth -------------------------------------------------------------------
    def _oauth(self, request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or (user, password) != (self.client_id, self.client_secret):
            return oauth_error(401, "invalid_client", "Client Authentication failed")
        form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        token = "A21AA" + secrets.token_urlsafe(60)
        with self._lock:
            self._tokens[token] = self._now() + self.token_lifetime
            self.issued_tokens.append(token)
        return json_response(
            200,
            {
                "scope": "https://uri.paypal.com/services/payments/payment "
                "https://uri.paypal.com/services/payments/refund",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": DEMO_APP_ID,
                "expires_in": self.token_lifetime,
                "nonce": f"{self._stamp()}{secrets.token_urlsafe(16)}",
            },
            debug_id(),
        )

    def _authorise(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401)
        with self._lock:
            until = self._tokens.get(token)
            if until is None or self._now() >= until:
                self._tokens.pop(token, None)
                raise InvalidToken

    # -- API --------------------------------------------------------------------------
    def _api(self, method: str, parts: list[str], request: Request) -> Response:
        match (method, parts[1:]):
            case ("POST", ["checkout", "orders"]):
                return create_order(self, request)
            case ("GET", ["checkout", "orders", order_id]):
                return get_order(self, order_id, request)
            case ("PATCH", ["checkout", "orders", order_id]):
                return patch_order(self, order_id, request)
            case ("POST", ["checkout", "orders", order_id, "capture"]):
                return capture_order(self, order_id, request)
            case ("GET", ["payments", "captures", capture_id]):
                return get_capture(self, capture_id, request)
            case ("POST", ["payments", "captures", capture_id, "refund"]):
                return refund_capture(self, capture_id, request)
            case ("GET", ["payments", "refunds", refund_id]):
                return get_refund(self, refund_id, request)
        raise ApiError(404)

    def _replayed(self, scope: str, request_id: str) -> str | None:
        if not request_id:
            return None
        found = self._idempotency.get((scope, request_id))
        if found is None or self._now() - found[1] > IDEMPOTENCY_TTL:
            return None
        return found[0]

    def _remember(self, scope: str, request_id: str, resource_id: str) -> None:
        if request_id:
            self._idempotency[(scope, request_id)] = (resource_id, self._now())

    # -- IPN ----------------------------------------------------------------------------
    def _ipn(self, request: Request) -> Response:
        prefix = b"cmd=_notify-validate&"
        message = request.body[len(prefix) :] if request.body.startswith(prefix) else None
        with self._lock:
            verified = message is not None and message in self._ipn_sent
        return Response(
            200,
            b"VERIFIED" if verified else b"INVALID",
            {"Content-Type": "text/html; charset=UTF-8"},
        )


def iter_events(sandbox: PayPalSandbox, event_type: str) -> Iterator[WebhookRecord]:
    """The sandbox's signed events of one type, oldest first."""
    return (record for record in list(sandbox.webhook_events) if record.event_type == event_type)
