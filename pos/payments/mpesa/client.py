"""A thin client for Safaricom Daraja's M-Pesa Express (STK push) API.

Three calls, each with its own retry rule (see ``pos.payments.http``):

* ``GET /oauth/v1/generate`` — an access token, cached and refreshed a margin before its
  ``expires_in`` (a JSON *string* on the wire). Safe to repeat.
* ``POST /mpesa/stkpush/v1/processrequest`` — prompt the customer's phone. Daraja has no
  idempotency key, so this is sent **once**: if its answer is lost nobody knows whether the
  phone was prompted, and the caller must not push again blindly. (The only resend is after
  an "invalid access token" answer, which is given before anything is processed.)
* ``POST /mpesa/stkpushquery/v1/query`` — where a push stands. Safe to repeat.

An expired or revoked token mid-flow (404.001.03 / 401) drops the cached token and sends
the call once more with a fresh one. Error envelopes become :class:`DarajaError`; answers
that cannot be used at all become ``GatewayUnavailable`` (outcome unknown, ask again).

The STK callback parser (:func:`parse_stk_callback`, :class:`StkCallback`,
:class:`MalformedCallback`) lives in the pure module :mod:`pos.payments.mpesa.callback`, which
the head office imports without any HTTP client; it is re-exported here for the till's code.
The token cache is the one every gateway shares (:mod:`pos.payments.tokens`).

Everything logged goes through :meth:`DarajaClient.scrub`, which removes the token, the
consumer key and secret, the passkey and passwords derived from it, and masks phone numbers.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, Literal

import requests

from pos.payments.base import GatewayUnavailable
from pos.payments.http import HttpClient, HttpSettings
from pos.payments.mpesa.callback import MalformedCallback, StkCallback, parse_stk_callback
from pos.payments.mpesa.codes import error_field, is_invalid_token, is_processing, result_key
from pos.payments.scrubbing import mask_phones
from pos.payments.tokens import AccessToken, TokenCache, parse_expires_in

__all__ = [
    "NAIROBI",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "DarajaClient",
    "DarajaConfig",
    "DarajaError",
    "MalformedCallback",
    "StkCallback",
    "StkPushResponse",
    "StkQueryResponse",
    "daraja_timestamp",
    "parse_stk_callback",
    "scrub_text",
    "stk_password",
]

log = logging.getLogger(__name__)

SANDBOX_BASE_URL = "https://sandbox.safaricom.co.ke"
PRODUCTION_BASE_URL = "https://api.safaricom.co.ke"

TOKEN_PATH = "/oauth/v1/generate"
PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
QUERY_PATH = "/mpesa/stkpushquery/v1/query"


def _nairobi() -> tzinfo:
    """East Africa Time. Kenya has had no daylight saving since 1942, so a fixed +03:00 is
    an exact stand-in where the tz database is missing (Windows without ``tzdata``)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Africa/Nairobi")
    except Exception:  # pragma: no cover - depends on the machine's tz database
        return timezone(timedelta(hours=3), "EAT")


#: Daraja timestamps (password, TransactionDate) are Nairobi wall-clock time.
NAIROBI = _nairobi()

Mode = Literal["paybill", "till"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def daraja_timestamp(when: datetime) -> str:
    """``YYYYMMDDHHmmss`` in Africa/Nairobi time; ``when`` must be timezone-aware."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("Daraja timestamps need a timezone-aware datetime")
    return when.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def stk_password(shortcode: str, passkey: str, timestamp: str) -> str:
    """``base64(BusinessShortCode + Passkey + Timestamp)``: plain string concatenation."""
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode("ascii")


@dataclass(frozen=True, slots=True)
class DarajaConfig:
    """Where and as whom to call Daraja. Secrets are kept out of ``repr``.

    In ``"paybill"`` mode the money goes to ``shortcode`` (PartyB = BusinessShortCode,
    TransactionType CustomerPayBillOnline). In ``"till"`` mode ``shortcode`` is the store /
    head-office number the passkey belongs to and ``till_number`` receives the money
    (PartyB = till, CustomerBuyGoodsOnline).
    """

    base_url: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    shortcode: str
    passkey: str = field(repr=False)
    callback_url: str
    mode: Mode = "paybill"
    till_number: str = ""
    account_reference: str = ""  # shown in the prompt; the sale's reference if empty
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    retries: int = 2  # extra tries for the token and the query (never the push)
    backoff: float = 0.25
    ca_bundle: str | None = None  # PEM file of CAs to trust; TLS is always verified
    token_margin: float = 60.0  # refresh this many seconds before the token expires
    max_reference_len: int = 12  # AccountReference limit (portal text)
    max_description_len: int = 13  # TransactionDesc limit per the portal: GUESS, see docs

    def __post_init__(self) -> None:
        if self.mode not in ("paybill", "till"):
            raise ValueError(f"M-Pesa mode must be 'paybill' or 'till', not {self.mode!r}")
        if not re.fullmatch(r"\d{5,7}", self.shortcode):
            raise ValueError(f"M-Pesa shortcode must be 5-7 digits, not {self.shortcode!r}")
        if self.mode == "till" and not re.fullmatch(r"\d{5,7}", self.till_number):
            raise ValueError("M-Pesa till mode needs till_number (5-7 digits)")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"M-Pesa base_url must be an http(s) URL, not {self.base_url!r}")

    @property
    def transaction_type(self) -> str:
        return "CustomerBuyGoodsOnline" if self.mode == "till" else "CustomerPayBillOnline"

    @property
    def party_b(self) -> str:
        return self.till_number if self.mode == "till" else self.shortcode

    def http_settings(self) -> HttpSettings:
        return HttpSettings(
            base_url=self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries=self.retries,
            backoff=self.backoff,
            ca_bundle=self.ca_bundle,
        )


# -- answers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StkPushResponse:
    """Daraja accepted the push: the prompt is on its way. Not "paid"."""

    merchant_request_id: str
    checkout_request_id: str
    response_code: str
    response_description: str
    customer_message: str


@dataclass(frozen=True, slots=True)
class StkQueryResponse:
    """A final answer about a push (pending pushes answer with a DarajaError instead)."""

    merchant_request_id: str
    checkout_request_id: str
    response_code: str
    response_description: str
    result_code: str  # always a string here: "0", "1032", "SFC_IC0003"
    result_desc: str


class DarajaError(Exception):
    """An error envelope ``{"requestId","errorCode","errorMessage"}`` (or a bare HTTP error,
    ``code="http.<status>"``). ``operation`` says which call: "token", "push" or "query"."""

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int,
        *,
        request_id: str = "",
        operation: str = "",
    ) -> None:
        super().__init__(f"{code}: {message} (HTTP {http_status})")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.operation = operation

    @property
    def field(self) -> str:
        """The field a 400.002.02 "Bad Request - Invalid <Field>" names, else ``""``."""
        return error_field(self.message) if self.code == "400.002.02" else ""

    @property
    def processing(self) -> bool:
        """The query's "still being processed" answer (the push is pending)."""
        return is_processing(self.code, self.message)

    @property
    def invalid_token(self) -> bool:
        return is_invalid_token(self.code, self.http_status)


# -- scrubbing ---------------------------------------------------------------------------

_REDACTED = "[REDACTED]"
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SECRET_FIELD = re.compile(
    r"(?i)(\"?(?:password|passkey|access_token|consumer_key|consumer_secret|secret|token)\"?"
    r"\s*[:=]\s*\"?)([^\s\",&}]+)"
)
_B64_BLOB = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


def _decodes_to_secret(blob: str, secrets: tuple[str, ...]) -> bool:
    try:
        decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False)
    except (binascii.Error, ValueError):
        return False
    text = decoded.decode("latin-1")
    return any(s and s in text for s in secrets)


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove ``secrets`` (literally and inside base64 blobs such as the STK password or a
    Basic header), bearer/basic credentials and secret-named fields; mask phone numbers."""
    known = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True))
    for secret in known:
        text = text.replace(secret, _REDACTED)
    if known:
        text = _B64_BLOB.sub(
            lambda m: _REDACTED if _decodes_to_secret(m.group(0), known) else m.group(0), text
        )
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + _REDACTED, text)
    return mask_phones(text)


# -- the client --------------------------------------------------------------------------


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _text(value: object) -> str:
    return "" if value is None else str(value)


class DarajaClient:
    """The shared token cache + the three Daraja calls.

    Thread-safe: the network threads of the till may call it at once (the token cache is
    shared and single-flight; :class:`~pos.payments.http.HttpClient` is thread-safe).
    """

    def __init__(
        self,
        config: DarajaConfig,
        http: HttpClient | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.config = config
        self._clock = clock
        self._http = http or HttpClient(config.http_settings(), "mpesa", self.scrub)
        self._tokens = TokenCache(
            self._fetch_token,
            name="M-Pesa",
            margin=config.token_margin,
            clock=lambda: self._now().timestamp(),
        )
        basic = base64.b64encode(f"{config.consumer_key}:{config.consumer_secret}".encode()).decode(
            "ascii"
        )
        self._static_secrets = (config.consumer_key, config.consumer_secret, config.passkey, basic)
        self._passwords: deque[str] = deque(maxlen=8)  # STK passwords used, for scrub

    def close(self) -> None:
        """Close the connections; later calls fail at once (``GatewayUnavailable``)."""
        self._http.close()

    # -- secrets -------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """``text`` without this client's secrets, tokens and passwords; phones masked."""
        return scrub_text(
            text, (*self._static_secrets, *self._tokens.issued, *tuple(self._passwords))
        )

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("DarajaClient's clock must return timezone-aware datetimes")
        return now

    def _password(self) -> tuple[str, str]:
        timestamp = daraja_timestamp(self._now())
        password = stk_password(self.config.shortcode, self.config.passkey, timestamp)
        self._passwords.append(password)
        return password, timestamp

    # -- token ---------------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid access token: the cached one, or a new one if it is (nearly) expired."""
        return self._tokens.get()

    def drop_token(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when one is given)."""
        self._tokens.forget(token)

    def _fetch_token(self) -> AccessToken:
        """``GET /oauth/v1/generate`` (safe to repeat); run by the token cache."""
        response = self._http.request(
            "GET",
            TOKEN_PATH,
            safe_to_repeat=True,
            params={"grant_type": "client_credentials"},
            auth=(self.config.consumer_key, self.config.consumer_secret),
        )
        if response.status_code != 200:
            raise self._error(response, "token")
        body = _json_object(response)
        token = body.get("access_token") if body else None
        if not isinstance(token, str) or not token:
            raise GatewayUnavailable(
                "M-Pesa's login answer had no access token. The payment's outcome is not "
                "known yet; it will be checked again."
            )
        ttl = parse_expires_in(body.get("expires_in") if body else None)
        if ttl is None:
            log.warning("M-Pesa token answer had an unusable expires_in; assuming 300 s")
            ttl = 300.0
        return AccessToken(token, ttl)

    # -- calls ---------------------------------------------------------------------------
    def _error(self, response: requests.Response, operation: str) -> DarajaError:
        """The error envelope as a :class:`DarajaError`. A bare 5xx (a proxy or load
        balancer answering, retries already spent where safe) raises ``GatewayUnavailable``:
        Daraja itself said nothing, so the outcome is unknown."""
        body = _json_object(response)
        if not (body and body.get("errorCode")) and response.status_code >= 500:
            after = (
                "so it is not known whether the customer's phone was prompted. Ask the "
                "customer before trying again."
                if operation == "push"
                else "The payment's outcome is not known yet; it will be checked again."
            )
            raise GatewayUnavailable(
                f"M-Pesa answered HTTP {response.status_code} to the {operation} request, " + after
            )
        if body and body.get("errorCode"):
            return DarajaError(
                _text(body.get("errorCode")),
                _text(body.get("errorMessage")),
                response.status_code,
                request_id=_text(body.get("requestId")),
                operation=operation,
            )
        reason = response.reason or "error"
        return DarajaError(
            f"http.{response.status_code}", str(reason), response.status_code, operation=operation
        )

    def _post(self, path: str, body: Mapping[str, Any], operation: str, *, safe: bool) -> Any:
        """POST with a bearer token; one resend with a fresh token if Daraja refuses it."""
        debug = log.isEnabledFor(logging.DEBUG)  # scrubbing costs; only for a DEBUG log
        if debug:
            log.debug("M-Pesa %s request: %s", operation, self.scrub(json.dumps(body)))
        for attempt in (1, 2):
            token = self.access_token()
            response = self._http.request(
                "POST",
                path,
                safe_to_repeat=safe,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                json=dict(body),
            )
            if debug:
                log.debug(
                    "M-Pesa %s answer HTTP %s: %s",
                    operation,
                    response.status_code,
                    self.scrub(response.text[:2000]),
                )
            if response.status_code == 200:
                answer = _json_object(response)
                if answer is None:
                    raise GatewayUnavailable(
                        f"M-Pesa answered the {operation} with something unreadable. The "
                        "payment's outcome is not known yet; it will be checked again."
                    )
                return answer
            error = self._error(response, operation)
            if attempt == 1 and error.invalid_token:
                log.info("M-Pesa refused the access token (%s); getting a new one", error.code)
                self.drop_token(token)
                continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def stk_push(
        self,
        amount_kes: int,
        phone: str,
        reference: str,
        description: str,
        *,
        callback_url: str | None = None,
    ) -> StkPushResponse:
        """Prompt ``phone`` (an MSISDN ``2547…``/``2541…``) to pay ``amount_kes`` shillings.

        Sent once (never retried on a lost answer). ``reference`` is the AccountReference
        shown in the prompt (the configured one wins), cut to 12 characters;
        ``description`` is cut to the configured TransactionDesc limit.
        """
        if isinstance(amount_kes, bool) or not isinstance(amount_kes, int) or amount_kes < 1:
            raise ValueError(
                f"STK push amount must be a whole number of shillings ≥ 1: {amount_kes!r}"
            )
        password, timestamp = self._password()
        account = (self.config.account_reference or reference or "Kaunta").strip()
        body = {
            "BusinessShortCode": self.config.shortcode,
            "Password": password,
            "Timestamp": timestamp,
            "TransactionType": self.config.transaction_type,
            "Amount": amount_kes,
            "PartyA": phone,
            "PartyB": self.config.party_b,
            "PhoneNumber": phone,
            "CallBackURL": callback_url or self.config.callback_url,
            "AccountReference": account[: self.config.max_reference_len],
            "TransactionDesc": (description.strip() or "Payment")[
                : self.config.max_description_len
            ],
        }
        answer = self._post(PUSH_PATH, body, "push", safe=False)
        checkout = answer.get("CheckoutRequestID")
        code = _text(answer.get("ResponseCode")).strip()
        if code and code != "0":
            raise DarajaError(
                f"response.{code}",
                _text(answer.get("ResponseDescription")),
                200,
                operation="push",
            )
        if not isinstance(checkout, str) or not checkout:
            raise GatewayUnavailable(
                "M-Pesa accepted the push but sent no CheckoutRequestID. The payment's outcome "
                "is not known; ask the customer before trying again."
            )
        return StkPushResponse(
            merchant_request_id=_text(answer.get("MerchantRequestID")),
            checkout_request_id=checkout,
            response_code=code or "0",
            response_description=_text(answer.get("ResponseDescription")),
            customer_message=_text(answer.get("CustomerMessage")),
        )

    def stk_query(self, checkout_request_id: str) -> StkQueryResponse:
        """Ask where a push stands. Pending raises :class:`DarajaError` with ``processing``."""
        password, timestamp = self._password()
        body = {
            "BusinessShortCode": self.config.shortcode,
            "Password": password,
            "Timestamp": timestamp,
            "CheckoutRequestID": checkout_request_id,
        }
        answer = self._post(QUERY_PATH, body, "query", safe=True)
        raw_result = answer.get("ResultCode")
        try:
            result = result_key(raw_result)
        except TypeError:
            raise GatewayUnavailable(
                "M-Pesa's status answer had no usable ResultCode; it will be checked again."
            ) from None
        return StkQueryResponse(
            merchant_request_id=_text(answer.get("MerchantRequestID")),
            checkout_request_id=_text(answer.get("CheckoutRequestID")),
            response_code=_text(answer.get("ResponseCode")),
            response_description=_text(answer.get("ResponseDescription")),
            result_code=result,
            result_desc=_text(answer.get("ResultDesc")),
        )
