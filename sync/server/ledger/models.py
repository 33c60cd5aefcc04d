"""The central ledger: every event once, forever, by its UUID, plus typed rows read from it.

``LedgerEvent`` is the evidence (the document as the till sent it, its hash, who sent it).
The other tables are projections made in the same transaction from the parsed event, so the
head office can query sales, VAT, payments, refunds, shifts and cash movements. Training
events are kept (marked) but projected nowhere: they are not the real ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sync.server.terminals.models import Store, Terminal


class LedgerEvent(models.Model):
    event_id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=40)
    # db_constraint=False here and on the sale tables below: the references are checked
    # once per statement by triggers, not per row (sync.server.ledger.integrity)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, db_constraint=False)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, db_constraint=False)
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    training = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=71)
    document = models.JSONField()

    class Meta:
        indexes = (models.Index(fields=["terminal", "seq"]),)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class EventConflict(models.Model):
    """The same event id sent again with other content: refused, kept here, shown in admin."""

    event_id = models.UUIDField(db_index=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT)
    known_hash = models.CharField(max_length=71)
    received_hash = models.CharField(max_length=71)
    document = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            # a parked event offered again (hourly) is the same conflict, kept once
            models.UniqueConstraint(
                fields=["event_id", "received_hash"], name="one_conflict_per_content"
            ),
        )


class Sale(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed"
        VOIDED = "voided"

    event = models.OneToOneField(LedgerEvent, on_delete=models.CASCADE, db_constraint=False)
    sale_id = models.UUIDField(db_index=True)
    status = models.CharField(max_length=10, choices=Status)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, db_constraint=False)
    receipt_number = models.CharField(max_length=100)
    business_date = models.DateField()
    closed_at = models.DateTimeField(null=True)
    cashier_id = models.UUIDField()
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    vat_total_minor = models.BigIntegerField()
    rounding_minor = models.BigIntegerField()
    change_minor = models.BigIntegerField()
    void_reason = models.CharField(max_length=200, blank=True)


class SaleLine(models.Model):
    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    line_id = models.UUIDField()
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.BigIntegerField()
    unit_price_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    vat_code = models.CharField(max_length=4)
    vat_rate = models.CharField(max_length=12)
    net_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()


class SaleVat(models.Model):
    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, related_name="vat", db_constraint=False
    )
    code = models.CharField(max_length=4)
    rate = models.CharField(max_length=12)
    exempt = models.BooleanField()
    gross_minor = models.BigIntegerField()
    net_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()


class SalePayment(models.Model):
    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, related_name="payments", db_constraint=False
    )
    payment_id = models.CharField(max_length=100)
    method = models.CharField(max_length=40)
    amount_minor = models.BigIntegerField()
    tendered_minor = models.BigIntegerField()
    change_minor = models.BigIntegerField()
    reference = models.CharField(max_length=200, blank=True)


class PaymentRecord(models.Model):
    """``payment.resolved``, ``payment.late`` and ``payment.late_settled`` of one attempt."""

    event = models.OneToOneField(LedgerEvent, on_delete=models.CASCADE)
    kind = models.CharField(max_length=40)
    attempt_id = models.UUIDField(db_index=True)
    sale_id = models.UUIDField()
    method = models.CharField(max_length=40)
    state = models.CharField(max_length=40)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)


class Refund(models.Model):
    event = models.OneToOneField(LedgerEvent, on_delete=models.CASCADE)
    refund_id = models.UUIDField(db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT)
    receipt_number = models.CharField(max_length=100)
    original_sale_id = models.UUIDField(null=True)
    reason_code = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    vat_total_minor = models.BigIntegerField()


class ShiftRecord(models.Model):
    """``shift.opened`` and ``shift.closed`` (one row each; the shift id joins them)."""

    event = models.OneToOneField(LedgerEvent, on_delete=models.CASCADE)
    shift_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=20)
    at = models.DateTimeField()
    business_date = models.DateField()
    currency = models.CharField(max_length=3)
    float_minor = models.BigIntegerField(null=True)
    expected_cash_minor = models.BigIntegerField(null=True)
    counted_cash_minor = models.BigIntegerField(null=True)


class CashMovement(models.Model):
    event = models.OneToOneField(LedgerEvent, on_delete=models.CASCADE)
    movement_id = models.UUIDField(db_index=True)
    shift_id = models.UUIDField()
    direction = models.CharField(max_length=3)
    kind = models.CharField(max_length=40)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200)


class RefundReview(models.Model):
    """A refund head office could not simply accept, kept for a person to look at.

    ``rejected``: it would give back more of a line (or of the sale) than was sold, counting
    every earlier refund from any terminal; it was not applied and the till parked it with
    the same ``reason``. ``unchecked``: its original sale is not in the ledger yet (that
    till has not synced), so it was applied on the till's word and flagged here; when the
    sale arrives it is checked and becomes ``checked`` (within what was sold) or ``over``
    (it went beyond; applied already, so a person follows it up). The event id is unique:
    a parked refund the till offers again updates its row, never adds one.

    ``followed_up_*``: a head-office admin marked an ``over`` or ``rejected`` review as
    followed up from the dashboard (who, when, and their note). That is the whole change:
    the refund's money already went back, or was refused, at the till, so no money and no
    ledger row moves with it. A review is open while it is ``rejected``, ``unchecked`` or
    ``over`` and not followed up.
    """

    class Status(models.TextChoices):
        REJECTED = "rejected"
        UNCHECKED = "unchecked"
        CHECKED = "checked"
        OVER = "over"

    event_id = models.UUIDField(unique=True)
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT)
    refund_id = models.UUIDField()
    receipt_number = models.CharField(max_length=100)
    original_sale_id = models.UUIDField(null=True, db_index=True)
    original_receipt = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status)
    reason = models.CharField(max_length=500)
    document = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    follow_up_note = models.CharField(max_length=500, blank=True)

    #: the statuses a person still has to look at (unless followed up)
    OPEN = (Status.REJECTED, Status.UNCHECKED, Status.OVER)
    #: the statuses an admin can mark as followed up (unchecked ones are checked by head
    #: office itself when their sale arrives)
    FOLLOW_UP = (Status.REJECTED, Status.OVER)
