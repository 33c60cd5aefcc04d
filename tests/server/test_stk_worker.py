"""The STK worker (sync/server/tasks.py): stored callbacks are their own work items, decided
in batches of one transaction each, on each backend over real posted callbacks.

A batch costs the same few statements whatever its size; duplicates inside one batch decide
their attempt once; a record whose deciding raises is tried alone, so the rest of its batch
is decided, and it waits out its backoff (``retry_at``) before it is claimed again, until
``MAX_TRIES`` leave it ``failed``. A worker killed mid-batch is tested with real processes in
tests/server/test_worker_kill.py.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sync.server.callbacks.models import PushAttempt, PushState, RecordState, StkCallbackRecord
from sync.server.tasks import (
    MAX_TRIES,
    STK_QUEUE,
    decide_alone,
    decide_batch,
    decide_stk_callbacks,
    queue_worker,
    requeue_unprocessed,
    run_stk_sweeper,
    run_stk_tasks,
)
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import body, post, register

DARAJA = {"REMOTE_ADDR": "196.201.214.77"}


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


@pytest.fixture(autouse=True)
def _nothing_waiting(client: Client) -> None:
    """Each test starts with no record waiting (earlier tests of the module decided theirs)."""
    run_stk_tasks()


def _callbacks(client: Client, till: Till, n: int) -> list[str]:
    """``n`` accepted callbacks, one per new attempt; their attempt ids."""
    attempts = []
    for i in range(n):
        attempt, path = register(client, till)
        assert post(client, path, body(f"ws_CO_b{i}"), **DARAJA).status_code == 200
        attempts.append(attempt)
    return attempts


def _statements_of(run: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        result = run()
    return result, seen


def test_a_batch_is_the_same_few_statements_whatever_its_size(client: Client, till: Till) -> None:
    _callbacks(client, till, 3)
    claimed, small = _statements_of(decide_batch)
    assert claimed == 3
    attempts = _callbacks(client, till, 12)
    claimed, large = _statements_of(decide_batch)
    assert claimed == 12
    assert len(large) == len(small), (small, large)
    # claim, attempts locked, (the numbering lock,) the highest number, one UPDATE each
    assert sum(sql.startswith("UPDATE") for sql in large) == 2, large
    decided = PushAttempt.objects.filter(attempt_id__in=attempts)
    assert {a.state for a in decided} == {PushState.PAID}
    seqs = sorted(a.result_seq for a in decided)
    assert seqs == list(range(seqs[0], seqs[0] + 12))  # consecutive, each once
    assert not StkCallbackRecord.objects.filter(state=RecordState.RECEIVED).exists()
    assert decide_batch() == 0  # nothing waiting: one claim, nothing else


def test_duplicates_inside_one_batch_decide_their_attempt_once(client: Client, till: Till) -> None:
    attempt, path = register(client, till)
    for _ in range(3):  # Daraja sent it three times before any worker ran
        assert post(client, path, body("ws_CO_dup"), **DARAJA).status_code == 200
    assert decide_batch() == 3
    states = sorted(
        StkCallbackRecord.objects.filter(attempt__attempt_id=attempt).values_list(
            "state", flat=True
        )
    )
    assert states == ["done", "duplicate", "duplicate"]
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert (a.state, a.receipt, a.checkout_request_id) == (
        PushState.PAID,
        "NLJ7RT61SV",
        "ws_CO_dup",
    )


def test_a_bad_record_is_tried_alone_and_backs_off_while_its_batch_is_decided(
    client: Client, till: Till
) -> None:
    attempts = _callbacks(client, till, 4)
    bad = StkCallbackRecord.objects.get(attempt__attempt_id=attempts[1])
    # as if the stored body were damaged after it was checked (cannot happen through the view)
    StkCallbackRecord.objects.filter(pk=bad.pk).update(body="{not json")
    assert decide_batch() == 4
    decided = PushAttempt.objects.filter(attempt_id__in=attempts).exclude(pk=bad.attempt_id)
    assert {a.state for a in decided} == {PushState.PAID}
    bad.refresh_from_db()
    assert bad.state == RecordState.RECEIVED
    assert bad.tries == 1
    assert "MalformedCallback" in bad.last_error
    assert bad.retry_at is not None
    assert bad.retry_at > timezone.now()
    assert PushAttempt.objects.get(pk=bad.attempt_id).state == PushState.WAITING
    assert decide_batch() == 0  # backing off: not claimed before its time
    assert requeue_unprocessed() >= 1  # still counted as waiting at a worker's start
    for tries in range(2, MAX_TRIES + 1):
        StkCallbackRecord.objects.filter(pk=bad.pk).update(
            retry_at=timezone.now() - timedelta(seconds=1)
        )
        assert decide_batch() == 1
        bad.refresh_from_db()
        assert bad.tries == tries
    assert bad.state == RecordState.FAILED
    assert bad.retry_at is None
    assert decide_batch() == 0  # failed for good: listed in the admin, never claimed again
    assert PushAttempt.objects.get(pk=bad.attempt_id).state == PushState.WAITING


def _ready_wakeups() -> int:
    return DBTaskResult.objects.ready().filter(task_path=decide_stk_callbacks.module_path).count()


def test_a_record_no_wake_up_covers_is_found_by_the_sweeper(client: Client, till: Till) -> None:
    """The narrow race (a callback that saw a wake-up ready commits just after that task
    found nothing left) leaves a record with no wake-up: a worker's sweeper enqueues one."""
    attempts = _callbacks(client, till, 2)
    assert _ready_wakeups() == 1  # the first callback's; the second found it ready
    DBTaskResult.objects.filter(task_path=decide_stk_callbacks.module_path).delete()
    run_stk_sweeper(0, rounds=1)
    assert _ready_wakeups() == 1
    run_stk_sweeper(0, rounds=1)
    assert _ready_wakeups() == 1  # one wake-up for whatever waits, never one per round
    queue_worker(STK_QUEUE, "test-stk", 0, batch=True).run()
    assert _ready_wakeups() == 0
    decided = PushAttempt.objects.filter(attempt_id__in=attempts)
    assert {a.state for a in decided} == {PushState.PAID}
    run_stk_sweeper(0, rounds=1)
    assert _ready_wakeups() == 0  # nothing waits: nothing enqueued


def test_a_record_given_up_fails_its_wake_up_in_the_task_admin(client: Client, till: Till) -> None:
    attempts = _callbacks(client, till, 2)
    bad = StkCallbackRecord.objects.get(attempt__attempt_id=attempts[0])
    # as if the stored body were damaged after it was checked (cannot happen through the view)
    StkCallbackRecord.objects.filter(pk=bad.pk).update(
        body="{not json", tries=MAX_TRIES - 1, retry_at=None
    )
    queue_worker(STK_QUEUE, "test-stk", 0, batch=True).run()
    bad.refresh_from_db()
    assert bad.state == RecordState.FAILED
    assert PushAttempt.objects.get(attempt_id=attempts[1]).state == PushState.PAID
    failed = DBTaskResult.objects.failed().filter(task_path=decide_stk_callbacks.module_path)
    assert failed.count() == 1
    assert failed.get().exception_class_path.endswith("StkCallbacksFailed")
    assert f"record(s) {bad.pk} failed" in failed.get().traceback


def test_a_wake_up_lingers_so_a_burst_is_one_task(
    client: Client, till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A callback that arrives while a wake-up runs is decided by that wake-up (it waits
    ``KAUNTA_HQ_STK_LINGER_S`` for more before it ends), not by a task of its own."""
    monkeypatch.setenv("KAUNTA_HQ_STK_LINGER_S", "2")
    first = _callbacks(client, till, 1)
    worker = queue_worker(STK_QUEUE, "test-linger", 0.05, batch=True)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        wakeups = DBTaskResult.objects.filter(task_path=decide_stk_callbacks.module_path)
        deadline = time.monotonic() + 30
        while not wakeups.filter(status=TaskResultStatus.RUNNING).exists():
            assert time.monotonic() < deadline, "the wake-up never started"
            time.sleep(0.02)
        running = wakeups.get(status=TaskResultStatus.RUNNING)
        second = _callbacks(client, till, 1)  # while it runs (it lingers 2 s)
    finally:
        thread.join(timeout=60)
    running.refresh_from_db()
    assert running.status == TaskResultStatus.SUCCESSFUL
    assert running.return_value == 2  # both callbacks: the second did not wait for a task
    decided = PushAttempt.objects.filter(attempt_id__in=first + second)
    assert {a.state for a in decided} == {PushState.PAID}


def test_a_lock_that_times_out_is_not_counted_as_a_try(
    client: Client, till: Till, hq_db: str
) -> None:
    """A lock wait that gives up (here: another session holds the attempt's row past the
    lock timeout) says nothing about the callback: it waits a second and is tried again,
    its tries untouched, so contention can never use up a payment's five tries."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: one writer at a time; the lock wait needs PostgreSQL's row locks")
    import psycopg

    (attempt,) = _callbacks(client, till, 1)
    record = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    with psycopg.connect(hq_db) as holder:
        holder.execute(
            "SELECT id FROM hq_callbacks_pushattempt WHERE id = %s FOR UPDATE",
            (record.attempt_id,),
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            for _ in range(MAX_TRIES + 2):
                assert decide_alone(record.pk) == "retry"
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    record.refresh_from_db()
    assert (record.state, record.tries) == (RecordState.RECEIVED, 0)
    assert "LockNotAvailable" in record.last_error or "lock timeout" in record.last_error
    assert record.retry_at is not None
    StkCallbackRecord.objects.filter(pk=record.pk).update(retry_at=None)
    assert decide_batch() == 1  # the lock gone: decided at the next try
    assert PushAttempt.objects.get(attempt_id=attempt).state == PushState.PAID
