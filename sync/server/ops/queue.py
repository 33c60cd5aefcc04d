"""The background work as operations see it: what waits, what failed, and whether workers live.

Two queues (sync/server/tasks.py):

- **django-tasks-db**'s table (PayPal webhooks and IPN messages, eTIMS rounds; the ``stk``
  queue's wake-ups are not counted here: the records below are that queue's work). That library
  keeps no worker heartbeat, so the closest evidence a worker is alive is the last time one
  started or finished a task (``last_worker_activity``); tasks waiting and no activity for
  ``KAUNTA_HQ_WORKER_STALE_S`` (default 120 s) is ``stale``. Without the library installed
  that part says ``no queue``; with it but nothing ever run, ``no worker``.
- **STK callback records**: a ``received`` record whose ``retry_at`` is empty or past waits
  for the STK worker (``stk_waiting``, and ``stk_oldest_age_s`` of the oldest); those backing
  off after a failed try are ``stk_backing_off``, those given up ``stk_failed``. Each STK
  worker writes a heartbeat (:class:`~sync.server.callbacks.models.StkWorkerHeartbeat`);
  ``stk_worker`` is ``ok`` when one was seen within ``KAUNTA_HQ_WORKER_STALE_S``, else
  ``stale`` (or ``no worker`` when none ever wrote one).

``depth`` is everything waiting for a worker: ready tasks plus waiting STK records.
:func:`not_ready_because` says when readiness must fail: STK records wait and no live STK
worker will take them (money a customer paid would reach no till).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

STALE_AFTER_S = float(os.environ.get("KAUNTA_HQ_WORKER_STALE_S", "120"))


def _tasks_state(now: datetime) -> dict[str, Any]:
    """django-tasks-db's part: ``queue``, ``tasks_waiting``, ``running``, ``failed``,
    ``worker``, ``last_worker_activity`` (and its age)."""
    if not apps.is_installed("django_tasks_db"):
        return {"queue": "no queue", "worker": "no worker", "tasks_waiting": 0}
    from django_tasks_db.models import DBTaskResult

    from sync.server.tasks import STK_QUEUE

    counts = dict(
        DBTaskResult.objects.exclude(queue_name=STK_QUEUE)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    last = DBTaskResult.objects.aggregate(s=Max("started_at"), f=Max("finished_at"))
    seen = max((t for t in (last["s"], last["f"]) if t is not None), default=None)
    waiting = int(counts.get("READY", 0))
    out: dict[str, Any] = {
        "queue": "django-tasks-db",
        "tasks_waiting": waiting,
        "running": int(counts.get("RUNNING", 0)),
        "failed": int(counts.get("FAILED", 0)),
        "last_worker_activity": seen.isoformat() if seen else None,
    }
    if seen is None:
        out["worker"] = "no worker"
    else:
        age = (now - seen).total_seconds()
        out["worker_activity_age_s"] = round(age, 1)
        out["worker"] = "stale" if waiting and age > STALE_AFTER_S else "ok"
    return out


def _stk_state(now: datetime) -> dict[str, Any]:
    """The STK records' part (empty when the callbacks app is not installed)."""
    if not apps.is_installed("sync.server.callbacks"):
        return {}
    from sync.server.callbacks.models import RecordState, StkCallbackRecord, StkWorkerHeartbeat

    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    received = StkCallbackRecord.objects.filter(state=RecordState.RECEIVED)
    found = received.aggregate(
        waiting=Count("id", filter=due),
        backing_off=Count("id", filter=~due),
        oldest=Min("received_at", filter=due),
    )
    failed = StkCallbackRecord.objects.filter(state=RecordState.FAILED).count()
    beat = StkWorkerHeartbeat.objects.aggregate(m=Max("seen_at"))["m"]
    out: dict[str, Any] = {
        "stk_waiting": int(found["waiting"]),
        "stk_backing_off": int(found["backing_off"]),
        "stk_failed": int(failed),
        "stk_oldest_age_s": (
            round(max(0.0, (now - found["oldest"]).total_seconds()), 1) if found["oldest"] else 0.0
        ),
        "stk_worker_seen": beat.isoformat() if beat else None,
    }
    if beat is None:
        out["stk_worker"] = "no worker"
    else:
        age = (now - beat).total_seconds()
        out["stk_worker_seen_age_s"] = round(age, 1)
        out["stk_worker"] = "stale" if age > STALE_AFTER_S else "ok"
    return out


def queue_state() -> dict[str, Any]:
    """Both queues' state in one flat answer (the keys the module doc names)."""
    now = timezone.now()
    out = _tasks_state(now)
    out.update(_stk_state(now))
    out["depth"] = int(out["tasks_waiting"]) + int(out.get("stk_waiting", 0))
    return out


def not_ready_because(state: dict[str, Any]) -> str | None:
    """What needs a person (``state`` from :func:`queue_state`), or None: STK callbacks
    wait and the STK worker is missing or stale (``/readyz``'s ``attention``; it does not
    make the answer 503, see sync/server/ops/health.py)."""
    if state.get("stk_waiting", 0) and state.get("stk_worker") != "ok":
        return f"stk worker {state.get('stk_worker')}"
    return None
