"""The head-office eTIMS page: each branch's KRA queue and its catalogue registration.

Per branch (a store with a :class:`~sync.server.etims.models.BranchDevice`) of the stores
this person may see: how many documents wait (not numbered yet), are submitted with
KRA's answer awaited (in doubt: looked up before any resend), are signed, and are
refused (parked with KRA's reason, for the manager to fix and put back), the age of the
oldest unsigned one, and the alert when it is older than
``KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS`` (the till's ``max_queue_age_hours``; 24 h by default:
the law expects prompt transmission after an outage; the older name
``KAUNTA_ETIMS_ALERT_HOURS`` is still read, see
:func:`~sync.server.etims.worker.alert_after_from_environment`). Then every
refused entry with its reason, the oldest unsigned ones with their age, and the products
of the catalogue KRA does not know yet (``saveItem`` pending). Above them, a warning
lists the stores with real sales and no enabled device (:func:`unsent_stores`).

One action: a head-office admin puts a refused entry back in the queue after fixing
its cause (POST with the CSRF token and a note of what was fixed;
:func:`sync.server.etims.put_back.put_back` records who, when and why, and the worker
submits it). Area managers and auditors only read; the page then shows no button.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Min, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sync.server.accounts.access import role_of
from sync.server.accounts.models import HqRole
from sync.server.dashboard.queries import LOCAL
from sync.server.dashboard.views import hq_page
from sync.server.etims.catalog import unregistered
from sync.server.etims.i18n import in_page_language
from sync.server.etims.models import (
    NO_CREDIT_NOTE,
    BranchDevice,
    QueueAction,
    QueueEntry,
    SignedInvoice,
    made_expression,
)
from sync.server.etims.put_back import (
    NOTE_MAX,
    NOTE_MIN,
    BadNote,
    NotVisible,
    PutBackRefused,
    put_back,
)
from sync.server.etims.tasks import RETRY_AFTER
from sync.server.etims.worker import alert_after_from_environment
from sync.server.ledger.models import LedgerEvent
from sync.server.terminals.models import Store

#: the alert's age when its variable is unreadable (the page says so)
ALERT_DEFAULT = timedelta(hours=24)
HOUR = timedelta(hours=1)
#: a branch with something to send and no round for this long: no worker is running (a
#: stopped round comes back after RETRY_AFTER, a busy one after seconds)
STALE_AFTER = max(3 * RETRY_AFTER, timedelta(minutes=5))
log = logging.getLogger("kaunta.hq.etims")
#: rows listed per branch (refused, unsigned, unregistered products)
ROWS = 50


def _age(now: Any, then: Any) -> timedelta | None:
    return None if then is None else max(timedelta(0), now - then)


def age_text(age: timedelta | None) -> str:
    """``3 d 4 h``, ``5 h 12 min``, ``7 min`` (in the page's language); empty for none."""
    if age is None:
        return ""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def branches(
    stores: QuerySet[Store], alert_after: timedelta = ALERT_DEFAULT
) -> list[dict[str, Any]]:
    """Each visible branch's queue figures and lists."""
    now = timezone.now()
    out = []
    for device in BranchDevice.objects.filter(store__in=stores).select_related("store"):
        rows = QueueEntry.objects.filter(branch=device)
        counts = {r["state"]: r["n"] for r in rows.values("state").annotate(n=Count("id"))}
        # refunds settled without a credit note owe KRA nothing: not in the alert
        settled = ("signed", NO_CREDIT_NOTE)
        oldest = rows.exclude(state__in=settled).aggregate(m=Min(made_expression()))["m"]
        age = _age(now, oldest)
        parked = [
            {"entry": e, "age": age_text(_age(now, e.made))}
            for e in rows.filter(state="parked").order_by("id")[:ROWS]
        ]
        unsigned = [
            {"entry": e, "age": age_text(_age(now, e.made))}
            for e in rows.filter(state__in=("waiting", "in_doubt")).order_by("id")[:ROWS]
        ]
        no_credit = [
            {"entry": e, "age": age_text(_age(now, e.made))}
            for e in rows.filter(state=NO_CREDIT_NOTE).order_by("-id")[:ROWS]
        ]
        missing = unregistered(device)
        put_back_rows = (
            QueueAction.objects.filter(entry__branch=device)
            .select_related("entry")
            .order_by("-at", "-id")[:ROWS]
        )
        unsent = counts.get("waiting", 0) + counts.get("in_doubt", 0)
        # a round's end, or its newest signature: a long drain is progress too (review
        # r14e: "no worker round lately" showed while the worker drained a backlog)
        newest = (
            SignedInvoice.objects.filter(branch=device)
            .order_by("-invc_no")  # the (branch, invc_no) index: one row read
            .values_list("signed_at", flat=True)
            .first()
            if unsent
            else None
        )
        moments = [t for t in (device.last_round_at, newest) if t is not None]
        last = max(moments) if moments else None
        out.append(
            {
                "device": device,
                # something to send and no round for longer than retries allow: the
                # worker is not running (its "ok" of the last round no longer holds)
                "stale": bool(unsent) and (last is None or now - last > STALE_AFTER),
                "initialised": device.device is not None,
                "waiting": counts.get("waiting", 0),
                "in_doubt": counts.get("in_doubt", 0),
                "signed": counts.get("signed", 0),
                "parked": counts.get("parked", 0),
                "no_credit_note": counts.get(NO_CREDIT_NOTE, 0),
                "no_credit_rows": no_credit,
                "oldest_age": age_text(age),
                "alert": age is not None and age > alert_after,
                "parked_rows": parked,
                "unsigned_rows": unsigned,
                "unregistered": missing[:ROWS],
                "unregistered_count": len(missing),
                "registered_count": len(device.items or {}),
                "put_back_rows": list(put_back_rows),
            }
        )
    return out


def unsent_stores(stores: QuerySet[Store]) -> list[Store]:
    """The visible stores with real sales in the ledger and no enabled eTIMS device: their
    sales are not being sent to KRA (they are, in order, once the device is set up or
    enabled). ``disabled`` on each: whether a device exists, switched off."""
    sold = LedgerEvent.objects.filter(store=OuterRef("pk"), type="sale.completed", training=False)
    enabled = BranchDevice.objects.filter(store=OuterRef("pk"), enabled=True)
    return list(
        stores.filter(Exists(sold))
        .exclude(Exists(enabled))
        .annotate(disabled=Exists(BranchDevice.objects.filter(store=OuterRef("pk"))))
        .order_by("code")[:ROWS]
    )


@in_page_language
@hq_page
@require_http_methods(["GET", "POST"])
def etims_queue(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    can_put_back = role_of(request) == HqRole.ADMIN
    error, status = "", 200
    try:
        alert_after = alert_after_from_environment()
    except ValueError as exc:  # SettingsError: said on the page; the default meanwhile
        log.error("eTIMS dashboard: %s", exc)
        alert_after, error = ALERT_DEFAULT, str(exc)
    if request.method == "POST":
        if not can_put_back:
            raise PermissionDenied("Only head-office admins put refused sales back.")
        try:
            entry_id = int(request.POST.get("put_back", ""))
        except ValueError:
            error, status = _("Choose the refused sale to put back."), 400
        else:
            try:
                entry = put_back(
                    entry_id, user=request.user, note=request.POST.get("note", ""), stores=stores
                )
            except NotVisible as exc:
                raise Http404(str(exc)) from exc
            except PutBackRefused as exc:
                error, status = str(exc), 400 if isinstance(exc, BadNote) else 409
            else:
                messages.success(
                    request,
                    _("%(number)s is back in the queue; the worker submits it in order.")
                    % {"number": entry.body.get("receipt_number", entry.doc_id)},
                )
                return redirect(request.get_full_path())  # the same page (and ?lang=)
    with timezone.override(LOCAL):  # times of day as the stores keep them, not UTC
        return render(
            request,
            "dashboard/etims.html",
            {
                "branches": branches(stores, alert_after),
                "unsent": unsent_stores(stores),
                "alert_hours": _("%(hours)s h") % {"hours": f"{alert_after / HOUR:g}"},
                "can_put_back": can_put_back,
                "note_min": NOTE_MIN,
                "note_max": NOTE_MAX,
                "error": error,
            },
            status=status,
        )
