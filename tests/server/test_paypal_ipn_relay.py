"""Verified IPN messages become results for the till that registered the order.

The same real pieces as ``test_paypal_webhooks``: the PayPal sandbox on 127.0.0.1 answers
the IPN postback, the django-tasks database worker verifies and maps each message, and a
real enrolled terminal pulls ``/api/v1/paypal-results``. An IPN names no order, only the
capture (``txn_id``, or ``parent_txn_id`` for a refund), so it reaches a till when head
office learnt that capture from the order's own webhook; a result the order already has
(the webhook's, or the IPN's first) is never made twice.
"""

from __future__ import annotations

import json
import secrets

from django.test import Client

from pos.payments.paypal.sandbox import PayPalSandbox
from sync.server.callbacks.paypal_models import IpnMessage, IpnState, PayPalResult
from tests.server.factory import Till
from tests.server.test_paypal_webhooks import (  # the same fixtures and helpers
    capture_event,
    deliver,
    ipn_fields,
    order_id,
    paypal,
    post_ipn,
    refund_event,
    register,
    results,
    sandbox,
    signed,
    till,
    work,
)

__all__ = ["paypal", "sandbox", "till"]  # fixtures, used by name


def ipn(sb: PayPalSandbox, txn: str, status: str, gross: str, **extra: str) -> bytes:
    fields = [(k, v) for k, v in ipn_fields(txn, status) if k != "mc_gross"]
    fields = [("mc_gross", gross), *fields, *extra.items()]
    return sb.ipn_message(fields)


def pending_capture(client: Client, till: Till, sb: PayPalSandbox, value: str) -> tuple[str, str]:
    """A registered order whose capture PayPal holds: its PENDING webhook told head office
    the capture id. Returns (order id, capture id)."""
    order = order_id()
    register(client, till, order, amount_minor=int(value.replace(".", "")))
    body = capture_event(order, value, kind="PENDING")
    assert deliver(client, body, signed(sb, body)).status_code == 200
    work()
    capture = str(json.loads(body)["resource"]["id"])
    return order, capture


def test_an_ipn_completing_a_held_capture_reaches_the_till_once(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order, capture = pending_capture(client, till, paypal, "19.95")
    assert post_ipn(client, ipn(paypal, capture, "Completed", "19.95")).status_code == 200
    work()
    got = [(r["order_id"], r["state"], r["capture_id"]) for r in results(client, till)]
    assert got == [(order, "pending", capture), (order, "paid", capture)]
    paid = PayPalResult.objects.get(order__order_id=order, state="paid")
    assert paid.ipn is not None
    assert paid.event is None
    assert paid.event_type == "IPN Completed"
    # PayPal's COMPLETED webhook for the same capture comes after: not a second result
    late = json.loads(capture_event(order, "19.95"))
    late["resource"]["id"] = capture
    body = json.dumps(late, separators=(",", ":")).encode()
    assert deliver(client, body, signed(paypal, body)).status_code == 200
    # and the IPN resent in other bytes is a duplicate, as before
    post_ipn(client, ipn(paypal, capture, "Completed", "19.95", ipn_track_id="again"))
    work()
    assert [r["state"] for r in results(client, till)] == ["pending", "paid"]
    states = sorted(IpnMessage.objects.filter(txn_id=capture).values_list("state", flat=True))
    assert states == [IpnState.DUPLICATE, IpnState.VERIFIED]


def test_an_ipn_refund_names_its_capture_by_parent_txn_id(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order = order_id()
    register(client, till, order, amount_minor=4000)
    body = capture_event(order, "40.00")
    assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    capture = PayPalResult.objects.get(order__order_id=order).capture_id
    # the IPN for the capture itself: the webhook told the till already
    post_ipn(client, ipn(paypal, capture, "Completed", "40.00"))
    refund_txn = secrets.token_hex(8).upper()[:17]
    post_ipn(client, ipn(paypal, refund_txn, "Refunded", "-15.00", parent_txn_id=capture))
    work()
    got = [(r["state"], r["amount_minor"], r["refund_id"]) for r in results(client, till)]
    assert got == [("paid", 4000, ""), ("refunded", 1500, refund_txn)]
    # the refund's webhook (same refund id) after the IPN: not told twice
    hook = json.loads(refund_event(capture, "15.00"))
    hook["resource"]["id"] = refund_txn
    body = json.dumps(hook, separators=(",", ":")).encode()
    assert deliver(client, body, signed(paypal, body)).status_code == 200
    work()
    assert len(results(client, till)) == 2


def test_an_ipn_for_an_unknown_capture_or_another_amount_gives_no_result(
    client: Client, till: Till, paypal: PayPalSandbox
) -> None:
    order, capture = pending_capture(client, till, paypal, "12.50")
    unknown = secrets.token_hex(8).upper()[:17]
    post_ipn(client, ipn(paypal, unknown, "Completed", "12.50"))  # no till's capture
    post_ipn(client, ipn(paypal, capture, "Completed", "1.25"))  # not the order's amount
    refund = secrets.token_hex(8).upper()[:17]  # more back than was paid
    post_ipn(client, ipn(paypal, refund, "Refunded", "-99.00", parent_txn_id=capture))
    post_ipn(client, ipn(paypal, capture, "Canceled_Reversal", "12.50"))  # not for a till
    work()
    assert [r["state"] for r in results(client, till)] == ["pending"]
    verified = IpnMessage.objects.filter(state=IpnState.VERIFIED, txn_id__in=[unknown, capture])
    assert verified.count() == 3  # verified and kept for accounting, just not relayed
    assert not PayPalResult.objects.filter(ipn__isnull=False, order__order_id=order).exists()
