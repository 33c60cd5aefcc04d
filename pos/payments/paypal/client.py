"""A thin client for PayPal's REST API: OAuth, Orders v2 and captured-payment refunds.

Thin on purpose: it speaks the wire format (PayPal's OpenAPI files, Orders 2.13 and
Payments v2) and turns answers into small typed values; what a status *means* for a sale
is decided in :mod:`pos.payments.paypal.method`.

House rules it follows:

- Every call goes through :class:`~pos.payments.http.HttpClient` (timeouts, retries only
  where safe). Reads are safe to repeat; so is every POST here, because each one carries a
  ``PayPal-Request-Id`` that PayPal uses to answer a repeat with the first result instead
  of doing the work twice.
- The OAuth token is cached until shortly before ``expires_in`` (a JSON *number* at
  PayPal) and fetched again, once, when an API call answers 401. The cache is the one every
  gateway shares (:mod:`pos.payments.tokens`): thread-safe, one fetch at a time.
- A 4xx answer becomes :class:`PayPalError` (status, name, issue, description, debug id,
  links), parsed from the spec's error shape or from the OAuth ``error`` shape. A 5xx or an
  unreadable answer becomes :class:`PayPalUnavailable`, a :class:`GatewayUnavailable`: the
  outcome is unknown and must be asked again.
- Money goes out as the spec's string (``^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$``) with
  exactly the currency's decimals at PayPal (none for HUF, JPY, TWD); it comes back as
  :class:`~pos.domain.money.Money` or not at all.
- :meth:`PayPalClient.scrub` removes tokens, the client secret and Authorization headers
  from any transcript; everything this module logs has been through it.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from pos.domain.errors import InvalidAmount
from pos.domain.money import Money, exponent
from pos.payments.base import GatewayUnavailable
from pos.payments.http import HttpClient, HttpSettings
from pos.payments.scrubbing import mask_phones
from pos.payments.tokens import AccessToken, TokenCache, parse_expires_in

log = logging.getLogger(__name__)

LIVE_BASE_URL = "https://api-m.paypal.com"
SANDBOX_BASE_URL = "https://api-m.sandbox.paypal.com"

#: Currencies PayPal accepts (developer.paypal.com/api/rest/reference/currency-codes).
#: BRL, CNY and MYR only for in-country accounts. KES is not on the list.
PAYPAL_CURRENCIES: frozenset[str] = frozenset(
    {
        "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR",
        "MXN", "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "RUB", "SGD", "SEK", "CHF", "THB",
        "USD",
    }
)  # fmt: skip

#: Currencies PayPal takes without decimals ("If you pass a decimal amount, an error occurs").
ZERO_DECIMAL_CURRENCIES: frozenset[str] = frozenset({"HUF", "JPY", "TWD"})

#: The spec's ``money.value`` pattern and limits.
MONEY_VALUE_RE = re.compile(r"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$")
MONEY_VALUE_MAX_LEN = 32
MAX_INTEGER_DIGITS = 15

#: PayPal ids of orders, captures and refunds (spec: ``^[A-Z0-9]+$``, at most 36).
RESOURCE_ID_RE = re.compile(r"^[A-Z0-9]{1,36}$")

#: ``PayPal-Request-Id`` length limits (spec parameters.paypal_request_id).
REQUEST_ID_MAX_LEN = 108

_TEXT_LIMIT = 127  # description, custom_id, invoice_id


def paypal_decimals(currency: str) -> int:
    """How many decimals PayPal expects for ``currency``."""
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def to_paypal_value(amount: Money) -> str:
    """``Money`` → the spec's value string with exactly PayPal's decimals for its currency.

    Raises ``ValueError`` when the amount cannot be sent as it is (fractions of a yen, or
    more than 15 digits before the point): better refused here than by PayPal mid-sale.
    """
    digits = paypal_decimals(amount.currency)
    value = amount.to_decimal()
    quantum = Decimal(1).scaleb(-digits)
    rounded = value.quantize(quantum)
    if rounded != value:
        raise ValueError(f"PayPal takes {amount.currency} with {digits} decimals, not {amount}")
    text = f"{rounded:.{digits}f}"
    whole = text.lstrip("-").split(".")[0]
    if len(whole) > MAX_INTEGER_DIGITS or not MONEY_VALUE_RE.match(text):
        raise ValueError(f"{amount} is too large for PayPal")
    return text


def money_json(amount: Money) -> dict[str, str]:
    """``Money`` → the spec's ``money`` object."""
    return {"currency_code": amount.currency, "value": to_paypal_value(amount)}


def parse_money(obj: object) -> Money:
    """The spec's ``money`` object → ``Money``; ``PayPalProtocolError`` if it is not one."""
    if not isinstance(obj, Mapping):
        raise PayPalProtocolError("PayPal sent an amount that is not an object")
    currency, value = obj.get("currency_code"), obj.get("value")
    if not isinstance(currency, str) or not isinstance(value, str):
        raise PayPalProtocolError("PayPal sent an amount without currency_code/value strings")
    if len(value) > MONEY_VALUE_MAX_LEN or not MONEY_VALUE_RE.match(value):
        raise PayPalProtocolError(f"PayPal sent an amount that is not a number: {value!r}")
    try:
        scaled = Decimal(value).scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise PayPalProtocolError(f"PayPal sent {value} {currency}: too many decimals")
        return Money(int(scaled), currency)
    except (InvalidAmount, InvalidOperation) as exc:
        raise PayPalProtocolError(f"PayPal sent an amount Kaunta cannot hold: {exc}") from None


def check_resource_id(value: str) -> str:
    """Refuse anything but a PayPal id before it is put into a URL path."""
    if not RESOURCE_ID_RE.match(value):
        raise ValueError(f"not a PayPal resource id: {value!r}")
    return value


def check_request_id(value: str) -> str:
    if not 1 <= len(value) <= REQUEST_ID_MAX_LEN:
        raise ValueError("PayPal-Request-Id must be 1-108 characters")
    return value


# -- errors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """One HATEOAS link of an answer."""

    href: str
    rel: str
    method: str = "GET"


def _links(raw: object) -> tuple[Link, ...]:
    if not isinstance(raw, list):
        return ()
    found: list[Link] = []
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("href"), str):
            rel, method = str(item.get("rel", "")), str(item.get("method", "GET"))
            found.append(Link(str(item["href"]), rel, method))
        # anything else is ignored: links are hints, never required for correctness
    return tuple(found)


def _find_link(links: Iterable[Link], *rels: str) -> str:
    by_rel = {link.rel: link.href for link in links}
    return next((by_rel[rel] for rel in rels if rel in by_rel), "")


class PayPalError(Exception):
    """PayPal refused a request (HTTP 4xx): nothing happened, and why is in ``issue``.

    ``name`` is the spec's error name (``UNPROCESSABLE_ENTITY``) or the OAuth error
    (``invalid_client``); ``issue`` the first detail's issue (``ORDER_NOT_APPROVED``),
    or the upper-cased OAuth error when there are no details.
    """

    def __init__(
        self,
        status: int,
        name: str,
        issue: str,
        description: str,
        debug_id: str = "",
        links: tuple[Link, ...] = (),
        details: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        self.status = status
        self.name = name
        self.issue = issue
        self.description = description
        self.debug_id = debug_id
        self.links = links
        self.details = details
        super().__init__(
            f"PayPal {status} {name}/{issue}: {description}"
            + (f" (debug id {debug_id})" if debug_id else "")
        )

    def link(self, rel: str) -> str:
        """The href of the error's link with relation ``rel`` (``redirect``), or ``""``."""
        return _find_link(self.links, rel)

    @classmethod
    def from_response(cls, response: requests.Response) -> PayPalError:
        """Parse PayPal's error shape, the OAuth shape, or neither (then name = HTTP_<code>)."""
        status = response.status_code
        header_debug = response.headers.get("paypal-debug-id", "")
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, Mapping) and isinstance(body.get("name"), str):
            raw_details = body.get("details")
            listed = raw_details if isinstance(raw_details, list) else []
            details = tuple(d for d in listed if isinstance(d, Mapping))
            first = details[0] if details else {}
            name = str(body["name"])
            return cls(
                status,
                name,
                str(first.get("issue") or name),
                str(first.get("description") or body.get("message") or ""),
                str(body.get("debug_id") or header_debug),
                _links(body.get("links")),
                details,
            )
        if isinstance(body, Mapping) and isinstance(body.get("error"), str):
            error = str(body["error"])
            return cls(
                status,
                error,
                error.upper(),
                str(body.get("error_description") or ""),
                header_debug,
            )
        return cls(status, f"HTTP_{status}", f"HTTP_{status}", response.reason or "", header_debug)


class PayPalUnavailable(GatewayUnavailable):
    """PayPal answered 5xx: it may or may not have done the work; ask again later."""


class PayPalProtocolError(GatewayUnavailable):
    """PayPal answered something this client cannot read: treated as no answer at all."""


# -- answers --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capture:
    """One captured payment of an order (``purchase_units[].payments.captures[]``)."""

    id: str
    status: str  # COMPLETED, DECLINED, PARTIALLY_REFUNDED, PENDING, REFUNDED, FAILED
    amount: Money | None
    reason: str = ""  # status_details.reason, e.g. PENDING_REVIEW


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund of a captured payment."""

    id: str
    status: str  # CANCELLED, FAILED, PENDING, COMPLETED
    amount: Money | None
    reason: str = ""
    http_status: int = 0


@dataclass(frozen=True, slots=True)
class Order:
    """The parts of an order the till needs; ``raw`` keeps the whole answer."""

    id: str
    status: str  # CREATED, SAVED, APPROVED, VOIDED, COMPLETED, PAYER_ACTION_REQUIRED
    links: tuple[Link, ...] = ()
    captures: tuple[Capture, ...] = ()
    refunds: tuple[Refund, ...] = ()
    payer_email: str = ""
    http_status: int = 0  # 201 first time, 200 when PayPal replays an idempotent request
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def approve_url(self) -> str:
        """Where the customer approves: ``payer-action`` (experience_context) or ``approve``."""
        return _find_link(self.links, "payer-action", "approve")

    def link(self, rel: str) -> str:
        return _find_link(self.links, rel)


def _capture(raw: Mapping[str, Any]) -> Capture:
    details = raw.get("status_details")
    reason = details.get("reason", "") if isinstance(details, Mapping) else ""
    amount = parse_money(raw["amount"]) if "amount" in raw else None
    return Capture(str(raw.get("id", "")), str(raw.get("status", "")), amount, str(reason))


def _refund(raw: Mapping[str, Any], http_status: int = 0) -> Refund:
    details = raw.get("status_details")
    reason = details.get("reason", "") if isinstance(details, Mapping) else ""
    amount = parse_money(raw["amount"]) if "amount" in raw else None
    return Refund(
        str(raw.get("id", "")), str(raw.get("status", "")), amount, str(reason), http_status
    )


def parse_order(body: object, http_status: int = 0) -> Order:
    """An order answer (full or minimal) → :class:`Order`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
        raise PayPalProtocolError("PayPal sent an order without an id")
    captures: list[Capture] = []
    refunds: list[Refund] = []
    units = body.get("purchase_units")
    for unit in units if isinstance(units, list) else ():
        payments = unit.get("payments") if isinstance(unit, Mapping) else None
        if not isinstance(payments, Mapping):
            continue
        for raw in payments.get("captures") or ():
            if isinstance(raw, Mapping):
                captures.append(_capture(raw))
        for raw in payments.get("refunds") or ():
            if isinstance(raw, Mapping):
                refunds.append(_refund(raw))
    email = ""
    source = body.get("payment_source")
    wallet = source.get("paypal") if isinstance(source, Mapping) else None
    if isinstance(wallet, Mapping):
        email = str(wallet.get("email_address", ""))
    elif isinstance(body.get("payer"), Mapping):
        email = str(body["payer"].get("email_address", ""))
    return Order(
        id=str(body["id"]),
        status=str(body.get("status", "")),
        links=_links(body.get("links")),
        captures=tuple(captures),
        refunds=tuple(refunds),
        payer_email=email,
        http_status=http_status,
        raw=body,
    )


# -- the client -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayPalConfig:
    """Where and how to reach PayPal. ``client_secret`` never appears in a repr."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    brand_name: str = ""
    #: Where the customer's phone goes after approving / cancelling. The till does not
    #: need these pages (it asks PayPal), but PayPal wants both with experience_context.
    return_url: str = "https://www.paypal.com/myaccount/summary"
    cancel_url: str = "https://www.paypal.com/myaccount/summary"
    locale: str = ""
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.25
    #: PEM file of the CAs to trust instead of the default bundle; TLS is always verified.
    ca_bundle: str | None = None
    #: Seconds before ``expires_in`` at which a cached token is no longer used.
    token_margin: float = 60.0

    def http_settings(self) -> HttpSettings:
        return HttpSettings(
            base_url=self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries=self.retries,
            backoff=self.backoff,
            ca_bundle=self.ca_bundle,
        )


_REDACTED = "[REDACTED]"
_SCRUB_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {_REDACTED}"),
    (re.compile(r"(?im)^(\s*authorization\s*:\s*).+$"), rf"\1{_REDACTED}"),
    (re.compile(r"""(?i)(['"]authorization['"]\s*:\s*)(['"]).*?\2"""), rf"\1\2{_REDACTED}\2"),
    (
        re.compile(r"""(?i)(['"](?:access_token|refresh_token|id_token|client_secret)['"]\s*:\s*)"""
                   r"""(['"]).*?\2"""),
        rf"\1\2{_REDACTED}\2",
    ),
    (re.compile(r"(?i)\b((?:access_token|client_secret)=)[^&\s]+"), rf"\1{_REDACTED}"),
)  # fmt: skip


class PayPalClient:
    """One PayPal REST app (client id + secret) at one base URL.

    Thread-safe: the network threads of the till may call it at once (the token cache is
    shared and single-flight; :class:`~pos.payments.http.HttpClient` is thread-safe).
    """

    def __init__(
        self,
        config: PayPalConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._basic = base64.b64encode(
            f"{config.client_id}:{config.client_secret}".encode()
        ).decode("ascii")
        self._tokens = TokenCache(
            self._fetch_token, name="PayPal", margin=config.token_margin, clock=clock
        )
        self.http = HttpClient(config.http_settings(), "paypal", self.scrub, session=session)

    def close(self) -> None:
        """Close the connections; later calls fail at once (``GatewayUnavailable``)."""
        self.http.close()

    # -- secrets --------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """``text`` without access tokens, the client secret or Authorization values."""
        for secret in (*self._tokens.issued, self.config.client_secret, self._basic):
            if secret:
                text = text.replace(secret, _REDACTED)
        for pattern, replacement in _SCRUB_PATTERNS:
            text = pattern.sub(replacement, text)
        return mask_phones(text)

    # -- OAuth ----------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid token, fetched with client credentials when the cached one is stale."""
        return self._tokens.get()

    def forget_token(self, token: str | None = None) -> None:
        """Drop the cached token (all of it, or only if it is still ``token``)."""
        self._tokens.forget(token)

    def _fetch_token(self) -> AccessToken:
        """``POST /v1/oauth2/token`` with client credentials; run by the token cache."""
        response = self.http.request(
            "POST",
            "/v1/oauth2/token",
            safe_to_repeat=True,  # asking for a token changes nothing
            headers={"Accept": "application/json", "Accept-Language": "en_US"},
            data={"grant_type": "client_credentials"},
            auth=(self.config.client_id, self.config.client_secret),
        )
        body = self._json(response, "token")
        token = body.get("access_token")
        lifetime = parse_expires_in(body.get("expires_in"))  # a number; "32400" tolerated
        if not isinstance(token, str) or not token or lifetime is None:
            raise PayPalProtocolError("PayPal sent a token answer without token/expiry")
        return AccessToken(token, lifetime)

    # -- plumbing -------------------------------------------------------------------
    def _json(self, response: requests.Response, what: str) -> Mapping[str, Any]:
        """The JSON object of a 2xx answer; errors raised as PayPalError / unavailable."""
        if log.isEnabledFor(logging.DEBUG):  # scrubbing costs; only for a DEBUG log
            log.debug(
                "paypal %s answer %s: %s",
                what,
                response.status_code,
                self.scrub(response.text[:4000]),
            )
        if response.status_code >= 500:
            error = PayPalError.from_response(response)
            raise PayPalUnavailable(
                f"PayPal had a problem ({response.status_code} {error.name}"
                + (f", debug id {error.debug_id}" if error.debug_id else "")
                + "). The payment's outcome is not known yet; it will be checked again."
            )
        if response.status_code >= 400:
            raise PayPalError.from_response(response)
        try:
            body = response.json()
        except ValueError:
            raise PayPalProtocolError(f"PayPal sent a {what} answer that is not JSON") from None
        if not isinstance(body, Mapping):
            raise PayPalProtocolError(f"PayPal sent a {what} answer that is not an object")
        return body

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json_body: Any = None,
        request_id: str | None = None,
        mock_response: str | None = None,
    ) -> tuple[Mapping[str, Any], int]:
        """Send an authorised call, renewing the token once if PayPal says it is invalid."""
        headers = {"Accept": "application/json", "Prefer": "return=representation"}
        if request_id is not None:
            headers["PayPal-Request-Id"] = check_request_id(request_id)
        if mock_response:
            headers["PayPal-Mock-Response"] = mock_response
        for attempt in (1, 2):
            token = self.access_token()
            response = self.http.request(
                method,
                path,
                # GETs are reads; every POST here carries a PayPal-Request-Id.
                safe_to_repeat=method == "GET" or request_id is not None,
                headers={**headers, "Authorization": f"Bearer {token}"},
                json=json_body,
            )
            if response.status_code == 401 and attempt == 1:
                # Expired or revoked token ("invalid_token"): a 401 is refused before any
                # work is done, so sending again with a fresh token cannot double anything.
                log.info("paypal %s: token refused (401); fetching a new one", what)
                self.forget_token(token)
                continue
            return self._json(response, what), response.status_code
        raise AssertionError("unreachable")  # pragma: no cover

    # -- orders ---------------------------------------------------------------------
    def order_request(self, amount: Money, reference: str, description: str) -> dict[str, Any]:
        """The body of a create-order call (public so tests can check it against the spec)."""
        unit: dict[str, Any] = {"amount": money_json(amount)}
        if reference:
            unit["custom_id"] = reference[:_TEXT_LIMIT]
        if description or reference:
            unit["description"] = (description or reference)[:_TEXT_LIMIT]
        context: dict[str, Any] = {
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
            "return_url": self.config.return_url,
            "cancel_url": self.config.cancel_url,
        }
        if self.config.brand_name:
            context["brand_name"] = self.config.brand_name[:_TEXT_LIMIT]
        if self.config.locale:
            context["locale"] = self.config.locale
        return {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "payment_source": {"paypal": {"experience_context": context}},
        }

    def create_order(
        self,
        amount: Money,
        request_id: str,
        reference: str = "",
        description: str = "",
        *,
        mock_response: str | None = None,
    ) -> Order:
        """Create a CAPTURE order; a repeat with the same ``request_id`` returns the same
        order (HTTP 200) instead of a second one."""
        body, status = self._call(
            "POST",
            "/v2/checkout/orders",
            "create order",
            json_body=self.order_request(amount, reference, description),
            request_id=request_id,
            mock_response=mock_response,
        )
        return parse_order(body, status)

    def get_order(self, order_id: str) -> Order:
        body, status = self._call(
            "GET", f"/v2/checkout/orders/{check_resource_id(order_id)}", "get order"
        )
        return parse_order(body, status)

    def capture_order(
        self, order_id: str, request_id: str, *, mock_response: str | None = None
    ) -> Order:
        """Capture an approved order. Idempotent by ``request_id``: a repeat answers 200
        with the capture already made, never a second capture."""
        body, status = self._call(
            "POST",
            f"/v2/checkout/orders/{check_resource_id(order_id)}/capture",
            "capture order",
            json_body={},
            request_id=request_id,
            mock_response=mock_response,
        )
        return parse_order(body, status)

    # -- payments -------------------------------------------------------------------
    def get_capture(self, capture_id: str) -> Capture:
        body, _ = self._call(
            "GET", f"/v2/payments/captures/{check_resource_id(capture_id)}", "get capture"
        )
        return _capture(body)

    def refund_capture(
        self,
        capture_id: str,
        amount: Money | None,
        request_id: str,
        *,
        note: str = "",
        mock_response: str | None = None,
    ) -> Refund:
        """Refund ``amount`` of a capture, or what is left of it when ``amount`` is None."""
        body: dict[str, Any] = {}
        if amount is not None:
            body["amount"] = money_json(amount)
        if note:
            body["note_to_payer"] = note[:255]
        answer, status = self._call(
            "POST",
            f"/v2/payments/captures/{check_resource_id(capture_id)}/refund",
            "refund capture",
            json_body=body,
            request_id=request_id,
            mock_response=mock_response,
        )
        return _refund(answer, status)
