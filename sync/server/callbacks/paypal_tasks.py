"""Background work for PayPal: apply a stored webhook event, verify a stored IPN message.

Both run on the head office's django-tasks database queue (sync/server/tasks.py) and retry
like the STK callback task: a try that raises is enqueued again after 2, 4, 8, 16 s, and the
fifth failure leaves the row ``failed`` with its error (the admin lists them). Each step
locks its row and checks its state first, so a task run twice, or again after its worker was
killed (:func:`requeue_unprocessed` at worker start), has its effect once.

Event mapping (the resource is a capture, or a refund for REFUNDED/REVERSED):

==============================  =========  ==============================================
``PAYMENT.CAPTURE.COMPLETED``   paid       amount and currency must be the order's
``PAYMENT.CAPTURE.PENDING``     pending    (PayPal will send COMPLETED or DENIED later)
``PAYMENT.CAPTURE.DENIED``      failed
``PAYMENT.CAPTURE.DECLINED``    failed
``PAYMENT.CAPTURE.REFUNDED``    refunded   the refund's amount, at most the order's
``PAYMENT.CAPTURE.REVERSED``    reversed   (a chargeback or reversal by PayPal)
anything else                   ignored    stored, no result
==============================  =========  ==============================================

An event for an order no till registered stays ``unmatched`` (applied if the order is
registered later); one whose amount or currency differs is ``mismatch`` and gives no result.

A verified IPN message (once per ``txn_id`` and ``payment_status``) becomes a result too when
it names a capture head office knows: its ``txn_id`` (a capture: ``Completed``, ``Pending``,
``Denied``...) or ``parent_txn_id`` (a refund or reversal) is a registered order's capture id,
learnt from that order's capture webhook. An IPN carries no order id (Kaunta's orders put the
store id in ``custom_id``), so an IPN about a capture head office never saw stays without a
result (logged). A result the order already has (the webhook's, or the IPN's if it came
first: same state, capture and refund) is not made twice, so the till sees each once.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from pos.domain.errors import InvalidAmount
from pos.domain.money import Money
from sync.server.callbacks.paypal_models import (
    EventState,
    IpnMessage,
    IpnState,
    PayPalOrder,
    PayPalResult,
    PayPalResultState,
    PayPalWebhookEvent,
)

log = logging.getLogger("kaunta.hq.paypal")
MAX_TRIES = 5
CAPTURE_STATES: dict[str, str] = {
    "PAYMENT.CAPTURE.COMPLETED": str(PayPalResultState.PAID),
    "PAYMENT.CAPTURE.PENDING": str(PayPalResultState.PENDING),
    "PAYMENT.CAPTURE.DENIED": str(PayPalResultState.FAILED),
    "PAYMENT.CAPTURE.DECLINED": str(PayPalResultState.FAILED),
}
REFUND_STATES: dict[str, str] = {
    "PAYMENT.CAPTURE.REFUNDED": str(PayPalResultState.REFUNDED),
    "PAYMENT.CAPTURE.REVERSED": str(PayPalResultState.REVERSED),
}


def _amount(resource: dict[str, Any]) -> Money | None:
    amount = resource.get("amount")
    if not isinstance(amount, dict):
        return None
    try:
        return Money.parse(str(amount.get("value", "")), str(amount.get("currency_code", "")))
    except (InvalidAmount, ValueError, KeyError):
        return None


def _capture_of_refund(resource: dict[str, Any]) -> str:
    for link in resource.get("links", []) or []:
        if isinstance(link, dict) and link.get("rel") == "up":
            return str(link.get("href", "")).rstrip("/").rsplit("/", 1)[-1][:36]
    return ""


def _next_seq() -> int:
    return int(PayPalResult.objects.aggregate(m=Max("seq"))["m"] or 0) + 1


def apply_event(event_pk: int) -> str:
    """Turn one stored event into at most one result; returns the event's state after."""
    with transaction.atomic():
        row = PayPalWebhookEvent.objects.select_for_update().get(pk=event_pk)
        if row.state != EventState.RECEIVED:
            return str(row.state)
        row.tries += 1
        body = json.loads(row.body)
        resource = body.get("resource") if isinstance(body.get("resource"), dict) else {}
        state, outcome = _decide(row, resource)
        row.state = outcome
        row.save(update_fields=["state", "tries"])
        if state is None:
            return str(row.state)
        order, money, capture_id, refund_id = state
        result_state = CAPTURE_STATES.get(row.event_type) or REFUND_STATES[row.event_type]
        if _already_told(order, result_state, capture_id, refund_id):
            log.info("paypal %s %s: the till was told already (IPN)", row.event_type, row.event_id)
            return str(row.state)
        PayPalResult.objects.create(
            seq=_next_seq(),
            order=order,
            event=row,
            event_type=row.event_type,
            state=result_state,
            capture_id=capture_id,
            refund_id=refund_id,
            amount_minor=money.minor,
            currency=money.currency,
        )
        return str(row.state)


def _already_told(order: PayPalOrder, state: str, capture_id: str, refund_id: str) -> bool:
    """Has this order a result with this state for this capture (and refund) already?"""
    return PayPalResult.objects.filter(
        order=order, state=state, capture_id=capture_id, refund_id=refund_id
    ).exists()


def _decide(
    row: PayPalWebhookEvent, resource: dict[str, Any]
) -> tuple[tuple[PayPalOrder, Money, str, str] | None, str]:
    kind = row.event_type
    if kind not in CAPTURE_STATES and kind not in REFUND_STATES:
        return None, str(EventState.IGNORED)
    money = _amount(resource)
    if kind in CAPTURE_STATES:
        capture_id, refund_id = str(resource.get("id", ""))[:36], ""
        order = PayPalOrder.objects.select_for_update().filter(order_id=row.order_id).first()
    else:
        capture_id, refund_id = _capture_of_refund(resource), str(resource.get("id", ""))[:36]
        order = (
            PayPalOrder.objects.select_for_update().filter(capture_id=capture_id).first()
            if capture_id
            else None
        )
    if order is None:
        log.info("paypal %s %s: no till registered its order", kind, row.event_id)
        return None, str(EventState.UNMATCHED)
    if money is None or money.currency != order.currency:
        return None, str(EventState.MISMATCH)
    if kind in CAPTURE_STATES and money.minor != order.amount_minor:
        log.warning("paypal %s for %s: amount %s, order %s", kind, order.order_id, money, order)
        return None, str(EventState.MISMATCH)
    if kind in REFUND_STATES and not 0 < money.minor <= order.amount_minor:
        return None, str(EventState.MISMATCH)
    if kind in CAPTURE_STATES and capture_id and order.capture_id != capture_id:
        order.capture_id = capture_id
        order.save(update_fields=["capture_id"])
    return (order, money, capture_id, refund_id), str(EventState.DONE)


def _retry(model: Any, pk: int, exc: Exception, again: Any, failed: str) -> str:
    row = model.objects.get(pk=pk)
    row.tries += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.tries >= MAX_TRIES:
        row.state = failed
        row.save(update_fields=["tries", "last_error", "state"])
        log.error("%s %s failed after %s tries: %s", model.__name__, pk, row.tries, exc)
        raise exc
    row.save(update_fields=["tries", "last_error"])
    delay = timedelta(seconds=2**row.tries)
    again.using(run_after=timezone.now() + delay).enqueue(pk)
    log.warning("%s %s: try %s failed, again in %s", model.__name__, pk, row.tries, delay)
    return "retry"


@task()
def process_paypal_event(event_pk: int) -> str:
    """The task behind every stored webhook event (see the module doc)."""
    try:
        return apply_event(event_pk)
    except Exception as exc:
        return _retry(
            PayPalWebhookEvent, event_pk, exc, process_paypal_event, str(EventState.FAILED)
        )


def check_ipn(message_pk: int) -> str:
    """Ask PayPal about one stored IPN message, then keep it once per (txn_id, status)."""
    from sync.server.callbacks import outbound

    row = IpnMessage.objects.get(pk=message_pk)
    if row.state != IpnState.RECEIVED:
        return str(row.state)
    verified = outbound.ipn_postback(row.body.encode("utf-8"))  # raises: retried later
    with transaction.atomic():
        row = IpnMessage.objects.select_for_update().get(pk=message_pk)
        if row.state != IpnState.RECEIVED:
            return str(row.state)
        row.tries += 1
        if not verified:
            row.state = IpnState.INVALID
            log.warning("IPN %s: PayPal said INVALID", message_pk)
        elif IpnMessage.objects.filter(
            txn_id=row.txn_id, payment_status=row.payment_status, state=IpnState.VERIFIED
        ).exists():
            row.state = IpnState.DUPLICATE
        else:
            row.state = IpnState.VERIFIED
        row.save(update_fields=["state", "tries"])
        if row.state == IpnState.VERIFIED:
            ipn_result(row)
        return str(row.state)


#: IPN ``payment_status`` → the result a till is told (others: no result)
IPN_STATES: dict[str, str] = {
    "Completed": str(PayPalResultState.PAID),
    "Pending": str(PayPalResultState.PENDING),
    "Denied": str(PayPalResultState.FAILED),
    "Failed": str(PayPalResultState.FAILED),
    "Voided": str(PayPalResultState.FAILED),
    "Expired": str(PayPalResultState.FAILED),
    "Refunded": str(PayPalResultState.REFUNDED),
    "Reversed": str(PayPalResultState.REVERSED),
}


def ipn_result(row: IpnMessage) -> PayPalResult | None:
    """The result a verified IPN message gives its till, if it names a known capture
    (module doc); called inside :func:`check_ipn`'s transaction, the order row locked."""
    state = IPN_STATES.get(row.payment_status)
    if state is None:
        log.info("IPN %s: status %r is not one a till needs", row.pk, row.payment_status)
        return None
    fields = ipn_fields(row.body.encode("latin-1", "replace"))
    refund = state in (str(PayPalResultState.REFUNDED), str(PayPalResultState.REVERSED))
    capture_id = (fields.get("parent_txn_id", "") if refund else row.txn_id)[:36]
    refund_id = row.txn_id[:36] if refund else ""
    order = (
        PayPalOrder.objects.select_for_update().filter(capture_id=capture_id).first()
        if capture_id
        else None
    )
    if order is None:
        log.info("IPN %s: capture %s is not one a till registered", row.pk, capture_id or "-")
        return None
    try:  # a refund's mc_gross is negative
        money = Money.parse(row.mc_gross.lstrip("-"), row.mc_currency)
    except (InvalidAmount, ValueError):
        money = None
    if money is None or money.currency != order.currency:
        log.warning(
            "IPN %s for %s: amount %s %s", row.pk, order.order_id, row.mc_gross, row.mc_currency
        )
        return None
    if (not refund and money.minor != order.amount_minor) or (
        refund and not 0 < money.minor <= order.amount_minor
    ):
        log.warning("IPN %s for %s: amount %s, order %s", row.pk, order.order_id, money, order)
        return None
    if _already_told(order, state, capture_id, refund_id):
        log.info("IPN %s: the till was told already (webhook)", row.pk)
        return None
    return PayPalResult.objects.create(
        seq=_next_seq(),
        order=order,
        ipn=row,
        event_type=f"IPN {row.payment_status}"[:60],
        state=state,
        capture_id=capture_id,
        refund_id=refund_id,
        amount_minor=money.minor,
        currency=money.currency,
    )


@task()
def process_ipn(message_pk: int) -> str:
    """The task behind every stored IPN message."""
    try:
        return check_ipn(message_pk)
    except Exception as exc:
        return _retry(IpnMessage, message_pk, exc, process_ipn, str(IpnState.FAILED))


def ipn_fields(raw: bytes) -> dict[str, str]:
    """The IPN's fields (first of each), decoded as PayPal sends them (``charset`` field)."""
    pairs = urllib.parse.parse_qsl(
        raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1"
    )
    first: dict[str, str] = {}
    for key, value in pairs:
        first.setdefault(key, value)
    charset = first.get("charset", "utf-8") or "utf-8"
    try:
        return {k: v.encode("latin-1").decode(charset, "replace") for k, v in first.items()}
    except LookupError:
        return first


def requeue_unprocessed() -> int:
    """Enqueue again every stored PayPal event and IPN message not yet processed."""
    events = list(
        PayPalWebhookEvent.objects.filter(state=EventState.RECEIVED).values_list("pk", flat=True)
    )
    for pk in events:
        process_paypal_event.enqueue(pk)
    messages = list(IpnMessage.objects.filter(state=IpnState.RECEIVED).values_list("pk", flat=True))
    for pk in messages:
        process_ipn.enqueue(pk)
    return len(events) + len(messages)
