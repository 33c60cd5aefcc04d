"""Statements per call, pinned: a pushed batch of 200 sales, a heartbeat and a changes page
each cost a fixed number of database statements (COPY included), on SQLite and PostgreSQL,
so a change that adds one per event or per call fails here instead of showing up later as
a slower benchmark. Also: the terminal and address throttles counted in one statement
answer and count exactly as when they were counted one after the other."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory

from sync.server.api import throttles
from sync.server.api.auth import terminal_by_token_hash
from sync.server.api.throttles import TABLE, AddressThrottle, TerminalThrottle
from sync.server.ledger.apply import apply_batch
from sync.server.ledger.models import LedgerEvent, Sale, SaleLine
from sync.server.terminals.models import Terminal, digest
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

#: a push of new sales on PostgreSQL (a store without eTIMS, a new chain head): the
#: known-ids query; the sales' ids; COPY of events, sales, lines, VAT rows and payments;
#: the look-up of refunds waiting for these sales; the store's eTIMS lock (shared, a
#: statement of its own so the device query's snapshot follows it: see
#: sync.server.etims.tasks.store_locks) and devices; the chain head (the earlier-report
#: check, its row, the terminal's head). Whatever the batch's size.
PUSH_STATEMENTS = 13
#: the same on SQLite (the one-machine head office): BEGIN IMMEDIATE, and Django's
#: ``bulk_create`` in as many INSERTs as SQLite's 999 parameters need, for 200 sales
PUSH_STATEMENTS_SQLITE_200 = 20
#: the same 200 again: the known-ids query only (the chain head unchanged: nothing written)
PUSH_AGAIN_STATEMENTS = {"postgresql": 1, "sqlite": 2}
#: a push's request thread (the batch is applied on the push thread, counted above): the
#: token's terminal and both throttles in one statement
PUSH_REQUEST_STATEMENTS = 2
#: heartbeat: the token's terminal, both throttles in one statement, the heartbeat row
HEARTBEAT_STATEMENTS = 3
#: changes: the token's terminal, both throttles, the page's products, staff and VAT classes
CHANGES_STATEMENTS = 5
#: a poll with the newest cursor: the token's terminal, both throttles, the change counter
CHANGES_UP_TO_DATE_STATEMENTS = 3


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement the default connection runs meanwhile (COPY included: the
    ledger's COPY goes through the connection's execute wrappers)."""
    seen: list[str] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(wrapper):
        yield seen


@pytest.fixture
def no_prune(monkeypatch: pytest.MonkeyPatch) -> None:
    """Old throttle windows are pruned at most once a minute per process: not in these
    counts."""
    monkeypatch.setattr(throttles, "_last_prune", time.monotonic())


def _terminal(till: Till) -> Terminal:
    terminal: Terminal = Terminal.objects.select_related("store", "store__organisation").get(
        code=till.terminal_id, store__code=till.store_id
    )
    return terminal


def _backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_a_pushed_batch_of_200_sales_is_a_fixed_number_of_statements(
    hq_db: str, client: Client, no_prune: None
) -> None:
    till = enroll(client, new_store())
    apply_batch(_terminal(till), till.batch([till.sale()]))  # the chain head is known now
    terminal = _terminal(till)
    raw = till.batch([till.sale() for _ in range(200)])
    with statements() as seen:
        acks = apply_batch(terminal, raw)
    assert {r["status"] for r in acks["results"]} == {"applied"}
    wanted = PUSH_STATEMENTS if _backend(hq_db) == "postgresql" else PUSH_STATEMENTS_SQLITE_200
    assert len(seen) == wanted, "\n".join(s[:120] for s in seen)
    assert Sale.objects.filter(store=terminal.store).count() == 201
    assert SaleLine.objects.filter(sale__store=terminal.store).count() == 201
    # the same events again: acknowledged as duplicates, nothing written
    terminal = _terminal(till)
    with statements() as seen:
        again = apply_batch(terminal, raw)
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert len(seen) == PUSH_AGAIN_STATEMENTS[_backend(hq_db)], "\n".join(s[:120] for s in seen)
    assert LedgerEvent.objects.filter(terminal=terminal).count() == 201


def test_the_statements_of_a_push_do_not_grow_with_its_events(
    hq_db: str, client: Client, no_prune: None
) -> None:
    if _backend(hq_db) == "sqlite":
        pytest.skip("SQLite writes by bulk_create, in chunks of its 999 parameters")
    till = enroll(client, new_store())
    apply_batch(_terminal(till), till.batch([till.sale()]))
    counts = []
    for size in (1, 20, 200, 500):
        raw = till.batch([till.sale() for _ in range(size)])
        terminal = _terminal(till)
        with statements() as seen:
            apply_batch(terminal, raw)
        counts.append(len(seen))
    assert counts == [PUSH_STATEMENTS] * 4


def test_a_heartbeat_and_a_changes_page_are_a_fixed_number_of_statements(
    client: Client, no_prune: None
) -> None:
    till = enroll(client, new_store())
    beat = {"at": "2026-03-02T07:30:00Z", "outbox_waiting": 0, "last_sync_at": None}
    assert client.get("/api/v1/changes?limit=1", **till.auth).status_code == 200  # touch
    with statements() as seen:
        got = client.post(
            "/api/v1/heartbeat", {**beat, "app_version": "t"}, "application/json", **till.auth
        )
    assert got.status_code == 200
    assert len(seen) == HEARTBEAT_STATEMENTS, "\n".join(s[:120] for s in seen)
    with statements() as seen:
        got = client.get("/api/v1/changes?limit=1&cursor=v1.0", **till.auth)
    assert got.status_code == 200
    assert len(seen) == CHANGES_STATEMENTS, "\n".join(s[:120] for s in seen)
    throttled = [s for s in seen if TABLE in s]
    assert len(throttled) == 1
    assert throttled[0].startswith("WITH v")
    newest = client.get("/api/v1/changes?limit=1000", **till.auth).json()["cursor"]
    with statements() as seen:
        got = client.get(f"/api/v1/changes?limit=1000&cursor={newest}", **till.auth)
    assert got.json() == {"changes": [], "cursor": newest, "more": False}
    assert len(seen) == CHANGES_UP_TO_DATE_STATEMENTS, "\n".join(s[:120] for s in seen)


def test_a_push_costs_its_request_thread_two_statements(client: Client, no_prune: None) -> None:
    till = enroll(client, new_store())
    assert till.push(client, [till.sale()]).status_code == 200  # the terminal is touched
    with statements() as seen:
        got = till.push(client, [till.sale() for _ in range(20)])
    assert got.status_code == 200
    assert {r["status"] for r in got.json()["results"]} == {"applied"}
    assert len(seen) == PUSH_REQUEST_STATEMENTS, "\n".join(s[:120] for s in seen)


def _counter(key_prefix: str) -> int:
    """The current window's count of the counter whose key starts with ``key_prefix``."""
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value FROM {table} WHERE cache_key LIKE %s ORDER BY cache_key DESC",
            [key_prefix + ":%"],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize(
    ("rates", "answers", "terminal_count", "address_count"),
    [
        # the terminal's limit refuses the third: the address still counts all three
        ({"terminal": "2/min", "address": "1000/min"}, [200, 200, 429], 2, 3),
        # the address's limit refuses the third: the terminal still counts all three
        ({"terminal": "1000/min", "address": "2/min"}, [200, 200, 429], 3, 2),
    ],
)
def test_both_throttles_in_one_statement_count_as_they_did_one_after_the_other(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    rates: dict[str, str],
    answers: list[int],
    terminal_count: int,
    address_count: int,
) -> None:
    till = enroll(client, new_store())
    terminal = _terminal(till)
    monkeypatch.setattr(throttles.CountingThrottle, "THROTTLE_RATES", {"enroll": "10/min", **rates})
    address = f"10.9.{terminal.pk % 250}.{len(answers)}"
    got = [
        client.get("/api/v1/changes?limit=1", REMOTE_ADDR=address, **till.auth).status_code
        for _ in answers
    ]
    assert got == answers
    assert _counter(f"count_terminal_{terminal.pk}") == terminal_count
    assert _counter(f"count_address_{address}") == address_count


class _View:
    """What DRF hands a throttle as ``view``: something with ``get_throttles``."""

    def __init__(self, rate: str) -> None:
        self.rate = rate

    def get_throttles(self) -> list[Any]:
        out: list[Any] = []
        for cls in (TerminalThrottle, AddressThrottle):
            t = cls()
            t.rate = self.rate
            t.num_requests, t.duration = t.parse_rate(self.rate)
            out.append(t)
        return out


def test_requests_racing_for_both_throttles_never_exceed_either_limit(
    hq_db: str, client: Client
) -> None:
    if hq_db.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time; the race needs PostgreSQL's row locks")
    till = enroll(client, new_store())
    terminal = _terminal(till)
    view = _View("12/min")
    allowed: list[bool] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                request: Any = RequestFactory().get("/", REMOTE_ADDR="10.8.0.1")
                request.auth = terminal
                first, second = view.get_throttles()
                answers = [t.allow_request(request, view) for t in (first, second)]
                allowed.append(all(answers))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 30
    assert sum(allowed) == 12
    assert _counter(f"count_terminal_{terminal.pk}") == 12
    assert _counter("count_address_10.8.0.1") == 12


def test_the_compiled_token_lookup_gives_what_the_orm_gives(client: Client) -> None:
    till = enroll(client, new_store())
    beat = {"at": "2026-03-02T07:30:00Z", "outbox_waiting": 4, "last_sync_at": None}
    client.post("/api/v1/heartbeat", {**beat, "app_version": "t"}, "application/json", **till.auth)
    orm = _terminal(till)
    for _ in range(2):  # compiled on the first call, reused on the second
        with statements() as seen:
            got = terminal_by_token_hash(digest(till.token))
            assert got is not None
            names = (got.store.organisation.name, got.store.code)  # no further query
        assert len(seen) == 1
        for mine, theirs in ((got, orm), (got.store, orm.store)):
            for f in type(theirs)._meta.concrete_fields:
                assert getattr(mine, f.attname) == getattr(theirs, f.attname), f.name
        assert names == (orm.store.organisation.name, orm.store.code)
        assert got.last_heartbeat["outbox_waiting"] == 4  # JSON read as the ORM reads it
        assert got.last_seen_at is not None
        assert got.last_seen_at.tzinfo is not None
    assert terminal_by_token_hash(digest("no such token")) is None
    Terminal.objects.filter(pk=orm.pk).update(revoked_at=orm.enrolled_at)
    revoked = terminal_by_token_hash(digest(till.token))
    assert revoked is not None
    assert revoked.revoked
    assert client.get("/api/v1/changes", **till.auth).status_code == 401
