"""The head office's only calls out to PayPal: certificates, verification postbacks, IPN.

Everything else in ``sync.server`` is forbidden HTTP clients (tests/test_layers.py); this
module is the one exception, on the standard library's ``urllib.request``, so that what
leaves the head office is in one place and easy to review:

- :func:`fetch_cert`: the PEM chain named by ``PAYPAL-CERT-URL``, called only after the
  URL passed the host allow-list; no redirects followed (one could lead off the list),
  at most 64 KiB, cached (PayPal signs many webhooks with one certificate);
- :func:`verify_by_postback`: PayPal's ``POST /v1/notifications/verify-webhook-signature``
  with an OAuth token of the REST app (client credentials, cached until it expires);
- :func:`ipn_postback`: ``cmd=_notify-validate&`` plus the IPN message exactly as received.

A transport failure raises :class:`OutboundError`: unknown is not invalid, so the caller
answers PayPal non-2xx (webhook) or tries again later (IPN task), and PayPal sends again.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.conf import settings

__all__ = ["OutboundError", "fetch_cert", "forget_cached", "ipn_postback", "verify_by_postback"]

MAX_CERT_BYTES = 64 * 1024
MAX_ANSWER_BYTES = 64 * 1024
TIMEOUT_S = 10.0
_IPN_PREFIX = b"cmd=_notify-validate&"
_lock = threading.Lock()
_certs: dict[str, bytes] = {}
_token: dict[str, tuple[str, float]] = {}


class OutboundError(RuntimeError):
    """PayPal could not be asked (network, timeout, 5xx): the answer is unknown."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: never follow it off the allow-list


_opener = urllib.request.build_opener(_NoRedirect)


def _call(request: urllib.request.Request, limit: int) -> tuple[int, bytes]:
    try:
        with _opener.open(request, timeout=TIMEOUT_S) as answer:
            body = answer.read(limit + 1)
            status = int(answer.status)
    except urllib.error.HTTPError as exc:
        body, status = exc.read(limit + 1), int(exc.code)
    except (OSError, ValueError) as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}") from None
    if len(body) > limit:
        raise OutboundError("answer too large")
    return status, body


def fetch_cert(url: str) -> bytes:
    """The PEM at ``url`` (already allowed by the trust policy); cached per URL."""
    with _lock:
        if url in _certs:
            return _certs[url]
    status, body = _call(urllib.request.Request(url, method="GET"), MAX_CERT_BYTES)
    if status != 200:
        raise OutboundError(f"certificate URL answered {status}")
    with _lock:
        if len(_certs) >= 16:
            _certs.pop(next(iter(_certs)))
        _certs[url] = body
    return body


def _access_token() -> str:
    key = f"{settings.PAYPAL_API_URL}|{settings.PAYPAL_CLIENT_ID}"
    with _lock:
        found = _token.get(key)
        if found and found[1] > time.monotonic():
            return found[0]
    basic = base64.b64encode(
        f"{settings.PAYPAL_CLIENT_ID}:{settings.PAYPAL_CLIENT_SECRET}".encode()
    ).decode()
    request = urllib.request.Request(
        settings.PAYPAL_API_URL.rstrip("/") + "/v1/oauth2/token",
        data=b"grant_type=client_credentials",
        method="POST",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    status, body = _call(request, MAX_ANSWER_BYTES)
    if status != 200:
        raise OutboundError(f"PayPal refused the REST app's credentials ({status})")
    answer = json.loads(body)
    token = str(answer["access_token"])
    with _lock:  # a minute early: never use a token PayPal is about to expire
        _token[key] = (token, time.monotonic() + max(0, int(answer["expires_in"]) - 60))
    return token


def verify_by_postback(headers: Mapping[str, str], raw_body: bytes, webhook_id: str) -> bool:
    """Ask PayPal whether this webhook is genuine; True only on ``SUCCESS``."""
    lower = {k.lower(): v for k, v in headers.items()}
    payload = {
        "auth_algo": lower.get("paypal-auth-algo", ""),
        "cert_url": lower.get("paypal-cert-url", ""),
        "transmission_id": lower.get("paypal-transmission-id", ""),
        "transmission_sig": lower.get("paypal-transmission-sig", ""),
        "transmission_time": lower.get("paypal-transmission-time", ""),
        "webhook_id": webhook_id,
        "webhook_event": json.loads(raw_body),
    }
    request = urllib.request.Request(
        settings.PAYPAL_API_URL.rstrip("/") + "/v1/notifications/verify-webhook-signature",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {_access_token()}",
            "Content-Type": "application/json",
        },
    )
    status, body = _call(request, MAX_ANSWER_BYTES)
    if status >= 500 or status == 401:
        with _lock:
            _token.clear()  # a revoked token: the next try fetches a new one
        raise OutboundError(f"verify-webhook-signature answered {status}")
    if status != 200:
        return False
    try:
        return bool(json.loads(body).get("verification_status") == "SUCCESS")
    except (ValueError, AttributeError):
        return False


def ipn_postback(raw_body: bytes) -> bool:
    """True only if PayPal answers exactly ``VERIFIED`` to the message as received."""
    request = urllib.request.Request(
        settings.PAYPAL_IPN_URL,
        data=_IPN_PREFIX + raw_body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "Kaunta-HQ-IPN-Verification",
        },
    )
    status, body = _call(request, MAX_ANSWER_BYTES)
    if status >= 500:
        raise OutboundError(f"the IPN postback answered {status}")
    return status == 200 and body == b"VERIFIED"


def forget_cached() -> None:
    """Drop cached certificates and tokens (tests; a rotated REST secret)."""
    with _lock:
        _certs.clear()
        _token.clear()
