"""Refused callback requests are kept for a while, then deleted.

Every refused M-Pesa callback, PayPal webhook or IPN (forged, malformed, from the wrong
address) is a :class:`~sync.server.callbacks.models.RejectedCallback` row: evidence while
someone looks into it, and noise after that. A flood of forged requests would otherwise
grow the table forever. :func:`prune_rejected` deletes the rows older than
``KAUNTA_HQ_REJECTED_KEEP_DAYS`` days (default :data:`DEFAULT_KEEP_DAYS`), oldest first, in
batches of at most ``batch`` rows, each batch its own short transaction (SQLite's write
lock, or PostgreSQL's row locks, are held for one batch only, never for the whole backlog).

What a batch deletes is added, by reason, to
:class:`~sync.server.callbacks.models.RejectedCallbackPruned` in the same transaction, so
:func:`rejected_by_reason` (rows kept plus rows pruned) only ever grows: the Prometheus
refusal counters stay counters. Two workers pruning at once take different rows
(``SKIP LOCKED`` on PostgreSQL; SQLite runs one writer at a time), so nothing is counted
twice.

The worker loop calls ``prune_rejected(max_batches=1)`` now and then (one batch a call);
``django-admin prune_rejected`` (``--days``, ``--batch``) prunes everything due at once.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from sync.server.callbacks.models import RejectedCallback, RejectedCallbackPruned

log = logging.getLogger(__name__)

#: how long a refused request is kept when ``KAUNTA_HQ_REJECTED_KEEP_DAYS`` is not set
DEFAULT_KEEP_DAYS = 30
#: rows one batch deletes at most (one transaction)
DEFAULT_BATCH = 1000
#: the environment variable that sets the keep time in days (a whole number, at least 1)
KEEP_DAYS_ENV = "KAUNTA_HQ_REJECTED_KEEP_DAYS"


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What one :func:`prune_rejected` call did."""

    deleted: int  # rows deleted
    batches: int  # transactions that deleted something
    cutoff: datetime  # rows received before this were due
    more: bool  # stopped at ``max_batches`` with rows still due


def keep_days() -> int:
    """``KAUNTA_HQ_REJECTED_KEEP_DAYS``, or :data:`DEFAULT_KEEP_DAYS`; ValueError naming
    the variable when it is not a whole number of at least 1 (a typo must not delete
    everything)."""
    raw = os.environ.get(KEEP_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_KEEP_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{KEEP_DAYS_ENV} must be a whole number of days, not {raw!r}") from None
    if days < 1:
        raise ValueError(f"{KEEP_DAYS_ENV} must be at least 1 (it is {days})")
    return days


def _one_batch(cutoff: datetime, batch: int) -> int:
    """Delete up to ``batch`` of the oldest rows received before ``cutoff`` and count them
    by reason, in one transaction; returns how many were deleted."""
    with transaction.atomic():
        due = RejectedCallback.objects.filter(received_at__lt=cutoff).order_by("received_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "reason")[:batch])
        if not rows:
            return 0
        deleted, _ = RejectedCallback.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        by_reason = Counter(str(reason) for _, reason in rows)
        RejectedCallbackPruned.objects.bulk_create(
            [RejectedCallbackPruned(reason=reason) for reason in by_reason],
            ignore_conflicts=True,
        )
        for reason, n in by_reason.items():
            RejectedCallbackPruned.objects.filter(reason=reason).update(count=F("count") + n)
        return int(deleted)


def prune_rejected(
    *,
    days: int | None = None,
    batch: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    now: datetime | None = None,
) -> PruneReport:
    """Delete refused callback requests older than ``days`` (default :func:`keep_days`),
    oldest first, ``batch`` rows a transaction, until none is due or ``max_batches``
    transactions have run; returns what was done.

    ``now`` is for tests (default: the current time)."""
    days = keep_days() if days is None else days
    if days < 1:
        raise ValueError("rejected callbacks are kept at least 1 day")
    if batch < 1:
        raise ValueError("a batch deletes at least 1 row")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        n = _one_batch(cutoff, batch)
        if n == 0:
            break
        deleted += n
        batches += 1
        if n < batch:
            break
    more = (
        max_batches is not None
        and batches >= max_batches
        and RejectedCallback.objects.filter(received_at__lt=cutoff).exists()
    )
    if deleted:
        log.info(
            "pruned %s refused callback request(s) received before %s (kept %s days)%s",
            deleted,
            cutoff.isoformat(),
            days,
            "; more are due" if more else "",
        )
    return PruneReport(deleted, batches, cutoff, more)


def rejected_by_reason() -> dict[str, int]:
    """Every refused request ever counted, by reason: the rows kept plus those pruned
    (what the refusal counters should report; it never goes down)."""
    totals: Counter[str] = Counter()
    for reason, n in RejectedCallback.objects.values_list("reason").annotate(n=Count("id")):
        totals[str(reason)] += int(n)
    for reason, n in RejectedCallbackPruned.objects.values_list("reason", "count"):
        totals[str(reason)] += int(n)
    return dict(totals)
