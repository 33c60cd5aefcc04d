"""Is this webhook really from PayPal? Offline verification, without a postback (pure).

PayPal signs ``<transmission id>|<transmission time>|<webhook id>|<crc32 of the raw body>``
(the CRC as an unsigned decimal) with RSA PKCS#1 v1.5 / SHA-256, and sends the signature
in ``PAYPAL-TRANSMISSION-SIG`` with the URL of its certificate in ``PAYPAL-CERT-URL``
(the recipe of PayPal's own Python SDK, ``paypalrestsdk/notifications.py``).

:func:`verify_webhook` checks, cheapest first, and stops at the first failure:

1. every header is present and the algorithm is ``SHA256withRSA``;
2. the transmission time is within the policy's tolerance of now (a captured webhook
   replayed later is refused; an optional :class:`ReplayGuard` refuses exact repeats);
3. the certificate URL is on the policy's host allow-list (checked *before* fetching, so
   a forged header can never make the server fetch an attacker's URL or trust their key);
4. the certificate chain: dates valid now, each certificate signed by the next, the top
   one by a trust anchor, and the leaf's CN ending as the policy says;
5. the signature, over the **raw** body bytes: JSON that was parsed and re-serialised
   has different bytes, a different CRC, and fails.

It returns a :class:`WebhookVerification` with a reason; bad input never raises. Whether
an event should be *acted on* is another matter: read the order or capture back from the
API before trusting amounts (webhooks can arrive late, twice, or out of order).

This module imports no HTTP client (the standard library, ``cryptography`` and ``certifi``'s
CA bundle only), so the head office can import it alone. Getting the certificate is the
caller's ``fetch_cert``: :class:`pos.payments.paypal.webhooks.CertFetcher` does it over
HTTP, a head office may bring its own. :func:`parse_event` reads the event envelope.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
import urllib.parse
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

__all__ = [
    "AUTH_ALGO",
    "DEFAULT_TOLERANCE",
    "PAYPAL_CERT_HOSTS",
    "REQUIRED_HEADERS",
    "ReplayGuard",
    "TrustPolicy",
    "WebhookEvent",
    "WebhookFormatError",
    "WebhookVerification",
    "parse_event",
    "verify_webhook",
]

AUTH_ALGO = "SHA256withRSA"

#: The headers PayPal sends with every webhook (compared case-insensitively).
REQUIRED_HEADERS: tuple[str, ...] = (
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-CERT-URL",
    "PAYPAL-AUTH-ALGO",
)

#: Hosts PayPal serves its webhook certificates from (live and sandbox). **GUESS** from
#: observed ``PAYPAL-CERT-URL`` values (``https://api.sandbox.paypal.com/v1/notifications/
#: certs/CERT-...``); extend the policy if PayPal moves them.
PAYPAL_CERT_HOSTS: frozenset[str] = frozenset(
    {"api.paypal.com", "api-m.paypal.com", "api.sandbox.paypal.com", "api-m.sandbox.paypal.com"}
)

#: How far a transmission time may be from now. **GUESS**: PayPal does not publish one;
#: each delivery retry is a new transmission, so a few minutes of clock skew is enough.
DEFAULT_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """Which certificates a webhook signature may come from.

    ``anchors`` are the roots the served chain must lead to; ``leaf_cn_suffix`` is what
    the signing certificate's CN must end with (empty: no rule); ``cert_hosts`` the only
    hosts a certificate is fetched from.
    """

    cert_hosts: frozenset[str]
    anchors: tuple[x509.Certificate, ...]
    leaf_cn_suffix: str = ".paypal.com"
    schemes: frozenset[str] = frozenset({"https"})
    any_port: bool = False
    tolerance: timedelta = DEFAULT_TOLERANCE
    max_chain: int = 5

    @classmethod
    def production(
        cls, *, tolerance: timedelta = DEFAULT_TOLERANCE, ca_bundle: str | None = None
    ) -> TrustPolicy:
        """PayPal's rule: the chain leads to a DigiCert root and the CN ends ``.paypal.com``.

        The DigiCert roots are taken from certifi's CA bundle (the one ``requests`` uses), so
        they follow that bundle's updates instead of being pasted in here.
        """
        path = ca_bundle or certifi.where()
        with open(path, "rb") as bundle, warnings.catch_warnings():
            # Some unrelated roots in public bundles have odd serials; not our concern.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            roots = x509.load_pem_x509_certificates(bundle.read())
        digicert = tuple(root for root in roots if "DigiCert" in _organisation(root.subject))
        if not digicert:
            raise ValueError(f"no DigiCert root certificates in {path}")
        return cls(PAYPAL_CERT_HOSTS, digicert, ".paypal.com", tolerance=tolerance)

    @classmethod
    def sandbox(
        cls,
        ca_pem: bytes,
        *,
        hosts: Iterable[str] = ("127.0.0.1", "localhost"),
        leaf_cn_suffix: str = ".paypal.com",
        tolerance: timedelta = DEFAULT_TOLERANCE,
    ) -> TrustPolicy:
        """Trust the local sandbox's self-signed CA (plain HTTP on this machine)."""
        return cls(
            frozenset(hosts),
            tuple(x509.load_pem_x509_certificates(ca_pem)),
            leaf_cn_suffix,
            schemes=frozenset({"http", "https"}),
            any_port=True,
            tolerance=tolerance,
        )


@dataclass(frozen=True, slots=True)
class WebhookVerification:
    """The verdict on one webhook; ``reason`` says why it failed (or ``"verified"``)."""

    ok: bool
    reason: str
    transmission_id: str = ""

    def __bool__(self) -> bool:
        return self.ok


class ReplayGuard:
    """Remembers transmission ids for a while, so the same webhook is accepted once.

    In memory, per process: a head office with several workers should keep this in its
    database instead (the idea is the same: refuse an id seen within the tolerance).
    """

    def __init__(self, keep: timedelta = 2 * DEFAULT_TOLERANCE) -> None:
        self._keep = keep
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def first_time(self, transmission_id: str, now: datetime) -> bool:
        """True the first time ``transmission_id`` is offered (then it is remembered)."""
        with self._lock:
            for old in [k for k, when in self._seen.items() if now - when > self._keep]:
                del self._seen[old]
            if transmission_id in self._seen:
                return False
            self._seen[transmission_id] = now
            return True


def _organisation(name: x509.Name) -> str:
    return " ".join(str(a.value) for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _fail(reason: str, transmission_id: str = "") -> WebhookVerification:
    return WebhookVerification(False, reason, transmission_id)


def _check_cert_url(url: str, policy: TrustPolicy) -> str | None:
    try:
        split = urllib.parse.urlsplit(url)
        port = split.port
    except ValueError:
        return "the certificate URL is not a URL"
    host = (split.hostname or "").lower()
    if split.scheme not in policy.schemes:
        return f"the certificate URL must use {'/'.join(sorted(policy.schemes))}"
    if split.username or split.password:
        return "the certificate URL carries credentials"
    if host not in policy.cert_hosts:
        return f"the certificate host {host!r} is not one of PayPal's"
    if not policy.any_port and port not in (None, 443):
        return f"the certificate URL uses port {port}"
    return None


def _check_chain(chain: list[x509.Certificate], policy: TrustPolicy, now: datetime) -> str | None:
    if not chain:
        return "the certificate URL served no certificate"
    if len(chain) > policy.max_chain:
        return "the certificate chain is too long"
    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return f"certificate {_common_name(cert.subject)!r} is not valid now (expired?)"
    leaf = chain[0]
    if policy.leaf_cn_suffix and not _common_name(leaf.subject).endswith(policy.leaf_cn_suffix):
        return f"the signing certificate is for {_common_name(leaf.subject)!r}, not PayPal"
    try:
        for child, parent in itertools.pairwise(chain):
            child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return "the certificate chain is broken"
    top = chain[-1]
    for anchor in policy.anchors:
        if top == anchor:
            return None
        if top.issuer == anchor.subject:
            try:
                top.verify_directly_issued_by(anchor)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return None
    return "the certificate chain does not lead to a trusted root"


def verify_webhook(
    headers: Mapping[str, str],
    raw_body: bytes,
    webhook_id: str,
    *,
    fetch_cert: Callable[[str], bytes],
    trusted: TrustPolicy,
    now: datetime | None = None,
    replay_guard: ReplayGuard | None = None,
) -> WebhookVerification:
    """Check a webhook's signature offline (see the module doc). Never raises for bad input.

    ``raw_body`` must be the request body exactly as received; ``webhook_id`` is the id of
    the webhook registered at PayPal (not the event id).
    """
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    missing = [name for name in REQUIRED_HEADERS if not lower.get(name.lower(), "").strip()]
    if missing:
        return _fail(f"missing header {', '.join(missing)}")
    transmission_id = lower["paypal-transmission-id"].strip()
    received: object = raw_body  # callers with parsed JSON in hand must be told, not crash
    if not isinstance(received, bytes | bytearray):
        return _fail("the raw request bytes are needed, not parsed JSON", transmission_id)
    if lower["paypal-auth-algo"].strip() != AUTH_ALGO:
        return _fail(
            f"unsupported signature algorithm {lower['paypal-auth-algo']!r}", transmission_id
        )
    if not webhook_id:
        return _fail("no webhook id configured", transmission_id)
    now = now or datetime.now(UTC)
    sent_text = lower["paypal-transmission-time"].strip()
    try:
        sent = datetime.fromisoformat(sent_text)
    except ValueError:
        return _fail("the transmission time is not a date", transmission_id)
    if sent.tzinfo is None:
        return _fail("the transmission time has no time zone", transmission_id)
    if abs(now - sent) > trusted.tolerance:
        return _fail("the transmission time is too far from now (old or replayed)", transmission_id)
    cert_url = lower["paypal-cert-url"].strip()
    problem = _check_cert_url(cert_url, trusted)
    if problem:
        return _fail(problem, transmission_id)
    try:
        pem = fetch_cert(cert_url)
        chain = x509.load_pem_x509_certificates(pem)
    except Exception as exc:  # any failure to get or read the cert is a verdict, not a crash
        return _fail(f"could not get the certificate ({type(exc).__name__})", transmission_id)
    problem = _check_chain(chain, trusted, now)
    if problem:
        return _fail(problem, transmission_id)
    public_key = chain[0].public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return _fail("the signing certificate does not hold an RSA key", transmission_id)
    try:
        signature = base64.b64decode(lower["paypal-transmission-sig"].strip(), validate=True)
    except (binascii.Error, ValueError):
        return _fail("the signature is not base64", transmission_id)
    crc = zlib.crc32(bytes(received)) & 0xFFFFFFFF
    message = f"{transmission_id}|{sent_text}|{webhook_id}|{crc}".encode()
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return _fail(
            "the signature does not match: wrong webhook id, or the body was changed or "
            "re-serialised (verify the raw request bytes)",
            transmission_id,
        )
    if replay_guard is not None and not replay_guard.first_time(transmission_id, now):
        return _fail("this transmission was already received (replay)", transmission_id)
    return WebhookVerification(True, "verified", transmission_id)


# -- the event envelope -----------------------------------------------------------------


class WebhookFormatError(ValueError):
    """The body is not a PayPal webhook event."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A webhook's envelope (spec ``event``); ``resource`` is the order/capture/refund."""

    id: str
    event_type: str
    resource_type: str
    resource_version: str
    summary: str
    create_time: str
    resource: Mapping[str, Any] = field(default_factory=dict)

    @property
    def order_id(self) -> str:
        """The order this event is about, for checkout-order and capture events."""
        if self.resource_type == "checkout-order":
            return str(self.resource.get("id", ""))
        related = self.resource.get("supplementary_data", {})
        ids = related.get("related_ids", {}) if isinstance(related, Mapping) else {}
        return str(ids.get("order_id", "")) if isinstance(ids, Mapping) else ""


def parse_event(raw_body: bytes) -> WebhookEvent:
    """The envelope of a webhook body; ``WebhookFormatError`` if it is not one."""
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookFormatError("the webhook body is not JSON") from None
    if not isinstance(body, dict):
        raise WebhookFormatError("the webhook body is not an object")
    for key in ("id", "event_type"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise WebhookFormatError(f"the webhook has no {key}")
    resource = body.get("resource", {})
    if not isinstance(resource, dict):
        raise WebhookFormatError("the webhook resource is not an object")
    return WebhookEvent(
        id=body["id"],
        event_type=body["event_type"],
        resource_type=str(body.get("resource_type", "")),
        resource_version=str(body.get("resource_version", "")),
        summary=str(body.get("summary", "")),
        create_time=str(body.get("create_time", "")),
        resource=resource,
    )
