"""One OAuth access-token cache for every gateway client (Daraja and PayPal alike).

Both gateways hand out client-credentials tokens with an ``expires_in`` (Daraja as a JSON
*string*, ``"3599"``; PayPal as a number). A client asks :meth:`TokenCache.get` before each
call; the cache answers with the token it holds until a margin before it expires, and
otherwise fetches a new one through the gateway's own ``fetch`` function, which keeps the
gateway's error rules (what an unreadable answer means is the gateway's business).

Thread-safe: gateway calls run on a small pool of network threads. The fetch happens under
the cache's lock, so threads that all find the token stale wait for the one fetch instead
of each asking the gateway for a token of its own (single flight).

The token value never appears in a log line, a ``repr`` or an exception message written
here. The last few tokens stay listed in :attr:`TokenCache.issued` so that a client's
``scrub`` can remove them from transcripts.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["AccessToken", "TokenCache", "parse_expires_in"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A token as the gateway issued it: the value (kept out of ``repr``) and its lifetime."""

    value: str = field(repr=False)
    lifetime: float  # seconds from the moment it was fetched; 0 = good for one use


def parse_expires_in(value: object) -> float | None:
    """``3599``, ``3599.0`` or ``"3599"`` → seconds; ``None`` when it is not a number.

    Booleans, ``None``, empty or non-numeric strings, NaN and infinities are ``None`` (the
    caller decides what an unreadable lifetime means). A zero or negative lifetime is
    returned as ``0.0``: the token is used for the call at hand and then fetched again.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


class TokenCache:
    """The access token of one gateway account, shared by every thread that calls it.

    ``fetch`` obtains a new token (one HTTP call, raising whatever the gateway's errors
    are); ``margin`` is how many seconds before expiry the token stops being used (at most
    half its lifetime, so short-lived tokens are still used); ``clock`` gives seconds on
    any steady scale (``time.monotonic`` by default; tests pass a clock they move).
    """

    def __init__(
        self,
        fetch: Callable[[], AccessToken],
        *,
        name: str,
        margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        remember: int = 8,
    ) -> None:
        self._fetch = fetch
        self._name = name
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._refresh_at = 0.0
        self._issued: deque[str] = deque(maxlen=remember)

    def __repr__(self) -> str:
        return f"TokenCache({self._name!r}, {'holding a token' if self._token else 'empty'})"

    @property
    def issued(self) -> tuple[str, ...]:
        """The last tokens fetched (newest last): what a transcript scrub must remove."""
        return tuple(self._issued)

    def get(self) -> str:
        """A usable token: the cached one, or a fresh one when it is (nearly) expired.

        Raises what ``fetch`` raises; the cache is then empty, and the next call tries again.
        """
        with self._lock:
            now = self._clock()
            if self._token and now < self._refresh_at:
                return self._token
            self._token, self._refresh_at = "", 0.0
            grant = self._fetch()
            if not grant.value:
                raise ValueError(f"{self._name}: the token fetch returned no token")
            self._issued.append(grant.value)
            lifetime = max(grant.lifetime, 0.0)
            self._token = grant.value
            self._refresh_at = now + lifetime - min(self._margin, lifetime / 2)
            log.debug("%s access token obtained, valid %.0f s", self._name, lifetime)
            return grant.value

    def forget(self, token: str | None = None) -> None:
        """Drop the cached token: any, or only if it is still ``token`` (a thread that saw
        its token refused must not throw away the fresh one another thread just fetched)."""
        with self._lock:
            if token is None or token == self._token:
                self._token, self._refresh_at = "", 0.0
