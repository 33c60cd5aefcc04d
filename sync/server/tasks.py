"""Background work at head office, on Django's Tasks API (the ``django-tasks`` backport for
Django 5.2) with the ``django-tasks-db`` database backend: the queue is a table in the head
office's own database (SQLite for the demo, PostgreSQL at scale) and ``kaunta-hq worker``
runs ``db_worker`` processes that take tasks from it.

The library has no retries of its own, so :func:`process_stk_callback` does them: a try that
raises is enqueued again after 2, 4, 8, 16 s (``MAX_TRIES`` in all); the last failure leaves
the record ``failed`` with its error, listed in the admin (callbacks, filter *Failed*), and the
task result itself in the admin's *DB task results*. Every step is idempotent (the record's
state is checked under a row lock), so a task run twice, or re-run after its worker was killed
(:func:`requeue_unprocessed`, run when a worker starts), decides its attempt once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from pos.payments.mpesa.callback import parse_stk_callback
from sync.server.callbacks.models import PushAttempt, PushState, RecordState, StkCallbackRecord

log = logging.getLogger("kaunta.hq.tasks")
MAX_TRIES = 5


def _next_result_seq() -> int:
    top = PushAttempt.objects.aggregate(m=Max("result_seq"))["m"]
    return int(top or 0) + 1


def decide(record_id: int) -> str:
    """Apply one stored callback to its attempt; returns the record's state afterwards."""
    with transaction.atomic():
        record = StkCallbackRecord.objects.select_for_update().get(pk=record_id)
        if record.state != RecordState.RECEIVED:
            return str(record.state)
        attempt = PushAttempt.objects.select_for_update().get(pk=record.attempt_id)
        record.tries += 1
        if attempt.state != PushState.WAITING:
            record.state = RecordState.DUPLICATE
            record.save(update_fields=["state", "tries"])
            return str(record.state)
        cb = parse_stk_callback(record.body)  # checked before storing: cannot fail here
        attempt.state = PushState.PAID if cb.paid else PushState.FAILED
        attempt.checkout_request_id = cb.checkout_request_id
        attempt.result_code = cb.result_code
        attempt.result_desc = cb.desc[:300]
        attempt.receipt = cb.receipt or ""
        attempt.decided_at = timezone.now()
        attempt.result_seq = _next_result_seq()
        attempt.save()
        record.state = RecordState.DONE
        record.save(update_fields=["state", "tries"])
        return str(record.state)


@task()
def process_stk_callback(record_id: int) -> str:
    """The task behind every accepted STK callback (see the module doc for retries)."""
    try:
        return decide(record_id)
    except Exception as exc:
        record = StkCallbackRecord.objects.get(pk=record_id)
        record.tries += 1
        record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if record.tries >= MAX_TRIES:
            record.state = RecordState.FAILED
            record.save(update_fields=["tries", "last_error", "state"])
            log.error("callback %s failed after %s tries: %s", record_id, record.tries, exc)
            raise
        record.save(update_fields=["tries", "last_error"])
        delay = timedelta(seconds=2**record.tries)
        process_stk_callback.using(run_after=timezone.now() + delay).enqueue(record_id)
        log.warning("callback %s: try %s failed, again in %s", record_id, record.tries, delay)
        return "retry"


def requeue_unprocessed() -> int:
    """Enqueue again every stored callback not yet processed (after a worker was killed)."""
    ids = list(
        StkCallbackRecord.objects.filter(state=RecordState.RECEIVED).values_list("pk", flat=True)
    )
    for pk in ids:
        process_stk_callback.enqueue(pk)
    # PayPal webhook events and IPN messages, and tasks a gone worker left RUNNING
    # (sync/server/callbacks/task_lease.py).
    from sync.server.callbacks import paypal_tasks, task_lease

    task_lease.release_stale_running()
    from sync.server.etims.tasks import requeue_branches  # eTIMS rounds of unsent branches

    return len(ids) + paypal_tasks.requeue_unprocessed() + requeue_branches()
