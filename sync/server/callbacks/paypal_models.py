"""What head office keeps about PayPal: the tills' orders, webhook events, results and IPN.

:class:`PayPalOrder` is the till's word, given right after it created the order at PayPal
(``POST /api/v1/paypal-orders``): which terminal and the amount. :class:`PayPalWebhookEvent`
is each verified webhook body exactly as it arrived, kept before PayPal gets its 200 (so a
crash after the answer loses nothing), unique by event id and by transmission id: a replay
or PayPal's own redelivery is one row. A background task turns each event into at most one
:class:`PayPalResult`, the row the till pulls (``GET /api/v1/paypal-results``). Classic IPN
messages are :class:`IpnMessage` rows, verified by postback in the background and applied
once per ``(txn_id, payment_status)``; a verified IPN about a capture head office knows (its
``txn_id`` or ``parent_txn_id`` is a registered order's capture id) becomes a
:class:`PayPalResult` too, unless that order already has the same result. Refused requests
are ``RejectedCallback`` rows, like the M-Pesa callback's.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sync.server.terminals.models import Terminal


class PayPalOrder(models.Model):
    """One PayPal order a till created; webhooks about it become results for that till."""

    order_id = models.CharField(max_length=36, unique=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="paypal_orders")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    registered_at = models.DateTimeField(default=timezone.now)
    capture_id = models.CharField(max_length=36, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"paypal order {self.order_id}"


class EventState(models.TextChoices):
    RECEIVED = "received", "Received"
    DONE = "done", "Processed (a result for the till)"
    IGNORED = "ignored", "Not an event the till needs"
    UNMATCHED = "unmatched", "No till registered this order"
    MISMATCH = "mismatch", "Amount or currency differs from the order"
    FAILED = "failed", "Failed after retries"


class PayPalWebhookEvent(models.Model):
    """A webhook whose signature was verified, stored raw before PayPal got its answer."""

    event_id = models.CharField(max_length=60, unique=True)
    transmission_id = models.CharField(max_length=60, unique=True)
    transmission_time = models.DateTimeField()
    event_type = models.CharField(max_length=60, db_index=True)
    order_id = models.CharField(max_length=36, blank=True, db_index=True)
    resource_id = models.CharField(max_length=36, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    verified_by = models.CharField(max_length=10)  # "offline" or "postback"
    state = models.CharField(max_length=10, choices=EventState, default=EventState.RECEIVED)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.state})"


class PayPalResultState(models.TextChoices):
    PAID = "paid", "Paid"
    PENDING = "pending", "Pending at PayPal"
    FAILED = "failed", "Not paid"
    REFUNDED = "refunded", "Refunded"
    REVERSED = "reversed", "Reversed"


class PayPalResult(models.Model):
    """What a till learns about its order: one row per webhook event that matters."""

    seq = models.BigIntegerField(unique=True)
    order = models.ForeignKey(PayPalOrder, on_delete=models.PROTECT, related_name="results")
    #: where the result came from: a verified webhook event, or a verified IPN message
    #: (exactly one of the two)
    event = models.OneToOneField(PayPalWebhookEvent, on_delete=models.PROTECT, null=True)
    ipn = models.OneToOneField(
        "IpnMessage", on_delete=models.PROTECT, null=True, related_name="result"
    )
    event_type = models.CharField(max_length=60)  # the webhook's type, or "IPN <status>"
    state = models.CharField(max_length=10, choices=PayPalResultState)
    capture_id = models.CharField(max_length=36, blank=True)
    refund_id = models.CharField(max_length=36, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(event__isnull=False, ipn__isnull=True)
                | models.Q(event__isnull=True, ipn__isnull=False),
                name="hq_paypal_result_one_source",
            ),
        )

    def __str__(self) -> str:
        return f"paypal result {self.seq} {self.state} for {self.order.order_id}"


class IpnState(models.TextChoices):
    RECEIVED = "received", "Received, not yet checked"
    VERIFIED = "verified", "PayPal said VERIFIED"
    INVALID = "invalid", "PayPal said INVALID"
    DUPLICATE = "duplicate", "Verified again (same txn_id and status)"
    FAILED = "failed", "Failed after retries"


class IpnMessage(models.Model):
    """A classic IPN message as received (form-encoded bytes, kept exactly)."""

    received_at = models.DateTimeField(default=timezone.now)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    body = models.TextField()
    txn_id = models.CharField(max_length=40, blank=True, db_index=True)
    payment_status = models.CharField(max_length=40, blank=True)
    mc_gross = models.CharField(max_length=30, blank=True)
    mc_currency = models.CharField(max_length=3, blank=True)
    custom = models.CharField(max_length=256, blank=True)
    state = models.CharField(max_length=10, choices=IpnState, default=IpnState.RECEIVED)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = (
            # Once per (txn_id, status): a second VERIFIED copy is marked duplicate instead.
            models.UniqueConstraint(
                fields=["txn_id", "payment_status"],
                condition=models.Q(state="verified"),
                name="hq_ipn_verified_once",
            ),
        )

    def __str__(self) -> str:
        return f"IPN {self.txn_id or '?'} {self.payment_status} ({self.state})"
