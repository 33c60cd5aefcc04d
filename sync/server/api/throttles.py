"""Throttles per terminal and per address; DRF answers 429 with ``Retry-After``.

The counters are rows of the database cache's table (``hq_throttle_cache``, made by the
``hq_terminals`` migration ``0002_throttle_cache``), so every gunicorn worker and every
server on the same database counts together. DRF's own ``SimpleRateThrottle`` keeps a list
of every request's time in one cache entry and reads and writes the whole list back (plus
Django's cull count) on each request: four to six queries per throttle, and at a store's
6,000 requests a minute from one address a list of thousands of timestamps, rewritten each
time. Measured under the benchmark's load that was most of a small call's time.

Here each window is one integer row, counted by one ``INSERT … ON CONFLICT DO UPDATE``
that only counts while there is room (so a refused request is not counted, as in DRF, and
two workers cannot both take the last place: the row is locked while it is counted), plus
one read of the previous window: the estimate is the previous window's count weighted by
how much of it still lies within the last ``duration`` seconds (rounded up), plus this
window's. That sliding estimate never lets a burst through at a window's edge the way a
plain fixed window would (at most one request over the limit in any ``duration``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from sync.server.terminals.models import Terminal

#: The database cache's table (settings.CACHES["default"]["LOCATION"])
TABLE = "hq_throttle_cache"


class CountingThrottle(SimpleRateThrottle):
    """A sliding-window estimate over per-window counter rows (see the module docstring).

    Subclasses give ``scope`` and ``get_cache_key``, as with DRF's throttles."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        duration = int(self.duration or 1)
        window = int(self.now // duration)
        elapsed = (self.now - window * duration) / duration
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(TABLE)
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s", [f"{key}:{window - 1}"]
            )
            row = cursor.fetchone()
            before = int(row[0]) if row and str(row[0]).isdigit() else 0
            carried = math.ceil(before * (1.0 - elapsed) - 1e-9)
            room = int(self.num_requests or 0) - carried
            self.counted = None
            if room > 0:
                expires = connection.ops.adapt_datetimefield_value(
                    datetime.fromtimestamp((window + 2) * duration, UTC)
                )
                cursor.execute(
                    f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, '1', %s) "
                    f"ON CONFLICT (cache_key) DO UPDATE SET "
                    f"value = CAST(CAST({table}.value AS INTEGER) + 1 AS TEXT) "
                    f"WHERE CAST({table}.value AS INTEGER) < %s RETURNING value",
                    [f"{key}:{window}", expires, room],
                )
                self.counted = cursor.fetchone()
        self.window_end = (window + 1) * duration
        return self.counted is not None

    def wait(self) -> float | None:
        """Seconds until this window ends (the count starts again, the carried part of the
        last window shrinks): never less than one."""
        return max(1.0, math.ceil(self.window_end - self.now))


class TerminalThrottle(CountingThrottle):
    scope = "terminal"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, Terminal):
            return None
        return f"count_terminal_{request.auth.pk}"


class AddressThrottle(CountingThrottle):
    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"count_address_{self.get_ident(request)}"


class EnrollThrottle(AddressThrottle):
    """Enrollment codes are guessable only if tried fast: few tries a minute per address."""

    scope = "enroll"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"count_enroll_{self.get_ident(request)}"
