"""The callback endpoints: the till registers a push, Daraja posts its answer, the till pulls
results.

``POST /api/v1/pushes`` (terminal token): ``{attempt_id, amount_minor, currency, phone_hash}``
before the push is sent; the answer carries the ``callback_url`` for the STK request.

``POST /hooks/stk/<attempt_id>/<token>`` (no auth: the token is the proof; a plain Django
view, see :func:`stk_callback_view`): the path names neither M-Pesa nor Safaricom (Daraja is
reported to refuse such URLs). Throttled per source address (429 with ``Retry-After``,
nothing written). Checked in this order,
each refusal logged as a :class:`RejectedCallback` and changing nothing else: the source
address (``KAUNTA_HQ_CALLBACK_ALLOW``, comma-separated networks; empty = anyone, the demo's
default; behind trusted proxies the client's address, ``sync.server.ops.clientip``), the
body size (``MAX_BODY``), the token (HMAC, constant-time; retired secrets still accepted,
``tokens``), the attempt being
known, the body being a Daraja callback, its amount and phone being the attempt's. Then the
body is stored (the payer's number masked: ``redact``) as one row that is also the STK
worker's work item (sync/server/tasks.py), committed, and only then answered
``{"ResultCode":0,"ResultDesc":"Accepted"}``. A
second callback for a decided attempt is stored and answered the same way but changes
nothing.

``GET /api/v1/push-results?after=N`` (terminal token): the decided pushes of this terminal
with ``result_seq > N``, oldest first: the till's payment-status pull.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import os
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from pos.payments.mpesa.callback import MalformedCallback, StkCallback, parse_stk_callback
from sync.server.api import serializers as api_s
from sync.server.api.auth import terminal_of
from sync.server.api.errors import ApiError
from sync.server.api.throttles import (
    AddressThrottle,
    counting_apart,
    counts_apart,
    throttled_response,
)
from sync.server.callbacks.bodies import bounded_body
from sync.server.callbacks.models import (
    PushAttempt,
    PushState,
    RecordState,
    RejectedCallback,
    StkCallbackRecord,
)
from sync.server.callbacks.redact import mask_phone_runs, redact_stk_body
from sync.server.callbacks.tokens import (
    phone_hashes,
    stored_phone_hash,
    stored_phone_hashes,
    token_for,
    token_ok,
)
from sync.server.ops.clientip import client_address
from sync.server.ops.paths import safe_path
from sync.server.tasks import wake_stk_worker

log = logging.getLogger("kaunta.hq.callbacks")
_ERR = OpenApiResponse(api_s.ErrorBody)
_ERRS: dict[int, Any] = {400: _ERR, 401: _ERR, 403: _ERR, 429: _ERR}
#: an amount a push may ask for (the protocol's own limit, 100 billion KES in cents)
MAX_MINOR = 10**13
#: result numbers fit a signed 64-bit column on SQLite and PostgreSQL
MAX_CURSOR = 2**62


def result_cursor(request: Request) -> int:
    """A results pull's ``after`` (0 when absent): a whole number in range, else 400."""
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        raise ApiError(400, "bad_cursor", "after must be a whole number.") from None
    if not 0 <= after <= MAX_CURSOR:
        raise ApiError(400, "bad_cursor", f"after must be between 0 and {MAX_CURSOR}.")
    return after


MAX_BODY = 16 * 1024  # a real STK callback is well under 1 KiB
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


class PushIn(serializers.Serializer):
    attempt_id = serializers.RegexField(r"^[A-Za-z0-9-]{8,40}$")
    amount_minor = serializers.IntegerField(min_value=1, max_value=MAX_MINOR)
    currency = serializers.RegexField(r"^[A-Z]{3}$", default="KES")
    phone_hash = serializers.RegexField(r"^[0-9a-f]{64}$")


class PushOut(serializers.Serializer):
    attempt_id = serializers.CharField()
    callback_url = serializers.CharField()


class PushResult(serializers.Serializer):
    seq = serializers.IntegerField()
    attempt_id = serializers.CharField()
    state = serializers.ChoiceField(choices=["paid", "failed"])
    checkout_request_id = serializers.CharField()
    result_code = serializers.CharField()
    result_desc = serializers.CharField()
    receipt = serializers.CharField(allow_blank=True)
    amount_minor = serializers.IntegerField()


class PushResults(serializers.Serializer):
    results = PushResult(many=True)
    next_after = serializers.IntegerField()


def public_base() -> str:
    """Where Daraja reaches this head office (``KAUNTA_HQ_PUBLIC_URL``, e.g. https://hq.example)."""
    return os.environ.get("KAUNTA_HQ_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


@extend_schema(request=PushIn, responses={200: PushOut, 409: _ERR, **_ERRS})
@api_view(["POST"])
def pushes_view(request: Request) -> Response:
    """Register a push before sending it; idempotent for the same attempt and terminal."""
    terminal = terminal_of(request)
    data = PushIn(data=request.data)
    if not data.is_valid():
        raise ApiError(400, "invalid", str(data.errors))
    v = data.validated_data
    kept_phone = stored_phone_hash(v["phone_hash"])
    attempt, made = PushAttempt.objects.get_or_create(
        attempt_id=v["attempt_id"],
        defaults={
            "terminal": terminal,
            "amount_minor": v["amount_minor"],
            "currency": v["currency"],
            "phone_hash": kept_phone,
        },
    )
    if attempt.terminal_id != terminal.pk or (
        not made
        and (
            attempt.amount_minor != v["amount_minor"]
            # registered again after a secret rotation: stored under the retired secret
            or attempt.phone_hash not in stored_phone_hashes(v["phone_hash"])
        )
    ):
        raise ApiError(409, "push_conflict", "This attempt id is registered with other values.")
    url = f"{public_base()}/hooks/stk/{attempt.attempt_id}/{token_for(attempt.attempt_id)}"
    return Response({"attempt_id": attempt.attempt_id, "callback_url": url})


@extend_schema(
    parameters=[OpenApiParameter("after", int, required=False)],
    responses={200: PushResults, **_ERRS},
)
@api_view(["GET"])
def push_results_view(request: Request) -> Response:
    """The till's pull: its decided pushes after ``after``, 200 at most, oldest first."""
    terminal = terminal_of(request)
    after = result_cursor(request)
    rows = (
        PushAttempt.objects.filter(terminal=terminal, result_seq__gt=after)
        .exclude(state=PushState.WAITING)
        .order_by("result_seq")[:200]
    )
    results = [
        {
            "seq": a.result_seq,
            "attempt_id": a.attempt_id,
            "state": a.state,
            "checkout_request_id": a.checkout_request_id,
            "result_code": a.result_code,
            "result_desc": a.result_desc,
            "receipt": a.receipt,
            "amount_minor": a.amount_minor,
        }
        for a in rows
    ]
    return Response({"results": results, "next_after": results[-1]["seq"] if results else after})


@functools.lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The allow-list's networks, parsed once per distinct setting (not once per callback)."""
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in spec.split(","))


def allowed(ip: str | None) -> bool:
    """The allow-list check; an empty ``KAUNTA_HQ_CALLBACK_ALLOW`` lets every address in."""
    spec = os.environ.get("KAUNTA_HQ_CALLBACK_ALLOW", "").strip()
    if not spec:
        return True
    if ip is None:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in _networks(spec))


#: The answers Daraja gets, rendered once (compact JSON, as DRF's renderer wrote them).
ACCEPTED_BODY = json.dumps(ACCEPTED, separators=(",", ":")).encode()
REJECTED_BODY = b'{"ResultCode":1,"ResultDesc":"Rejected"}'


class _Refusal(NamedTuple):
    """A refusal decided before the database is asked: logged, answered ``status``."""

    reason: str
    status: int
    body: bytes


class _Checked(NamedTuple):
    """A callback that passed every check needing no database: what the attempt row must
    then agree with, and the body to store (payer's number masked)."""

    callback: StkCallback
    #: keyed hashes of a full PhoneNumber (current secret first, then retired ones still
    #: accepted: tokens.phone_hashes); empty when absent or masked
    phone_hashes: tuple[str, ...]
    stored_body: str
    raw: bytes  # as it came (only ever kept masked, in a refusal's bounded start)


def _checks_without_database(
    request: HttpRequest, attempt_id: str, token: str
) -> tuple[_Refusal | None, _Refusal | _Checked | None]:
    """The source address, the body's size, the token, then the body itself; all pure.

    Returns (a refusal that comes before the attempt lookup, or None; then the body's
    verdict, applied only once the attempt is known, so an unknown attempt is refused as
    such whatever its body, as before)."""
    if not allowed(client_address(request)):
        return _Refusal("address", 403, b""), None
    body = bounded_body(request, MAX_BODY)
    if body is None:
        return _Refusal("too_large", 413, b""), None
    if not token_ok(attempt_id, token):
        return _Refusal("token", 403, body), None
    try:
        text = body.decode("utf-8")
        cb = parse_stk_callback(text)
    except UnicodeDecodeError:
        return None, _Refusal("malformed", 400, body)
    except MalformedCallback as exc:
        log.warning("malformed callback for %s: %s", attempt_id, exc.reason)
        return None, _Refusal("malformed", 400, body)
    full_phone = cb.phone if cb.phone and "*" not in cb.phone else None
    return None, _Checked(
        cb, phone_hashes(full_phone) if full_phone else (), redact_stk_body(text), body
    )


def _raw(verdict: _Refusal | _Checked | None) -> bytes:
    if isinstance(verdict, _Refusal):
        return verdict.body
    return verdict.raw if verdict is not None else b""


def _refusal_row(request: HttpRequest, refusal: _Refusal) -> RejectedCallback:
    return RejectedCallback(
        reason=refusal.reason,
        source_ip=client_address(request),
        path=safe_path(request),
        body_start=mask_phone_runs(refusal.body[:600].decode("utf-8", "replace"))[:500],
    )


def _answer(status: int, body: bytes) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="application/json")


#: What the STK view counts with; also set on the view as ``throttle_classes``, where
#: tests/server/test_ops.py looks for every endpoint's throttles.
STK_THROTTLES: tuple[type[AddressThrottle], ...] = (AddressThrottle,)


@csrf_exempt
def stk_callback_view(request: HttpRequest, attempt_id: str, token: str) -> HttpResponse:
    """Daraja's STK callback for one attempt (checks in the module doc's order).

    A plain Django view, not DRF's: a callback needs none of DRF's negotiation, parsing or
    authentication, and DRF's request and response wrapping was most of the CPU an
    acknowledgement cost. What it must do is all here: everything that needs no database
    first (address, size, token, body), then ONE transaction: the attempt read with one
    query, amount and phone compared, either the refusal logged or the body stored (one
    INSERT: the record is the work item; plus a task row when no wake-up waits for the
    worker, see sync/server/tasks.py). The address throttle is counted before that
    transaction on PostgreSQL, in a short one of its own (its row lock must not last through
    the durable commit: ``throttles.counts_apart``), and last inside it on SQLite; over the
    limit it is a 429 with ``Retry-After`` and nothing is written. On SQLite that is one
    ``BEGIN IMMEDIATE`` and one commit per callback where the DRF view made two.
    """
    if request.method != "POST":
        response = _answer(405, b'{"error":{"code":"method_not_allowed","message":"POST only."}}')
        response["Allow"] = "POST"
        return response
    early, verdict = _checks_without_database(request, attempt_id, token)
    refused: HttpResponse | None = None
    apart = counts_apart()
    if apart:  # PostgreSQL: counted first, in a transaction of its own (see counts_apart)
        with counting_apart():
            refused = _throttled(request)
        if refused is not None:
            return refused
    with transaction.atomic():
        outcome = _against_attempt(attempt_id, early, verdict)
        if isinstance(outcome, _Refusal):
            _refusal_row(request, outcome).save(force_insert=True)
        else:
            attempt_pk, checked = outcome
            # the record is its own work item; a wake-up task is enqueued only when none
            # waits (sync/server/tasks.py: the task decides waiting records in batches)
            _store_record(attempt_pk, client_address(request), checked.stored_body)
            wake_stk_worker()
        if not apart:
            # SQLite: counted last in the one transaction (one writer at a time anyway);
            # over the limit, what this transaction wrote is rolled back, so a throttled
            # request leaves nothing
            refused = _throttled(request)
            if refused is not None:
                transaction.set_rollback(True)
    if refused is not None:
        return refused
    if isinstance(outcome, _Refusal):
        log.warning("callback refused: %s from %s", outcome.reason, client_address(request))
        return _answer(outcome.status, REJECTED_BODY)
    return _answer(200, ACCEPTED_BODY)


stk_callback_view.throttle_classes = STK_THROTTLES


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 when ``request``'s address is over its limit (counted here), else None."""
    for throttle_class in STK_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            return throttled_response(throttle.wait())
    return None


@functools.cache
def _attempt_sql(vendor: str) -> str:
    """The attempt's four columns the checks need, by its unique ``attempt_id``: the one
    read an acknowledgement makes, written out because the ORM's query building was a
    third of the callback's CPU (docs/performance.md, "STK callbacks: one row"). Made once
    per database kind (``vendor``), once the models are loaded."""
    meta, q = PushAttempt._meta, connection.ops.quote_name
    cols = ", ".join(
        q(meta.get_field(f).column)
        for f in ("id", "checkout_request_id", "amount_minor", "phone_hash")
    )
    key = q(meta.get_field("attempt_id").column)
    return f"SELECT {cols} FROM {q(meta.db_table)} WHERE {key} = %s"


@functools.cache
def _record_sql(vendor: str) -> str:
    """The accepted callback's one INSERT (every column, the defaults written out); made
    once per database kind (``vendor``)."""
    meta, q = StkCallbackRecord._meta, connection.ops.quote_name
    cols = [meta.get_field(f).column for f in _RECORD_FIELDS]
    return (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(c) for c in cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))})"
    )


_RECORD_FIELDS = (
    "attempt",
    "received_at",
    "source_ip",
    "body",
    "state",
    "tries",
    "last_error",
    "retry_at",
)


def _store_record(attempt_pk: int, source_ip: str | None, body: str) -> None:
    """Insert the accepted callback as the STK worker's work item (``received``, no retry
    time): what ``StkCallbackRecord(...).save()`` wrote, each value prepared by its field
    for this database, without the model instance and the ORM's insert machinery."""
    values = {
        "attempt": attempt_pk,
        "received_at": timezone.now(),
        "source_ip": source_ip,
        "body": body,
        "state": str(RecordState.RECEIVED),
        "tries": 0,
        "last_error": "",
        "retry_at": None,
    }
    meta = StkCallbackRecord._meta
    params = [meta.get_field(f).get_db_prep_save(values[f], connection) for f in _RECORD_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_record_sql(connection.vendor), params)


def _against_attempt(
    attempt_id: str, early: _Refusal | None, verdict: _Refusal | _Checked | None
) -> _Refusal | tuple[int, _Checked]:
    """The refusal to log, or the attempt's primary key and the callback to store: the
    attempt read with one query, only when the pure checks left something to compare."""
    if early is not None:
        return early
    with connection.cursor() as cursor:
        cursor.execute(_attempt_sql(connection.vendor), [attempt_id])
        row = cursor.fetchone()
    if row is None:
        return _Refusal("unknown_attempt", 404, _raw(verdict))
    if not isinstance(verdict, _Checked):
        return verdict if verdict is not None else _Refusal("malformed", 400, b"")
    pk, checkout_id, amount_minor, kept_phone = row
    mismatch = _mismatch(verdict, checkout_id, amount_minor, kept_phone)
    return mismatch if mismatch is not None else (pk, verdict)


def _mismatch(
    checked: _Checked, checkout_id: str, amount_minor: int, kept_phone: str
) -> _Refusal | None:
    """The callback against its attempt: the checkout id once known, a payment's amount
    and (unless Safaricom masked it) its phone."""
    cb, body = checked.callback, checked.raw
    if checkout_id and cb.checkout_request_id != checkout_id:
        return _Refusal("checkout_id", 409, body)
    if cb.paid:
        if cb.amount is None or cb.amount.minor != amount_minor:
            return _Refusal("amount", 409, body)
        if checked.phone_hashes and kept_phone not in checked.phone_hashes:
            return _Refusal("phone", 409, body)
    return None


def counts() -> dict[str, Any]:
    """Refused requests by reason (for tests, metrics and the lead's figures)."""
    from django.db.models import Count

    return {
        r["reason"]: r["n"]
        for r in RejectedCallback.objects.values("reason").annotate(n=Count("pk"))
    }
