"""Rows head office keeps only for a while, deleted by the workers as they go.

Two kinds grow with traffic and with nothing else: refused callback requests (a flood of
forged ones above all: :func:`sync.server.callbacks.prune.prune_rejected`) and django-tasks'
results of finished tasks (a row for every PayPal webhook, IPN message, eTIMS round and STK
wake-up, kept by the library for ever). Each worker's sweeper (sync/server/tasks.py) calls
:meth:`Housekeeping.run_due` every round; each job runs at most once per its period in a
process, one bounded batch a call, and again at the next call while it finds rows due, so
a backlog (the first run on a year of rows) is worked off a batch a second instead of in one
long transaction.

The sweeper also makes ready again every task RUNNING past ``KAUNTA_HQ_TASK_LEASE_S`` (a
worker that died with it: :mod:`sync.server.callbacks.task_lease`), once a minute, where
before only a worker's start did.

Finished task results are kept ``KAUNTA_HQ_TASK_RESULTS_KEEP_DAYS`` days (default 7) when
successful and ``KAUNTA_HQ_FAILED_TASKS_KEEP_DAYS`` (default 30) when failed: the failed ones
are what the task admin's *Failed* view is for, and they stay longer. Ready and running
tasks are never touched.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger("kaunta.hq.housekeeping")

#: task result rows one batch deletes at most
TASK_BATCH = 2000


def _days(name: str, default: int) -> int:
    """A whole number of days from the environment (at least 1; ``default`` if unset or
    not a number, with a warning)."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return max(1, int(raw))
    except ValueError:
        log.warning("%s=%r is not a whole number of days; keeping %s", name, raw, default)
        return default


def prune_task_results(batch: int = TASK_BATCH) -> int:
    """Delete one batch of finished task results past their keeping time; how many went."""
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    kept_ok = now - timedelta(days=_days("KAUNTA_HQ_TASK_RESULTS_KEEP_DAYS", 7))
    kept_failed = now - timedelta(days=_days("KAUNTA_HQ_FAILED_TASKS_KEEP_DAYS", 30))
    due = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=kept_ok)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=kept_failed)
    )
    ids = list(due.order_by().values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    return int(DBTaskResult.objects.filter(pk__in=ids).delete()[0])


def _release_abandoned() -> int:
    from sync.server.callbacks.task_lease import release_stale_running

    return release_stale_running()


def _prune_rejected_batch() -> int:
    from sync.server.callbacks.prune import prune_rejected

    return int(prune_rejected(max_batches=1).deleted)


@dataclass
class Housekeeping:
    """The jobs and when each last ran in this process (monotonic seconds)."""

    jobs: dict[str, tuple[float, Callable[[], int]]] = field(
        default_factory=lambda: {
            "rejected callbacks": (60.0, _prune_rejected_batch),
            "finished task results": (60.0, prune_task_results),
            # a task RUNNING past the lease belongs to a worker that is gone: ready again
            # now, not only when some worker next starts (task_lease.py)
            "abandoned tasks": (60.0, _release_abandoned),
        }
    )
    last: dict[str, float] = field(default_factory=dict)

    def run_due(self) -> dict[str, int]:
        """Run each job whose period has passed (a failing one is logged and tried at its
        next period); returns what each that ran deleted."""
        done: dict[str, int] = {}
        now = time.monotonic()
        for name, (every, job) in self.jobs.items():
            if now - self.last.get(name, float("-inf")) < every:
                continue
            self.last[name] = now
            try:
                done[name] = job()
            except Exception:
                log.exception("housekeeping: %s not pruned; again in %s s", name, every)
                continue
            if done[name]:
                log.info("housekeeping: %s: %s rows", name, done[name])
                del self.last[name]  # a backlog: the next batch at the next round
        return done
