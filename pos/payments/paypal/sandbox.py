"""A faithful local simulator of PayPal's REST API, for training mode and tests.

It speaks the same wire format as ``api-m.paypal.com`` (Orders v2, Payments v2, OAuth,
webhooks, IPN) over real HTTP on 127.0.0.1, keeps real state (orders move CREATED /
PAYER_ACTION_REQUIRED → APPROVED → COMPLETED, or VOIDED, or lapse), honours
``PayPal-Request-Id`` like PayPal does, and answers errors in the spec's exact shape
(``name``, ``message``, ``details[issue, description]``, ``debug_id``, ``links``) with the
spec's own texts. A "customer" decides on each order: through the approve page a phone
opens from the QR code, through the control paths below, or through the Python API.

PayPal's paths
--------------
``POST /v1/oauth2/token``
    Client credentials (Basic auth, form body ``grant_type=client_credentials``).
    Bad credentials → 401 ``{"error":"invalid_client",...}``. Tokens live
    ``token_lifetime`` seconds (``expires_in`` is a number, as at PayPal).
``POST /v2/checkout/orders``
    Create (201; 200 with the same order when the ``PayPal-Request-Id`` is replayed).
    With ``payment_source.paypal.experience_context`` the order is
    ``PAYER_ACTION_REQUIRED`` with a ``payer-action`` link, otherwise ``CREATED`` with an
    ``approve`` link; both point at ``{base}/checkoutnow?token=<id>``. Validation errors:
    400 MALFORMED_REQUEST_JSON / MISSING_REQUIRED_PARAMETER / INVALID_PARAMETER_SYNTAX /
    INVALID_STRING_LENGTH / INVALID_PARAMETER_VALUE, 422 INVALID_CURRENCY_CODE (e.g. KES),
    DECIMAL_PRECISION, CANNOT_BE_ZERO_OR_NEGATIVE, MAX_VALUE_EXCEEDED.
``GET /v2/checkout/orders/{id}``
    The order; 404 RESOURCE_NOT_FOUND / INVALID_RESOURCE_ID when unknown or lapsed.
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
``POST /cgi-bin/webscr``
    IPN postback: ``cmd=_notify-validate&<message exactly as sent>`` → ``VERIFIED``,
    anything else → ``INVALID``.
``GET /checkoutnow?token=<id>`` / ``POST /checkoutnow?token=<id>``
    The customer's approve page (what the QR code opens; the training "customer phone"
    shows it): Approve / Cancel buttons that POST ``decision=approve|cancel`` back.

Every ``/v2/`` call needs ``Authorization: Bearer <token>``: none → 401
AUTHENTICATION_FAILURE; unknown or expired → 401 ``{"error":"invalid_token",...}``.
Every ``/v2/`` POST honours ``Prefer: return=minimal|representation`` and the sandbox
header ``PayPal-Mock-Response: {"mock_application_codes": "<ISSUE>"}`` (create, capture,
refund): the call fails with that issue and its spec description, changing nothing, except
INSTRUMENT_DECLINED on capture, which sends the order back to the customer (a ``redirect``
link in the error, as PayPal does). Kaunta's own codes ``CAPTURE_PENDING`` (capture
PENDING, reason PENDING_REVIEW), ``CAPTURE_DECLINED`` and ``CAPTURE_FAILED`` make the
capture succeed with that capture status (PayPal has no mock code for these).

Control paths (the sandbox's own; never at PayPal)
--------------------------------------------------
``POST /__sandbox__/customer``
    ``{"order_id": "...", "decision": "approve|cancel|no_answer"}`` (optionally
    ``"mock_application_codes"``: applied to that order's next capture), or
    ``{"default": "approve|cancel|no_answer", "delay": seconds}``: what every customer
    does unless told otherwise.
``GET /__sandbox__/pending``
    Orders waiting for the customer: ``{"orders": [{"id", "status", "amount",
    "description", "brand_name", "approve_url", "create_time", "seconds_left"}]}``.
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
tried again); a lapsed order answers 404 like an order PayPal has purged; a customer's
Cancel voids the order; after INSTRUMENT_DECLINED the order waits for a new approval;
AUTHORIZE intent and more than one purchase unit are answered 400 NOT_SUPPORTED.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import logging
import queue
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from pos.payments.paypal.client import (
    MAX_INTEGER_DIGITS,
    MONEY_VALUE_MAX_LEN,
    MONEY_VALUE_RE,
    PAYPAL_CURRENCIES,
    RESOURCE_ID_RE,
    paypal_decimals,
)

log = logging.getLogger(__name__)

#: Credentials the sandbox accepts; training mode uses them. Not secrets.
DEMO_CLIENT_ID = "KauntaTrainingSandboxClientId"
DEMO_CLIENT_SECRET = "KauntaTrainingSandboxSecret-not-a-real-secret"
#: The webhook id the sandbox signs with (spec pattern ``^[a-zA-Z0-9]+$``).
DEMO_WEBHOOK_ID = "0KAUNTA0SANDBOX0WEBHOOK"
DEMO_APP_ID = "APP-80W284485P519543T"
#: Where ``kaunta sandbox paypal`` listens, and training mode looks, by default.
DEFAULT_PORT = 8770
DEFAULT_HOST = "127.0.0.1"
#: PayPal's defaults: 3 h to approve and capture, tokens for 9 h, request ids kept 6 h.
DEFAULT_APPROVAL_WINDOW = 3 * 3600.0
DEFAULT_TOKEN_LIFETIME = 32400
IDEMPOTENCY_TTL = 6 * 3600.0
#: The leaf certificate's CN, shaped like PayPal's message-verification certificate.
SANDBOX_CERT_CN = "messageverificationcerts.sandbox.paypal.com"
SANDBOX_CA_CN = "Kaunta PayPal Sandbox Root CA (training only, not PayPal)"


class Decision(StrEnum):
    """What the simulated customer does with an order."""

    APPROVE = "approve"
    CANCEL = "cancel"
    NO_ANSWER = "no_answer"


class SandboxError(Exception):
    """A control request the sandbox cannot do (unknown order, order already decided)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


# -- the spec's error vocabulary --------------------------------------------------------

_ERROR_NAMES: dict[int, tuple[str, str]] = {
    400: (
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
    ),
    401: (
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to missing authorization header, or invalid authentication "
        "credentials.",
    ),
    403: ("NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."),
    404: ("RESOURCE_NOT_FOUND", "The specified resource does not exist."),
    409: ("RESOURCE_CONFLICT", "The server has detected a conflict while processing this request."),
    415: (
        "UNSUPPORTED_MEDIA_TYPE",
        "The server does not support the request payload's media type.",
    ),
    422: (
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business "
        "validation.",
    ),
    500: ("INTERNAL_SERVER_ERROR", "An internal server error occurred."),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable."),
}

#: Issue → description, verbatim from checkout_orders_v2.json / payments_payment_v2.json.
_ISSUES: dict[str, str] = {
    "MALFORMED_REQUEST_JSON": "The request JSON is not well formed.",
    "MISSING_REQUIRED_PARAMETER": "A required parameter is missing.",
    "INVALID_PARAMETER_VALUE": "A parameter value is not valid.",
    "INVALID_PARAMETER_SYNTAX": "The value of a field does not conform to the expected format.",
    "INVALID_STRING_LENGTH": "The value of a field is either too short or too long",
    "INVALID_ARRAY_MIN_ITEMS": "The number of items in an array parameter is too small.",
    "INVALID_ARRAY_MAX_ITEMS": "The number of items in an array parameter is too large.",
    "NOT_SUPPORTED": "This field is not currently supported.",
    "INVALID_RESOURCE_ID": (
        "Specified resource ID does not exist. Please check the resource ID and try again."
    ),
    "INVALID_CURRENCY_CODE": (
        "Currency code is invalid or is not currently supported. Please refer "
        "https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported "
        "currency codes."
    ),
    "DECIMAL_PRECISION": (
        "If the currency supports decimals, only two decimal place precision is supported."
    ),
    "CANNOT_BE_ZERO_OR_NEGATIVE": (
        "Must be greater than zero. If the currency supports decimals, only two decimal place "
        "precision is supported."
    ),
    "MAX_VALUE_EXCEEDED": "Should be less than or equal to 999999999999999.99.",
    "DUPLICATE_INVOICE_ID": (
        "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account "
        "setting requires that Invoice Id be unique for each transaction."
    ),
    "PAYEE_ACCOUNT_RESTRICTED": "The merchant account is restricted.",
    "TRANSACTION_REFUSED": "The request was refused.",
    "ORDER_NOT_APPROVED": (
        "Payer has not yet approved the Order for payment. Please redirect the payer to the "
        "'rel':'approve' url returned as part of the HATEOAS links within the Create Order call "
        "or provide a valid `payment_source` in the request."
    ),
    "ORDER_ALREADY_CAPTURED": (
        "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed."
    ),
    "INSTRUMENT_DECLINED": (
        "The instrument presented  was either declined by the processor or bank, or it can't be "
        "used for this payment."
    ),
    "PAYER_CANNOT_PAY": (
        "Payer cannot pay for this transaction. Please contact the payer to find other ways to "
        "pay for this transaction."
    ),
    "PAYER_ACTION_REQUIRED": (
        "Transaction cannot complete successfully, instruct the buyer to return to PayPal."
    ),
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED": (
        "You have exceeded the maximum number of payment attempts."
    ),
    "ORDER_COMPLETION_IN_PROGRESS": (
        "The order was created with processing_instruction of ORDER_COMPLETE_ON_PAYMENT_APPROVAL. "
        "The customer has approved the payment and PayPal is still in the process of capturing "
        "the order on your behalf as instructed. Please try your request again."
    ),
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED": "The payer account cannot be used for this transaction.",
    "COMPLIANCE_VIOLATION": "Transaction is declined due to compliance violation.",
    "TRANSACTION_LIMIT_EXCEEDED": "Total payment amount exceeded transaction limit.",
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING": (
        "Transaction failed. Redirect the payer to select another funding source."
    ),
    "CAPTURE_FULLY_REFUNDED": "The capture has already been fully refunded",
    "REFUND_CAPTURE_CURRENCY_MISMATCH": "Refund must be in the same currency as the capture",
    "REFUND_NOT_ALLOWED": "Capture cannot be refunded.",
    "REFUND_TIME_LIMIT_EXCEEDED": "You are over the time limit to perform a refund on this capture",
    "REFUND_AMOUNT_EXCEEDED": (
        "The refund amount must be less than or equal to the capture amount that has not yet been "
        "refunded."
    ),
    "PENDING_CAPTURE": (
        "Cannot initiate a refund as the capture is pending. Capture is typically pending when "
        "the payer has funded the transaction using e-check/bank funded."
    ),
}

_CREATE_MOCKS = frozenset(
    {"INVALID_CURRENCY_CODE", "DECIMAL_PRECISION", "CANNOT_BE_ZERO_OR_NEGATIVE",
     "MAX_VALUE_EXCEEDED", "DUPLICATE_INVOICE_ID", "PAYEE_ACCOUNT_RESTRICTED",
     "TRANSACTION_REFUSED"}
)  # fmt: skip
_CAPTURE_MOCKS = frozenset(
    {"ORDER_NOT_APPROVED", "ORDER_ALREADY_CAPTURED", "INSTRUMENT_DECLINED",
     "TRANSACTION_REFUSED", "PAYER_CANNOT_PAY", "PAYER_ACTION_REQUIRED",
     "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED", "DUPLICATE_INVOICE_ID",
     "ORDER_COMPLETION_IN_PROGRESS", "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
     "COMPLIANCE_VIOLATION", "TRANSACTION_LIMIT_EXCEEDED",
     "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING"}
)  # fmt: skip
_REFUND_MOCKS = frozenset(
    {"REFUND_NOT_ALLOWED", "REFUND_TIME_LIMIT_EXCEEDED", "TRANSACTION_REFUSED"}
)
#: Kaunta's sandbox-only codes: the capture succeeds, with this capture status.
_CAPTURE_STATUS_MOCKS: dict[str, tuple[str, str]] = {
    "CAPTURE_PENDING": ("PENDING", "PENDING_REVIEW"),
    "CAPTURE_DECLINED": ("DECLINED", ""),
    "CAPTURE_FAILED": ("FAILED", ""),
}

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PAYER_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # spec: ^[2-9A-HJ-NP-Z]{13}$
_AWAITING = frozenset({"CREATED", "PAYER_ACTION_REQUIRED"})
_OPEN = _AWAITING | {"APPROVED"}


def _new_id(length: int = 17) -> str:
    return secrets.choice("123456789") + "".join(
        secrets.choice(_ID_ALPHABET) for _ in range(length - 1)
    )


def _debug_id() -> str:
    return secrets.token_hex(7)[:13]


def _fmt(value: Decimal, currency: str) -> str:
    digits = paypal_decimals(currency)
    return f"{value.quantize(Decimal(1).scaleb(-digits)):.{digits}f}"


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": _fmt(value, currency)}


# -- webhook signing --------------------------------------------------------------------


class WebhookSigner:
    """A signing key and the certificate chain PayPal would serve at ``PAYPAL-CERT-URL``.

    The sandbox makes a fresh one at start: a self-signed root ("Kaunta PayPal Sandbox
    Root CA", trusted only by the sandbox trust policy) and a leaf certificate shaped
    like PayPal's. Tests make their own to try wrong names, dates or issuers.
    """

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        leaf: x509.Certificate,
        ca: x509.Certificate,
    ) -> None:
        self.key = key
        self.leaf = leaf
        self.ca = ca

    @classmethod
    def generate(
        cls,
        *,
        common_name: str = SANDBOX_CERT_CN,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        ca_name: str = SANDBOX_CA_CN,
    ) -> WebhookSigner:
        now = datetime.now(UTC)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kaunta training"),
                x509.NameAttribute(NameOID.COMMON_NAME, ca_name),
            ]
        )
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_subject)
            .issuer_name(ca_subject)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )  # fmt: skip
        leaf = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kaunta PayPal Sandbox"),
                        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    ]
                )
            )
            .issuer_name(ca_subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        return cls(leaf_key, leaf, ca)

    @property
    def chain_pem(self) -> bytes:
        """Leaf first, then the issuer: what the cert URL serves."""
        return self.leaf.public_bytes(serialization.Encoding.PEM) + self.ca.public_bytes(
            serialization.Encoding.PEM
        )

    @property
    def ca_pem(self) -> bytes:
        return self.ca.public_bytes(serialization.Encoding.PEM)

    def sign(self, message: bytes) -> str:
        """RSA PKCS#1 v1.5 over SHA-256, base64: PayPal's ``SHA256withRSA``."""
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(
        self, body: bytes, webhook_id: str, cert_url: str, when: datetime
    ) -> dict[str, str]:
        """The headers PayPal sends with a webhook whose raw body is ``body``."""
        transmission_id = str(uuid.uuid1())
        transmission_time = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        crc = zlib.crc32(body) & 0xFFFFFFFF
        signed = f"{transmission_id}|{transmission_time}|{webhook_id}|{crc}".encode()
        return {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": self.sign(signed),
            "PAYPAL-CERT-URL": cert_url,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "User-Agent": "PayPal/AUHD-214.0-58009467 (Kaunta sandbox)",
        }


# -- state ------------------------------------------------------------------------------


@dataclass
class _Capture:
    id: str
    order_id: str
    currency: str
    value: Decimal
    status: str
    reason: str
    custom_id: str
    create_time: str
    update_time: str
    refunded: Decimal = Decimal(0)


@dataclass
class _Refund:
    id: str
    capture_id: str
    currency: str
    value: Decimal
    total_after: Decimal
    note: str
    create_time: str
    status: str = "COMPLETED"


@dataclass
class _Order:
    id: str
    currency: str
    value: Decimal
    description: str
    custom_id: str
    invoice_id: str
    reference_id: str
    brand_name: str
    return_url: str
    cancel_url: str
    experience: bool  # created with payment_source.paypal.experience_context
    status: str
    created_at: float  # sandbox clock
    create_time: str
    update_time: str
    decision: Decision | None = None
    mock: str = ""  # one-shot mock code for the next capture
    payer: dict[str, Any] | None = None
    capture_ids: list[str] = field(default_factory=list)
    expired: bool = False


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the sandbox received (Authorization values redacted)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class WebhookRecord:
    """One signed event, as sent: exact headers and raw body, and how delivery went."""

    event: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def event_type(self) -> str:
        return str(self.event["event_type"])


@dataclass
class _Failure:
    count: int
    status: int
    delay: float
    after: bool
    path: str


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def _json_response(status: int, payload: Any, debug_id: str = "") -> _Response:
    headers = {"Content-Type": "application/json"}
    if debug_id:
        headers["Paypal-Debug-Id"] = debug_id
    return _Response(status, json.dumps(payload).encode(), headers)


class _ApiError(Exception):
    """Raised inside a handler to answer with the spec's error shape."""

    def __init__(
        self,
        status: int,
        issue: str = "",
        *,
        field_: str = "",
        value: str | None = None,
        docs: str = "orders/v2",
        links: Sequence[Mapping[str, str]] = (),
    ) -> None:
        super().__init__(issue or str(status))
        self.status = status
        self.issue = issue
        self.field = field_
        self.value = value
        self.docs = docs
        self.links = links

    def response(self) -> _Response:
        name, message = _ERROR_NAMES.get(self.status, _ERROR_NAMES[500])
        debug_id = _debug_id()
        body: dict[str, Any] = {"name": name, "message": message}
        if self.issue:
            detail: dict[str, str] = {"issue": self.issue, "description": _ISSUES[self.issue]}
            if self.field:
                detail = {"field": self.field, **detail, "location": "body"}
            if self.value is not None:
                detail["value"] = self.value
            body["details"] = [detail]
        body["debug_id"] = debug_id
        anchor = self.issue or name
        body["links"] = [
            {
                "href": f"https://developer.paypal.com/docs/api/{self.docs}/#error-{anchor}",
                "rel": "information_link",
                "method": "GET",
            },
            *self.links,
        ]
        return _json_response(self.status, body, debug_id)


def _oauth_error(status: int, error: str, description: str) -> _Response:
    return _json_response(status, {"error": error, "error_description": description}, _debug_id())


def _parse_json(body: bytes, *, empty_ok: bool) -> dict[str, Any]:
    if not body.strip() and empty_ok:
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _ApiError(400, "MALFORMED_REQUEST_JSON") from None
    if not isinstance(value, dict):
        raise _ApiError(400, "MALFORMED_REQUEST_JSON")
    return value


def _check_text(obj: Mapping[str, Any], key: str, pointer: str, limit: int) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _ApiError(400, "INVALID_PARAMETER_SYNTAX", field_=pointer)
    if not 1 <= len(value) <= limit:
        raise _ApiError(400, "INVALID_STRING_LENGTH", field_=pointer, value=value[:40])
    return value


def _parse_amount(amount: object, pointer: str, *, docs: str = "orders/v2") -> tuple[str, Decimal]:
    """Validate a ``money`` object the way PayPal does; (currency, value) or _ApiError."""
    if not isinstance(amount, Mapping):
        raise _ApiError(400, "MISSING_REQUIRED_PARAMETER", field_=pointer, docs=docs)
    currency, value = amount.get("currency_code"), amount.get("value")
    if currency is None:
        raise _ApiError(
            400, "MISSING_REQUIRED_PARAMETER", field_=f"{pointer}/currency_code", docs=docs
        )
    if value is None:
        raise _ApiError(400, "MISSING_REQUIRED_PARAMETER", field_=f"{pointer}/value", docs=docs)
    if not isinstance(currency, str) or len(currency) != 3:
        raise _ApiError(400, "INVALID_STRING_LENGTH", field_=f"{pointer}/currency_code", docs=docs)
    if currency not in PAYPAL_CURRENCIES:
        raise _ApiError(
            422, "INVALID_CURRENCY_CODE", field_=f"{pointer}/currency_code", value=currency,
            docs=docs,
        )  # fmt: skip
    if (
        not isinstance(value, str)
        or len(value) > MONEY_VALUE_MAX_LEN
        or not MONEY_VALUE_RE.match(value)
    ):
        raise _ApiError(
            400, "INVALID_PARAMETER_SYNTAX", field_=f"{pointer}/value", value=str(value)[:40],
            docs=docs,
        )  # fmt: skip
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        raise _ApiError(400, "INVALID_PARAMETER_SYNTAX", field_=f"{pointer}/value") from None
    if number <= 0:
        raise _ApiError(
            422, "CANNOT_BE_ZERO_OR_NEGATIVE", field_=f"{pointer}/value", value=value, docs=docs
        )
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > paypal_decimals(currency):
        raise _ApiError(422, "DECIMAL_PRECISION", field_=f"{pointer}/value", value=value, docs=docs)
    if len(str(int(number))) > MAX_INTEGER_DIGITS:
        raise _ApiError(
            422, "MAX_VALUE_EXCEEDED", field_=f"{pointer}/value", value=value, docs=docs
        )
    return currency, number


def _mock_code(headers: Mapping[str, str]) -> str:
    raw = headers.get("paypal-mock-response", "")
    if not raw:
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return ""
    code = parsed.get("mock_application_codes") if isinstance(parsed, dict) else None
    return code if isinstance(code, str) else ""


# -- the simulator ----------------------------------------------------------------------


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
        self.merchant_id = "".join(secrets.choice(_PAYER_ID_ALPHABET) for _ in range(13))
        self._lock = threading.RLock()
        self._offset = 0.0
        self._tokens: dict[str, float] = {}
        self._orders: dict[str, _Order] = {}
        self._captures: dict[str, _Capture] = {}
        self._refunds: dict[str, _Refund] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._failures: list[_Failure] = []
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
        server = _Server((self.host, self._requested_port), _Handler)
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
        """The customer acts on ``order_id``; returns the order's new status.

        ``mock_application_codes`` is applied to that order's next capture, as if the
        capture call had carried it in ``PayPal-Mock-Response``."""
        chosen = Decision(decision)
        with self._lock:
            order = self._orders.get(order_id)
            if order is None or order.expired:
                raise SandboxError(f"no open order {order_id!r}", 404)
            self._tick(order)
            if order.expired:
                raise SandboxError(f"order {order_id} has lapsed", 409)
            if mock_application_codes:
                order.mock = mock_application_codes
            if order.status not in _AWAITING:
                if chosen is Decision.APPROVE and order.status == "APPROVED":
                    return order.status
                raise SandboxError(f"order {order_id} is {order.status}, not awaiting the customer")
            self._apply(order, chosen)
            return order.status

    def pending(self) -> list[dict[str, Any]]:
        """Orders waiting for the customer, oldest first."""
        with self._lock:
            waiting = []
            for order in list(self._orders.values()):
                self._tick(order)
                if order.expired or order.status not in _AWAITING:
                    continue
                waiting.append(
                    {
                        "id": order.id,
                        "status": order.status,
                        "amount": _money(order.value, order.currency),
                        "description": order.description,
                        "brand_name": order.brand_name,
                        "approve_url": self._approve_url(order),
                        "create_time": order.create_time,
                        "seconds_left": max(
                            0.0, order.created_at + self.approval_window - self._now()
                        ),
                    }
                )
            return waiting

    def _apply(self, order: _Order, decision: Decision) -> None:
        order.decision = decision
        if decision is Decision.APPROVE:
            payer_id = "".join(secrets.choice(_PAYER_ID_ALPHABET) for _ in range(13))
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
                self._order_json(order, full=True),
            )
        elif decision is Decision.CANCEL:
            order.status = "VOIDED"
            order.update_time = self._stamp()

    def _tick(self, order: _Order) -> None:
        """Let time act on ``order``: the default customer, then the approval window."""
        now = self._now()
        if (
            self._default is not None
            and order.decision is None
            and order.status in _AWAITING
            and not order.expired
        ):
            decision, delay = self._default
            if now >= order.created_at + delay and decision is not Decision.NO_ANSWER:
                self._apply(order, decision)
        if (
            not order.expired
            and order.status in _OPEN
            and now >= order.created_at + self.approval_window
        ):
            order.expired = True
            if order.status == "APPROVED":
                self._emit(
                    "CHECKOUT.PAYMENT-APPROVAL.REVERSED",
                    "checkout-order",
                    "A payment approval was reversed",
                    self._order_json(order, full=True),
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
            self._failures.append(_Failure(count, status, delay, after, path))

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
                event, "capture", f"Payment {status.lower()}", self._capture_json(capture, True)
            )

    def ledger(self) -> dict[str, list[dict[str, Any]]]:
        """Every capture and refund ever made (what the merchant account would show)."""
        with self._lock:
            return {
                "captures": [self._capture_json(c, True) for c in self._captures.values()],
                "refunds": [self._refund_json(r) for r in self._refunds.values()],
            }

    def order(self, order_id: str) -> dict[str, Any]:
        """The full representation of an order, as GET would show it (ignoring expiry)."""
        with self._lock:
            return self._order_json(self._orders[order_id], full=True)

    def add_webhook_listener(self, url: str) -> None:
        with self._lock:
            self.webhook_urls.append(url)

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
        event_id = f"WH-{_new_id(17)}-{_new_id(17)}"
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

    # -- representations ---------------------------------------------------------------
    def _approve_url(self, order: _Order) -> str:
        return f"{self.base_url}/checkoutnow?token={order.id}"

    def _order_links(self, order: _Order) -> list[dict[str, str]]:
        api = f"{self.base_url}/v2/checkout/orders/{order.id}"
        links = [{"href": api, "rel": "self", "method": "GET"}]
        if order.status in _AWAITING:
            rel = "payer-action" if order.experience else "approve"
            links.append({"href": self._approve_url(order), "rel": rel, "method": "GET"})
            if not order.experience:
                links.append({"href": api, "rel": "update", "method": "PATCH"})
                links.append({"href": f"{api}/capture", "rel": "capture", "method": "POST"})
        elif order.status == "APPROVED":
            links.append({"href": api, "rel": "update", "method": "PATCH"})
            links.append({"href": f"{api}/capture", "rel": "capture", "method": "POST"})
        return links

    def _order_json(self, order: _Order, *, full: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": order.id}
        if order.payer is not None:
            body["payment_source"] = {
                "paypal": {
                    "email_address": order.payer["email_address"],
                    "account_id": order.payer["payer_id"],
                    "account_status": "VERIFIED",
                    "name": order.payer["name"],
                    "address": order.payer["address"],
                }
            }
        if full:
            unit: dict[str, Any] = {
                "reference_id": order.reference_id,
                "amount": _money(order.value, order.currency),
                "payee": {
                    "email_address": "sb-merchant@business.example.com",
                    "merchant_id": self.merchant_id,
                },
            }
            for key in ("description", "custom_id", "invoice_id"):
                if getattr(order, key):
                    unit[key] = getattr(order, key)
            captures = [self._captures[c] for c in order.capture_ids]
            if captures:
                refunds = [r for r in self._refunds.values() if r.capture_id in order.capture_ids]
                unit["payments"] = {"captures": [self._capture_json(c) for c in captures]}
                if refunds:
                    unit["payments"]["refunds"] = [self._refund_json(r) for r in refunds]
            body.update({"intent": "CAPTURE", "status": order.status, "purchase_units": [unit]})
            if order.payer is not None:
                body["payer"] = {
                    k: order.payer[k] for k in ("name", "email_address", "payer_id", "address")
                }
            body["create_time"] = order.create_time
            body["update_time"] = order.update_time
        else:
            body["status"] = order.status
        body["links"] = self._order_links(order)
        return body

    def _capture_json(self, capture: _Capture, standalone: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"id": capture.id, "status": capture.status}
        if capture.reason:
            body["status_details"] = {"reason": capture.reason}
        body["amount"] = _money(capture.value, capture.currency)
        body["final_capture"] = True
        if capture.custom_id:
            body["custom_id"] = capture.custom_id
        body["seller_protection"] = {
            "status": "ELIGIBLE",
            "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
        }
        if capture.status != "PENDING":  # "not available for transactions that are pending"
            fixed = Decimal(40) if paypal_decimals(capture.currency) == 0 else Decimal("0.49")
            fee = min(capture.value, capture.value * Decimal("0.0349") + fixed)
            fee = fee.quantize(Decimal(1).scaleb(-paypal_decimals(capture.currency)))
            body["seller_receivable_breakdown"] = {
                "gross_amount": _money(capture.value, capture.currency),
                "paypal_fee": _money(fee, capture.currency),
                "net_amount": _money(capture.value - fee, capture.currency),
            }
        api = f"{self.base_url}/v2/payments/captures/{capture.id}"
        body["links"] = [
            {"href": api, "rel": "self", "method": "GET"},
            {"href": f"{api}/refund", "rel": "refund", "method": "POST"},
            {
                "href": f"{self.base_url}/v2/checkout/orders/{capture.order_id}",
                "rel": "up",
                "method": "GET",
            },
        ]
        body["create_time"] = capture.create_time
        body["update_time"] = capture.update_time
        if standalone:
            body["supplementary_data"] = {"related_ids": {"order_id": capture.order_id}}
            body["payee"] = {
                "email_address": "sb-merchant@business.example.com",
                "merchant_id": self.merchant_id,
            }
        return body

    def _refund_json(self, refund: _Refund) -> dict[str, Any]:
        zero = Decimal(0)
        body: dict[str, Any] = {
            "id": refund.id,
            "status": refund.status,
            "amount": _money(refund.value, refund.currency),
        }
        if refund.note:
            body["note_to_payer"] = refund.note
        body["seller_payable_breakdown"] = {
            "gross_amount": _money(refund.value, refund.currency),
            "paypal_fee": _money(zero, refund.currency),
            "net_amount": _money(refund.value, refund.currency),
            "total_refunded_amount": _money(refund.total_after, refund.currency),
        }
        payments = f"{self.base_url}/v2/payments"
        body["links"] = [
            {"href": f"{payments}/refunds/{refund.id}", "rel": "self", "method": "GET"},
            {"href": f"{payments}/captures/{refund.capture_id}", "rel": "up", "method": "GET"},
        ]
        body["create_time"] = refund.create_time
        body["update_time"] = refund.create_time
        return body

    # -- HTTP dispatch ------------------------------------------------------------------
    def _handle(self, request: _Request) -> _Response:
        failure = self._take_failure(request.path)
        if failure is not None and failure.delay:
            time.sleep(failure.delay)  # answer late: the caller may have given up already
        if failure is not None and failure.status and not failure.after:
            response = self._failure_response(failure.status)
        else:
            try:
                response = self._route(request)
            except _ApiError as exc:
                response = exc.response()
            except SandboxError as exc:
                response = _json_response(exc.status, {"error": str(exc)})
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

    def _take_failure(self, path: str) -> _Failure | None:
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
    def _failure_response(status: int) -> _Response:
        if status in _ERROR_NAMES and status >= 500:
            return _ApiError(status).response()
        return _Response(status, b"upstream trouble", {"Content-Type": "text/plain"})

    def _route(self, request: _Request) -> _Response:
        method, path = request.method, request.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        if path == "/v1/oauth2/token" and method == "POST":
            return self._oauth(request)
        if path.startswith("/v1/notifications/certs/") and method == "GET":
            if parts[-1] != self.cert_id:
                return _Response(404, b"", {})
            return _Response(200, self.signer.chain_pem, {"Content-Type": "application/x-pem-file"})
        if path == "/cgi-bin/webscr" and method == "POST":
            return self._ipn(request)
        if path == "/checkoutnow":
            return self._checkout_page(request)
        if path.startswith("/__sandbox__/"):
            return self._control(method, parts[1:], request)
        if path.startswith("/v2/"):
            self._authorise(request)
            return self._api(method, parts, request)
        return _Response(404, b"not found", {"Content-Type": "text/plain"})

    # -- OAuth and auth -------------------------------------------------------------------
    def _oauth(self, request: _Request) -> _Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or (user, password) != (self.client_id, self.client_secret):
            return _oauth_error(401, "invalid_client", "Client Authentication failed")
        form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return _oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        token = "A21AA" + secrets.token_urlsafe(60)
        with self._lock:
            self._tokens[token] = self._now() + self.token_lifetime
            self.issued_tokens.append(token)
        return _json_response(
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
            _debug_id(),
        )

    def _authorise(self, request: _Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _ApiError(401)
        with self._lock:
            until = self._tokens.get(token)
            if until is None or self._now() >= until:
                self._tokens.pop(token, None)
                raise _InvalidToken

    # -- API --------------------------------------------------------------------------
    def _api(self, method: str, parts: list[str], request: _Request) -> _Response:
        match (method, parts[1:]):
            case ("POST", ["checkout", "orders"]):
                return self._create(request)
            case ("GET", ["checkout", "orders", order_id]):
                with self._lock:
                    order = self._find_order(order_id)
                    return _json_response(200, self._order_json(order, full=True), _debug_id())
            case ("POST", ["checkout", "orders", order_id, "capture"]):
                return self._capture(order_id, request)
            case ("GET", ["payments", "captures", capture_id]):
                with self._lock:
                    capture = self._captures.get(capture_id)
                    if capture is None:
                        raise _ApiError(404, "INVALID_RESOURCE_ID", docs="payments/v2")
                    return _json_response(200, self._capture_json(capture, True), _debug_id())
            case ("POST", ["payments", "captures", capture_id, "refund"]):
                return self._refund(capture_id, request)
            case ("GET", ["payments", "refunds", refund_id]):
                with self._lock:
                    refund = self._refunds.get(refund_id)
                    if refund is None:
                        raise _ApiError(404, "INVALID_RESOURCE_ID", docs="payments/v2")
                    return _json_response(200, self._refund_json(refund), _debug_id())
        raise _ApiError(404)

    def _find_order(self, order_id: str) -> _Order:
        order = self._orders.get(order_id) if RESOURCE_ID_RE.match(order_id) else None
        if order is not None:
            self._tick(order)
        if order is None or order.expired:
            raise _ApiError(404, "INVALID_RESOURCE_ID")
        return order

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

    @staticmethod
    def _wants_full(request: _Request) -> bool:
        return "return=representation" in request.headers.get("prefer", "")

    def _create(self, request: _Request) -> _Response:
        request_id = request.headers.get("paypal-request-id", "")
        with self._lock:
            replay = self._replayed("create", request_id)
            if replay is not None and replay in self._orders:
                order = self._orders[replay]
                self._tick(order)
                return _json_response(200, self._order_json(order, full=True), _debug_id())
        mock = _mock_code(request.headers)
        if mock in _CREATE_MOCKS:
            raise _ApiError(422, mock)
        body = _parse_json(request.body, empty_ok=False)
        intent = body.get("intent")
        if intent is None:
            raise _ApiError(400, "MISSING_REQUIRED_PARAMETER", field_="/intent")
        if intent not in ("CAPTURE", "AUTHORIZE"):
            raise _ApiError(400, "INVALID_PARAMETER_VALUE", field_="/intent", value=str(intent))
        if intent == "AUTHORIZE":
            raise _ApiError(400, "NOT_SUPPORTED", field_="/intent", value="AUTHORIZE")
        units = body.get("purchase_units")
        if units is None:
            raise _ApiError(400, "MISSING_REQUIRED_PARAMETER", field_="/purchase_units")
        if not isinstance(units, list) or not units:
            raise _ApiError(400, "INVALID_ARRAY_MIN_ITEMS", field_="/purchase_units")
        if len(units) > 10:
            raise _ApiError(400, "INVALID_ARRAY_MAX_ITEMS", field_="/purchase_units")
        if len(units) > 1:
            raise _ApiError(400, "NOT_SUPPORTED", field_="/purchase_units/1")
        unit = units[0]
        if not isinstance(unit, dict):
            raise _ApiError(400, "INVALID_PARAMETER_SYNTAX", field_="/purchase_units/0")
        currency, value = _parse_amount(unit.get("amount"), "/purchase_units/0/amount")
        texts = {
            key: _check_text(unit, key, f"/purchase_units/0/{key}", 127)
            for key in ("description", "custom_id", "invoice_id")
        }
        reference_id = _check_text(unit, "reference_id", "/purchase_units/0/reference_id", 256)
        context, experience = self._experience(body)
        now = self._stamp()
        order = _Order(
            id=_new_id(),
            currency=currency,
            value=value,
            description=texts["description"],
            custom_id=texts["custom_id"],
            invoice_id=texts["invoice_id"],
            reference_id=reference_id or "default",
            brand_name=str(context.get("brand_name", "")),
            return_url=str(context.get("return_url", "")),
            cancel_url=str(context.get("cancel_url", "")),
            experience=experience,
            status="PAYER_ACTION_REQUIRED" if experience else "CREATED",
            created_at=self._now(),
            create_time=now,
            update_time=now,
        )
        with self._lock:
            replay = self._replayed("create", request_id)  # a twin may have won the race
            if replay is not None and replay in self._orders:
                return _json_response(
                    200, self._order_json(self._orders[replay], full=True), _debug_id()
                )
            self._orders[order.id] = order
            self._remember("create", request_id, order.id)
            return _json_response(
                201, self._order_json(order, full=self._wants_full(request)), _debug_id()
            )

    @staticmethod
    def _experience(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
        source = body.get("payment_source")
        if source is not None:
            if not isinstance(source, dict) or set(source) - {"paypal"}:
                raise _ApiError(400, "NOT_SUPPORTED", field_="/payment_source")
            wallet = source.get("paypal")
            context = wallet.get("experience_context", {}) if isinstance(wallet, dict) else None
            if not isinstance(context, dict):
                raise _ApiError(400, "INVALID_PARAMETER_SYNTAX", field_="/payment_source/paypal")
            pointer = "/payment_source/paypal/experience_context"
            enums = {
                "user_action": ("CONTINUE", "PAY_NOW"),
                "shipping_preference": ("GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"),
                "landing_page": ("LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE"),
                "payment_method_preference": ("UNRESTRICTED", "IMMEDIATE_PAYMENT_REQUIRED"),
            }
            for key, allowed in enums.items():
                if key in context and context[key] not in allowed:
                    raise _ApiError(
                        400, "INVALID_PARAMETER_VALUE", field_=f"{pointer}/{key}",
                        value=str(context[key]),
                    )  # fmt: skip
            _check_text(context, "brand_name", f"{pointer}/brand_name", 127)
            return context, True
        legacy = body.get("application_context")  # deprecated, still accepted by PayPal
        return (legacy if isinstance(legacy, dict) else {}), False

    def _capture(self, order_id: str, request: _Request) -> _Response:
        request_id = request.headers.get("paypal-request-id", "")
        scope = f"capture:{order_id}"
        with self._lock:
            replay = self._replayed(scope, request_id)
            if replay is not None and replay in self._orders:
                order = self._orders[replay]
                return _json_response(200, self._order_json(order, full=True), _debug_id())
            body = _parse_json(request.body, empty_ok=True)
            order = self._find_order(order_id)
            if "payment_source" in body:
                raise _ApiError(400, "NOT_SUPPORTED", field_="/payment_source")
            mock, order.mock = (_mock_code(request.headers) or order.mock), ""
            if mock == "INSTRUMENT_DECLINED" and order.status == "APPROVED":
                order.status = "PAYER_ACTION_REQUIRED" if order.experience else "CREATED"
                order.payer, order.decision = None, None
                order.update_time = self._stamp()
                redirect = {"href": self._approve_url(order), "rel": "redirect", "method": "GET"}
                raise _ApiError(422, mock, links=[redirect])
            if mock in _CAPTURE_MOCKS:
                raise _ApiError(422, mock)
            if order.status == "COMPLETED":
                raise _ApiError(422, "ORDER_ALREADY_CAPTURED")
            if order.status != "APPROVED":
                raise _ApiError(422, "ORDER_NOT_APPROVED")
            status, reason = _CAPTURE_STATUS_MOCKS.get(mock, ("COMPLETED", ""))
            now = self._stamp()
            capture = _Capture(
                _new_id(), order.id, order.currency, order.value, status, reason,
                order.custom_id, now, now,
            )  # fmt: skip
            self._captures[capture.id] = capture
            order.capture_ids.append(capture.id)
            order.status, order.update_time = "COMPLETED", now
            self._remember(scope, request_id, order.id)
            summary = (
                f"Payment {status.lower()} for {_fmt(order.value, order.currency)} {order.currency}"
            )
            event = {"COMPLETED": "PAYMENT.CAPTURE.COMPLETED", "PENDING": "PAYMENT.CAPTURE.PENDING"}
            self._emit(
                event.get(status, "PAYMENT.CAPTURE.DECLINED"),
                "capture",
                summary,
                self._capture_json(capture, True),
            )
            if status == "COMPLETED":
                self._emit(
                    "CHECKOUT.ORDER.COMPLETED",
                    "checkout-order",
                    "Checkout Order Completed",
                    self._order_json(order, full=True),
                )
            return _json_response(201, self._capture_answer(order, request), _debug_id())

    def _capture_answer(self, order: _Order, request: _Request) -> dict[str, Any]:
        if self._wants_full(request):
            return self._order_json(order, full=True)
        # return=minimal still carries the captures: it is what the caller asked for.
        full = self._order_json(order, full=True)
        unit = full["purchase_units"][0]
        minimal: dict[str, Any] = {"id": order.id, "status": order.status}
        if "payment_source" in full:
            minimal["payment_source"] = full["payment_source"]
        minimal["purchase_units"] = [
            {"reference_id": unit["reference_id"], "payments": unit["payments"]}
        ]
        minimal["links"] = full["links"]
        return minimal

    def _refund(self, capture_id: str, request: _Request) -> _Response:
        request_id = request.headers.get("paypal-request-id", "")
        scope = f"refund:{capture_id}"
        docs = "payments/v2"
        with self._lock:
            replay = self._replayed(scope, request_id)
            if replay is not None and replay in self._refunds:
                # The same refund again. Payments v2 documents only 201 for this call (unlike
                # Orders, which documents 200 for a replay), so the status stays 201.
                return _json_response(201, self._refund_json(self._refunds[replay]), _debug_id())
            capture = self._captures.get(capture_id)
            if capture is None:
                raise _ApiError(404, "INVALID_RESOURCE_ID", docs=docs)
            body = _parse_json(request.body, empty_ok=True)
            mock = _mock_code(request.headers)
            if mock in _REFUND_MOCKS:
                raise _ApiError(422, mock, docs=docs)
            if capture.status == "PENDING":
                raise _ApiError(422, "PENDING_CAPTURE", docs=docs)
            if capture.status == "REFUNDED":
                raise _ApiError(422, "CAPTURE_FULLY_REFUNDED", docs=docs)
            if capture.status not in ("COMPLETED", "PARTIALLY_REFUNDED"):
                raise _ApiError(422, "REFUND_NOT_ALLOWED", docs=docs)
            left = capture.value - capture.refunded
            if body.get("amount") is None:
                value = left
            else:
                raw = body["amount"]
                if (
                    isinstance(raw, Mapping)
                    and isinstance(raw.get("currency_code"), str)
                    and raw["currency_code"] != capture.currency
                ):
                    raise _ApiError(
                        422, "REFUND_CAPTURE_CURRENCY_MISMATCH", field_="/amount/currency_code",
                        docs=docs,
                    )  # fmt: skip
                _, value = _parse_amount(raw, "/amount", docs=docs)
                if value > left:
                    raise _ApiError(
                        422, "REFUND_AMOUNT_EXCEEDED", field_="/amount/value",
                        value=_fmt(value, capture.currency), docs=docs,
                    )  # fmt: skip
            note = _check_text(body, "note_to_payer", "/note_to_payer", 255)
            capture.refunded += value
            capture.status = (
                "REFUNDED" if capture.refunded == capture.value else "PARTIALLY_REFUNDED"
            )
            capture.update_time = self._stamp()
            refund = _Refund(
                _new_id(), capture.id, capture.currency, value, capture.refunded, note,
                self._stamp(),
            )  # fmt: skip
            self._refunds[refund.id] = refund
            self._remember(scope, request_id, refund.id)
            self._emit(
                "PAYMENT.CAPTURE.REFUNDED",
                "refund",
                f"A {_fmt(value, capture.currency)} {capture.currency} capture was refunded",
                self._refund_json(refund),
            )
            return _json_response(201, self._refund_json(refund), _debug_id())

    # -- IPN ----------------------------------------------------------------------------
    def _ipn(self, request: _Request) -> _Response:
        prefix = b"cmd=_notify-validate&"
        message = request.body[len(prefix) :] if request.body.startswith(prefix) else None
        with self._lock:
            verified = message is not None and message in self._ipn_sent
        return _Response(
            200,
            b"VERIFIED" if verified else b"INVALID",
            {"Content-Type": "text/html; charset=UTF-8"},
        )

    # -- the customer's approve page ------------------------------------------------------
    def _checkout_page(self, request: _Request) -> _Response:
        token = (request.query.get("token") or [""])[0]
        note = ""
        if request.method == "POST":
            form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
            token = (form.get("token") or [token])[0]
            choice = (form.get("decision") or [""])[0]
            try:
                self.decide(token, choice)
            except (SandboxError, ValueError) as exc:
                note = str(exc)
        elif request.method != "GET":
            return _Response(405, b"", {"Allow": "GET, POST"})
        with self._lock:
            order = self._orders.get(token)
            if order is not None:
                self._tick(order)
            return _Response(
                200 if order is not None else 404,
                _page(self, order, token, note).encode(),
                {"Content-Type": "text/html; charset=utf-8"},
            )

    # -- control paths --------------------------------------------------------------------
    def _control(self, method: str, parts: list[str], request: _Request) -> _Response:
        name = parts[0] if parts else ""
        try:
            body = _parse_json(request.body, empty_ok=True) if method == "POST" else {}
        except _ApiError:
            return _json_response(400, {"error": "the body must be a JSON object"})
        try:
            return self._control_action(method, name, body)
        except (ValueError, TypeError, KeyError) as exc:
            return _json_response(400, {"error": f"bad control request: {exc}"})

    def _control_action(self, method: str, name: str, body: Mapping[str, Any]) -> _Response:
        match (method, name):
            case ("POST", "customer"):
                if "default" in body:
                    self.set_default(body["default"], float(body.get("delay", 0.0)))
                    return _json_response(200, {"default": body["default"]})
                status = self.decide(
                    str(body["order_id"]),
                    str(body["decision"]),
                    mock_application_codes=str(body.get("mock_application_codes", "")),
                )
                return _json_response(200, {"order_id": body["order_id"], "status": status})
            case ("GET", "pending"):
                return _json_response(200, {"orders": self.pending()})
            case ("POST", "fail-next"):
                self.fail_next(
                    int(body.get("count", 1)),
                    int(body.get("status", 503)),
                    delay=float(body.get("delay", 0.0)),
                    after=bool(body.get("after", False)),
                    path=str(body.get("path", "/")),
                )
                return _json_response(200, {"ok": True})
            case ("POST", "expire-tokens"):
                self.expire_tokens()
                return _json_response(200, {"ok": True})
            case ("POST", "advance"):
                self.advance(float(body["seconds"]))
                return _json_response(200, {"ok": True})
            case ("POST", "capture-status"):
                self.settle_capture(str(body["capture_id"]), str(body.get("status", "COMPLETED")))
                return _json_response(200, {"ok": True})
            case ("GET", "ledger"):
                return _json_response(200, self.ledger())
            case ("GET", "webhooks"):
                with self._lock:
                    events = [
                        {
                            "event_type": record.event_type,
                            "id": record.event["id"],
                            "headers": record.headers,
                            "body": record.body.decode(),
                            "deliveries": list(record.deliveries),
                        }
                        for record in self.webhook_events
                    ]
                    payload = {
                        "webhook_id": self.webhook_id,
                        "cert_url": self.cert_url,
                        "listeners": list(self.webhook_urls),
                        "events": events,
                    }
                return _json_response(200, payload)
            case ("POST", "webhooks"):
                self.add_webhook_listener(str(body["url"]))
                return _json_response(200, {"ok": True})
            case ("POST", "ipn"):
                fields = body["fields"]
                if not isinstance(fields, dict):
                    raise TypeError("fields must be an object")
                message = self.ipn_message({str(k): str(v) for k, v in fields.items()})
                return _json_response(200, {"body": message.decode()})
        return _json_response(404, {"error": f"no control path {method} /__sandbox__/{name}"})


class _InvalidToken(_ApiError):
    """PayPal's answer to an unknown or expired token (OAuth shape, not the spec's)."""

    def __init__(self) -> None:
        super().__init__(401)

    def response(self) -> _Response:
        return _oauth_error(401, "invalid_token", "Access Token not found in cache")


_PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f5f7fa;margin:0;padding:1.5rem}"
    "main{max-width:26rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;"
    "box-shadow:0 2px 8px #0002}.badge{background:#ffe08a;padding:.4rem .6rem;"
    "border-radius:6px;font-size:.85rem}.amount{font-size:2rem;font-weight:700}"
    "button{font-size:1.1rem;width:100%;padding:.8rem;margin:.4rem 0;border-radius:24px;"
    "border:0}.approve{background:#0070ba;color:#fff}.cancel{background:#e6e9ee}"
)


def _page(sandbox: PayPalSandbox, order: _Order | None, token: str, note: str) -> str:
    """The approve page: what the customer's phone shows after scanning the QR code."""
    esc = html.escape
    if order is None:
        body = "<h1>Payment not found</h1><p>This payment link is not valid.</p>"
    else:
        amount = f"{esc(order.currency)} {esc(_fmt(order.value, order.currency))}"
        heading = f"<h1>{esc(order.brand_name or 'Merchant')}</h1><p class='amount'>{amount}</p>"
        if order.description:
            heading += f"<p>{esc(order.description)}</p>"
        if order.expired:
            state = "<p>This payment has expired. Ask the cashier to start again.</p>"
        elif order.status in _AWAITING:
            state = (
                f"<form method='post' action='/checkoutnow?token={esc(order.id)}'>"
                f"<input type='hidden' name='token' value='{esc(order.id)}'>"
                "<button class='approve' name='decision' value='approve'>Approve and pay</button>"
                "<button class='cancel' name='decision' value='cancel'>Cancel</button></form>"
            )
        elif order.status in ("APPROVED", "COMPLETED"):
            back = order.return_url
            link = ""
            if back:
                query = urllib.parse.urlencode(
                    {"token": order.id, "PayerID": (order.payer or {}).get("payer_id", "")}
                )
                link = f"<p><a href='{esc(back)}?{esc(query)}'>Return to merchant</a></p>"
            state = f"<p>You approved this payment. You can go back to the till.</p>{link}"
        else:
            back = order.cancel_url
            link = (
                f"<p><a href='{esc(back)}?token={esc(order.id)}'>Return to merchant</a></p>"
                if back
                else ""
            )
            state = f"<p>You cancelled this payment.</p>{link}"
        body = heading + state
    if note:
        body += f"<p role='alert'>{esc(note)}</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>PayPal sandbox - {esc(token)}</title><style>{_PAGE_STYLE}</style></head>"
        "<body><main>"
        "<p class='badge'>Kaunta training sandbox: not PayPal, no real money</p>"
        f"{body}</main></body></html>"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: PayPalSandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "KauntaPayPalSandbox/1.0"

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        split = urllib.parse.urlsplit(self.path)
        request = _Request(
            self.command,
            self.path,
            urllib.parse.parse_qs(split.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        try:
            response = self.server.sandbox._handle(request)
        except Exception:  # a sandbox bug must still answer, as PayPal would: 500
            log.exception("PayPal sandbox failed on %s %s", self.command, split.path)
            response = _ApiError(500).response()
        try:
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up (timeout); PayPal would not notice either

    do_GET = _serve
    do_POST = _serve
    do_PATCH = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("paypal sandbox: " + format, *args)


# -- command line -----------------------------------------------------------------------


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run a sandbox until interrupted (Ctrl+C) or ``stop`` is set: ``kaunta sandbox paypal``."""
    stream = out or sys.stdout
    sandbox = PayPalSandbox(host, port)
    with sandbox:
        print(f"PayPal sandbox running at {sandbox.base_url}", file=stream)
        print(f"  client id:     {sandbox.client_id}", file=stream)
        print(f"  client secret: {sandbox.client_secret}", file=stream)
        print(f"  webhook id:    {sandbox.webhook_id}", file=stream)
        print(f"  approve page:  {sandbox.base_url}/checkoutnow?token=<order id>", file=stream)
        print(f"  waiting:       {sandbox.base_url}/__sandbox__/pending", file=stream)
        print("Press Ctrl+C to stop.", file=stream, flush=True)
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("Stopping.", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pos.payments.paypal.sandbox [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description="Run Kaunta's local PayPal sandbox.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


def iter_events(sandbox: PayPalSandbox, event_type: str) -> Iterator[WebhookRecord]:
    """The sandbox's signed events of one type, oldest first."""
    return (record for record in list(sandbox.webhook_events) if record.event_type == event_type)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = [
    "DEFAULT_PORT",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_WEBHOOK_ID",
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
