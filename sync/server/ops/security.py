"""Security headers on every answer, and the address throttle for pages outside DRF.

Django's SecurityMiddleware already sends nosniff, the referrer policy, COOP and (in the
production profile) HSTS; this adds a Content-Security-Policy (the dashboard needs nothing
from elsewhere: inline styles, inline SVG, no script) and a Permissions-Policy.

The terminal API throttles inside DRF (sync/server/api/throttles.py). The dashboard, the admin,
the metrics and health pages are plain Django views, so :class:`PageThrottleMiddleware` applies
the same one-statement counting throttle (per address, scope ``pages``) to them and answers 429
with ``Retry-After`` in the API's error shape (``throttled_response``). Paths under ``/api/``
and ``/hooks/`` count in their views instead (DRF's throttle classes, or the STK callback's
own call of the same throttle), never twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from sync.server.api.throttles import CountingThrottle, throttled_response

CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=()"
#: Paths whose views throttle themselves (DRF throttle classes, or the STK callback view).
DRF_PREFIXES = ("/api/", "/hooks/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", PERMISSIONS)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class PageThrottle(CountingThrottle):
    """Per address, scope ``pages``: one counting statement per page request."""

    scope = "pages"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"count_pages_{self.get_ident(request)}"


class PageThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(DRF_PREFIXES):
            throttle = PageThrottle()
            if not throttle.allow_request(request, None):
                return throttled_response(throttle.wait())
        return self.get_response(request)
