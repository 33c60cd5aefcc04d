"""What an import of a statement leaves behind: the file (evidence), a summary per store and
day, and each exception (the lines and payments that did not match) for people to work through.

Matched pairs are counted, not stored one by one: a month of 100,000 lines would otherwise
write 100,000 rows that nobody reads; the statement text is kept, so any run can be repeated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sync.server.ledger.models import Sale, SalePayment
from sync.server.terminals.models import Store


class GatewayChoice(models.TextChoices):
    MPESA = "mpesa", "M-Pesa"
    PAYPAL = "paypal", "PayPal"


class OutcomeChoice(models.TextChoices):
    MATCHED = "matched", "Matched"
    GATEWAY_ONLY = "gateway_only", "At the gateway, no sale"
    LEDGER_ONLY = "ledger_only", "In the ledger, no gateway money"
    AMOUNT_MISMATCH = "amount_mismatch", "Amounts differ"


class StatementImport(models.Model):
    gateway = models.CharField(max_length=10, choices=GatewayChoice)
    account = models.CharField(max_length=40, blank=True)
    file_name = models.CharField(max_length=200)
    text = models.TextField(help_text="The statement as imported (evidence; re-runnable).")
    #: SHA-256 (hex) of ``text``: the same file is imported once (service.import_statement
    #: refuses it again); empty only on a repeat imported before this was checked
    text_sha256 = models.CharField(max_length=64, blank=True, default="")
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    lines = models.IntegerField(default=0)
    ignored_lines = models.IntegerField(default=0)
    matched = models.IntegerField(default=0)
    gateway_only = models.IntegerField(default=0)
    ledger_only = models.IntegerField(default=0)
    amount_mismatch = models.IntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["text_sha256"],
                condition=~models.Q(text_sha256=""),
                name="hq_recon_statement_once",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} {self.file_name} ({self.imported_at:%Y-%m-%d})"

    @property
    def exceptions(self) -> int:
        return self.gateway_only + self.ledger_only + self.amount_mismatch


class ReconDay(models.Model):
    """One store's day in one import (store empty: money no store could be named for)."""

    statement = models.ForeignKey(StatementImport, on_delete=models.CASCADE, related_name="days")
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT)
    day = models.DateField()
    matched = models.IntegerField(default=0)
    gateway_only = models.IntegerField(default=0)
    ledger_only = models.IntegerField(default=0)
    amount_mismatch = models.IntegerField(default=0)
    gateway_minor = models.BigIntegerField(default=0)
    ledger_minor = models.BigIntegerField(default=0)


class ReconException(models.Model):
    """A gateway line without a sale, a payment without gateway money, or different amounts."""

    statement = models.ForeignKey(
        StatementImport, on_delete=models.CASCADE, related_name="exception_rows"
    )
    outcome = models.CharField(max_length=16, choices=OutcomeChoice, db_index=True)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT)
    day = models.DateField(db_index=True)
    line_no = models.IntegerField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    order_ref = models.CharField(max_length=100, blank=True)
    gateway_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    gateway_minor = models.BigIntegerField(null=True, blank=True)
    ledger_minor = models.BigIntegerField(null=True, blank=True)
    sale = models.ForeignKey(Sale, null=True, blank=True, on_delete=models.PROTECT)
    payment = models.ForeignKey(SalePayment, null=True, blank=True, on_delete=models.PROTECT)
    matched_by = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
