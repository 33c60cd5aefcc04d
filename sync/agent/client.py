"""The head office's terminal API, as the till calls it (one ``requests.Session``).

Endpoints (the head office's contract): ``POST /api/v1/enroll`` (no auth), and with
``Authorization: Token <token>``: ``POST /api/v1/events`` (a protocol batch; the answer is a
protocol acks document), ``GET /api/v1/changes?cursor=&limit=``, ``POST /api/v1/heartbeat``,
``POST /api/v1/pushes`` and ``GET /api/v1/push-results?after=`` (M-Pesa callbacks relayed
by the head office), ``POST /api/v1/paypal-orders`` and ``GET /api/v1/paypal-results?after=``
(PayPal webhooks and IPN relayed).

Failures are sorted by what the agent does about them:

- :class:`TransientError`: try again later with backoff: no connection, a timeout, a TLS
  failure (a proxy or clock problem can pass), 429 (with its ``Retry-After``), 5xx, and an
  answer that is not the document it should be (a proxy's error page).
- :class:`TerminalRefused`: 401/403: the token is unknown or the terminal was revoked;
  the agent stops and the manager must enroll the till again.
- :class:`RequestRefused`: any other 4xx: this request will never succeed as it is.

TLS verification is always on: the system's CAs (certifi), or a private CA bundle file
given in the settings. Plain ``http://`` is accepted only to this machine (training and
tests). The token is never logged and never part of an exception's message.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from sync.protocol.batch import Ack, parse_acks
from sync.protocol.errors import ProtocolError

log = logging.getLogger(__name__)

API = "/api/v1"


class SyncError(Exception):
    """Base of the client's errors; the message is for the manager's status screen."""


class TransientError(SyncError):
    """Worth trying again later; ``retry_after`` is the server's wish in seconds (429)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TlsError(TransientError):
    """The head office's certificate was not accepted (an unknown CA, a wrong name, a
    clock far off): retried like any network failure, but named so enrollment can say so."""


class TerminalRefused(SyncError):
    """The head office does not accept this terminal's token (revoked or unknown)."""


class RequestRefused(SyncError):
    """The head office refused the request itself (4xx); ``code`` is its error code."""

    def __init__(self, message: str, *, status: int, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def plain_http_allowed(url: str) -> bool:
    """``http://`` only to this machine (loopback); anything else must be ``https://``."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The head-office URL without a trailing slash, or ValueError saying what is wrong."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{url!r} is not a web address: it should look like https://ho.example.com"
        )
    if not plain_http_allowed(url):
        raise ValueError(
            f"{url} must start with https:// (plain http is only allowed to this machine)"
        )
    return url


@dataclass(frozen=True, slots=True)
class ClientSettings:
    url: str
    ca_bundle: Path | None = None
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What the head office gave this terminal when it was enrolled."""

    store_id: str
    terminal_id: str
    token: str
    organisation: str
    store: dict[str, Any]

    def __repr__(self) -> str:  # never show the token
        return f"Enrollment(store_id={self.store_id!r}, terminal_id={self.terminal_id!r})"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        if when.tzinfo is None:  # the asctime form carries no zone: HTTP dates are GMT
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _error_of(response: requests.Response) -> tuple[str, str]:
    """``(code, message)`` from the head office's ``{"error": {...}}`` body, if any."""
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return str(error.get("code", "")), str(error.get("message", ""))[:300]
    except ValueError:
        pass
    return "", ""


class HeadOfficeClient:
    """One terminal's connection to its head office. Thread-safe enough for one agent:
    each call is independent; :meth:`close` ends the pooled connections."""

    def __init__(self, settings: ClientSettings, token: str | None = None) -> None:
        self.settings = ClientSettings(
            check_url(settings.url),
            settings.ca_bundle,
            settings.connect_timeout_s,
            settings.read_timeout_s,
        )
        if settings.ca_bundle is not None and not settings.ca_bundle.is_file():
            raise ValueError(f"the CA bundle {settings.ca_bundle} does not exist")
        self._token = token
        self._session = requests.Session()
        self._session.trust_env = True  # proxies from the environment
        # per request, so that REQUESTS_CA_BUNDLE cannot replace a configured private CA
        self._verify: str | bool = str(settings.ca_bundle) if settings.ca_bundle else True

    def close(self) -> None:
        self._session.close()

    # -- calls ----------------------------------------------------------------------

    def enroll(self, code: str, terminal_name: str) -> Enrollment:
        body = self._call(
            "POST", "/enroll", json_body={"code": code, "terminal_name": terminal_name}, auth=False
        )
        try:
            return Enrollment(
                store_id=str(body["store_id"]),
                terminal_id=str(body["terminal_id"]),
                token=str(body["token"]),
                organisation=str(body.get("organisation", "")),
                store=dict(body.get("store") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TransientError("The head office's enrollment answer was incomplete.") from exc

    def push(self, batch: dict[str, Any]) -> list[Ack]:
        """Send one protocol batch document; the head office's answer per event."""
        return self.push_raw(json.dumps(batch, separators=(",", ":"), ensure_ascii=False).encode())

    def push_raw(self, batch: bytes) -> list[Ack]:
        """Send a batch already serialised (the agent splices the stored documents in
        byte for byte); the head office's answer per event."""
        body = self._call("POST", "/events", raw_body=batch)
        try:
            return parse_acks(body)
        except ProtocolError as exc:
            raise TransientError(
                f"The head office answered with a bad acks document: {exc}"
            ) from None

    def changes(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._call("GET", "/changes", params=params)

    def heartbeat(self, body: dict[str, Any]) -> None:
        self._call("POST", "/heartbeat", json_body=body)

    def register_push(
        self, attempt_id: str, amount_minor: int, currency: str, phone_hash: str
    ) -> dict[str, Any]:
        """``POST /pushes``: announce an M-Pesa push before it is sent; the answer carries
        the ``callback_url`` for Daraja (see :mod:`sync.agent.push_results`)."""
        return self._call(
            "POST",
            "/pushes",
            json_body={
                "attempt_id": attempt_id,
                "amount_minor": amount_minor,
                "currency": currency,
                "phone_hash": phone_hash,
            },
        )

    def push_results(self, after: int) -> dict[str, Any]:
        """``GET /push-results?after=N``: this terminal's decided pushes after ``N``."""
        return self._call("GET", "/push-results", params={"after": after})

    def register_paypal_order(
        self, order_id: str, amount_minor: int, currency: str
    ) -> dict[str, Any]:
        """``POST /paypal-orders``: this terminal created a PayPal order (its webhooks then
        become results for it; see :mod:`sync.agent.paypal_results`)."""
        return self._call(
            "POST",
            "/paypal-orders",
            json_body={"order_id": order_id, "amount_minor": amount_minor, "currency": currency},
        )

    def paypal_results(self, after: int) -> dict[str, Any]:
        """``GET /paypal-results?after=N``: results about this terminal's PayPal orders."""
        return self._call("GET", "/paypal-results", params={"after": after})

    def etims_results(self, after: int) -> dict[str, Any]:
        """``GET /etims-results?after=N``: KRA's answers for this terminal's documents
        after ``N`` (see :mod:`sync.agent.etims_results`), refunds settled without a
        credit note included (``no_credit=1``: this till reads that state)."""
        return self._call("GET", "/etims-results", params={"after": after, "no_credit": 1})

    def sales_for_refund(self, query: str) -> list[dict[str, Any]]:
        """``GET /sales-for-refund?q=…``: sales of this terminal's store numbered ``query``
        or paid with reference ``query``, with their refunds so far (a refund at another
        till of the store; see ``sync/server/api/refund_lookup.py``)."""
        body = self._call("GET", "/sales-for-refund", params={"q": query})
        sales = body.get("sales")
        if not isinstance(sales, list) or not all(isinstance(s, dict) for s in sales):
            raise TransientError("The head office's sale lookup answer was not a list of sales.")
        return sales

    # -- plumbing -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str | int] | None = None,
        raw_body: bytes | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if auth:
            if not self._token:
                raise TerminalRefused("This till is not enrolled with a head office.")
            headers["Authorization"] = f"Token {self._token}"
        data = raw_body
        if raw_body is not None:
            headers["Content-Type"] = "application/json"
        if json_body is not None:
            data = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        url = f"{self.settings.url}{API}{path}"
        try:
            response = self._session.request(
                method,
                url,
                data=data,
                params=params,
                headers=headers,
                timeout=(self.settings.connect_timeout_s, self.settings.read_timeout_s),
                allow_redirects=False,
                verify=self._verify,
            )
        except requests.exceptions.SSLError as exc:
            raise TlsError(f"The head office's certificate was not accepted: {exc}") from None
        except requests.exceptions.Timeout:
            raise TransientError("The head office did not answer in time.") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(
                f"The head office cannot be reached ({type(exc).__name__})."
            ) from None
        return self._read(response, path)

    @staticmethod
    def _read(response: requests.Response, path: str) -> dict[str, Any]:
        status = response.status_code
        if status == 429:
            raise TransientError(
                "The head office is busy (429).",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:  # a 503 (maintenance, a balancer) may say when to come back
            raise TransientError(
                f"The head office had a problem ({status}).",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403) and path != "/enroll":
            raise TerminalRefused(
                "The head office refused this till (it was revoked or its enrollment is "
                "unknown). A manager must enroll it again."
            )
        if status >= 300:
            code, message = _error_of(response)
            raise RequestRefused(
                message or f"The head office refused the request ({status}).",
                status=status,
                code=code,
            )
        try:
            body = response.json()
        except ValueError:
            raise TransientError("The head office's answer was not JSON.") from None
        if not isinstance(body, dict):
            raise TransientError("The head office's answer was not a JSON object.")
        return body
