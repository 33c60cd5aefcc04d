"""The counting throttle (sync/server/api/throttles.py) on a real database, each backend:
counts per window, refusals not counted, the last window carried, workers in threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import RequestFactory

from sync.server.api.throttles import AddressThrottle


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
