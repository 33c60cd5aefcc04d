"""The counting throttle (sync/server/api/throttles.py) on a real database, each backend:
counts per window, refusals not counted, the last window carried, workers in threads, one
statement a count, large counts, old windows pruned."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sync.server.api import throttles
from sync.server.api.throttles import TABLE, AddressThrottle


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _throttle(rate: str, clock: _Clock) -> AddressThrottle:
    t = AddressThrottle()
    t.rate = rate
    t.num_requests, t.duration = t.parse_rate(rate)
    t.timer = clock
    return t


def _ask(rate: str, clock: _Clock, address: str) -> tuple[bool, float | None]:
    request: Any = RequestFactory().get("/", REMOTE_ADDR=address)
    t = _throttle(rate, clock)
    allowed = t.allow_request(request, None)
    return allowed, None if allowed else t.wait()


def test_a_window_allows_its_limit_and_refuses_the_rest_with_the_seconds_left(
    hq_db: str,
) -> None:
    clock = _Clock(6_000_000 * 60 + 10.0)  # 10 s into a minute
    answers = [_ask("3/min", clock, "10.0.0.1") for _ in range(5)]
    assert [a for a, _ in answers] == [True, True, True, False, False]
    assert answers[3][1] == 50  # the minute ends in 50 s
    # another address has its own count
    assert _ask("3/min", clock, "10.0.0.2")[0] is True


def test_refused_requests_are_not_counted_and_the_last_window_is_carried_over(
    hq_db: str,
) -> None:
    start = 6_000_100 * 60.0
    clock = _Clock(start + 30)  # half-way through a minute
    assert [_ask("4/min", clock, "10.0.1.1")[0] for _ in range(6)] == [True] * 4 + [False] * 2
    clock.now = start + 60 + 15  # a quarter into the next minute: 3/4 of 4 carried = 3
    assert [_ask("4/min", clock, "10.0.1.1")[0] for _ in range(3)] == [True, False, False]
    clock.now = start + 60 + 45  # three quarters in: 1 carried, 1 counted, 2 more
    assert [_ask("4/min", clock, "10.0.1.1")[0] for _ in range(3)] == [True, True, False]
    clock.now = start + 180  # two windows later nothing is carried
    assert [_ask("4/min", clock, "10.0.1.1")[0] for _ in range(5)] == [True] * 4 + [False]


def test_workers_racing_for_the_last_places_never_exceed_the_limit(
    hq_db: str, request: pytest.FixtureRequest
) -> None:
    if hq_db.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time; the race needs PostgreSQL's row locks")
    clock = _Clock(6_000_200 * 60 + 1.0)
    allowed: list[bool] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                allowed.append(_ask("12/min", clock, "10.0.2.1")[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 30
    assert sum(allowed) == 12


def test_a_count_is_one_statement(hq_db: str) -> None:
    clock = _Clock(6_000_300 * 60 + 5.0)
    assert _ask("5/min", clock, "10.0.3.1")[0] is True  # first of the window (may prune)
    with CaptureQueriesContext(connection) as queries:
        assert _ask("5/min", clock, "10.0.3.1")[0] is True
    assert len(queries.captured_queries) == 1, queries.captured_queries
    assert queries.captured_queries[0]["sql"].startswith("INSERT INTO")


def test_large_counts_are_carried_without_overflowing_the_database_integers(hq_db: str) -> None:
    """A million a minute (the bench's address limit): 999,999 last minute, half of it
    carried at the half minute, so 500,000 may be counted now, no more (integer
    arithmetic past 2**31 on PostgreSQL)."""
    window = 6_000_400
    clock = _Clock(window * 60 + 30.0)
    key = "count_address_10.0.4.1"
    later = connection.ops.adapt_datetimefield_value(datetime(2100, 1, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        for k, value in ((f"{key}:{window - 1}", "999999"), (f"{key}:{window}", "499999")):
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(TABLE)} (cache_key, value, expires) "
                "VALUES (%s, %s, %s)",
                [k, value, later],
            )
    assert [_ask("1000000/min", clock, "10.0.4.1")[0] for _ in range(2)] == [True, False]


def test_a_new_window_prunes_expired_counter_rows(
    hq_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = connection.ops.quote_name(TABLE)
    past = connection.ops.adapt_datetimefield_value(datetime(2001, 1, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, '7', %s)",
            ["count_address_10.0.5.9:1", past],
        )
    monkeypatch.setattr(throttles, "_last_prune", 0.0)  # as in a process just started
    clock = _Clock(time.time())
    assert _ask("5/min", clock, "10.0.5.1")[0] is True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key LIKE %s", ["%10.0.5.%"])
        keys = [k for (k,) in cursor.fetchall()]
    assert keys == [f"count_address_10.0.5.1:{int(clock.now // 60)}"]
