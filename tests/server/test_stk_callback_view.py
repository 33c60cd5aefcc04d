"""The STK callback as a plain Django view (sync/server/callbacks/views.py): over the Django
test client on a real database, each backend. Past the address limit it answers 429 with
``Retry-After`` and writes nothing (not even a refusal row: its transaction is rolled
back); one accepted callback is one
transaction with the attempt read by one query; only POST; and an unknown attempt is refused
as such whatever its body (the order of checks kept from the DRF view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from sync.server.api import throttles
from sync.server.callbacks.models import PushAttempt, RejectedCallback, StkCallbackRecord
from sync.server.callbacks.tokens import token_for
from sync.server.tasks import run_stk_tasks
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll, new_id
from tests.server.test_callbacks import body, post, register

DARAJA = {"REMOTE_ADDR": "196.201.214.77"}


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


def test_past_the_address_limit_a_callback_is_429_with_retry_after_and_writes_nothing(
    client: Client, till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = [register(client, till) for _ in range(3)]
    # two a minute per address from now on (registering counted on the till's address)
    rates = {**throttles.AddressThrottle.THROTTLE_RATES, "address": "2/min"}
    monkeypatch.setattr(throttles.AddressThrottle, "THROTTLE_RATES", rates)
    rejected = RejectedCallback.objects.count()
    answers = [
        post(client, path, body(f"ws_CO_{n}"), **DARAJA) for n, (_, path) in enumerate(pushes)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) >= 1
    assert answers[2].json()["error"]["code"] == "throttled"
    # a forged one from the same address is throttled too, and not even logged
    forged = post(client, pushes[0][1].rsplit("/", 1)[0] + "/" + "0" * 64, body(), **DARAJA)
    assert forged.status_code == 429
    stored = StkCallbackRecord.objects.filter(
        attempt__attempt_id__in=[a for a, _ in pushes]
    ).values_list("attempt__attempt_id", flat=True)
    assert sorted(stored) == sorted(a for a, _ in pushes[:2])
    assert RejectedCallback.objects.count() == rejected
    # another address has its own count
    assert (
        post(client, pushes[2][1], body("ws_CO_2"), REMOTE_ADDR="196.201.214.78").status_code == 200
    )


#: which ``transaction.atomic`` block each statement of the last :func:`_statements` ran in
_BLOCKS: dict[int, int] = {}


def _statements(run: Callable[[], Any]) -> tuple[Any, list[tuple[str, bool]]]:
    """What ``run`` sent to the database: each statement and whether it ran in a transaction
    (and in which block: :func:`_block`)."""
    seen: list[tuple[str, bool]] = []
    _BLOCKS.clear()

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        blocks = connection.atomic_blocks
        _BLOCKS[len(seen)] = id(blocks[-1]) if blocks else 0
        seen.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        result = run()
    return result, seen


def _throttle_apart(seen: list[tuple[str, bool]]) -> None:
    """On PostgreSQL the address is counted first, in a block of its own that does not wait
    for the disk (its row lock must not last through the view's durable commit); on SQLite
    last, inside the view's one transaction."""
    sqls = [sql for sql, _ in seen]
    counted = next(i for i, sql in enumerate(sqls) if throttles.TABLE in sql)
    data = [i for i, sql in enumerate(sqls) if sql.split()[0] in ("SELECT", "INSERT", "UPDATE")]
    others = {_BLOCKS[i] for i in data if i != counted}
    assert len(others) == 1, seen  # the view's own writes: one transaction
    if connection.vendor == "postgresql":
        assert counted == data[0], seen
        assert sqls[counted - 1] == "SET LOCAL synchronous_commit TO OFF", seen
        assert _BLOCKS[counted] not in others, seen
    else:
        assert counted == data[-1], seen
        assert _BLOCKS[counted] in others, seen


def _data_statements(seen: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The reads and writes (not a throttle prune after commit); on SQLite the one BEGIN
    IMMEDIATE that opened their transaction is checked here too."""
    if connection.vendor == "sqlite":
        assert [sql for sql, _ in seen].count("BEGIN IMMEDIATE") == 1, seen
    return [
        (sql, atomic) for sql, atomic in seen if sql.split()[0] in ("SELECT", "INSERT", "UPDATE")
    ]


def test_an_accepted_callback_is_one_transaction_with_one_attempt_query(
    client: Client, till: Till
) -> None:
    run_stk_tasks()  # nothing waits, no wake-up is ready
    pushes = PushAttempt._meta.db_table
    records = StkCallbackRecord._meta.db_table
    queue = DBTaskResult._meta.db_table
    tasks = DBTaskResult.objects.count()
    for n in (1, 2):
        attempt, path = register(client, till)
        answer, seen = _statements(lambda path=path: post(client, path, body(), **DARAJA))
        assert answer.status_code == 200
        assert answer.content == b'{"ResultCode":0,"ResultDesc":"Accepted"}'
        in_view = _data_statements(seen)
        assert all(atomic for _, atomic in in_view), in_view
        assert sum(pushes in sql and sql.startswith("SELECT") for sql, _ in in_view) == 1
        assert sum(sql.startswith("INSERT") and records in sql for sql, _ in in_view) == 1
        # is a wake-up ready? one short read; only the first callback enqueues one (a task
        # row in the same transaction), the second finds it ready and writes no queue row
        assert sum(sql.startswith("SELECT") and queue in sql for sql, _ in in_view) == 1
        enqueued = sum(sql.startswith("INSERT") and queue in sql for sql, _ in in_view)
        assert enqueued == (1 if n == 1 else 0), in_view
        assert sum(throttles.TABLE in sql for sql, _ in in_view) == 1
        _throttle_apart(seen)
        assert len(in_view) == 4 + enqueued, in_view
        assert StkCallbackRecord.objects.filter(attempt__attempt_id=attempt).count() == 1
        assert DBTaskResult.objects.count() == tasks + 1


def test_a_refusal_is_logged_in_the_same_single_transaction(client: Client, till: Till) -> None:
    _, path = register(client, till)
    answer, seen = _statements(lambda: post(client, path, body(amount=1), **DARAJA))
    assert answer.status_code == 409
    assert answer.content == b'{"ResultCode":1,"ResultDesc":"Rejected"}'
    in_view = _data_statements(seen)
    assert all(atomic for _, atomic in in_view), in_view
    logged = [sql for sql, _ in in_view if throttles.TABLE not in sql]
    assert [sql.split()[0] for sql in logged] == ["SELECT", "INSERT"]
    assert RejectedCallback._meta.db_table in logged[1]
    _throttle_apart(seen)


def test_only_post_is_answered(client: Client, till: Till) -> None:
    _, path = register(client, till)
    got = client.get(path, **DARAJA)
    assert got.status_code == 405
    assert got["Allow"] == "POST"


def test_an_unknown_attempt_is_refused_as_such_whatever_its_body(client: Client) -> None:
    RejectedCallback.objects.all().delete()
    unknown = new_id()
    got = post(client, f"/hooks/stk/{unknown}/{token_for(unknown)}", b"{not json", **DARAJA)
    assert got.status_code == 404
    assert list(RejectedCallback.objects.values_list("reason", flat=True)) == ["unknown_attempt"]
    RejectedCallback.objects.all().delete()
