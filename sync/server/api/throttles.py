"""Throttles per terminal and per address; a refusal is a 429 with ``Retry-After``.

The counters are rows of the database cache's table (``hq_throttle_cache``, made by the
``hq_terminals`` migration ``0002_throttle_cache``), so every gunicorn worker and every
server on the same database counts together. DRF's own ``SimpleRateThrottle`` keeps a list
of every request's time in one cache entry and reads and writes the whole list back (plus
Django's cull count) on each request: four to six queries per throttle, and at a store's
6,000 requests a minute from one address a list of thousands of timestamps, rewritten each
time. Measured under the benchmark's load that was most of a small call's time.

Here each window is one integer row, counted by ONE statement on SQLite and PostgreSQL
alike: an ``INSERT … SELECT … ON CONFLICT DO UPDATE … RETURNING`` whose conditions read the
previous window's row in a sub-select. The estimate is the previous window's count weighted
by how much of it still lies within the last ``duration`` seconds (rounded up, in integer
millionths so both databases compute it the same way), plus this window's. The statement only
counts while there is room, so a refused request is not counted (as in DRF) and two workers
cannot both take the last place (the row is locked while it is counted). That sliding
estimate never lets a burst through at a window's edge the way a plain fixed window would (at
most one request over the limit in any ``duration``).

A terminal call has two throttles (terminal and address). DRF asks each in turn and each
counts only while it has room; here the first counts both in one statement (a ``VALUES``
list of their keys, :func:`counting_many_sql`), which answers and counts exactly the same,
and the second reads its result from the request: one round trip a call instead of two
(``tests/server/test_statement_counts.py`` pins a call's statements).

Old windows are deleted by the process that starts a key's new window (at most once a
minute per process, after the surrounding transaction commits), so the table holds about
two rows per active key instead of one per key and minute for ever.

The address a throttle counts is the client's (:mod:`sync.server.ops.clientip`: behind a
trusted proxy, its ``X-Forwarded-For`` hop; otherwise the peer), never a header the client
wrote itself.

:class:`CountingThrottle` works on a DRF ``Request`` and on a plain ``HttpRequest`` alike
(it reads only ``META`` and ``auth``), so plain Django views and middleware use it too, and
:func:`throttled_response` is their 429 in the API's error shape.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from rest_framework.throttling import SimpleRateThrottle

from sync.server.ops.clientip import client_address
from sync.server.terminals.models import Terminal

log = logging.getLogger("kaunta.hq.throttle")

#: The database cache's table (settings.CACHES["default"]["LOCATION"])
TABLE = "hq_throttle_cache"
#: the carried fraction of the last window is counted in millionths (integer arithmetic)
SCALE = 1_000_000
#: a process deletes expired counter rows at most this often (seconds)
PRUNE_EVERY_S = 60.0

_prune_lock = threading.Lock()
_last_prune = 0.0


def _carried(table: str, previous: str, fraction: str) -> str:
    """SQL for what of the previous window still counts: its count (``previous`` names its
    key) times ``fraction`` millionths, rounded up."""
    return (
        f"((COALESCE((SELECT CAST(p.value AS BIGINT) FROM {table} p WHERE p.cache_key = "
        f"{previous}), 0) * {fraction} + {SCALE - 1}) / {SCALE})"
    )


@functools.cache
def counting_sql(table: str) -> str:
    """The one counting statement (parameters: this window's key, its expiry, the limit,
    the previous window's key, the carried fraction in millionths; the last three again for
    the update's condition). Returns the new count, or no row when there is no room."""
    carried = _carried(table, "%s", "%s")
    return (
        f"INSERT INTO {table} (cache_key, value, expires) "
        f"SELECT %s, '1', %s WHERE %s - {carried} > 0 "
        f"ON CONFLICT (cache_key) DO UPDATE SET "
        f"value = CAST(CAST({table}.value AS BIGINT) + 1 AS TEXT) "
        f"WHERE CAST({table}.value AS BIGINT) < %s - {carried} RETURNING value"
    )


@functools.cache
def counting_many_sql(table: str, keys: int) -> str:
    """One statement counting ``keys`` different keys at once, each exactly as
    :func:`counting_sql` counts one (parameters per key, in order: its window's key, the
    expiry, the limit, the previous window's key, the carried fraction). Returns a row
    (key, new count) for every key that had room; a key without room is not counted.

    The keys' parameters are a ``VALUES`` list named ``v``; the update's condition finds its
    key's row of it by ``excluded.cache_key``. Rows are locked in the list's order, which
    every caller builds in its view's throttle order, so two requests never lock two
    counters crosswise."""
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * keys)
    carried = _carried(table, "v.prev", "v.carried")
    return (
        f"WITH v (k, e, lim, prev, carried) AS (VALUES {rows}) "
        f"INSERT INTO {table} (cache_key, value, expires) "
        f"SELECT v.k, '1', v.e FROM v WHERE v.lim - {carried} > 0 "
        f"ON CONFLICT (cache_key) DO UPDATE SET "
        f"value = CAST(CAST({table}.value AS BIGINT) + 1 AS TEXT) "
        f"WHERE CAST({table}.value AS BIGINT) < "
        f"(SELECT v.lim - {carried} FROM v WHERE v.k = excluded.cache_key) "
        f"RETURNING cache_key, value"
    )


def _prune_expired(now: float) -> None:
    """Delete counter rows whose window had passed at ``now`` (the throttle's own clock),
    after commit; failures are only logged: a row left a little longer does no harm."""
    try:
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(TABLE)
            cursor.execute(
                f"DELETE FROM {table} WHERE expires < %s",
                [connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(now, UTC))],
            )
    except DatabaseError as exc:
        log.warning("throttle counters not pruned: %s", exc)


def _maybe_prune(now: float) -> None:
    global _last_prune
    tick = time.monotonic()
    with _prune_lock:
        if tick - _last_prune < PRUNE_EVERY_S:
            return
        _last_prune = tick
    transaction.on_commit(lambda: _prune_expired(now))


def counts_apart() -> bool:
    """Whether a view that writes counts its throttles first, in their own transaction
    (:func:`counting_apart`), instead of inside its own one: on PostgreSQL.

    A counter row is locked from its count to its transaction's commit, and a durable
    commit waits for the disk. Counted inside a view's transaction, every request from one
    address (all of Safaricom's callbacks come from a handful) holds that row through its
    commit's WAL flush: the requests queue one flush after another and PostgreSQL cannot
    group their commits. Counted apart, the row is locked for a fraction of a millisecond.
    SQLite has one writer at a time anyway: there the view keeps one transaction."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def counting_apart() -> Iterator[None]:
    """A transaction for throttle counts alone whose commit does not wait for the disk
    (PostgreSQL's ``synchronous_commit`` off for it; the view's own writes stay durable): a
    crash may forget the last fraction of a second of counts, which a rate limit can
    afford."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


@dataclass(frozen=True, slots=True)
class _Count:
    """One throttle's count for one request: its window's key and the statement's
    parameters, with the times its ``wait()`` answers from."""

    key: str
    expires: Any
    limit: int
    previous: str
    carried: int
    now: float
    window_end: float

    def params(self) -> list[Any]:
        return [self.key, self.expires, self.limit, self.previous, self.carried]


#: the request attribute holding counts made for a view's later throttles (by key)
_COUNTED = "_kaunta_counted"
_NOT_COUNTED = object()


class CountingThrottle(SimpleRateThrottle):
    """A sliding-window estimate over per-window counter rows (see the module docstring).

    Subclasses give ``scope`` and ``get_cache_key``, as with DRF's throttles. In a DRF view
    the first of the view's counting throttles counts every one of them in ONE statement
    (:func:`counting_many_sql`; a terminal call has two, terminal and address) and leaves
    the others' results on the request, where each finds its own: DRF asks every throttle
    in turn and each counts only while it has room, so counting them together answers
    exactly what counting them one after another did, one round trip instead of two."""

    def get_ident(self, request: Any) -> str:
        """The address this request counts against: the client's, through trusted proxies
        only (:func:`sync.server.ops.clientip.client_address`). DRF's own ``get_ident``
        takes a client's ``X-Forwarded-For`` as it comes (``NUM_PROXIES`` unset), so an
        invented header per request would be a fresh count per request."""
        return client_address(request) or ""

    def _count(self, request: Any, view: Any) -> _Count | None:
        """This request's count, or None when this throttle does not limit it."""
        if self.rate is None:
            return None
        key = self.get_cache_key(request, view)
        if key is None:
            return None
        now = self.timer()
        duration = int(self.duration or 1)
        window = int(now // duration)
        elapsed = (now - window * duration) / duration
        # what of the last window still counts, in millionths (never negative, never > 1)
        carried = min(SCALE, max(0, math.ceil((1.0 - elapsed) * SCALE - 1e-6)))
        return _Count(
            key=f"{key}:{window}",
            expires=connection.ops.adapt_datetimefield_value(
                datetime.fromtimestamp((window + 2) * duration, UTC)
            ),
            limit=int(self.num_requests or 0),
            previous=f"{key}:{window - 1}",
            carried=carried,
            now=now,
            window_end=(window + 1) * duration,
        )

    def allow_request(self, request: Any, view: Any) -> bool:
        count = self._count(request, view)
        if count is None:
            return True
        self.now, self.window_end = count.now, count.window_end
        waiting: dict[str, Any] = getattr(request, _COUNTED, {})
        value = waiting.pop(count.key, _NOT_COUNTED)
        if value is _NOT_COUNTED:
            value = self._count_with_siblings(request, view, count)
        if value is not None and str(value) == "1":
            _maybe_prune(self.now)  # the first count of a new window for this key
        return value is not None

    def _count_with_siblings(self, request: Any, view: Any, count: _Count) -> Any:
        """Count ``count`` and those of the view's other counting throttles in one
        statement; returns this one's new count (None: no room) and leaves the others'
        on the request."""
        counts = [count]
        later = getattr(view, "get_throttles", None)
        for other in later() if later is not None else ():
            if type(other) is type(self) or not isinstance(other, CountingThrottle):
                continue
            theirs = other._count(request, view)
            if theirs is not None and all(theirs.key != c.key for c in counts):
                counts.append(theirs)
        table = connection.ops.quote_name(TABLE)
        with connection.cursor() as cursor:
            if len(counts) == 1:
                c = count
                cursor.execute(
                    counting_sql(table),
                    [*c.params(), c.limit, c.previous, c.carried],
                )
                row = cursor.fetchone()
                return None if row is None else row[0]
            cursor.execute(
                counting_many_sql(table, len(counts)),
                [p for c in counts for p in c.params()],
            )
            new = {str(key): value for key, value in cursor.fetchall()}
        waiting = getattr(request, _COUNTED, None)
        if waiting is None:
            waiting = {}
            setattr(request, _COUNTED, waiting)
        for c in counts[1:]:
            waiting[c.key] = new.get(c.key)
        return new.get(count.key)

    def wait(self) -> float | None:
        """Seconds until this window ends (the count starts again, the carried part of the
        last window shrinks): never less than one."""
        return max(1.0, math.ceil(self.window_end - self.now))


def throttled_response(wait: float | None) -> HttpResponse:
    """The 429 a plain Django view or middleware answers, as DRF's handler words it
    (``sync.server.api.errors``): the API's error shape and ``Retry-After`` in seconds."""
    # imported here: errors imports DRF's views, whose settings import this module
    from sync.server.api.errors import error_body

    seconds = max(1, math.ceil(wait or 1))
    body = error_body("throttled", f"Too many requests: try again in {seconds} seconds.")
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")), status=429, content_type="application/json"
    )
    response["Retry-After"] = str(seconds)
    return response


class TerminalThrottle(CountingThrottle):
    scope = "terminal"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(getattr(request, "auth", None), Terminal):
            return None
        return f"count_terminal_{request.auth.pk}"


class AddressThrottle(CountingThrottle):
    scope = "address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"count_address_{self.get_ident(request)}"


class EnrollThrottle(AddressThrottle):
    """Enrollment codes are guessable only if tried fast: few tries a minute per address."""

    scope = "enroll"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"count_enroll_{self.get_ident(request)}"
