"""What head office keeps about M-Pesa pushes and their callbacks.

:class:`PushAttempt` is the till's word, given before the push is sent: which terminal, the
amount in minor units and a hash of the payer's phone. :class:`StkCallbackRecord` is each
accepted callback body as it arrived (kept before the answer, so a crash after the answer
loses nothing), and :class:`RejectedCallback` each refused request, with why, so forged
traffic is visible and counted without changing any attempt.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sync.server.terminals.models import Terminal


class PushState(models.TextChoices):
    WAITING = "waiting", "Waiting for the customer"
    PAID = "paid", "Paid"
    FAILED = "failed", "Not paid"


class PushAttempt(models.Model):
    """One STK push as the till announced it; the callback is checked against it."""

    attempt_id = models.CharField(max_length=40, unique=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="pushes")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="KES")
    phone_hash = models.CharField(max_length=64)  # tokens.stored_phone_hash (keyed), hex
    registered_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=PushState, default=PushState.WAITING)
    checkout_request_id = models.CharField(max_length=100, blank=True)
    result_code = models.CharField(max_length=20, blank=True)
    result_desc = models.CharField(max_length=300, blank=True)
    receipt = models.CharField(max_length=40, blank=True)
    #: Order of results for the till's pull (0 while no result); a per-table counter.
    result_seq = models.BigIntegerField(default=0, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    #: set when a paid callback came after the attempt had been decided failed (the record
    #: is ``conflict``): the money the customer paid, which no sale took; with the failure's
    #: code and text kept beside it (the paid result replaced them on the attempt)
    paid_after_failure_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=20, blank=True)
    failure_desc = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"push {self.attempt_id} ({self.state})"


class RecordState(models.TextChoices):
    RECEIVED = "received", "Received"
    DONE = "done", "Processed"
    DUPLICATE = "duplicate", "Duplicate (attempt already decided)"
    #: a paid callback for an attempt already decided failed: the money came after all; the
    #: attempt is decided again as paid (relayed to the till as a late result) and listed in
    #: the dashboard's unresolved payments until the till's manager settles it
    CONFLICT = "conflict", "Paid after a failure"
    FAILED = "failed", "Failed after retries"


class StkCallbackRecord(models.Model):
    """A callback body that passed the checks, stored before Daraja got its answer (the
    payer's number masked, :mod:`sync.server.callbacks.redact`).

    The record is also its own work item: a ``received`` record whose ``retry_at`` is empty
    or past is waiting for the STK worker (:func:`sync.server.tasks.decide_batch`), which
    claims such rows in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and finishes a
    whole batch in one transaction. No queue row is written beside it, so an acknowledgement
    is one INSERT, and nothing is lost between the record and its task.
    """

    attempt = models.ForeignKey(PushAttempt, on_delete=models.PROTECT, related_name="callbacks")
    received_at = models.DateTimeField(default=timezone.now)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=RecordState, default=RecordState.RECEIVED)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    #: after a failed try: not before this time (2, 4, 8, 16 s of backoff); empty = now
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (
            # the worker's claim: the waiting records, oldest first (a small partial index;
            # done records, nearly all of them, are not in it)
            models.Index(
                fields=["id"],
                name="hq_stk_record_waiting",
                condition=models.Q(state="received"),
            ),
        )

    def __str__(self) -> str:
        return f"callback {self.pk} for {self.attempt.attempt_id} ({self.state})"


class StkWorkerHeartbeat(models.Model):
    """The last time each worker's STK sweeper went round (:func:`sync.server.tasks.run_stk_sweeper`
    writes it): readiness and the metrics call a worker stale when it has not been seen for
    ``KAUNTA_HQ_WORKER_STALE_S`` while callbacks wait. One small row per worker; a worker
    that stops for good leaves its row, which only ever reads as stale."""

    worker_id = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"STK worker {self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RejectedCallback(models.Model):
    """A refused callback request: why, from where, and the start of its body (bounded).

    Kept ``KAUNTA_HQ_REJECTED_KEEP_DAYS`` days (default 30), then deleted in batches by
    :mod:`sync.server.callbacks.prune`, which counts what it deleted in
    :class:`RejectedCallbackPruned`: a flood of forged requests cannot grow the table
    forever, and the refusal counters still only ever grow."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=40, db_index=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300)
    body_start = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"rejected {self.reason} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class RejectedCallbackPruned(models.Model):
    """How many refused requests of one reason were deleted as too old (one row a reason):
    rows still kept plus these are every refusal ever counted."""

    reason = models.CharField(max_length=40, unique=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} pruned {self.reason}"


# PayPal's rows live in their own module; imported here so Django finds them with the app.
from sync.server.callbacks.paypal_models import (  # noqa: E402
    IpnMessage,
    PayPalOrder,
    PayPalResult,
    PayPalWebhookEvent,
)

__all__ = [
    "IpnMessage",
    "PayPalOrder",
    "PayPalResult",
    "PayPalWebhookEvent",
    "PushAttempt",
    "PushState",
    "RecordState",
    "RejectedCallback",
    "RejectedCallbackPruned",
    "StkCallbackRecord",
    "StkWorkerHeartbeat",
]
