"""The production profile: ``DJANGO_SETTINGS_MODULE=sync.server.settings_production``.

Everything of :mod:`sync.server.settings`, made strict: debug off; the secret key and the host
names must come from the environment (the development key is refused); HTTPS only, behind a
TLS proxy that sets ``X-Forwarded-Proto`` (deploy/Caddyfile); HSTS for a year; secure,
HTTP-only cookies; CSRF trusted origins from ``KAUNTA_HQ_CSRF_ORIGINS``; the public URL
gateways call back (``KAUNTA_HQ_PUBLIC_URL``) must be an ``https://`` address that is not
this machine (a loopback CallBackURL would send every M-Pesa answer nowhere).
``python -m django check --deploy --fail-level WARNING`` is clean with it (tested).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from sync.server.settings import *  # noqa: F403
from sync.server.settings import INSECURE_DEV_KEY, SECRET_KEY

DEBUG = False
if SECRET_KEY == INSECURE_DEV_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("KAUNTA_HQ_SECRET_KEY must be set: 50+ random characters.")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("KAUNTA_HQ_ALLOWED_HOSTS", "").split(",") if h.strip()
]
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("KAUNTA_HQ_ALLOWED_HOSTS must name the host names (no *).")


def _public_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be where Daraja posts STK callbacks, or None when it can: Daraja
    wants HTTPS in production, and a loopback or unspecified host reaches no head office."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return "it is not an https:// URL"
    if host == "localhost" or host.endswith(".localhost"):
        return "its host is this machine"
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return None
    if addr.is_loopback or addr.is_unspecified:
        return "its host is this machine"
    return None


#: Where gateways reach this head office (the STK CallBackURL's base, callbacks/views.py).
PUBLIC_URL = os.environ.get("KAUNTA_HQ_PUBLIC_URL", "").strip()
_why = _public_url_problem(PUBLIC_URL)
if _why is not None:
    raise ImproperlyConfigured(
        f"KAUNTA_HQ_PUBLIC_URL must be set to the head office's public https:// address, "
        f"e.g. https://hq.example.co.ke ({_why}: {PUBLIC_URL or 'unset'}); Daraja posts the "
        f"M-Pesa callbacks there."
    )
CSRF_TRUSTED_ORIGINS = [
    o.strip()
    for o in os.environ.get(
        "KAUNTA_HQ_CSRF_ORIGINS", ",".join(f"https://{h}" for h in ALLOWED_HOSTS)
    ).split(",")
    if o.strip()
]

# TLS ends at the proxy; it tells us the scheme. Only trust this header behind that proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Health checks from the load balancer may come over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
