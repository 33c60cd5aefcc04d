"""The production profile: ``DJANGO_SETTINGS_MODULE=sync.server.settings_production``.

Everything of :mod:`sync.server.settings`, made strict: debug off; the secret key and the host
names must come from the environment (the development key is refused); HTTPS only, behind a
TLS proxy that sets ``X-Forwarded-Proto`` (deploy/Caddyfile); HSTS for a year; secure,
HTTP-only cookies; CSRF trusted origins from ``KAUNTA_HQ_CSRF_ORIGINS``.
``python -m django check --deploy --fail-level WARNING`` is clean with it (tested).
"""

from __future__ import annotations

import os

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
