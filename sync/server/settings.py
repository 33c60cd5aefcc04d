"""Settings from the environment (twelve-factor): nothing secret lives in the repository.

``DATABASE_URL`` picks PostgreSQL (``postgres://…``) or SQLite; unset means a SQLite file in
``KAUNTA_HQ_DATA_DIR`` (default: the working directory), for a one-machine install and the
demo. ``KAUNTA_HQ_SECRET_KEY`` signs sessions; ``kaunta-hq serve`` refuses to start without it.
``KAUNTA_HQ_DEBUG=1`` turns debug on (off by default).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sync.server.ops.clientip import parse_networks

DEBUG = os.environ.get("KAUNTA_HQ_DEBUG", "") == "1"
#: Only for tests and a first look; ``kaunta-hq serve`` refuses it (see cli.py).
INSECURE_DEV_KEY = "kaunta-hq-insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("KAUNTA_HQ_SECRET_KEY") or INSECURE_DEV_KEY
#: Keys being rotated out (``KAUNTA_HQ_SECRET_KEY_FALLBACKS``, comma-separated): sessions,
#: CSRF tokens and M-Pesa callback tokens made with them are still accepted (docs/deploy.md,
#: "Rotating secrets").
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("KAUNTA_HQ_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("KAUNTA_HQ_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
DATA_DIR = Path(os.environ.get("KAUNTA_HQ_DATA_DIR", "."))
#: The reverse proxies whose ``X-Forwarded-For`` is believed (``KAUNTA_HQ_TRUSTED_PROXIES``,
#: comma-separated networks; empty = none: the direct peer is the client). See
#: sync/server/ops/clientip.py and docs/deploy.md, "Behind the proxy".
TRUSTED_PROXIES = parse_networks(
    os.environ.get("KAUNTA_HQ_TRUSTED_PROXIES", ""), "KAUNTA_HQ_TRUSTED_PROXIES"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "sync.server.accounts",
    "sync.server.terminals",
    "sync.server.catalog",
    "sync.server.ledger",
    "sync.server.reconcile",
    "sync.server.dashboard",
    "django_tasks",
    "django_tasks_db",
    "sync.server.callbacks",
    "sync.server.etims",
]

# Background work (sync/server/tasks.py): a queue table in this database, `kaunta-hq worker`;
# "stk" holds the STK callbacks' wake-ups (their own worker loop, never behind an eTIMS round).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "stk"]}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sync.server.ops.requestid.RequestIdMiddleware",
    "sync.server.ops.metrics.MetricsMiddleware",
    "sync.server.ops.security.SecurityHeadersMiddleware",
    "sync.server.ops.security.PageThrottleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sync.server.urls"
WSGI_APPLICATION = "sync.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


#: Seconds a server thread keeps its database connection between requests (persistent
#: connections, ``KAUNTA_HQ_CONN_MAX_AGE``; 0 = a new connection per request). Safe on both
#: backends: Django closes a connection that errored or outlived this at the next request,
#: ``CONN_HEALTH_CHECKS`` tests a kept one before reuse, and an idle connection holds no
#: transaction (autocommit), so SQLite's WAL still checkpoints. Each gunicorn thread keeps
#: one: (workers x threads) connections per server, which PostgreSQL's max_connections must
#: allow (docs/deploy.md). On SQLite a new connection costs the WAL and synchronous pragmas
#: and Django's function registrations on every request.
CONN_MAX_AGE = int(os.environ.get("KAUNTA_HQ_CONN_MAX_AGE", "60"))


def database_from_url(url: str) -> dict[str, Any]:
    """``postgres://user:pass@host:port/name?opt=v`` or ``sqlite:///path`` → Django settings."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path[1:]) or ":memory:",
        }
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError(
            f"DATABASE_URL must start with postgres:// or sqlite:///, not {parts.scheme}://"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path[1:]),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": _postgres_options(dict(parse_qsl(parts.query))),
        "CONN_MAX_AGE": CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
    }


def _postgres_options(given: dict[str, str]) -> dict[str, Any]:
    """libpq options that keep a vanished client from holding locks for hours.

    A worker frozen or cut off mid-batch (a lost VM, a stopped process, a network gone)
    keeps its session open, and with it the row locks on the callbacks it claimed: ``SKIP
    LOCKED`` makes every other worker pass them by, and the result-number lock stops them
    all. TCP keepalives find a peer that is gone within about 25 s, and
    ``idle_in_transaction_session_timeout`` (``KAUNTA_HQ_PG_IDLE_TX_TIMEOUT_S``, 60 s by
    default, 0 to turn it off) ends a session whose client stopped in the middle of a
    transaction: its work is rolled back and its locks go. No transaction here waits on its
    client that long (a batch takes milliseconds). Options in ``DATABASE_URL`` win."""
    out: dict[str, Any] = {
        "keepalives": "1",
        "keepalives_idle": "10",
        "keepalives_interval": "5",
        "keepalives_count": "3",
    }
    idle_s = float(os.environ.get("KAUNTA_HQ_PG_IDLE_TX_TIMEOUT_S", "60"))
    if idle_s > 0:
        out["options"] = f"-c idle_in_transaction_session_timeout={int(idle_s * 1000)}"
    if "options" in given and "options" in out:
        given = {**given, "options": f"{out['options']} {given['options']}"}
    out.update(given)
    return out


_DEFAULT_DB = f"sqlite:///{(DATA_DIR / 'kaunta-hq.sqlite3').resolve()}"
DATABASES: dict[str, Any] = {
    "default": database_from_url(os.environ.get("DATABASE_URL") or _DEFAULT_DB)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share one file: wait for the write lock instead of failing,
    # and take it at BEGIN so a batch never fails half way on an upgrade from read to write.
    DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Head-office people (PCI DSS 8.3.6: at least 12 characters; 8.3.4: lockout after at most
# 10 failures for at least 30 minutes; 8.2.8: 15 minutes idle).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["sync.server.accounts.lockout.LockoutModelBackend"]
LOCKOUT_FAILURES = 10
LOCKOUT_MINUTES = 30
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and os.environ.get("KAUNTA_HQ_INSECURE_COOKIES", "") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["sync.server.api.auth.TerminalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["sync.server.api.auth.IsTerminal"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sync.server.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "sync.server.api.throttles.TerminalThrottle",
        "sync.server.api.throttles.AddressThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "terminal": os.environ.get("KAUNTA_HQ_THROTTLE_TERMINAL", "600/min"),
        "address": os.environ.get("KAUNTA_HQ_THROTTLE_ADDRESS", "6000/min"),
        "enroll": os.environ.get("KAUNTA_HQ_THROTTLE_ENROLL", "10/min"),
        # the dashboard, admin, metrics and health pages (sync/server/ops/security.py)
        "pages": os.environ.get("KAUNTA_HQ_THROTTLE_PAGES", "600/min"),
    },
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaunta head office: terminal API",
    "DESCRIPTION": "What a till's sync agent calls. See docs/headoffice.md and docs/protocol.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
# Throttle counters (the only users of this cache) in a table of this database, so every
# gunicorn worker and every server counts together; the table is made by a migration
# (sync/server/terminals/migrations/0002_throttle_cache.py, docs/headoffice.md).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hq_throttle_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
    }
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sync.server.logs.JsonFormatter"}},
    "filters": {"request_id": {"()": "sync.server.ops.requestid.RequestIdFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("KAUNTA_HQ_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# PayPal webhooks and IPN (sync/server/callbacks/paypal.py, ipn.py; docs/api.md). The webhook
# id is the one PayPal shows for this listener; verification is "offline" (signature and
# certificate chain checked here) or "postback" (PayPal's verify-webhook-signature, which
# needs the REST app's client id and secret). Certificates are fetched only from
# PAYPAL_CERT_HOSTS; the chain must lead to PAYPAL_TRUST_STORE (a PEM file; empty: the
# DigiCert roots of certifi's bundle, which is what PayPal's certificates chain to).
PAYPAL_WEBHOOK_ID = os.environ.get("KAUNTA_HQ_PAYPAL_WEBHOOK_ID", "")
PAYPAL_VERIFY = os.environ.get("KAUNTA_HQ_PAYPAL_VERIFY", "offline")
PAYPAL_CERT_HOSTS = [
    h.strip().lower()
    for h in os.environ.get(
        "KAUNTA_HQ_PAYPAL_CERT_HOSTS",
        "api.paypal.com,api-m.paypal.com,api.sandbox.paypal.com,api-m.sandbox.paypal.com",
    ).split(",")
    if h.strip()
]
PAYPAL_TRUST_STORE = os.environ.get("KAUNTA_HQ_PAYPAL_TRUST_STORE", "")
#: Plain http and any port for certificate URLs: only for the local sandbox (tests, demo).
PAYPAL_CERT_INSECURE = os.environ.get("KAUNTA_HQ_PAYPAL_CERT_INSECURE", "") == "1"
PAYPAL_LEAF_CN_SUFFIX = os.environ.get("KAUNTA_HQ_PAYPAL_LEAF_CN_SUFFIX", ".paypal.com")
PAYPAL_TOLERANCE_S = int(os.environ.get("KAUNTA_HQ_PAYPAL_TOLERANCE_S", "600"))
PAYPAL_API_URL = os.environ.get("KAUNTA_HQ_PAYPAL_API_URL", "https://api-m.paypal.com")
PAYPAL_CLIENT_ID = os.environ.get("KAUNTA_HQ_PAYPAL_CLIENT_ID", "")
PAYPAL_CLIENT_SECRET = os.environ.get("KAUNTA_HQ_PAYPAL_CLIENT_SECRET", "")
PAYPAL_IPN_URL = os.environ.get(
    "KAUNTA_HQ_PAYPAL_IPN_URL", "https://ipnpb.paypal.com/cgi-bin/webscr"
)
