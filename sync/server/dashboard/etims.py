"""The head-office eTIMS page: each branch's KRA queue and its catalogue registration.

Per branch (a store with a :class:`~sync.server.etims.models.BranchDevice`) of the stores
this person may see: how many documents wait (not numbered yet), are submitted with
KRA's answer awaited (in doubt: looked up before any resend), are signed, and are
refused (parked with KRA's reason, for the manager to fix and put back), the age of the
oldest unsigned one, and the alert when it is older than ``KAUNTA_ETIMS_ALERT_HOURS``
(24 h by default: the law expects prompt transmission after an outage). Then every
refused entry with its reason, the oldest unsigned ones with their age, and the products
of the catalogue KRA does not know yet (``saveItem`` pending). Read-only.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sync.server.dashboard.views import hq_page
from sync.server.etims.catalog import unregistered
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.terminals.models import Store

ALERT_AFTER = timedelta(hours=float(os.environ.get("KAUNTA_ETIMS_ALERT_HOURS", "24")))
#: rows listed per branch (refused, unsigned, unregistered products)
ROWS = 50


def _age(now: Any, then: Any) -> timedelta | None:
    return None if then is None else max(timedelta(0), now - then)


def age_text(age: timedelta | None) -> str:
    """``3 d 4 h``, ``5 h 12 min``, ``7 min``; empty for none."""
    if age is None:
        return ""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def branches(stores: QuerySet[Store]) -> list[dict[str, Any]]:
    """Each visible branch's queue figures and lists."""
    now = timezone.now()
    out = []
    for device in BranchDevice.objects.filter(store__in=stores).select_related("store"):
        rows = QueueEntry.objects.filter(branch=device)
        counts = {r["state"]: r["n"] for r in rows.values("state").annotate(n=Count("id"))}
        oldest = rows.exclude(state="signed").aggregate(m=Min("enqueued_at"))["m"]
        age = _age(now, oldest)
        parked = [
            {"entry": e, "age": age_text(_age(now, e.enqueued_at))}
            for e in rows.filter(state="parked").order_by("id")[:ROWS]
        ]
        unsigned = [
            {"entry": e, "age": age_text(_age(now, e.enqueued_at))}
            for e in rows.filter(state__in=("waiting", "in_doubt")).order_by("id")[:ROWS]
        ]
        missing = unregistered(device)
        out.append(
            {
                "device": device,
                "initialised": device.device is not None,
                "waiting": counts.get("waiting", 0),
                "in_doubt": counts.get("in_doubt", 0),
                "signed": counts.get("signed", 0),
                "parked": counts.get("parked", 0),
                "oldest_age": age_text(age),
                "alert": age is not None and age > ALERT_AFTER,
                "parked_rows": parked,
                "unsigned_rows": unsigned,
                "unregistered": missing[:ROWS],
                "unregistered_count": len(missing),
                "registered_count": len(device.items or {}),
            }
        )
    return out


@hq_page
def etims_queue(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    return render(
        request,
        "dashboard/etims.html",
        {"branches": branches(stores), "alert_hours": f"{ALERT_AFTER.total_seconds() / 3600:g} h"},
    )
