"""The background queue as operations see it: depth, failures, and the last worker activity.

The queue is ``django-tasks-db``'s table (sync/server/tasks.py). That library keeps no worker
heartbeat, so the closest evidence a worker is alive is the last time one started or finished
a task (``last_worker_activity``); a queue with tasks waiting and no activity for
``KAUNTA_HQ_WORKER_STALE_S`` (default 120 s) is reported as ``stale``. Without the library
installed the answer says ``no queue``; with it but nothing ever run, ``no worker``.
"""

from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.db.models import Count, Max
from django.utils import timezone

STALE_AFTER_S = float(os.environ.get("KAUNTA_HQ_WORKER_STALE_S", "120"))


def queue_state() -> dict[str, Any]:
    """``{"queue": ..., "depth", "running", "failed", "worker": ..., "last_worker_activity"}``."""
    if not apps.is_installed("django_tasks_db"):
        return {"queue": "no queue", "worker": "no worker"}
    from django_tasks_db.models import DBTaskResult

    counts = dict(
        DBTaskResult.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    last = DBTaskResult.objects.aggregate(s=Max("started_at"), f=Max("finished_at"))
    seen = max((t for t in (last["s"], last["f"]) if t is not None), default=None)
    depth = int(counts.get("READY", 0))
    out: dict[str, Any] = {
        "queue": "django-tasks-db",
        "depth": depth,
        "running": int(counts.get("RUNNING", 0)),
        "failed": int(counts.get("FAILED", 0)),
        "last_worker_activity": seen.isoformat() if seen else None,
    }
    if seen is None:
        out["worker"] = "no worker"
    else:
        age = (timezone.now() - seen).total_seconds()
        out["worker_activity_age_s"] = round(age, 1)
        out["worker"] = "stale" if depth and age > STALE_AFTER_S else "ok"
    return out
