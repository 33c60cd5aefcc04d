"""PayPal webhooks: the HTTP half of checking them (getting PayPal's certificate).

The checking itself, offline and pure (signature, certificate chain, trust policy, replay
guard, the event envelope), is in :mod:`pos.payments.paypal.webhook_verify`, which imports no
HTTP client so that the head office can import it alone. This module adds what needs the
network: :class:`CertFetcher`, the ``fetch_cert`` that :func:`verify_webhook` is given, which
fetches (and caches) the certificate named by ``PAYPAL-CERT-URL`` once the trust policy has
allowed its URL. Everything of the pure module is re-exported here, so existing imports
(``from pos.payments.paypal.webhooks import verify_webhook``) keep working.
"""

from __future__ import annotations

import threading

import requests

from pos.payments.paypal.webhook_verify import (
    AUTH_ALGO,
    DEFAULT_TOLERANCE,
    PAYPAL_CERT_HOSTS,
    REQUIRED_HEADERS,
    ReplayGuard,
    TrustPolicy,
    WebhookEvent,
    WebhookFormatError,
    WebhookVerification,
    parse_event,
    verify_webhook,
)

__all__ = [
    "AUTH_ALGO",
    "DEFAULT_TOLERANCE",
    "PAYPAL_CERT_HOSTS",
    "REQUIRED_HEADERS",
    "CertFetcher",
    "ReplayGuard",
    "TrustPolicy",
    "WebhookEvent",
    "WebhookFormatError",
    "WebhookVerification",
    "parse_event",
    "verify_webhook",
]

_MAX_CERT_BYTES = 64 * 1024


class CertFetcher:
    """Fetch and cache webhook certificates (PayPal reuses one for many webhooks).

    Only call it with URLs the trust policy allowed; :func:`verify_webhook` does that.
    Redirects are not followed (a redirect could lead off the allow-list), answers larger
    than 64 KiB are refused, and TLS is verified with the session's CA bundle. Thread-safe.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        max_entries: int = 16,
    ) -> None:
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max = max_entries
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bytes:
        with self._lock:
            if url in self._cache:
                return self._cache[url]
        response = self._session.get(url, timeout=self._timeout, allow_redirects=False)
        response.raise_for_status()
        content = response.content
        if len(content) > _MAX_CERT_BYTES:
            raise ValueError("certificate answer too large")
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache.pop(next(iter(self._cache)))
            self._cache[url] = content
        return content

    def close(self) -> None:
        """Close the session's connections."""
        self._session.close()
