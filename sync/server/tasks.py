"""Background work at head office.

Most of it runs on Django's Tasks API (the ``django-tasks`` backport for Django 5.2) with the
``django-tasks-db`` database backend: the queue is a table in the head office's own database
(SQLite for the demo, PostgreSQL at scale) and ``kaunta-hq worker`` runs ``db_worker`` for it
(PayPal webhooks and IPN messages, eTIMS rounds).

STK callbacks have no task row: the stored :class:`StkCallbackRecord` is itself the work item
(``received``, ``retry_at`` empty or past). The callback view writes that one row and answers;
``kaunta-hq worker`` runs :func:`run_stk_worker` beside ``db_worker``, which claims waiting
records in batches (:func:`decide_batch`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers never take the same record; SQLite has one writer anyway) and decides a whole batch in
ONE transaction and one commit, where a task per callback cost three commits (claim, run,
result) and a queue row written by the acknowledgement. What that buys is measured in
docs/performance.md ("STK callbacks: one row, batched worker").

Durability: a batch's effects and its records' new states commit together or not at all. A
worker killed mid-batch (SIGKILL, power) leaves its transaction uncommitted; the database rolls
it back, its row locks go with the connection, and the records are ``received`` again for the
next worker: each callback decided exactly once, with nothing to re-enqueue and no lease to
wait for. Result numbers (``result_seq``, the till's pull cursor) are given under a
transaction-scoped lock on PostgreSQL, so two workers never give the same number and numbers
become visible in order.

Retries: a record whose deciding raises is tried alone (so one bad record never holds back its
batch); a failed try leaves it ``received`` with ``retry_at`` 2, 4, 8, 16 s later
(``MAX_TRIES`` in all), the last failure leaves it ``failed`` with its error, listed in the
admin (callbacks, filter *Failed*). :func:`process_stk_callback` stays for tasks that a head
office before this change enqueued; it decides the same way.

A paid callback for an attempt already decided failed (a timeout or a cancel first, then the
money) is decided again as paid, relayed to the till as a late result and listed in the
dashboard's unresolved payments (:func:`_apply`); a failure after a paid result, and every
repeat, is a ``duplicate`` that changes nothing.

Liveness: each STK worker writes a heartbeat row as it goes round (:func:`beat`); readiness
and the metrics read it with the waiting records (sync/server/ops/queue.py).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.db import connection, transaction
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


def decide_alone(record_id: int) -> str:
    """:func:`decide` with the failure counted (see the module doc); the record's state or
    ``"retry"``."""
    try:
        return decide(record_id)
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


def decide_batch(limit: int | None = None) -> int:
    """Claim up to ``limit`` waiting records and decide them all in ONE transaction;
    returns how many were claimed (0: none waiting).

    Statements per batch, whatever its size: whether anything waits (outside a transaction,
    so an idle poll locks nothing), the claim, the attempts locked in one query,
    the numbering lock and the highest number, one UPDATE of the attempts and one of the
    records, the commit. If anything in the batch raises, the batch is rolled back and each
    of its records is tried alone (:func:`decide_alone`), so only a bad record waits."""
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
            decide_alone(pk)
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


def run_stk_worker(
    interval: float, stop: threading.Event | None = None, until_empty: bool = False
) -> int:
    """Decide waiting STK callbacks batch after batch, polling every ``interval`` seconds
    while none waits, until ``stop`` is set (or, with ``until_empty``, until none waits);
    returns how many records it claimed. A batch that fails on the database (connection
    lost) is tried again after ``interval``: its records were rolled back, not lost.

    Each loop writes the worker's heartbeat (at most every :data:`HEARTBEAT_EVERY_S`), which
    readiness and the metrics read (sync/server/ops/queue.py)."""
    stop = stop or threading.Event()
    claimed = 0
    me = worker_name()
    last_beat = float("-inf")
    try:
        try:
            forget_gone_workers()
        except Exception:
            log.exception("STK worker: old heartbeats not dropped")
        while not stop.is_set():
            try:
                if time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:
                    beat(me)
                    last_beat = time.monotonic()
                got = decide_batch()
            except Exception:
                if until_empty:
                    raise
                log.exception("STK worker: a batch failed; again in %s s", interval)
                connection.close()
                got = 0
            claimed += got
            if got == 0:
                if until_empty:
                    break
                stop.wait(interval)
    finally:
        if not connection.in_atomic_block:  # (a test's transaction keeps its connection)
            connection.close()  # this thread's own connection, or a worker's before db_worker
    return claimed


@task()
def process_stk_callback(record_id: int) -> str:
    """A task an earlier head office enqueued for a callback (the view enqueues none now):
    decides its record like the STK worker; a failed try is left to the worker's backoff."""
    outcome = decide_alone(record_id)
    if outcome == "failed":
        raise RuntimeError(f"callback {record_id} failed after {MAX_TRIES} tries")
    return outcome


def requeue_unprocessed() -> int:
    """At a worker's start: how many stored callbacks wait for the STK worker (they are the
    queue, nothing to enqueue), plus PayPal events and IPN messages enqueued again, tasks a
    gone worker left RUNNING made ready (sync/server/callbacks/task_lease.py) and eTIMS
    rounds of unsent branches."""
    waiting = StkCallbackRecord.objects.filter(state=RecordState.RECEIVED).count()
    from sync.server.callbacks import paypal_tasks, task_lease

    task_lease.release_stale_running()
    from sync.server.etims.tasks import requeue_branches

    return int(waiting) + paypal_tasks.requeue_unprocessed() + requeue_branches()
