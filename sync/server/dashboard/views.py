"""Dashboard pages (thin: the figures come from :mod:`.queries`, the pictures from :mod:`.charts`).

Sign-in is required for every page (the same people, passwords and lockout as the admin).
Roles: head-office admins and auditors see every store; an area manager sees only their own
stores: another store's day or sale answers 404, as if it did not exist. Only admins import
statements, and only admins mark a refund review as followed up (auditors and area managers
read; the service answers 403 to them, whatever the page showed). Nothing here changes the
ledger or any money: a follow-up is a note on the review (who, when, what).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sync.server.accounts.access import role_of
from sync.server.accounts.models import HqRole
from sync.server.dashboard import queries
from sync.server.dashboard.charts import bar_chart
from sync.server.dashboard.templatetags.dashboard import money_text
from sync.server.ledger.models import RefundReview, Sale
from sync.server.reconcile.statements import StatementError
from sync.server.terminals.models import Store

log = logging.getLogger(__name__)
LOGIN_URL = "/dashboard/login/"
View = Callable[..., HttpResponse]


class DashboardLogin(LoginView):
    template_name = "dashboard/login.html"
    redirect_authenticated_user = True


def visible_stores(request: HttpRequest) -> QuerySet[Store]:
    """The stores this person may see; no head-office role → 403."""
    role = role_of(request)
    if role is None:
        raise PermissionDenied("No head-office role.")
    if role == HqRole.AREA_MANAGER:
        user: Any = request.user
        return Store.objects.filter(pk__in=user.hq_profile.stores.values("pk"))
    return Store.objects.all()


def hq_page(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, visible_stores(request), *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)


def _period(request: HttpRequest) -> queries.Period:
    today = timezone.now().astimezone(queries.LOCAL).date()
    try:
        last = date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else today
        first = (
            date.fromisoformat(request.GET["from"])
            if request.GET.get("from")
            else last - timedelta(days=6)
        )
    except ValueError:
        first, last = today - timedelta(days=6), today
    if first > last:
        first, last = last, first
    return queries.Period(max(first, last - timedelta(days=92)), last)


def _charts(stores: QuerySet[Store], period: queries.Period) -> dict[str, Any]:
    days = queries.per_day(stores, period)
    tenders = queries.per_tender(stores, period)
    # Charts in one currency (the one most takings are in); the tables keep every currency.
    totals: dict[str, int] = {}
    for d in days:
        totals[d["currency"]] = totals.get(d["currency"], 0) + (d["total"] or 0)
    cur = max(totals, key=lambda c: totals[c]) if totals else "KES"
    hours = queries.per_hour(stores, period, cur)
    fmt = lambda v: money_text(v, cur)  # noqa: E731 - a one-line formatter
    return {
        "per_day": days,
        "per_hour": hours,
        "per_tender": tenders,
        "day_chart": bar_chart(
            [
                (d["business_date"].strftime("%d %b"), d["total"] or 0)
                for d in days
                if d["currency"] == cur
            ],
            fmt=fmt,
            title="Takings per day",
        ),
        "hour_chart": bar_chart(
            [(f"{h['hour']:02d}", h["total"] or 0) for h in hours], fmt=fmt, title="Per hour"
        ),
        "tender_chart": bar_chart(
            [(t["method"], t["total"] or 0) for t in tenders if t["sale__currency"] == cur],
            fmt=fmt,
            title="Per tender",
            height=180,
        ),
    }


def _unresolved_count(
    waiting: list[Any] | None, paid_late: list[dict[str, Any]] | None
) -> int | None:
    """Pushes still waiting plus paid-after-failure ones no manager settled (None: the
    callbacks app is not installed)."""
    if waiting is None:
        return None
    return len(waiting) + sum(1 for p in paid_late or () if not p["settled"])


@hq_page
def overview(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    period = _period(request)
    chosen = request.GET.get("store", "")
    scope = stores.filter(code=chosen) if chosen else stores
    terminals = queries.terminals(stores)
    unresolved = queries.unresolved_pushes(scope)
    paid_late = queries.paid_after_failure(scope)
    context = {
        "period": period,
        "stores": stores.order_by("code"),
        "chosen": chosen,
        "per_store": queries.per_store(scope, period),
        "terminals_offline": [t for t in terminals if t["offline_too_long"]],
        "late": [p for p in queries.late_payments(scope) if not p["settled"]][:20],
        "unresolved": unresolved,
        "unresolved_count": _unresolved_count(unresolved, paid_late),
        "parked_count": queries.parked_events(scope).count(),
        "exceptions_count": queries.recon_exceptions(scope).count(),
        "review_counts": queries.refund_review_counts(scope),
        "role": role_of(request),
        **_charts(scope, period),
    }
    return render(request, "dashboard/overview.html", context)


@hq_page
def store_day(request: HttpRequest, stores: QuerySet[Store], code: str, day: str) -> HttpResponse:
    store = get_object_or_404(stores, code=code)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404("not a date") from None
    scope = stores.filter(pk=store.pk)
    period = queries.Period(when, when)
    context = {
        "store": store,
        "day": when,
        "previous": when - timedelta(days=1),
        "next": when + timedelta(days=1),
        "sales": queries.day_sales(store, when),
        "per_store": queries.per_store(scope, period),
        "exceptions": queries.recon_exceptions(scope).filter(day=when),
        "local_tz": queries.LOCAL,
        **_charts(scope, period),
    }
    return render(request, "dashboard/store_day.html", context)


@hq_page
def sale_detail(request: HttpRequest, stores: QuerySet[Store], pk: int) -> HttpResponse:
    sale = get_object_or_404(
        Sale.objects.select_related("store", "event__terminal").filter(store__in=stores), pk=pk
    )
    context = {
        "sale": sale,
        "lines": sale.lines.order_by("id"),
        "vat": sale.vat.order_by("code"),
        "payments": sale.payments.order_by("id"),
        "exceptions": sale.reconexception_set.select_related("statement"),
        "local_tz": queries.LOCAL,
    }
    return render(request, "dashboard/sale.html", context)


@hq_page
def terminals(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    return render(
        request,
        "dashboard/terminals.html",
        {"terminals": queries.terminals(stores), "offline_after": queries.OFFLINE_AFTER},
    )


@hq_page
def payments(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    return render(
        request,
        "dashboard/payments.html",
        {
            "late": queries.late_payments(stores),
            "parked": queries.parked_events(stores),
            "unresolved": queries.unresolved_pushes(stores),
            "unresolved_after": queries.UNRESOLVED_AFTER,
            "paid_after_failure": queries.paid_after_failure(stores),
        },
    )


@hq_page
@require_http_methods(["GET", "POST"])
def reconciliation(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    from sync.server.reconcile.service import import_statement

    error = ""
    if request.method == "POST":
        if role_of(request) != HqRole.ADMIN:
            raise PermissionDenied("Only head-office admins import statements.")
        upload = request.FILES.get("statement")
        gateway = request.POST.get("gateway", "")
        if upload is None or gateway not in ("mpesa", "paypal"):
            error = "Choose the gateway and the statement file."
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                import_statement(
                    gateway,
                    text,
                    file_name=upload.name or "statement.csv",
                    user=request.user,
                    day_first=request.POST.get("day_first", "1") == "1",
                )
            except UnicodeDecodeError:
                error = "The file is not UTF-8 text (export it as CSV)."
            except StatementError as exc:
                error = str(exc)
            else:
                return redirect("dashboard:reconciliation")
    context = {
        "imports": queries.statement_imports() if role_of(request) != HqRole.AREA_MANAGER else [],
        "exceptions": queries.recon_exceptions(stores)[:500],
        "can_import": role_of(request) == HqRole.ADMIN,
        "error": error,
    }
    return render(request, "dashboard/reconciliation.html", context, status=400 if error else 200)


#: a follow-up note's length (the column's)
NOTE_MAX = RefundReview._meta.get_field("follow_up_note").max_length or 500


def _review_filters(data: QueryDict, stores: QuerySet[Store]) -> tuple[str, str]:
    """The page's status and store filters from ``data`` (unknown values: the defaults)."""
    shown = data.get("status", "open")
    if shown not in queries.REVIEW_FILTERS:
        shown = "open"
    chosen = data.get("store", "")
    if chosen and not stores.filter(code=chosen).exists():
        chosen = ""
    return shown, chosen


def _reviews_page(
    request: HttpRequest, stores: QuerySet[Store], shown: str, chosen: str, error: str = ""
) -> HttpResponse:
    scope = stores.filter(code=chosen) if chosen else stores
    context = {
        "reviews": queries.refund_reviews(scope, shown),
        "counts": queries.refund_review_counts(scope),
        "filters": queries.REVIEW_FILTERS,
        "shown": shown,
        "stores": stores.order_by("code"),
        "chosen": chosen,
        "can_follow_up": role_of(request) == HqRole.ADMIN,
        "note_max": NOTE_MAX,
        "local_tz": queries.LOCAL,
        "error": error,
    }
    return render(request, "dashboard/refund_reviews.html", context, status=400 if error else 200)


@hq_page
def refund_reviews(request: HttpRequest, stores: QuerySet[Store]) -> HttpResponse:
    """Refunds head office could not simply accept: open ones first (filters by status and
    store); admins can mark an ``over`` or ``rejected`` one as followed up."""
    shown, chosen = _review_filters(request.GET, stores)
    return _reviews_page(request, stores, shown, chosen)


@hq_page
@require_http_methods(["POST"])
def follow_up_review(request: HttpRequest, stores: QuerySet[Store], pk: int) -> HttpResponse:
    """Mark one ``over``/``rejected`` review as followed up, with a note (admins only).

    One conditional UPDATE of the review's follow-up fields (who, when, note): of two
    admins pressing at once, one is recorded and the other is told; no money, no ledger
    row and no other field of the review changes."""
    if role_of(request) != HqRole.ADMIN:
        raise PermissionDenied("Only head-office admins follow refund reviews up.")
    review = get_object_or_404(RefundReview.objects.filter(terminal__store__in=stores), pk=pk)
    shown, chosen = _review_filters(request.POST, stores)
    note = " ".join(request.POST.get("note", "").split())
    if not note:
        return _reviews_page(
            request, stores, shown, chosen, "Write what was done before marking it followed up."
        )
    if len(note) > NOTE_MAX:
        return _reviews_page(
            request, stores, shown, chosen, f"The note is longer than {NOTE_MAX} characters."
        )
    done = RefundReview.objects.filter(
        pk=review.pk, status__in=RefundReview.FOLLOW_UP, followed_up_at__isnull=True
    ).update(followed_up_at=timezone.now(), followed_up_by=request.user, follow_up_note=note)
    if not done:
        review.refresh_from_db()
        why = (
            "It was followed up already."
            if review.followed_up_at is not None
            else "Only refunds that went over or were refused are followed up here "
            f"(this one is {review.status})."
        )
        return _reviews_page(request, stores, shown, chosen, why)
    log.info(
        "refund review followed up",
        extra={
            "review": review.pk,
            "event_id": str(review.event_id),
            "refund_status": review.status,
            "by": request.user.get_username(),
        },
    )
    query = QueryDict(mutable=True)
    query.update({"status": shown, **({"store": chosen} if chosen else {})})
    return redirect(f"{reverse('dashboard:refund_reviews')}?{query.urlencode()}")
