"""KRA's answers going back: the till's results pull, and the customer's page.

``GET /api/v1/etims-results?after=N`` (terminal token): the eTIMS outcomes of this
terminal's sales and refunds with ``seq > N``, oldest first, 200 at most: each signed one
with KRA's signature, the branch's device facts, the verification host and the band
fields of the invoice as submitted (``bands``: all the till needs to lay out the SCU
block and KRA's tax table exactly as a standalone till does), each refused one with
KRA's reason, each put back by a manager as waiting again, each refund settled without
a credit note (``no_credit``: its sale was not a KRA invoice, so no KRA document will
come). ``seq`` is the branch's results counter, taken under the branch row's lock, so
numbers commit in order. A till that does not ask for ``no_credit`` (``no_credit=1``: an
older one, whose pull refuses a state it does not know and would stop at that page) is
not sent those, and the cursor passes them as before. ``held``: how many of this
terminal's documents head office holds unsigned that no result has named yet (waiting
or in doubt: pushed, but KRA has not signed them, KRA away for a day say), and when the
oldest was made, so the till's age alert covers them too; one aggregate on the
``(terminal, result_seq)`` index (those rows have no ``result_seq``), whatever the
number of signed rows.

``GET /r/<token>`` (public, no sign-in; rate-limited per address): the page behind a
provisional receipt's QR code. The token is an HMAC the till computed from its own
secret and the sale's UUID (:mod:`sync.etims.public`); a token nobody issued answers 404
like any unknown page. Until KRA has signed the sale it says "not yet signed"; signed, it
shows the SCU block and KRA's tax table (bands A-E from the submitted request); a refund
settled without a credit note says that it is not a KRA document (its sale was not a KRA
tax invoice), not "not yet signed" for ever.
"""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from typing import Any

from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.request import Request
from rest_framework.response import Response

from sync.etims.models import DeviceInfo, Signature
from sync.etims.public import TOKEN_CHARS
from sync.etims.receipt import BAND_FIELDS, scu_block
from sync.etims.settings import CuNumberStyle
from sync.server.api import serializers as api_s
from sync.server.api.auth import terminal_of
from sync.server.api.throttles import AddressThrottle
from sync.server.callbacks.views import result_cursor
from sync.server.etims.i18n import OWN_LABELS, in_page_language
from sync.server.etims.models import NO_CREDIT_NOTE, QueueEntry, made_expression
from sync.server.etims.worker import alert_after_from_environment, settings_from_environment

_ERR = OpenApiResponse(api_s.ErrorBody)
PAGE = 200
#: the states a result names (``no_credit``: a refund settled without a credit note)
RESULT_STATES = ("signed", "parked", "waiting", NO_CREDIT_NOTE)
#: the states of an entry head office holds unsigned (``held``)
HELD_STATES = ("waiting", "in_doubt")
#: the words of KRA's tax table on the signed page, the shop's own as on the till's
#: receipt (``pos.services.etims.BANDS_HEADING``): said in the page's language; the band
#: labels ("A Exempt", "B 16%") are KRA's and stay as KRA names them
BANDS_HEADING = gettext_noop("KRA tax bands")
BANDS_TAXABLE = gettext_noop("Taxable")
BANDS_TAX = gettext_noop("Tax")
BANDS_TOTAL = gettext_noop("Total")


class EtimsResult(serializers.Serializer):  # the schema's shape only
    seq = serializers.IntegerField()
    doc_id = serializers.CharField()
    kind = serializers.CharField()
    #: ``no_credit``: a refund settled without a credit note (no KRA document comes)
    state = serializers.ChoiceField(choices=RESULT_STATES)
    receipt_number = serializers.CharField()
    branch = serializers.CharField()
    invc_no = serializers.IntegerField(allow_null=True)
    org_invc_no = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    signature = serializers.DictField(allow_null=True)
    device = serializers.DictField(allow_null=True)
    verify_host = serializers.CharField()
    #: the signed invoice's band fields as submitted (``taxblAmtA..E``, ``taxAmtA..E``,
    #: ``taxRtA..E``, ``totAmt``): the till prints KRA's tax table from them
    bands = serializers.DictField(allow_null=True, required=False)
    #: what follows ``sdcId/`` in the CU invoice number (``invcNo`` or ``curRcptNo``,
    #: reference 4.3, CONFLICT): head office's setting, so the till prints what its
    #: customer page shows
    cu_number_style = serializers.ChoiceField(
        choices=[s.value for s in CuNumberStyle], required=False
    )
    #: when the till made the document (the entry's age at the till is from then)
    made_at = serializers.DateTimeField(required=False)


class EtimsHeld(serializers.Serializer):  # the schema's shape only
    """This terminal's documents head office holds unsigned (waiting or in doubt) that
    no result has named yet: how many, and when the oldest was made (null: none)."""

    count = serializers.IntegerField()
    oldest_made_at = serializers.DateTimeField(allow_null=True)
    #: head office's age alert limit (``KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS``): a till
    #: without an ``[etims]`` section of its own alerts at the same age as the dashboard
    alert_after_hours = serializers.FloatField(required=False)


class EtimsResults(serializers.Serializer):
    results = EtimsResult(many=True)
    next_after = serializers.IntegerField()
    held = EtimsHeld()


def held_of(terminal: Any) -> dict[str, Any]:
    """``held`` of the results answer: one aggregate query. Every entry that got a result
    has its ``result_seq`` (signed, refused, put back, settled without a credit note), so
    the rows counted are those at ``result_seq IS NULL`` on the ``(terminal,
    result_seq)`` index: a year of signed rows is not read. Counted after the page is
    read: an entry signed in between is then in neither (counted at the next pull),
    never in both."""
    found = QueueEntry.objects.filter(
        terminal=terminal, result_seq__isnull=True, state__in=HELD_STATES
    ).aggregate(n=Count("id"), oldest=Min(made_expression()))
    oldest = found["oldest"]
    held: dict[str, Any] = {
        "count": int(found["n"] or 0),
        "oldest_made_at": None if oldest is None else oldest.isoformat(),
    }
    # a bad setting is said on the dashboard; the till then keeps its own limit
    with contextlib.suppress(ValueError):
        held["alert_after_hours"] = alert_after_from_environment() / timedelta(hours=1)
    return held


def _original_numbers(rows: list[QueueEntry]) -> dict[tuple[int, str], int | None]:
    wanted = {(r.branch_id, r.original_doc_id) for r in rows if r.original_doc_id}
    out: dict[tuple[int, str], int | None] = {}
    for branch_id, doc_id in wanted:
        found = (
            QueueEntry.objects.filter(branch_id=branch_id, doc_id=doc_id)
            .values_list("invc_no", flat=True)
            .first()
        )
        out[(branch_id, doc_id or "")] = found
    return out


def result_of(
    row: QueueEntry,
    org_invc_no: int | None,
    verify_host: str,
    style: CuNumberStyle = CuNumberStyle.INVOICE,
) -> dict[str, Any]:
    """One outcome as the pull lists it."""
    signed = row.state == "signed" and hasattr(row, "signed")
    return {
        "seq": row.result_seq,
        "doc_id": row.doc_id,
        "kind": row.kind,
        # in doubt (a put-back entry claimed again keeps its result number): to the till
        # it is still unsigned, one of the states it knows (review r14d: it refused the
        # page and its pull stopped there)
        "state": "waiting" if row.state == "in_doubt" else row.state,
        "receipt_number": str(row.body.get("receipt_number", "")),
        "branch": row.branch.key,
        "invc_no": row.invc_no if signed else None,
        "org_invc_no": org_invc_no,
        "reason": row.reason,
        "signature": row.signed.signature if signed else None,
        "device": row.branch.device if signed else None,
        "verify_host": verify_host,
        "bands": submitted_bands(row.request) if signed else None,
        "cu_number_style": style.value,
        # when the document was made: the till ages a refused or put-back entry from it,
        # not from when it heard (review r14d)
        "made_at": row.made.isoformat(),
    }


def submitted_bands(request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The band fields of the invoice as it was submitted to KRA, values untouched (the
    receipt's tax table is made of them, never recomputed); None when the entry holds
    no request."""
    if not isinstance(request, dict):
        return None
    return {name: request[name] for name in BAND_FIELDS if name in request}


@extend_schema(
    parameters=[
        OpenApiParameter("after", int, required=False),
        OpenApiParameter(
            "no_credit",
            int,
            required=False,
            description="1: list refunds settled without a credit note (state no_credit)",
        ),
    ],
    responses={200: EtimsResults, 400: _ERR, 401: _ERR, 403: _ERR, 429: _ERR},
)
@api_view(["GET"])
def etims_results_view(request: Request) -> Response:
    """The till's pull of KRA's answers for its documents after ``after``."""
    terminal = terminal_of(request)
    after = result_cursor(request)
    page = list(
        QueueEntry.objects.filter(terminal=terminal, result_seq__gt=after)
        .select_related("branch", "signed")
        .order_by("result_seq")[:PAGE]
    )
    rows = page
    if request.query_params.get("no_credit") != "1":  # an older till: it would stop there
        rows = [r for r in page if r.state != NO_CREDIT_NOTE]
    originals = _original_numbers(rows)
    settings = settings_from_environment()
    results = [
        result_of(
            r,
            originals.get((r.branch_id, r.original_doc_id or "")),
            settings.verify_host,
            settings.cu_number_style,
        )
        for r in rows
    ]
    return Response(
        {
            "results": results,
            # past the page, the rows an older till is not sent included
            "next_after": page[-1].result_seq if page else after,
            "held": held_of(terminal),  # after the page: never counted twice
        }
    )


class ReceiptPageThrottle(AddressThrottle):
    """The customer page: a few looks a minute per address are plenty for a customer,
    and make trying tokens pointless (130 bits besides). ``KAUNTA_HQ_THROTTLE_RECEIPT``."""

    scope = "receipt_page"

    def get_rate(self) -> str:
        return os.environ.get("KAUNTA_HQ_THROTTLE_RECEIPT", "30/min")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"count_receipt_{self.get_ident(request)}"


@in_page_language
@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([ReceiptPageThrottle])
def customer_page_view(request: Request, token: str) -> HttpResponse:
    """The signed invoice behind a provisional receipt's QR code, or "not yet signed",
    in Kiswahili or English (``?lang=``, else the phone's Accept-Language)."""
    if len(token) != TOKEN_CHARS or not token.isalnum():
        raise Http404
    row = (
        QueueEntry.objects.filter(public_token=token.lower())
        .select_related("branch", "branch__store", "signed")
        .first()
    )
    if row is None:
        raise Http404
    context: dict[str, Any] = {
        "store": row.branch.store.name,
        "receipt_number": str(row.body.get("receipt_number", "")),
        "total": _total(row.body),
        "credit": row.kind == "refund",
        "signed": False,
        # a refund whose sale was not a KRA invoice: no KRA document will ever come
        "no_credit_note": row.state == NO_CREDIT_NOTE,
    }
    if row.state == "signed" and hasattr(row, "signed") and row.branch.device:
        original = None
        if row.original_doc_id:
            original = (
                QueueEntry.objects.filter(branch=row.branch, doc_id=row.original_doc_id)
                .values_list("invc_no", flat=True)
                .first()
            )
        settings = settings_from_environment()
        block = scu_block(
            Signature.from_json(row.signed.signature),
            DeviceInfo.from_json(row.branch.device),
            verify_host=settings.verify_host,
            style=settings.cu_number_style,
            org_invc_no=original,
            request=row.request,  # KRA's tax table as submitted, not recomputed
        )
        context.update(
            signed=True,
            block=block,
            rows=own_labels_said(block.lines()),
            bands_heading=gettext(BANDS_HEADING),
            bands_taxable=gettext(BANDS_TAXABLE),
            bands_tax=gettext(BANDS_TAX),
            bands_total=gettext(BANDS_TOTAL),
        )
    html = render_to_string("etims/receipt_page.html", context, request=request._request)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"  # "not yet signed" must not be kept
    response["X-Robots-Tag"] = "noindex"
    return response


def own_labels_said(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The SCU block's rows with the shop's own labels (date, time, receipt counter) in
    the page's language, as the till prints them; KRA's terms stay as KRA prints them."""
    return [(gettext(label) if label in OWN_LABELS else label, value) for label, value in rows]


def _total(body: dict[str, Any]) -> str:
    totals = body.get("totals")
    total = (totals.get("total") if isinstance(totals, dict) else None) or body.get("total") or {}
    minor = total.get("minor") if isinstance(total, dict) else None
    if not isinstance(minor, int):
        return ""
    currency = total.get("currency", "KES")
    return f"{currency} {minor // 100:,}.{minor % 100:02d}"
