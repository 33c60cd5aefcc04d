"""Organisations, stores (with their tax identity), terminals, enrollment codes, and each
terminal's audit-chain head as reported with every batch."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

ID_VALIDATOR_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


def digest(secret: str) -> str:
    """How a token or one-time code is kept: its SHA-256 (the secret itself never is).

    Both are 128+ bit random strings, so a plain hash is as strong as a slow one here."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """A shop; ``code`` is the protocol's ``store_id``."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kra_pin = models.CharField("KRA PIN", max_length=20, blank=True)
    etims_branch = models.CharField("eTIMS branch id", max_length=10, blank=True)
    address = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, default="KES")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def identity(self) -> dict[str, str]:
        """What a newly enrolled terminal is told about its store."""
        return {
            "code": self.code,
            "name": self.name,
            "kra_pin": self.kra_pin,
            "etims_branch": self.etims_branch,
            "address": self.address,
            "currency": self.currency,
        }


class ChainState(models.TextChoices):
    """ok; backwards: a lower seq than before; rewritten: a seq seen before, other hash."""

    OK = "ok"
    BACKWARDS = "backwards"
    REWRITTEN = "rewritten"


class Terminal(models.Model):
    """A till enrolled at a store; ``code`` is the protocol's ``terminal_id``."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="terminals")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat = models.JSONField(default=dict, blank=True)
    chain_seq = models.BigIntegerField(null=True, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    chain_state = models.CharField(max_length=12, choices=ChainState, default=ChainState.OK)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["store", "code"], name="terminal_code_per_store"),
        )

    def __str__(self) -> str:
        return f"{self.store.code}/{self.code}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class EnrollmentCode(models.Model):
    """A one-time code made at head office; a till trades it for its identity and token."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="enrollment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    made_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    terminal = models.OneToOneField(Terminal, null=True, blank=True, on_delete=models.SET_NULL)

    @classmethod
    def make(cls, store: Store, *, hours: int = 24) -> tuple[EnrollmentCode, str]:
        """A new code for ``store``; returns the row and the code (shown once, never kept)."""
        raw = secrets.token_hex(8).upper()
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        row = cls.objects.create(
            store=store,
            code_hash=digest(code),
            expires_at=timezone.now() + timedelta(hours=hours),
        )
        return row, code


class ChainReport(models.Model):
    """One audit-chain head as a batch reported it (the history the checks read)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="chain_reports")
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=ChainState, default=ChainState.OK)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = (models.Index(fields=["terminal", "seq"]),)
