"""Background work at head office.

Most of it runs on Django's Tasks API (the ``django-tasks`` backport for Django 5.2) with the
``django-tasks-db`` database backend: the queue is a table in the head office's own database
(SQLite for the demo, PostgreSQL at scale) and ``kaunta-hq worker`` runs ``db_worker`` for it
(PayPal webhooks and IPN messages, eTIMS rounds).

STK callbacks run on the same library, with one twist that keeps the acknowledgement to one
row: the stored :class:`StkCallbackRecord` is the work item (``received``, ``retry_at`` empty
or past), and a task is a *wake-up*, not one per callback. The callback view writes its record
and, unless a wake-up is already waiting, enqueues :func:`decide_stk_callbacks` on the ``stk``
queue in the same transaction (:func:`wake_stk_worker`). ``kaunta-hq worker`` runs a
``db_worker`` loop for that queue beside the default one (so a long eTIMS round never holds
a customer's payment back); the task claims waiting records in batches (:func:`decide_batch`:
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same record;
SQLite has one writer anyway) and decides each batch in ONE transaction and one commit, until
none waits, then lingers (``KAUNTA_HQ_STK_LINGER_S``, 1 s) for more before it ends: while it
runs, the next wake-up is the one ready and the callbacks enqueue none. A task per callback
cost three commits (claim, run, result) on top of the queue row; a burst of 200 callbacks a
second is now one or two tasks. What that buys is measured
in docs/performance.md ("STK callbacks: one row, batched worker").

A wake-up can be missed in one narrow case: a callback that saw a wake-up waiting commits
just after that task found nothing left. Each worker process therefore runs a sweeper
(:func:`run_stk_sweeper`, every :data:`SWEEP_EVERY_S`): records due (new, or their backoff
over) and no wake-up waiting: it enqueues one. The sweeper also writes the worker's heartbeat.

Durability: a batch's effects and its records' new states commit together or not at all. A
worker killed mid-batch (SIGKILL, power) leaves its transaction uncommitted; the database rolls
it back, its row locks go with the connection, and the records are ``received`` again for the
next worker: each callback decided exactly once. Its wake-up task stays RUNNING (the library
never learns the worker died) until the lease at a worker's start (task_lease.py) makes it
ready again; the records do not wait for that: the next callback or any worker's sweeper
wakes a live worker for them. Result numbers (``result_seq``, the till's pull cursor) are
given under a transaction-scoped lock on PostgreSQL, so two workers never give the same
number and numbers become visible in order.

Retries: a record whose deciding raises is tried alone (so one bad record never holds back
its batch); a failed try leaves it ``received`` with ``retry_at`` 2, 4, 8, 16 s later
(``MAX_TRIES`` in all; the sweeper wakes a worker when one is due), the last failure leaves
it ``failed`` with its error, listed in the admin (callbacks, filter *Failed*), and the task
that gave it up ends FAILED with the record named, in django-tasks' own admin (Task
results). :func:`process_stk_callback` stays for tasks that a head office before this change
enqueued; it decides the same way.

A paid callback for an attempt already decided failed (a timeout or a cancel first, then the
money) is decided again as paid, relayed to the till as a late result and listed in the
dashboard's unresolved payments (:func:`_apply`); a failure after a paid result, and every
repeat, is a ``duplicate`` that changes nothing.

Liveness: each worker's sweeper writes a heartbeat row as it goes round (:func:`beat`);
readiness and the metrics read it with the waiting records (sync/server/ops/queue.py).
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from pos.payments.mpesa.callback import parse_stk_callback
from sync.server.callbacks.models import (
    PushAttempt,
    PushState,
    RecordState,
    StkCallbackRecord,
    StkWorkerHeartbeat,
)

log = logging.getLogger("kaunta.hq.tasks")
MAX_TRIES = 5
#: records one batch takes at most (``KAUNTA_HQ_STK_BATCH``): one transaction, one commit
DEFAULT_BATCH = 200
#: PostgreSQL advisory lock (transaction-scoped) held while result numbers are given
RESULT_SEQ_LOCK = 0x4B53_5451  # "KSTQ"
_ATTEMPT_FIELDS = [
    "state",
    "checkout_request_id",
    "result_code",
    "result_desc",
    "receipt",
    "decided_at",
    "result_seq",
]
#: what a paid-after-failure decision changes besides (:func:`_apply`)
_CONFLICT_FIELDS = [*_ATTEMPT_FIELDS, "paid_after_failure_at", "failure_code", "failure_desc"]
_RECORD_FIELDS = ["state", "tries", "retry_at"]
#: a worker writes its heartbeat at most this often (each loop, but an idle poll every 50 ms
#: must not take SQLite's write lock 20 times a second); well under the stale threshold
HEARTBEAT_EVERY_S = 5.0


def batch_size() -> int:
    """``KAUNTA_HQ_STK_BATCH`` (records a batch takes at most), at least 1."""
    return max(1, int(os.environ.get("KAUNTA_HQ_STK_BATCH", str(DEFAULT_BATCH))))


def _next_result_seq() -> int:
    top = PushAttempt.objects.aggregate(m=Max("result_seq"))["m"]
    return int(top or 0) + 1


def _lock_result_numbers() -> None:
    """On PostgreSQL, serialise numbering until this transaction ends (SQLite's write lock,
    taken at ``BEGIN IMMEDIATE``, does that already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RESULT_SEQ_LOCK])


def _apply(record: StkCallbackRecord, attempt: PushAttempt, seq: int) -> bool:
    """Decide ``attempt`` from ``record`` in memory (the caller saves both); True when the
    attempt was decided and took result number ``seq``, False for a duplicate.

    A paid callback for an attempt already decided failed is not a duplicate: the customer
    paid after all (a timeout first, then the money). The attempt is decided again as paid
    with a new result number (so the till's pull relays it, and the till's late-payment flow
    shows it to the manager), the failure kept in ``failure_code``/``failure_desc``, and
    the record is ``conflict``. A failure after a paid result changes nothing."""
    record.tries += 1
    record.retry_at = None
    if attempt.state == PushState.WAITING:
        cb = parse_stk_callback(record.body)  # checked before storing: cannot fail here
        attempt.state = PushState.PAID if cb.paid else PushState.FAILED
        record.state = RecordState.DONE
    elif attempt.state == PushState.FAILED and attempt.paid_after_failure_at is None:
        cb = parse_stk_callback(record.body)
        if not cb.paid:
            record.state = RecordState.DUPLICATE
            return False
        attempt.failure_code = attempt.result_code
        attempt.failure_desc = attempt.result_desc
        attempt.state = PushState.PAID
        attempt.paid_after_failure_at = timezone.now()
        record.state = RecordState.CONFLICT
        log.warning(
            "push %s: paid (%s) after it was decided failed (%s): relayed as a late result",
            attempt.attempt_id,
            cb.receipt,
            attempt.failure_code,
        )
    else:
        record.state = RecordState.DUPLICATE
        return False
    attempt.checkout_request_id = cb.checkout_request_id
    attempt.result_code = cb.result_code
    attempt.result_desc = cb.desc[:300]
    attempt.receipt = cb.receipt or ""
    attempt.decided_at = timezone.now()
    attempt.result_seq = seq
    return True


def decide(record_id: int) -> str:
    """Apply one stored callback to its attempt; returns the record's state afterwards.

    Idempotent: the record is locked and its state checked first, so a second run (or a
    record a batch already finished) changes nothing."""
    with transaction.atomic():
        record = StkCallbackRecord.objects.select_for_update().get(pk=record_id)
        if record.state != RecordState.RECEIVED:
            return str(record.state)
        attempt = PushAttempt.objects.select_for_update().get(pk=record.attempt_id)
        _lock_result_numbers()
        if _apply(record, attempt, _next_result_seq()):
            conflict = record.state == RecordState.CONFLICT
            attempt.save(update_fields=_CONFLICT_FIELDS if conflict else _ATTEMPT_FIELDS)
        record.save(update_fields=_RECORD_FIELDS)
        return str(record.state)


def _failed_try(record_id: int, exc: BaseException) -> str:
    """Count a failed try: ``received`` again after a backoff, or ``failed`` after
    ``MAX_TRIES``; returns ``"retry"`` or ``"failed"``."""
    with transaction.atomic():
        record = StkCallbackRecord.objects.select_for_update().get(pk=record_id)
        record.tries += 1
        record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if record.tries >= MAX_TRIES:
            record.state = RecordState.FAILED
            record.retry_at = None
            record.save(update_fields=["tries", "last_error", "state", "retry_at"])
            log.error("callback %s failed after %s tries: %s", record_id, record.tries, exc)
            return "failed"
        delay = timedelta(seconds=2**record.tries)
        record.retry_at = timezone.now() + delay
        record.save(update_fields=["tries", "last_error", "retry_at"])
    log.warning("callback %s: try %s failed, again in %s", record_id, record.tries, delay)
    return "retry"


#: a record that met a lock or serialisation failure waits this long (not counted as a try)
CONTENDED_RETRY = timedelta(seconds=1)


def _contended(record_id: int, exc: OperationalError) -> str:
    """A deadlock, a serialisation failure or a lock wait that timed out says nothing about
    the callback: it waits :data:`CONTENDED_RETRY` and is tried again, its tries not
    counted (five of those in half a minute must not give a customer's payment up)."""
    with transaction.atomic():
        StkCallbackRecord.objects.filter(pk=record_id, state=RecordState.RECEIVED).update(
            retry_at=timezone.now() + CONTENDED_RETRY,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    log.warning("callback %s met a lock (%s); again in %s", record_id, exc, CONTENDED_RETRY)
    return "retry"


def decide_alone(record_id: int) -> str:
    """:func:`decide` with the failure counted (see the module doc); the record's state or
    ``"retry"``. A database error (:class:`OperationalError`: a deadlock, a lock, the
    connection) is not the callback's fault and is not counted as a try."""
    try:
        return decide(record_id)
    except OperationalError as exc:
        return _contended(record_id, exc)
    except Exception as exc:
        return _failed_try(record_id, exc)


def _waiting() -> QuerySet[StkCallbackRecord]:
    """Records waiting for the STK worker: ``received`` and not backing off, oldest first."""
    return (
        StkCallbackRecord.objects.filter(state=RecordState.RECEIVED)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=timezone.now()))
        .order_by("pk")
    )


def _claim(limit: int) -> list[StkCallbackRecord]:
    """The oldest waiting records, locked for this transaction (skipping those another
    worker holds, on PostgreSQL)."""
    waiting = _waiting()
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True)
    return list(waiting[:limit])


def decide_batch(limit: int | None = None, failed: list[int] | None = None) -> int:
    """Claim up to ``limit`` waiting records and decide them all in ONE transaction;
    returns how many were claimed (0: none waiting).

    Statements per batch, whatever its size: whether anything waits (outside a transaction,
    so an idle poll locks nothing), the claim, the attempts locked in one query,
    the numbering lock and the highest number, one UPDATE of the attempts and one of the
    records, the commit. If anything in the batch raises, the batch is rolled back and each
    of its records is tried alone (:func:`decide_alone`), so only a bad record waits; the
    ids of those given up (``failed`` after :data:`MAX_TRIES`) are added to ``failed``."""
    claimed: list[int] = []
    if not connection.in_atomic_block and not _waiting().exists():
        # an idle poll reads without a transaction: on SQLite a claim's BEGIN IMMEDIATE
        # would take the write lock the acknowledgements queue for, 20 times a second
        return 0
    try:
        with transaction.atomic():
            records = _claim(batch_size() if limit is None else limit)
            if not records:
                return 0
            claimed = [r.pk for r in records]
            wanted = {r.attempt_id for r in records}
            locked = PushAttempt.objects.select_for_update().filter(pk__in=wanted)
            attempts = {a.pk: a for a in locked.order_by("pk")}
            _lock_result_numbers()
            seq = _next_result_seq()
            decided: list[PushAttempt] = []
            conflicts: list[PushAttempt] = []
            for record in records:
                attempt = attempts[record.attempt_id]
                if _apply(record, attempt, seq):
                    seq += 1
                    if record.state == RecordState.CONFLICT:
                        conflicts.append(attempt)
                    else:
                        decided.append(attempt)
            if decided:
                PushAttempt.objects.bulk_update(decided, _ATTEMPT_FIELDS)
            if conflicts:
                PushAttempt.objects.bulk_update(conflicts, _CONFLICT_FIELDS)
            StkCallbackRecord.objects.bulk_update(records, _RECORD_FIELDS)
        return len(records)
    except Exception:
        if not claimed:
            raise  # the claim itself failed (database gone): nothing to try alone
        log.warning("a batch of %s callbacks failed; each is tried alone", len(claimed))
        for pk in claimed:
            if decide_alone(pk) == "failed" and failed is not None:
                failed.append(pk)
        return len(claimed)


def worker_name() -> str:
    """This STK worker's heartbeat id: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def beat(worker_id: str) -> None:
    """Write ``worker_id``'s heartbeat (one small row per worker, :class:`StkWorkerHeartbeat`)."""
    now = timezone.now()
    if not StkWorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now):
        StkWorkerHeartbeat.objects.get_or_create(worker_id=worker_id, defaults={"seen_at": now})


def forget_gone_workers(older_than: timedelta = timedelta(days=1)) -> int:
    """Drop the heartbeats of workers not seen for ``older_than`` (restarted processes leave
    one row each); returns how many went."""
    gone = StkWorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - older_than)
    return int(gone.delete()[0])


#: the django-tasks queue of the STK wake-ups (its own ``db_worker`` loop: settings.TASKS)
STK_QUEUE = "stk"
#: how often each worker's sweeper looks for records no wake-up covers (and beats)
SWEEP_EVERY_S = 1.0


class StkCallbacksFailed(RuntimeError):
    """Callbacks given up after :data:`MAX_TRIES` in one run of :func:`decide_stk_callbacks`
    (the task ends FAILED with this, so the task admin lists it beside the records)."""


#: the wake-ups' priority: above every other task's (the default 0), so they lead the
#: library's index of ready tasks and the view's check reads only them
STK_PRIORITY = 10
#: how often a lingering wake-up looks for new records (a read, no transaction)
LINGER_POLL_S = 0.05
#: a wake-up ends after this long however busy (well under task_lease's 300 s)
MAX_RUN_S = 60.0
_linger_override: list[float] = []


def linger_s() -> float:
    """How long a wake-up waits for more records once none waits
    (``KAUNTA_HQ_STK_LINGER_S``, default 1 s; 0 in ``--batch`` runs)."""
    if _linger_override:
        return _linger_override[-1]
    return max(0.0, float(os.environ.get("KAUNTA_HQ_STK_LINGER_S", "1.0")))


@task(queue_name=STK_QUEUE, priority=STK_PRIORITY)
def decide_stk_callbacks() -> int:
    """Decide every waiting STK callback, batch after batch, then wait :func:`linger_s` for
    more before ending; returns how many records it claimed. Enqueued as a wake-up by the
    callback view and the sweeper (never one per callback: see the module doc).

    The linger is what makes a burst one task: while this one runs, the callbacks find the
    next wake-up ready (the first of them enqueued it) and enqueue none; a task that ended
    at each empty moment would have each burst's callbacks enqueue a wake-up every few
    milliseconds, and the library pay three commits for each. Under steady traffic it
    ends after :data:`MAX_RUN_S` all the same (the wake-up the callbacks queued meanwhile
    takes over), so no wake-up ever runs long enough to look abandoned to the lease
    (task_lease.py, 300 s)."""
    failed: list[int] = []
    claimed = 0
    started = idle_since = time.monotonic()
    while time.monotonic() - started < MAX_RUN_S:
        got = decide_batch(failed=failed)
        if got:
            claimed += got
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since >= linger_s():
            break
        time.sleep(LINGER_POLL_S)
    if failed:
        raise StkCallbacksFailed(
            f"callback record(s) {', '.join(map(str, failed))} failed after {MAX_TRIES} tries"
        )
    return claimed


@functools.cache
def _waiting_wakeup_sql(vendor: str) -> str:
    """Whether a wake-up waits (READY): the library's partial index of ready tasks leads with
    the priority, and only wake-ups have :data:`STK_PRIORITY`, so this reads a few index
    entries however many other tasks are ready (a PayPal backlog). Written out once per
    database kind (``vendor``), as the view's other statements are: it runs in every
    acknowledgement."""
    from django_tasks_db.models import DBTaskResult

    meta, q = DBTaskResult._meta, connection.ops.quote_name
    col = {
        f: q(meta.get_field(f).column) for f in ("status", "priority", "queue_name", "task_path")
    }
    return (
        f"SELECT 1 FROM {q(meta.db_table)} WHERE {col['status']} = 'READY' "
        f"AND {col['priority']} = {STK_PRIORITY} AND {col['queue_name']} = %s "
        f"AND {col['task_path']} = %s LIMIT 1"
    )


def wake_stk_worker() -> bool:
    """Enqueue :func:`decide_stk_callbacks` unless one is waiting already; True when this
    call enqueued it. Called in the callback view's transaction (the wake-up and the record
    commit together) and by the sweeper."""
    with connection.cursor() as cursor:
        cursor.execute(
            _waiting_wakeup_sql(connection.vendor), [STK_QUEUE, decide_stk_callbacks.module_path]
        )
        if cursor.fetchone() is not None:
            return False
    decide_stk_callbacks.enqueue()
    return True


def sweep() -> bool:
    """One sweep: records due and no wake-up waiting: enqueue one; True when it did."""
    return _waiting().exists() and wake_stk_worker()


def run_stk_sweeper(
    interval: float = SWEEP_EVERY_S,
    stop: threading.Event | None = None,
    rounds: int | None = None,
) -> None:
    """Each worker process's sweeper (a thread of ``kaunta-hq worker``): every ``interval``
    seconds, wake a worker for records no wake-up covers (:func:`sweep`), write this
    worker's heartbeat (at most every :data:`HEARTBEAT_EVERY_S`), which readiness and the
    metrics read (sync/server/ops/queue.py), and delete what is kept only for a while
    (:mod:`sync.server.housekeeping`). A database that is gone is tried again at the
    next round. Runs until ``stop`` is set, or for ``rounds`` rounds."""
    from sync.server.housekeeping import Housekeeping

    stop = stop or threading.Event()
    me = worker_name()
    last_beat = float("-inf")
    tidy = Housekeeping()
    try:
        try:
            forget_gone_workers()
        except Exception:
            log.exception("STK sweeper: old heartbeats not dropped")
        done = 0
        while not stop.is_set() and (rounds is None or done < rounds):
            done += 1
            try:
                if time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:
                    beat(me)
                    last_beat = time.monotonic()
                if sweep():
                    log.info("STK sweeper: callbacks waited with no wake-up; one enqueued")
                tidy.run_due()
            except Exception:
                log.exception("STK sweeper: a round failed; again in %s s", interval)
                connection.close()
            if rounds is None or done < rounds:
                stop.wait(interval)
    finally:
        if not connection.in_atomic_block:  # (a test's transaction keeps its connection)
            connection.close()  # this thread's own connection


def queue_worker(queue: str, worker_id: str, interval: float, *, batch: bool = False) -> Any:
    """django-tasks-db's worker for one ``queue`` (``kaunta-hq worker`` runs the ``stk``
    queue's on a thread beside the default queue's; ``batch``: until nothing is ready, then
    it returns). No signal handlers: on a thread, its owner stops it (``running = False``)."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=[queue],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id[:64],
        excluded_queue_names=[],
    )


def run_stk_tasks() -> None:
    """Decide what waits now through the library, as a worker would (``--batch``, tests):
    a wake-up enqueued if records are due, then the STK queue run until nothing is ready
    (its wake-ups not lingering)."""
    sweep()
    _linger_override.append(0.0)
    try:
        queue_worker(STK_QUEUE, f"stk-batch-{os.getpid()}", 0, batch=True).run()
    finally:
        _linger_override.pop()


@task()
def process_stk_callback(record_id: int) -> str:
    """A task an earlier head office enqueued for one callback (before the wake-ups): decides
    its record as a batch would; a failed try is left to the backoff and the sweeper."""
    outcome = decide_alone(record_id)
    if outcome == "failed":
        raise RuntimeError(f"callback {record_id} failed after {MAX_TRIES} tries")
    return outcome


def requeue_unprocessed() -> int:
    """At a worker's start: how many stored callbacks wait (one wake-up enqueued for them
    all if none waits), plus PayPal events and IPN messages enqueued again, tasks a
    gone worker left RUNNING made ready (sync/server/callbacks/task_lease.py) and eTIMS
    rounds of unsent branches."""
    waiting = StkCallbackRecord.objects.filter(state=RecordState.RECEIVED).count()
    from sync.server.callbacks import paypal_tasks, task_lease

    task_lease.release_stale_running()
    if waiting:
        wake_stk_worker()
    from sync.server.etims.tasks import requeue_branches

    return int(waiting) + paypal_tasks.requeue_unprocessed() + requeue_branches()
