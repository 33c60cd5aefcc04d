"""Throttles per terminal and per address; DRF answers 429 with ``Retry-After``."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from sync.server.terminals.models import Terminal


class TerminalThrottle(SimpleRateThrottle):
    scope = "terminal"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, Terminal):
            return None
        return f"throttle_terminal_{request.auth.pk}"


class AddressThrottle(SimpleRateThrottle):
    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"throttle_address_{self.get_ident(request)}"


class EnrollThrottle(AddressThrottle):
    """Enrollment codes are guessable only if tried fast: few tries a minute per address."""

    scope = "enroll"
