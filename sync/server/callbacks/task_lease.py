"""A lease on running tasks: a task left RUNNING by a killed worker is made READY again.

django-tasks-db marks a task RUNNING when a worker claims it (``DBTaskResult.claim``) and
nothing else ever changes that if the worker dies (SIGKILL, out of memory, a lost VM): the
row stays RUNNING for ever and no worker takes it again. Head-office tasks take
milliseconds, so a task RUNNING for longer than ``KAUNTA_HQ_TASK_LEASE_S`` (default 300 s)
belongs to a worker that is gone; :func:`release_stale_running`, run when a worker starts
(``kaunta-hq worker``), puts such rows back to READY, and the next free worker runs them.

This is safe because every task here is idempotent (each locks its row and checks its state
first): if the "dead" worker was only slow, the task's effect still happens once. The rows
the tasks work on are also re-enqueued at start (``requeue_unprocessed``), which covers a
worker killed before the lease ran out.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("kaunta.hq.tasks")


def lease_seconds() -> float:
    """``KAUNTA_HQ_TASK_LEASE_S`` (seconds a task may run before it counts as abandoned)."""
    return float(os.environ.get("KAUNTA_HQ_TASK_LEASE_S", "300"))


def release_stale_running(lease: float | None = None) -> int:
    """Make READY every task RUNNING for longer than ``lease`` seconds; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=lease_seconds() if lease is None else lease)
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    count = stale.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        log.warning("%s task(s) left running by a gone worker made ready again", count)
    return int(count)
