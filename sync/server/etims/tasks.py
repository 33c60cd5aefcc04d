"""The background task that submits a branch's queue, on Django's Tasks API (the same
database queue and ``kaunta-hq worker`` as the callbacks).

A ledger ``sale.completed`` / ``refund.completed`` of a store with a
:class:`~sync.server.etims.models.BranchDevice` is queued in the ledger's own transaction
(:func:`queue_ledger_event`, connected in the app's ``ready``) and, once committed, a
:func:`submit_branch` task is enqueued for its branch. A round that stops because KRA is
away enqueues itself again after :data:`RETRY_AFTER`; every step is idempotent (the
queue decides under the branch's row lock), so two tasks of one branch are harmless.
When a store's device is created or enabled, the sales and refunds it made before are
queued first (:func:`backfill_on_save`, connected in the app's ``ready``), in ledger order.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, OuterRef, When
from django.db.models.fields.json import KT
from django.utils import timezone
from django_tasks import task

from sync.server.etims.models import BranchDevice, ChainCheckpoint, QueueEntry
from sync.server.etims.worker import enqueue_document, run_round
from sync.server.terminals.models import Terminal

log = logging.getLogger("kaunta.hq.etims")

KINDS = ("sale.completed", "refund.completed")
#: a round that found KRA away runs again after this long (``KAUNTA_ETIMS_RETRY_S``)
RETRY_AFTER = timedelta(seconds=float(os.environ.get("KAUNTA_ETIMS_RETRY_S", "60")))
#: a round that found another round of its branch draining looks again after this long:
#: that round may have read an empty queue just before this one's sale was committed
BUSY_AGAIN = timedelta(seconds=5)


@task()
def submit_branch(device_id: int) -> str:
    """One round for one branch; again later when KRA was away."""
    device = BranchDevice.objects.get(pk=device_id)
    if not device.enabled:
        return "disabled"
    result = run_round(device)
    if result.busy:
        submit_branch.using(run_after=timezone.now() + BUSY_AGAIN).enqueue(device_id)
        return "busy"
    check_chain(device)  # the new signatures, from the last checked one (daily: all)
    if result.stopped:
        log.warning("eTIMS %s: %s (again in %s)", device.key, result.stopped, RETRY_AFTER)
        submit_branch.using(run_after=timezone.now() + RETRY_AFTER).enqueue(device_id)
        return "retry"
    return f"signed {result.signed}, parked {result.parked}"


def queue_ledger_events(events: list[Any]) -> int:
    """Ledger events just written (in the batch's transaction): every real sale and
    refund of a store with an eTIMS device joins its branch queue, in the batch's order,
    in the same transaction; each branch's task is enqueued once that commits. Returns
    how many were queued."""
    wanted = [e for e in events if e.type in KINDS and not e.training]
    if not wanted:
        return 0
    stores = {e.store_id for e in wanted}
    store_locks(stores, shared=True)  # before reading the devices: see store_locks
    if not _any_device(stores):  # most stores: nothing to queue, no model query
        return 0
    devices = {
        d.store_id: d for d in BranchDevice.objects.filter(store_id__in=stores, enabled=True)
    }
    hashes = dict(
        Terminal.objects.filter(id__in={e.terminal_id for e in wanted}).values_list(
            "id", "token_hash"
        )
    )
    queued: set[int] = set()
    count = 0
    for event in wanted:
        device = devices.get(event.store_id)
        if device is None:
            continue
        position = enqueue_document(
            device,
            event.document,
            terminal_id=event.terminal_id,
            token_hash=hashes.get(event.terminal_id, ""),
        )
        if position is not None:
            queued.add(device.pk)
            count += 1
    for pk in sorted(queued):
        transaction.on_commit(lambda pk=pk: submit_branch.enqueue(pk))
    return count


def _any_device(store_ids: set[int]) -> bool:
    """Has any of these stores an enabled eTIMS device? One plain statement: every push
    asks, and building the ORM query cost more than running it (about 0.3 ms a push)."""
    table = connection.ops.quote_name(BranchDevice._meta.db_table)
    marks = ", ".join(["%s"] * len(store_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE store_id IN ({marks}) AND enabled LIMIT 1",
            sorted(store_ids),
        )
        return cursor.fetchone() is not None


#: how often the worker checks a branch's whole chain by itself (:func:`check_chain`)
FULL_CHECK_EVERY = timedelta(hours=24)
#: the namespace of the stores' eTIMS advisory locks (:func:`store_locks`): "KEQS"
STORE_LOCK_SPACE = 0x4B45_5153


def store_locks(store_ids: set[int], *, shared: bool) -> None:
    """PostgreSQL: hold the stores' eTIMS locks to the end of the transaction, shared by
    pushes (many at once), exclusive while a device is created or enabled.

    Why: a push that read "no device" for its store, and a device saved while that push
    was still open, would each miss the other's work: the push queues nothing (no
    device), the device's backfill cannot see the push's uncommitted sales, and those
    sales never reach KRA (found by review r14b). With the lock the later of the two
    waits for the earlier to commit, so either the push sees the device or the backfill
    sees the push's sales. Advisory locks write nothing to the store's row. SQLite takes
    one writer at a time, so there the race cannot happen and nothing is locked."""
    if connection.vendor != "postgresql" or not store_ids:
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for store_id in sorted(store_ids):  # one order everywhere: no deadlock
            cursor.execute(f"SELECT {function}(%s, %s)", [STORE_LOCK_SPACE, store_id])


#: ledger documents a device's backfill queues per query (:func:`backfill_branch`)
BACKFILL_BATCH = 500


def backfill_branch(device: BranchDevice, *, limit: int = BACKFILL_BATCH) -> int:
    """Queue, in ledger order (received, made, the till's sequence), up to ``limit`` of
    the store's real sales and refunds that its branch queue does not hold: those pushed
    while the store had no enabled device, which :func:`queue_ledger_events` skipped.

    Why: a store enrolled for eTIMS after it started selling (or whose device was
    disabled for a while) would otherwise never send those sales to KRA. The query is an
    anti-join on the queue's unique (branch, document) index, so a document is never
    queued twice; numbers are taken later, in queue order, as for every entry."""
    doc = Case(
        When(type="sale.completed", then=KT("document__body__sale_id")),
        default=KT("document__body__refund_id"),
        output_field=CharField(),
    )
    from sync.server.ledger.models import LedgerEvent

    missing = (
        LedgerEvent.objects.filter(store_id=device.store_id, type__in=KINDS, training=False)
        .annotate(doc=doc)
        .exclude(Exists(QueueEntry.objects.filter(branch=device, doc_id=OuterRef("doc"))))
        .select_related("terminal")
        .order_by("received_at", "created_at", "seq")[:limit]
    )
    count = 0
    with transaction.atomic():
        BranchDevice.objects.select_for_update().filter(pk=device.pk).first()
        for event in missing:
            position = enqueue_document(
                device,
                event.document,
                terminal_id=event.terminal_id,
                token_hash=event.terminal.token_hash,
            )
            count += position is not None
    return count


def note_enabled_before(sender: type, instance: BranchDevice, **kwargs: Any) -> None:
    """``pre_save`` of a :class:`BranchDevice`: was it enabled before this save? (read
    by :func:`backfill_on_save`: only a device that becomes enabled needs the stores'
    exclusive lock)."""
    fields = kwargs.get("update_fields")
    if fields is not None and "enabled" not in fields:
        return
    # enabled, and for this store: a device moved to another store becomes that store's
    # now, and the other store's open pushes must be waited for as for a new device
    instance._kaunta_was_enabled = bool(
        instance.pk
        and BranchDevice.objects.filter(
            pk=instance.pk, enabled=True, store_id=instance.store_id
        ).exists()
    )


def backfill_on_save(sender: type, instance: BranchDevice, created: bool, **kwargs: Any) -> None:
    """``post_save`` of a :class:`BranchDevice`: once a store's device is created or
    enabled, its earlier sales and refunds join the queue (all of them, a batch at a
    time) and a round is enqueued. Saves of the counter alone (``update_fields``
    without ``enabled``, every round) cost nothing here."""
    fields = kwargs.get("update_fields")
    if not instance.enabled or (fields is not None and "enabled" not in fields):
        return
    queued = 0
    with transaction.atomic():  # the branch locked throughout: new sales queue after these
        BranchDevice.objects.select_for_update().filter(pk=instance.pk).first()
        while (got := backfill_branch(instance)) > 0:  # the store's history, unhurried
            queued += got
        if not getattr(instance, "_kaunta_was_enabled", False):
            # it becomes enabled now: pushes still open commit first, so what they sold
            # is seen by this last pass (or they see this device). Taken after the long
            # pass, so the store's pushes wait only for this short one (review r14c: a
            # year of sales under the lock held them for minutes). Only then: a push that
            # read an enabled device already would wait for this save's row in enqueue
            # while this save waited for it (a deadlock)
            store_locks({instance.store_id}, shared=False)
            while (got := backfill_branch(instance)) > 0:
                queued += got
    if queued:
        log.info("eTIMS %s: %d earlier sales and refunds queued", instance.key, queued)
        transaction.on_commit(lambda pk=instance.pk: submit_branch.enqueue(pk))


def check_chain(device: BranchDevice, *, full: bool = False) -> ChainCheckpoint:
    """Check ``device``'s signed-invoice chain from its checkpoint (every row when
    ``full``, and once every :data:`FULL_CHECK_EVERY` by itself) and keep the result: a
    round costs the rows signed since the last check, not a year of them; the daily full
    check finds what the incremental one cannot, an older signature deleted (review
    r14c). A break found stays recorded (evidence) and the checkpoint no longer moves;
    only a full check asked for (``verify``) that finds the chain whole clears it."""
    from sync.server.etims.store import DjangoQueue

    point, _ = ChainCheckpoint.objects.get_or_create(branch=device)
    now = timezone.now()
    if point.broken_invc_no is not None and not full:
        return point
    due = point.full_checked_at is None or now - point.full_checked_at >= FULL_CHECK_EVERY
    full = full or due
    after = None if full or not point.last_hash else (point.last_id, point.last_hash)
    found = DjangoQueue().check_chain(device.key, after=after)
    point.last_id, point.last_hash = found.last_id, found.last_hash
    point.broken_invc_no, point.checked_at = found.broken_invc_no, now
    if full:
        point.full_checked_at = now
    point.save()
    if found.broken_invc_no is not None:
        log.error("eTIMS chain of %s broken at invoice %s", device.key, found.broken_invc_no)
    return point


def check_chains(by: str = "worker") -> int:
    """At worker start: the one-time upgrade of old unkeyed chains, then every branch's
    incremental check. Returns the branches whose chain is broken."""
    from sync.server.etims.store import DjangoQueue

    DjangoQueue().upgrade_chains(by)
    broken = 0
    for device in BranchDevice.objects.order_by("id"):
        broken += check_chain(device).broken_invc_no is not None
    return broken


def requeue_branches() -> int:
    """When a worker starts: one round for every enabled branch that has something to
    send (waiting or in doubt), since a killed worker leaves no task behind."""
    ids = sorted(
        set(
            QueueEntry.objects.filter(
                state__in=("waiting", "in_doubt"), branch__enabled=True
            ).values_list("branch_id", flat=True)
        )
    )
    for pk in ids:
        submit_branch.enqueue(pk)
    check_chains()
    return len(ids)
