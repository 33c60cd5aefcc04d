"""A faithful local simulator of PayPal's REST API, for training mode and tests.

It speaks the same wire format as ``api-m.paypal.com`` (Orders v2, Payments v2, OAuth,
webhooks, IPN) over real HTTP on 127.0.0.1, keeps real state (orders move CREATED /
PAYER_ACTION_REQUIRED → APPROVED → COMPLETED, or lapse), honours ``PayPal-Request-Id``
like PayPal does, and answers errors in the spec's exact shape (``name``, ``message``,
``details[field, value, location, issue, description]``, ``debug_id``, ``links``) with the
spec's own texts, operation by operation (:mod:`.issues` is generated from PayPal's
OpenAPI files). ``details[].field`` points into purchase units the way PayPal does:
``/purchase_units/@reference_id=='default'/amount/value``. What it checks (currencies,
decimals, the ``money`` format, ids) is its own code (:mod:`.rules`): it shares nothing
with the client, so a bug in one is caught by the other. A "customer" decides on each
order: through the approve page a phone opens from the QR code, through the control
paths below, or through the Python API.

PayPal's paths
--------------
``POST /v1/oauth2/token``
    Client credentials (Basic auth, form body ``grant_type=client_credentials``).
    Bad credentials → 401 ``{"error":"invalid_client",...}``. Tokens live
    ``token_lifetime`` seconds (``expires_in`` is a number, as at PayPal).
``POST /v2/checkout/orders``
    Create (201; 200 with the same order when the ``PayPal-Request-Id`` is replayed).
    With ``payment_source.paypal.experience_context`` the order is
    ``PAYER_ACTION_REQUIRED`` with a ``payer-action`` link, otherwise ``CREATED`` with
    ``approve``, ``update`` and ``capture`` links; the approve link is
    ``{base}/checkoutnow?token=<id>``. Validation errors: 400 MALFORMED_REQUEST_JSON /
    MISSING_REQUIRED_PARAMETER / INVALID_PARAMETER_SYNTAX / INVALID_STRING_LENGTH /
    INVALID_PARAMETER_VALUE, 422 INVALID_CURRENCY_CODE (e.g. KES), DECIMAL_PRECISION,
    CANNOT_BE_ZERO_OR_NEGATIVE, MAX_VALUE_EXCEEDED.
``GET /v2/checkout/orders/{id}``
    The order; 404 RESOURCE_NOT_FOUND / INVALID_RESOURCE_ID when unknown or lapsed.
``PATCH /v2/checkout/orders/{id}``
    JSON Patch on the fields PayPal allows and the sandbox models (intent, a purchase
    unit's description, custom_id, invoice_id, soft_descriptor, amount): 204. See
    :mod:`.patch` for every answer.
``POST /v2/checkout/orders/{id}/capture``
    201 with the captured order (200 on a replayed request id, never a second capture);
    422 ORDER_NOT_APPROVED before approval, ORDER_ALREADY_CAPTURED after a capture made
    under another request id.
``GET /v2/payments/captures/{id}``, ``POST /v2/payments/captures/{id}/refund``,
``GET /v2/payments/refunds/{id}``
    Full or partial refunds, idempotent by request id (a replay answers the same refund,
    with 201: the spec documents no 200 here); 422 REFUND_AMOUNT_EXCEEDED,
    CAPTURE_FULLY_REFUNDED, REFUND_CAPTURE_CURRENCY_MISMATCH, PENDING_CAPTURE,
    REFUND_NOT_ALLOWED.
``GET /v1/notifications/certs/CERT-<id>``
    The PEM chain (leaf, then the sandbox's own CA) whose key signs the webhooks.
``POST /v1/notifications/verify-webhook-signature``
    Postback verification (Bearer token): ``SUCCESS`` only for a webhook the sandbox
    signed, as it signed it; otherwise ``FAILURE`` (:mod:`.verify`).
``POST /cgi-bin/webscr``
    IPN postback: ``cmd=_notify-validate&<message exactly as sent>`` → ``VERIFIED``,
    anything else → ``INVALID``.
``GET /checkoutnow?token=<id>`` / ``POST /checkoutnow?token=<id>``
    The customer's approve page (what the QR code opens; the training "customer phone"
    shows it): Approve / Cancel buttons that POST ``decision=approve|cancel`` back. Cancel
    leaves the order unapproved and redirects (303) to the order's ``cancel_url`` with
    ``?token=<id>``, as PayPal does; the order lapses at the end of its window unless the
    customer comes back and approves (:mod:`.page`).

Every ``/v2/`` call needs ``Authorization: Bearer <token>``: none → 401
AUTHENTICATION_FAILURE; unknown or expired → 401 ``{"error":"invalid_token",...}``.
Every ``/v2/`` POST honours ``Prefer: return=minimal|representation``. Every ``/v2/``
call honours the sandbox header ``PayPal-Mock-Response: {"mock_application_codes":
"<ISSUE>"}`` with every issue the spec documents for that operation (its HTTP status,
its text; nothing changes, so no money moves), except INSTRUMENT_DECLINED on capture,
which also sends the order back to the customer (a ``redirect`` link in the error, as
PayPal does). A code the operation does not document is refused with 400 (GUESS at the
shape: INVALID_PARAMETER_VALUE on the header), never ignored. Kaunta's own capture codes
``CAPTURE_PENDING`` (capture PENDING, reason PENDING_REVIEW), ``CAPTURE_DECLINED`` and
``CAPTURE_FAILED`` make the capture succeed with that capture status (PayPal has no mock
code for these).

Control paths (the sandbox's own; never at PayPal)
--------------------------------------------------
``POST /__sandbox__/customer``
    ``{"order_id": "...", "decision": "approve|cancel|no_answer"}`` (optionally
    ``"mock_application_codes"``: applied to that order's next capture), or
    ``{"default": "approve|cancel|no_answer", "delay": seconds}``: what every customer
    does unless told otherwise. ``cancel`` is the approve page's Cancel (the order stays
    unapproved and approvable; it is listed with ``buyer_cancelled``).
``GET /__sandbox__/pending``
    Orders waiting for the customer: ``{"orders": [{"id", "status", "amount",
    "description", "brand_name", "approve_url", "create_time", "seconds_left",
    "buyer_cancelled"}]}``.
``POST /__sandbox__/fail-next``
    ``{"count": 1, "status": 503, "delay": 0, "after": false, "path": "/v2/"}``: the next
    ``count`` API calls under ``path`` answer ``status`` (``after``: only once the work
    is done, as when an answer is lost), or answer late by ``delay`` seconds.
``POST /__sandbox__/expire-tokens``
    Every issued token becomes unknown (the next call gets 401 invalid_token).
``POST /__sandbox__/advance``
    ``{"seconds": n}``: move the sandbox clock (approval window, token lifetime).
``POST /__sandbox__/capture-status``
    ``{"capture_id": "...", "status": "COMPLETED|DECLINED"}``: settle a PENDING capture.
``GET /__sandbox__/ledger``
    ``{"captures": [...], "refunds": [...]}``: every capture and refund ever made.
``GET /__sandbox__/webhooks`` / ``POST /__sandbox__/webhooks``
    The signed events (headers, raw body, deliveries) / ``{"url": ...}`` adds a listener.
``POST /__sandbox__/ipn``
    ``{"fields": {...}}`` → ``{"body": "..."}``: an IPN message the sandbox will verify.

Guesses (not sourced): failed requests are not remembered for idempotency (a repeat is
tried again); a lapsed order answers 404 like an order PayPal has purged; after
INSTRUMENT_DECLINED the order waits for a new approval; AUTHORIZE intent and more than
one purchase unit are answered 400 NOT_SUPPORTED; after approval the page shows a link
back to the ``return_url`` instead of redirecting there.
"""

from __future__ import annotations

from pos.payments.paypal.sandbox.cli import main, serve
from pos.payments.paypal.sandbox.model import Decision, RecordedRequest, SandboxError, WebhookRecord
from pos.payments.paypal.sandbox.server import (
    DEFAULT_APPROVAL_WINDOW,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_TOKEN_LIFETIME,
    DEMO_APP_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_WEBHOOK_ID,
    IDEMPOTENCY_TTL,
    PayPalSandbox,
    iter_events,
)
from pos.payments.paypal.sandbox.signing import SANDBOX_CA_CN, SANDBOX_CERT_CN, WebhookSigner

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
    "SANDBOX_CA_CN",
    "SANDBOX_CERT_CN",
    "Decision",
    "PayPalSandbox",
    "RecordedRequest",
    "SandboxError",
    "WebhookRecord",
    "WebhookSigner",
    "iter_events",
    "main",
    "serve",
]
