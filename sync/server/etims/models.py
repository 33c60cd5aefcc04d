"""Head office's eTIMS state: each branch's device and its one invoice sequence, the
queue of ledger documents to submit in order, and KRA's signatures (immutable, chained).

One :class:`BranchDevice` per store (a store is one KRA branch, ``bhfId``): its KRA PIN,
branch id and device serial, the device info KRA returned at initialisation, the cached
code lists and item registry, and ``last_invc_no``, the branch's counter, taken under a
row lock (``SELECT ... FOR UPDATE`` on PostgreSQL) so two workers never number alike.
The communication key is never in these rows in clear: it is an environment secret
(``KAUNTA_ETIMS_CMC_KEY_<PIN>_<BRANCH>``) or, as KRA returned it at initialisation, a
:class:`SealedSecret` (encrypted), see :mod:`sync.server.etims.store`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sync.etims.queue import EntryState
from sync.etims.settings import BRANCH_RE, PIN_RE
from sync.server.terminals.models import Store, Terminal

#: the state of a refund settled without a credit note (its sale was not a KRA invoice),
#: for head office's pages, which read the queue's states through this module
NO_CREDIT_NOTE = EntryState.NO_CREDIT_NOTE.value


def made_expression() -> Coalesce:
    """``made_at``, else ``enqueued_at``, in SQL: the oldest unsigned entry by when it was
    made (:attr:`QueueEntry.made`), for the queue's age and its alert."""
    return Coalesce("made_at", "enqueued_at")


def validate_kra_pin(value: str) -> None:
    """A KRA PIN as the till's :class:`~sync.etims.settings.Branch` takes it (its
    ``PIN_RE``, whole): a device saved with another would stop every round."""
    if not PIN_RE.fullmatch(value):
        raise ValidationError(
            _("%(value)s is not a KRA PIN (a letter, nine digits, a letter: like P051234567X)"),
            code="kra_pin",
            params={"value": value},
        )


def validate_branch_id(value: str) -> None:
    """A branch id (``bhfId``) as :class:`~sync.etims.settings.Branch` takes it (its
    ``BRANCH_RE``, whole): the two digits KRA assigned, never assumed ``00``."""
    if not BRANCH_RE.fullmatch(value):
        raise ValidationError(
            _("%(value)s is not a branch id: the two digits KRA assigned, like 00 or 01"),
            code="branch_id",
            params={"value": value},
        )


#: the fields that say which KRA branch a device is: its invoices, its counter and its
#: communication key (``etims.cmc_key.<PIN>.<branch>``) belong to them, so they are
#: frozen once the device is set up with KRA (the store alone while it holds queued sales)
IDENTITY_FIELDS = ("store", "tin", "bhf_id", "device_serial")


class BranchIdentityFrozen(ValidationError):
    """A change of a device's branch identity (:data:`IDENTITY_FIELDS`) once it is in use:
    refused by the model itself, not only by the admin's form."""


class BranchDevice(models.Model):
    store = models.OneToOneField(Store, on_delete=models.PROTECT, related_name="etims")
    tin = models.CharField(max_length=11, validators=[validate_kra_pin])
    bhf_id = models.CharField(max_length=2, validators=[validate_branch_id])
    #: KRA's ``dvcSrlNo``, up to 100 characters (reference 2.1), as ``Branch`` takes it
    device_serial = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    #: what selectInitOsdcInfo answered (sdcId, mrcNo, ...); the key is not kept here
    device = models.JSONField(null=True, blank=True)
    codes = models.JSONField(null=True, blank=True)
    items = models.JSONField(default=dict, blank=True)
    last_invc_no = models.BigIntegerField(default=0)
    #: the branch's results counter: each entry signed or refused gets the next one (under
    #: the branch's row lock, so a till's pull never skips one committed late)
    last_result_seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    #: when the worker's last round of this branch ended, and why it stopped early ("":
    #: it sent everything it could): what the dashboard shows of the link to KRA
    last_round_at = models.DateTimeField(null=True, blank=True)
    last_stopped = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["tin", "bhf_id"], name="etims_one_device_per_branch"),
        )

    @property
    def key(self) -> str:
        return f"{self.tin}-{self.bhf_id}"

    def __str__(self) -> str:
        return f"{self.store} {self.key}"

    def frozen_fields(self) -> tuple[str, ...]:
        """Which identity fields (:data:`IDENTITY_FIELDS`) of this device's stored row may
        no longer change (one query):

        - all four once it is set up with KRA (``device``), or has an invoice numbered or
          signed: they are what KRA, the chain (its links cover the branch key) and the
          counter know it by, and a change would move them to another branch;
        - ``store`` alone while it merely holds sales in its queue: moving the device
          would send one store's sales under another's branch (review r14c), while a PIN,
          branch id or serial typed wrong before the first set-up can still be put right
          (nothing of it has reached KRA; review r14e)."""
        if self.pk is None:
            return ()
        numbered = QueueEntry.objects.filter(branch=OuterRef("pk"), invc_no__isnull=False)
        queued = QueueEntry.objects.filter(branch=OuterRef("pk"))
        signed = SignedInvoice.objects.filter(branch=OuterRef("pk"))
        found = (
            BranchDevice.objects.filter(pk=self.pk)
            .annotate(
                known=Q(device__isnull=False) | Exists(numbered) | Exists(signed),
                holds=Exists(queued),
            )
            .values("known", "holds")
            .first()
        )
        if found is None:
            return ()
        if found["known"]:
            return IDENTITY_FIELDS
        return ("store",) if found["holds"] else ()

    def in_use(self) -> bool:
        """Whether any identity field is frozen (:meth:`frozen_fields`)."""
        return bool(self.frozen_fields())

    def identity_changes(self) -> list[str]:
        """The identity fields (:data:`IDENTITY_FIELDS`) this object changes from its
        stored row that :meth:`frozen_fields` keeps (empty: nothing refused)."""
        if self.pk is None:
            return []
        stored = (
            BranchDevice.objects.filter(pk=self.pk)
            .values("store_id", "tin", "bhf_id", "device_serial")
            .first()
        )
        if stored is None:
            return []
        changed = [
            name
            for name in IDENTITY_FIELDS
            if stored["store_id" if name == "store" else name]
            != getattr(self, "store_id" if name == "store" else name)
        ]
        if not changed:
            return []
        frozen = self.frozen_fields()
        return [name for name in changed if name in frozen]

    def _refuse_identity_change(self) -> None:
        changed = self.identity_changes()
        if changed:
            message = _(
                "cannot be changed: the device is set up with KRA or has sales in its queue "
                "(set up a new device for another branch)"
            )
            raise BranchIdentityFrozen(dict.fromkeys(changed, message))

    def clean(self) -> None:
        """Refuse a change of the branch identity of a device in use (the admin's form
        shows those fields read only then; this holds for every other writer too)."""
        super().clean()
        self._refuse_identity_change()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """As Django saves, but never a changed branch identity of a device in use
        (:class:`BranchIdentityFrozen`). A save of other fields alone (the counter's,
        every round: ``update_fields``) costs no check."""
        fields = kwargs.get("update_fields")
        if fields is None or set(fields) & {*IDENTITY_FIELDS, "store_id"}:
            self._refuse_identity_change()
        super().save(*args, **kwargs)


class QueueEntry(models.Model):
    """One ledger document (sale or refund) in its branch's queue, in order (``id``)."""

    branch = models.ForeignKey(BranchDevice, on_delete=models.PROTECT, related_name="entries")
    doc_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    body = models.JSONField()
    original_doc_id = models.CharField(max_length=64, null=True, blank=True)
    state = models.CharField(max_length=10, default="waiting", db_index=True)
    invc_no = models.BigIntegerField(null=True, blank=True)
    request = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    attempts = models.IntegerField(default=0)
    enqueued_at = models.DateTimeField()
    #: when the till made the sale or refund (its ``closed_at``): the queue's age and
    #: its alert count from here, not from the arrival, since a sale made offline 30 h
    #: ago is 30 h late for KRA however recently head office got it. Null on entries
    #: queued before this column (their arrival stands in, ``QueueEntry.made``).
    made_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    #: the till that made the document: its results pull gets KRA's answer
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: the branch's results counter when KRA's answer (signed or refused) was stored
    result_seq = models.BigIntegerField(null=True, blank=True)
    #: the customer page's token (``/r/<token>``, the provisional receipt's QR): an HMAC
    #: the till can compute too (``sync.etims.public``), so it prints before upload
    public_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["branch", "doc_id"], name="etims_doc_once"),
            models.UniqueConstraint(
                fields=["branch", "invc_no"],
                condition=models.Q(invc_no__isnull=False),
                name="etims_number_once",
            ),
        )
        indexes = (
            models.Index(fields=["branch", "state", "id"]),
            models.Index(fields=["terminal", "result_seq"], name="etims_results_of_terminal"),
        )

    @property
    def made(self) -> datetime:
        """When the sale or refund was made (its arrival for an entry queued before
        ``made_at`` was kept): what the queue's age counts from."""
        return self.made_at or self.enqueued_at


class SignedInvoice(models.Model):
    """KRA's signature of one entry: never changed (the admin shows it read-only), each
    chained to the one before in its branch by HMAC-SHA256 under a key kept outside the
    database (``store.chain_key``), like the till's journal."""

    branch = models.ForeignKey(BranchDevice, on_delete=models.PROTECT, related_name="signed")
    entry = models.OneToOneField(QueueEntry, on_delete=models.PROTECT, related_name="signed")
    invc_no = models.BigIntegerField()
    signature = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["branch", "invc_no"], name="etims_signed_once"),
        )


class ChainCheckpoint(models.Model):
    """Where the worker's incremental check of a branch's signed-invoice chain got to:
    the last row whose link held (so the next check reads only later rows) and, once a
    link did not hold, the invoice number where it broke. The finding stays until a full
    ``kaunta-hq etims verify`` finds the chain whole again (it is evidence)."""

    branch = models.OneToOneField(BranchDevice, on_delete=models.PROTECT, related_name="chain")
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    broken_invc_no = models.BigIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    #: the last check of every row (the worker's daily one, or a ``verify``): what finds
    #: an older signature deleted, which the incremental check cannot see
    full_checked_at = models.DateTimeField(null=True, blank=True)


class ChainUpgrade(models.Model):
    """The one-time re-chaining of a branch's old unkeyed (SHA-256) chain under the key:
    when, by whom (the OS user running the command, or the worker), how many rows.
    A branch is re-chained once only: a later unkeyed chain is a forgery, not an old one.
    The row with no branch marks the step as run for the whole head office, written even
    when there was no branch to upgrade (a new install): without it the step would run
    again at a later start and re-chain an unkeyed forgery of a branch added since."""

    branch = models.OneToOneField(
        BranchDevice, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    rows = models.IntegerField()
    #: the old chain did not hold: nothing was re-chained, the branch is reported broken
    refused = models.BooleanField(default=False)
    by = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)


class QueueAction(models.Model):
    """A head-office person's action on a queue entry, kept as evidence (the admin shows
    it read-only; nothing deletes it): who put a refused entry back in the queue, when,
    what KRA had said, and what they fixed. Written in the same transaction as the
    change it records."""

    PUT_BACK = "put_back"

    entry = models.ForeignKey(QueueEntry, on_delete=models.PROTECT, related_name="actions")
    action = models.CharField(max_length=16, default=PUT_BACK)
    #: the person; their name is kept as well, so the record outlives the account
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    #: KRA's reason when the entry was put back (the entry's own reason changes later)
    kra_reason = models.CharField(max_length=500, blank=True, default="")
    #: what the person says they fixed
    note = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = (models.Index(fields=["entry", "at"]),)


class SealedSecret(models.Model):
    """A secret head office must keep across restarts (the communication key KRA gives
    once per device at initialisation; an optional GavaConnect token), encrypted at rest
    with Fernet under a key from the environment (``KAUNTA_HQ_ETIMS_SECRET_KEY``, else
    derived from ``KAUNTA_HQ_SECRET_KEY``): a database dump alone does not reveal it.
    ``name`` is the secret's name (``etims.cmc_key.<PIN>.<branch>``); the admin does not
    show this table."""

    name = models.CharField(max_length=120, unique=True)
    #: the Fernet token of the value (never the value)
    sealed = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
