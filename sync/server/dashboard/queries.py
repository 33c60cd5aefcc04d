"""What the dashboard shows, as plain rows: totals, terminals, payments, parked events, exceptions.

Every function takes the stores the person may see (``stores``: a queryset of ``Store``), so
the role rule (an area manager sees only their stores) is applied in one place, the query.
Times of day are the stores' local time (``KAUNTA_HQ_DASHBOARD_TZ``, Africa/Nairobi by default).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from sync.server.ledger.models import (
    EventConflict,
    PaymentRecord,
    RefundReview,
    Sale,
    SalePayment,
)
from sync.server.reconcile.models import ReconException, StatementImport
from sync.server.terminals.models import Store, Terminal

LOCAL = ZoneInfo(os.environ.get("KAUNTA_HQ_DASHBOARD_TZ", "Africa/Nairobi"))
#: A terminal not heard from for this long is shown as offline too long.
OFFLINE_AFTER = timedelta(minutes=int(os.environ.get("KAUNTA_HQ_OFFLINE_MINUTES", "60")))


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _sales(stores: QuerySet[Store], period: Period) -> QuerySet[Sale]:
    return Sale.objects.filter(
        store__in=stores,
        status=Sale.Status.COMPLETED,
        business_date__gte=period.first,
        business_date__lte=period.last,
    )


def per_store(stores: QuerySet[Store], period: Period) -> list[dict[str, Any]]:
    return list(
        _sales(stores, period)
        .values("store__code", "store__name", "currency")
        .annotate(total=Sum("total_minor"), vat=Sum("vat_total_minor"), sales=Count("id"))
        .order_by("store__code", "currency")
    )


def per_day(stores: QuerySet[Store], period: Period) -> list[dict[str, Any]]:
    """Every day of the period (zero when nothing was sold), per currency."""
    rows = (
        _sales(stores, period)
        .values("business_date", "currency")
        .annotate(total=Sum("total_minor"), sales=Count("id"))
    )
    got = {(r["business_date"], r["currency"]): r for r in rows}
    currencies = sorted({c for _, c in got} or {"KES"})
    return [
        got.get((d, c), {"business_date": d, "currency": c, "total": 0, "sales": 0})
        for c in currencies
        for d in period.days
    ]


def per_tender(stores: QuerySet[Store], period: Period) -> list[dict[str, Any]]:
    return list(
        SalePayment.objects.filter(sale__in=_sales(stores, period))
        .values("method", "sale__currency")
        .annotate(total=Sum("amount_minor"), payments=Count("id"))
        .order_by("-total")
    )


def per_hour(
    stores: QuerySet[Store], period: Period, currency: str | None = None
) -> list[dict[str, Any]]:
    """Hours 0..23 of the stores' local day (closing time of the sale), in one currency."""
    sales = _sales(stores, period)
    if currency:
        sales = sales.filter(currency=currency)
    rows = (
        sales.exclude(closed_at=None)
        .annotate(hour=ExtractHour("closed_at", tzinfo=LOCAL))
        .values("hour")
        .annotate(total=Sum("total_minor"), sales=Count("id"))
    )
    got = {r["hour"]: r for r in rows}
    return [got.get(h, {"hour": h, "total": 0, "sales": 0}) for h in range(24)]


def day_sales(store: Store, day: date) -> QuerySet[Sale]:
    return (
        Sale.objects.filter(store=store, business_date=day)
        .select_related("event__terminal")
        .order_by("closed_at", "receipt_number")
    )


def terminals(stores: QuerySet[Store], now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    rows = []
    for t in (
        Terminal.objects.filter(store__in=stores)
        .select_related("store")
        .annotate(last_event=Max("ledgerevent__received_at"))
        .order_by("store__code", "code")
    ):
        seen = t.last_seen_at
        rows.append(
            {
                "terminal": t,
                "last_sync": t.last_event,
                "last_seen": seen,
                "revoked": t.revoked_at is not None,
                "offline_too_long": t.revoked_at is None
                and (seen is None or now - seen > OFFLINE_AFTER),
                "outbox_waiting": (t.last_heartbeat or {}).get("outbox_waiting"),
                "chain_state": t.chain_state,
            }
        )
    return rows


def late_payments(stores: QuerySet[Store]) -> list[dict[str, Any]]:
    """``payment.late`` records, with whether a ``payment.late_settled`` followed."""
    late = PaymentRecord.objects.filter(kind="payment.late", event__store__in=stores)
    settled = set(
        PaymentRecord.objects.filter(
            kind="payment.late_settled", attempt_id__in=late.values("attempt_id")
        ).values_list("attempt_id", flat=True)
    )
    return [
        {"record": r, "settled": r.attempt_id in settled}
        for r in late.select_related("event__store", "event__terminal").order_by(
            "-event__created_at"
        )[:200]
    ]


#: A push still waiting this long after the till registered it is shown as unresolved.
UNRESOLVED_AFTER = timedelta(minutes=2)


def unresolved_pushes(stores: QuerySet[Store], now: datetime | None = None) -> list[Any] | None:
    """STK pushes registered at head office and still waiting for their callback (None when
    the callbacks app is not installed). Newest first, at most 200."""
    from django.apps import apps

    if not apps.is_installed("sync.server.callbacks"):
        return None
    push = apps.get_model("hq_callbacks", "PushAttempt")
    cutoff = (now or timezone.now()) - UNRESOLVED_AFTER
    return list(
        push.objects.filter(state="waiting", terminal__store__in=stores, registered_at__lt=cutoff)
        .select_related("terminal__store")
        .order_by("-registered_at")[:200]
    )


def paid_after_failure(stores: QuerySet[Store]) -> list[dict[str, Any]] | None:
    """M-Pesa pushes decided failed whose paid callback came afterwards (the customer paid
    after all; sync/server/tasks.py relays it to the till as a late result), newest first, at
    most 200, each with whether the till's manager has settled it (a ``payment.late_settled``
    for the attempt in the ledger). None when the callbacks app is not installed."""
    from django.apps import apps

    if not apps.is_installed("sync.server.callbacks"):
        return None
    push = apps.get_model("hq_callbacks", "PushAttempt")
    rows = list(
        push.objects.filter(paid_after_failure_at__isnull=False, terminal__store__in=stores)
        .select_related("terminal__store")
        .order_by("-paid_after_failure_at")[:200]
    )
    ids: dict[int, uuid.UUID] = {}
    for row in rows:
        try:
            ids[row.pk] = uuid.UUID(row.attempt_id)
        except ValueError:  # not a till's UUID: never settled through the ledger
            continue
    settled = set(
        PaymentRecord.objects.filter(
            kind="payment.late_settled", attempt_id__in=list(ids.values())
        ).values_list("attempt_id", flat=True)
    )
    return [{"push": r, "settled": ids.get(r.pk) in settled} for r in rows]


def parked_events(stores: QuerySet[Store]) -> QuerySet[EventConflict]:
    """Events refused because their id was known with other content (kept, never applied)."""
    return (
        EventConflict.objects.filter(terminal__store__in=stores)
        .select_related("terminal__store")
        .order_by("-received_at")[:200]
    )


def recon_exceptions(stores: QuerySet[Store], *, open_only: bool = True) -> QuerySet[Any]:
    """Exceptions of the visible stores (and, for people who see every store, unnamed ones)."""
    q = Q(store__in=stores)
    if stores.count() == Store.objects.count():
        q |= Q(store__isnull=True)
    rows = ReconException.objects.filter(q)
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    return rows.select_related("statement", "store", "sale").order_by("-day", "outcome")


#: the refund-review filters the page offers: the open ones (default), each status, the
#: ones followed up, everything
REVIEW_FILTERS = ("open", *RefundReview.Status.values, "followed_up", "all")


def _open_reviews() -> Q:
    return Q(status__in=RefundReview.OPEN, followed_up_at__isnull=True)


def refund_reviews(stores: QuerySet[Store], shown: str = "open") -> list[dict[str, Any]]:
    """Refunds head office could not simply accept (:class:`RefundReview`) of the visible
    stores, newest first, at most 500: each with its store and terminal, the refund's and
    the original's receipt numbers, amount, reason as stored, age, and the original
    sale's dashboard id when the ledger holds it (of the visible stores only). The age is
    the template's ``received_at|timesince``.

    ``shown``: ``open`` (rejected, unchecked or over, not followed up), one status,
    ``followed_up`` or ``all`` (:data:`REVIEW_FILTERS`)."""
    rows = RefundReview.objects.filter(terminal__store__in=stores)
    if shown == "open":
        rows = rows.filter(_open_reviews())
    elif shown == "followed_up":
        rows = rows.filter(followed_up_at__isnull=False)
    elif shown != "all":
        rows = rows.filter(status=shown)
    reviews = list(
        rows.select_related("terminal__store", "followed_up_by").order_by("-received_at", "-pk")[
            :500
        ]
    )
    originals = {r.original_sale_id for r in reviews if r.original_sale_id is not None}
    sale_pk: dict[Any, int] = {}
    for pk, sale_id in (
        Sale.objects.filter(sale_id__in=originals, store__in=stores)
        .order_by("pk")
        .values_list("pk", "sale_id")
    ):
        sale_pk.setdefault(sale_id, pk)
    out = []
    for r in reviews:
        body = (r.document or {}).get("body") or {}
        total = body.get("total") or {}
        out.append(
            {
                "review": r,
                "store": r.terminal.store,
                "amount_minor": total.get("minor"),
                "currency": total.get("currency") or body.get("currency") or "",
                "sale_pk": sale_pk.get(r.original_sale_id),
                "open": r.status in RefundReview.OPEN and r.followed_up_at is None,
                "can_follow_up": r.status in RefundReview.FOLLOW_UP and r.followed_up_at is None,
            }
        )
    return out


def refund_review_counts(stores: QuerySet[Store]) -> dict[str, int]:
    """Open refund reviews of the visible stores by status, and ``total``."""
    counts = {str(s): 0 for s in RefundReview.OPEN}
    for row in (
        RefundReview.objects.filter(_open_reviews(), terminal__store__in=stores)
        .values("status")
        .annotate(n=Count("id"))
    ):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


def statement_imports() -> QuerySet[StatementImport]:
    return StatementImport.objects.order_by("-imported_at")[:50]
