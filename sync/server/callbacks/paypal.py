"""PayPal webhooks at head office: verify, store raw, answer, and let a worker apply them.

``POST /hooks/paypal/webhook`` (no auth: the signature is the proof), checked in this order,
each refusal a :class:`RejectedCallback` with its reason and nothing else changed:

1. the body size (``MAX_BODY``; 413 ``too_large``);
2. the body is a webhook event envelope (400 ``malformed``);
3. the signature, by ``settings.PAYPAL_VERIFY``: ``offline`` (headers and algorithm, the
   transmission time within ``PAYPAL_TOLERANCE_S`` of now, the ``PAYPAL-CERT-URL`` host on
   ``PAYPAL_CERT_HOSTS`` *before* anything is fetched, the chain to ``PAYPAL_TRUST_STORE``
   checked twice (the pure verifier, then ``cryptography``'s path validation), the
   RSA-SHA256 signature over ``transmission id|time|webhook id|CRC32 of the raw body``) or
   ``postback`` (headers and time here, then PayPal's verify-webhook-signature). Reasons:
   ``headers``, ``stale``, ``cert_url``, ``untrusted_cert``, ``signature`` (400; a wrong
   webhook id is a signature that does not match); PayPal unreachable for the certificate or
   the postback is 503 ``unverifiable``: PayPal delivers again later;
4. replay: a transmission id already stored is logged ``replay`` and answered 200 (an exact
   copy changes nothing, and a 4xx would make PayPal retry for days); an event id already
   stored under another transmission (PayPal's redelivery) is logged ``duplicate_event``, 200.

Then the raw body and headers are stored and the task enqueued in one transaction, and only
then PayPal gets ``{"status": "accepted"}``. :mod:`.paypal_tasks` maps the event to a result.

The till's side: ``POST /api/v1/paypal-orders`` registers an order it created (which
terminal, amount), ``GET /api/v1/paypal-results?after=N`` is its pull, a sibling of
``/api/v1/push-results`` with its own sequence.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
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

from pos.payments.paypal.webhook_verify import (
    REQUIRED_HEADERS,
    WebhookEvent,
    WebhookFormatError,
    WebhookVerification,
    parse_event,
    verify_webhook,
)
from sync.server.api import serializers as api_s
from sync.server.api.auth import terminal_of
from sync.server.api.errors import ApiError
from sync.server.api.throttles import AddressThrottle
from sync.server.callbacks.bodies import bounded_body
from sync.server.callbacks.models import RejectedCallback
from sync.server.callbacks.paypal_models import EventState, PayPalOrder, PayPalResult
from sync.server.callbacks.paypal_models import PayPalWebhookEvent as Event
from sync.server.callbacks.redact import refused_body_start
from sync.server.callbacks.views import result_cursor
from sync.server.ops.clientip import client_address
from sync.server.ops.paths import safe_path

log = logging.getLogger("kaunta.hq.paypal")
_ERR = OpenApiResponse(api_s.ErrorBody)
_ERRS: dict[int, Any] = {400: _ERR, 401: _ERR, 403: _ERR, 429: _ERR}
#: PayPal's events are a few KiB (an order with its captures); 64 KiB leaves room.
MAX_BODY = 64 * 1024
MAX_MINOR = 10**13
#: Which verdict text is which refusal (the pure verifier explains in words).
_REASONS: tuple[tuple[str, str], ...] = (
    ("missing header", "headers"),
    ("algorithm", "headers"),
    ("transmission time", "stale"),
    ("certificate url", "cert_url"),
    ("certificate host", "cert_url"),
    ("could not get the certificate", "unverifiable"),
    ("no webhook id configured", "not_configured"),
    ("signature", "signature"),
    ("certificate", "untrusted_cert"),
    ("chain", "untrusted_cert"),
    ("rsa key", "untrusted_cert"),
)
_STATUS = {"unverifiable": 503, "not_configured": 503}


def reason_code(verdict: WebhookVerification) -> str:
    """The short reason stored for a failed verification (see the module doc)."""
    text = verdict.reason.lower()
    return next((code for needle, code in _REASONS if needle in text), "signature")


def _reject(request: Request, reason: str, status: int, body: bytes, why: str = "") -> Response:
    RejectedCallback.objects.create(
        reason=reason,
        source_ip=client_address(request),
        path=safe_path(request),
        body_start=refused_body_start(body, "utf-8"),
    )
    log.warning("paypal webhook refused: %s (%s) from %s", reason, why, client_address(request))
    return Response({"status": "rejected", "reason": reason}, status=status)


def _headers(request: Request) -> dict[str, str]:
    wanted = {h.lower() for h in REQUIRED_HEADERS}
    return {k: str(v) for k, v in request.headers.items() if k.lower() in wanted}


def _local_checks(headers: dict[str, str], now: datetime) -> WebhookVerification:
    """What postback mode checks itself: the headers and the transmission time window."""
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    missing = [h for h in REQUIRED_HEADERS if not lower.get(h.lower())]
    tid = lower.get("paypal-transmission-id", "")
    if missing:
        return WebhookVerification(False, f"missing header {', '.join(missing)}", tid)
    try:
        sent = datetime.fromisoformat(lower["paypal-transmission-time"])
    except ValueError:
        return WebhookVerification(False, "the transmission time is not a date", tid)
    if sent.tzinfo is None or abs(now - sent) > _tolerance():
        return WebhookVerification(False, "the transmission time is too far from now", tid)
    return WebhookVerification(True, "checked", tid)


def _tolerance() -> timedelta:
    return timedelta(seconds=int(settings.PAYPAL_TOLERANCE_S))


def verify(headers: dict[str, str], body: bytes, now: datetime) -> WebhookVerification:
    """The verdict by the configured method (``offline`` or ``postback``)."""
    from sync.server.callbacks import outbound

    webhook_id = str(settings.PAYPAL_WEBHOOK_ID)
    verdict = _local_checks(headers, now)  # the sender's mistakes first, then ours
    if not verdict:
        return verdict
    if not webhook_id:
        return WebhookVerification(False, "no webhook id configured", verdict.transmission_id)
    if settings.PAYPAL_VERIFY == "postback":
        try:
            ok = outbound.verify_by_postback(headers, body, webhook_id)
        except outbound.OutboundError as exc:
            return WebhookVerification(
                False, f"could not get the certificate ({exc})", verdict.transmission_id
            )
        if not ok:
            return WebhookVerification(
                False, "PayPal's postback said the signature is not its", verdict.transmission_id
            )
        return WebhookVerification(True, "verified", verdict.transmission_id)
    from sync.server.callbacks.paypal_trust import chain_verified, trust_policy

    policy = trust_policy()
    verdict = verify_webhook(
        headers, body, webhook_id, fetch_cert=outbound.fetch_cert, trusted=policy, now=now
    )
    if not verdict:
        return verdict
    url = {k.lower(): v for k, v in headers.items()}["paypal-cert-url"].strip()
    problem = chain_verified(outbound.fetch_cert(url), policy, now)  # cached: no second fetch
    if problem:
        return WebhookVerification(False, problem, verdict.transmission_id)
    return verdict


def _ids(event: WebhookEvent) -> tuple[str, str]:
    return event.order_id[:36], str(event.resource.get("id", ""))[:36]


@extend_schema(exclude=True)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([AddressThrottle])
def webhook_view(request: Request) -> Response:
    """PayPal's webhook delivery (checks in the module doc's order)."""
    body = bounded_body(request, MAX_BODY)
    if body is None:
        return _reject(request, "too_large", 413, b"")
    try:
        event = parse_event(body)
    except WebhookFormatError as exc:
        return _reject(request, "malformed", 400, body, str(exc))
    headers = _headers(request)
    now = datetime.now(UTC)
    verdict = verify(headers, body, now)
    if not verdict:
        code = reason_code(verdict)
        return _reject(request, code, _STATUS.get(code, 400), body, verdict.reason)
    tid = verdict.transmission_id[:60]
    if Event.objects.filter(transmission_id=tid).exists():
        _reject(request, "replay", 200, body, tid)
        return Response({"status": "duplicate"})
    if Event.objects.filter(event_id=event.id[:60]).exists():
        _reject(request, "duplicate_event", 200, body, event.id)
        return Response({"status": "duplicate"})
    from sync.server.callbacks.paypal_tasks import process_paypal_event

    order_id, resource_id = _ids(event)
    lower = {k.lower(): v for k, v in headers.items()}
    sent = datetime.fromisoformat(lower["paypal-transmission-time"].strip())
    try:
        with transaction.atomic():
            row = Event.objects.create(
                event_id=event.id[:60],
                transmission_id=tid,
                transmission_time=sent,
                event_type=event.event_type[:60],
                order_id=order_id,
                resource_id=resource_id,
                source_ip=client_address(request),
                headers=headers,
                body=body.decode("utf-8"),
                verified_by=str(settings.PAYPAL_VERIFY)[:10],
            )
            process_paypal_event.enqueue(row.pk)
    except IntegrityError:  # the same event at the same moment from two deliveries
        _reject(request, "duplicate_event", 200, body, event.id)
        return Response({"status": "duplicate"})
    return Response({"status": "accepted"})


# -- the till's side ----------------------------------------------------------------------


class PayPalOrderIn(serializers.Serializer):
    order_id = serializers.RegexField(r"^[A-Z0-9]{10,36}$")
    amount_minor = serializers.IntegerField(min_value=1, max_value=MAX_MINOR)
    currency = serializers.RegexField(r"^[A-Z]{3}$")


class PayPalOrderOut(serializers.Serializer):
    order_id = serializers.CharField()
    registered = serializers.BooleanField()


class PayPalResultOut(serializers.Serializer):
    seq = serializers.IntegerField()
    order_id = serializers.CharField()
    event_type = serializers.CharField()
    state = serializers.ChoiceField(choices=["paid", "pending", "failed", "refunded", "reversed"])
    capture_id = serializers.CharField(allow_blank=True)
    refund_id = serializers.CharField(allow_blank=True)
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    decided_at = serializers.DateTimeField()


class PayPalResults(serializers.Serializer):
    results = PayPalResultOut(many=True)
    next_after = serializers.IntegerField()


@extend_schema(request=PayPalOrderIn, responses={200: PayPalOrderOut, 409: _ERR, **_ERRS})
@api_view(["POST"])
def paypal_orders_view(request: Request) -> Response:
    """Register an order the till created at PayPal; idempotent for the same values."""
    terminal = terminal_of(request)
    data = PayPalOrderIn(data=request.data)
    if not data.is_valid():
        raise ApiError(400, "invalid", str(data.errors))
    v = data.validated_data
    order, made = PayPalOrder.objects.get_or_create(
        order_id=v["order_id"],
        defaults={
            "terminal": terminal,
            "amount_minor": v["amount_minor"],
            "currency": v["currency"],
        },
    )
    if order.terminal_id != terminal.pk or (
        not made and (order.amount_minor, order.currency) != (v["amount_minor"], v["currency"])
    ):
        raise ApiError(409, "order_conflict", "This order id is registered with other values.")
    if made:  # a webhook that came before the till: now it has an owner
        from sync.server.callbacks.paypal_tasks import process_paypal_event

        waiting = list(
            Event.objects.filter(order_id=order.order_id, state=EventState.UNMATCHED).values_list(
                "pk", flat=True
            )
        )
        for pk in waiting:
            Event.objects.filter(pk=pk).update(state=EventState.RECEIVED)
            process_paypal_event.enqueue(pk)
    return Response({"order_id": order.order_id, "registered": True})


@extend_schema(
    parameters=[OpenApiParameter("after", int, required=False)],
    responses={200: PayPalResults, **_ERRS},
)
@api_view(["GET"])
def paypal_results_view(request: Request) -> Response:
    """The till's pull of PayPal results after ``after``, 200 at most, oldest first."""
    terminal = terminal_of(request)
    after = result_cursor(request)
    rows = (
        PayPalResult.objects.filter(order__terminal=terminal, seq__gt=after)
        .select_related("order")
        .order_by("seq")[:200]
    )
    results = [
        {
            "seq": r.seq,
            "order_id": r.order.order_id,
            "event_type": r.event_type,
            "state": r.state,
            "capture_id": r.capture_id,
            "refund_id": r.refund_id,
            "amount_minor": r.amount_minor,
            "currency": r.currency,
            "decided_at": timezone.localtime(r.decided_at, UTC).isoformat(),
        }
        for r in rows
    ]
    return Response({"results": results, "next_after": results[-1]["seq"] if results else after})
