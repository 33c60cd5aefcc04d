"""Putting a refused (parked) queue entry back in its branch's queue, from head office.

KRA refused the entry cleanly (a 910 naming a field, say), so it was parked with KRA's
reason and its number given back; it is never retried blindly. Once a head-office admin
has fixed the cause (the product's registration, the branch's settings, the code list),
they put it back: it waits again in its place in the queue, the till's results pull
learns that it waits again, and a round of the branch is enqueued for ``kaunta-hq
worker``, which numbers and submits it under every rule of the queue (look-up before any
resend, one gap-free sequence per branch).

Who may: head-office admins (and superusers) only; area managers and auditors read.
What is kept: a :class:`~sync.server.etims.models.QueueAction` (who, when, KRA's reason,
what they fixed), written in the same transaction as the change.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sync.server.etims.models import BranchDevice, QueueAction, QueueEntry
from sync.server.etims.store import DjangoQueue
from sync.server.etims.tasks import submit_branch
from sync.server.terminals.models import Store

log = logging.getLogger("kaunta.hq.etims")

__all__ = ["NOTE_MAX", "NOTE_MIN", "BadNote", "NotVisible", "PutBackRefused", "put_back"]

#: what the person fixed: a few words at least, as the till asks for a void's reason
NOTE_MIN = 3
NOTE_MAX = 500


class PutBackRefused(Exception):
    """The entry cannot be put back (nothing was changed); the message says why."""


class BadNote(PutBackRefused):
    """The note of what was fixed is missing or too long."""


class NotVisible(PutBackRefused):
    """No such entry among the stores this person may see (answered as not found)."""


def put_back(
    entry_id: int,
    *,
    user: Any,
    note: str,
    stores: QuerySet[Store],
    now: datetime | None = None,
) -> QueueEntry:
    """Put refused entry ``entry_id`` of one of ``stores`` back in its queue, record who
    did it and why, and have the worker submit it once this commits. Raises
    :class:`PutBackRefused` (nothing changed): :class:`BadNote` for a note too short or
    too long, :class:`NotVisible` for an entry not found, itself for an entry that is not
    refused (any more)."""
    note = " ".join(note.split())
    if len(note) < NOTE_MIN:
        raise BadNote(
            _("Say what was fixed before putting it back (at least %(n)d characters).")
            % {"n": NOTE_MIN}
        )
    if len(note) > NOTE_MAX:
        raise BadNote(_("Say what was fixed in at most %(n)d characters.") % {"n": NOTE_MAX})
    now = now or timezone.now()
    with transaction.atomic():
        found = (
            QueueEntry.objects.filter(pk=entry_id, branch__store__in=stores)
            .values_list("branch_id", flat=True)
            .first()
        )
        if found is None:
            raise NotVisible(f"no queue entry {entry_id}")
        # the branch's row lock first, as every queue change takes it: then the state
        # read below cannot change under us (a round settling, another person's click)
        device = BranchDevice.objects.select_for_update().get(pk=found)
        entry = QueueEntry.objects.get(pk=entry_id)
        number = str(entry.body.get("receipt_number", entry.doc_id))
        if entry.state != "parked":
            raise PutBackRefused(
                _("%(number)s is not refused any more: nothing to put back.") % {"number": number}
            )
        QueueAction.objects.create(
            entry=entry,
            action=QueueAction.PUT_BACK,
            user=user if getattr(user, "pk", None) else None,
            username=str(getattr(user, "username", "")),
            kra_reason=entry.reason,
            note=note,
            at=now,
        )
        DjangoQueue().unpark(device.key, entry.pk, now)
        entry.refresh_from_db()
        log.info(
            "eTIMS %s: %s put %s back in the queue (KRA had said: %s)",
            device.key,
            getattr(user, "username", "?"),
            number,
            entry.reason,
        )
        pk = device.pk
        transaction.on_commit(lambda: submit_branch.enqueue(pk))
    return entry
