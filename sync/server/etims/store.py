"""The branch queue in head office's database: :class:`DjangoQueue` is the
:class:`~sync.etims.queue.QueueStore` the pure ``Submitter`` drains, so the till's
standalone queue (``SqliteQueue``) and head office share every rule of numbering,
look-up-before-resend and parking; only the storage differs.

Every method is one transaction. A number is taken with the branch's row locked
(``select_for_update``: ``SELECT ... FOR UPDATE`` on PostgreSQL, the database lock on
SQLite), so two workers of one branch never give KRA the same ``invcNo``; the unique
constraint (branch, invc_no) is the last guard. One round drains a branch at a time
(:meth:`DjangoQueue.drain_lock`: a PostgreSQL advisory lock, or on SQLite an OS lock on
a file beside the database; both go with the holder's connection or process). Signatures
are written once, chained by SHA-256 to the branch's previous one (the same chain as the
till's, ``chain_hash``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils import timezone

from sync.etims import words
from sync.etims.client import encode
from sync.etims.models import EtimsError, Signature
from sync.etims.queue import Contended, Entry, EntryKind, EntryState, QueueStats, QueueStore
from sync.etims.queue_sqlite import GENESIS, chain_hash, file_lock
from sync.server.etims.models import (
    BranchDevice,
    ChainUpgrade,
    QueueEntry,
    SealedSecret,
    SignedInvoice,
    made_expression,
)

__all__ = [
    "DjangoQueue",
    "EnvironmentSecrets",
    "HeadOfficeSecrets",
    "SecretUnreadable",
    "seal_key",
]

log = logging.getLogger("kaunta.hq.etims")


#: a Fernet key (``Fernet.generate_key()``) sealing head office's eTIMS secrets; without
#: it, one is derived from ``KAUNTA_HQ_SECRET_KEY`` (Django's ``SECRET_KEY``)
SEAL_KEY_VARIABLE = "KAUNTA_HQ_ETIMS_SECRET_KEY"


class SecretUnreadable(EtimsError):
    """A sealed secret is in the database but this key cannot open it (the sealing key
    changed): nothing is overwritten; restore the key the secret was sealed with."""


def seal_key(env: Mapping[str, str] | None = None) -> bytes:
    """The Fernet key sealing the secrets: ``KAUNTA_HQ_ETIMS_SECRET_KEY`` as given, or
    HKDF-SHA256 of Django's ``SECRET_KEY`` (so a head office with its usual secret needs
    no new one; rotating that secret then needs the old one kept here)."""
    env = os.environ if env is None else env
    given = env.get(SEAL_KEY_VARIABLE, "").strip()
    if given:
        return given.encode("ascii")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from django.conf import settings

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kaunta-hq-etims-secrets"
    ).derive(str(settings.SECRET_KEY).encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


#: the HKDF label of the signed invoices' chain key: distinct from the sealing key's, so
#: neither key's output ever serves as the other
CHAIN_KEY_LABEL = b"kaunta-hq-etims-chain"


def chain_key(env: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key of head office's signed-invoice chain: HKDF-SHA256 of the sealing key
    (:func:`seal_key`, itself from the environment) under :data:`CHAIN_KEY_LABEL`. Kept
    outside the database, so someone with database access alone cannot recompute the
    chain after rewriting a signature; a training head office with no configuration
    derives it from Django's ``SECRET_KEY`` like the sealing key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CHAIN_KEY_LABEL).derive(
        seal_key(env)
    )


def keyed_chain_hash(key: bytes, prev_hash: str, branch: str, signature: Signature) -> str:
    """Head office's link: HMAC-SHA256 under :func:`chain_key` over the same record the
    till's unkeyed :func:`chain_hash` covers (the previous hash and the signed record)."""
    record = json.dumps({"branch": branch, **signature.to_json()}, sort_keys=True)
    return hmac.new(key, f"{prev_hash}|{record}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What a walk of one branch's signed-invoice chain found: the last row that held
    (id and hash: the checkpoint of the next walk), the rows read, the invoice number of
    the first link that did not hold (``link_broken``, ``None``: every link holds), and
    the invoices the queue calls signed whose signature row is gone (``gone``: deleted
    with the triggers dropped; deleting the newest leaves every link that remains
    whole, so the walk alone would not see it)."""

    branch: str
    last_id: int
    last_hash: str
    read: int
    link_broken: int | None = None
    gone: tuple[int, ...] = ()

    @property
    def broken_invc_no(self) -> int | None:
        """The first invoice number where the evidence does not hold, of either kind
        (``None``: the chain holds and no signature is missing): what the checkpoint,
        the gauge and the dashboard's tag show."""
        found = [n for n in (self.link_broken, *self.gone) if n is not None]
        return min(found) if found else None


class HeadOfficeSecrets:
    """The communication key (and the optional Bearer token) as head office keeps them.

    Read from the environment first, ``KAUNTA_ETIMS_CMC_KEY_<PIN>_<BRANCH>`` (a secret
    manager or the service's unit file may hold it), then from the database, where a key
    KRA returns at initialisation is stored sealed (:class:`SealedSecret`, Fernet under
    :func:`seal_key`): every worker, and the next worker after a restart, reads it there,
    so a re-initialisation (which KRA answers 902 without the key) is never needed. The
    value is never logged nor put in an error message."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env
        #: values read or written by this object: the key is asked for on every call to
        #: KRA, so it is decrypted once, not per request (absent ones are asked again)
        self._known: dict[str, str] = {}

    @staticmethod
    def variable(name: str) -> str:
        return "KAUNTA_" + name.upper().replace(".", "_").replace("-", "_")

    def _fernet(self) -> Any:
        from cryptography.fernet import Fernet

        return Fernet(seal_key(self._env))

    def get(self, name: str) -> str | None:
        from_env = self._env.get(self.variable(name))
        if from_env:
            return from_env
        if name in self._known:
            return self._known[name]
        row = SealedSecret.objects.filter(name=name).first()
        if row is None:
            return None
        from cryptography.fernet import InvalidToken

        try:
            value = str(self._fernet().decrypt(row.sealed.encode("ascii")).decode("utf-8"))
            self._known[name] = value
            return value
        except InvalidToken:
            raise SecretUnreadable(
                f"the stored secret {name} cannot be decrypted with this head office's key "
                f"({SEAL_KEY_VARIABLE} or KAUNTA_HQ_SECRET_KEY changed): restore the key it "
                f"was sealed with, or set {self.variable(name)}"
            ) from None

    def set(self, name: str, value: str) -> None:
        sealed = self._fernet().encrypt(value.encode("utf-8")).decode("ascii")
        SealedSecret.objects.update_or_create(
            name=name, defaults={"sealed": sealed, "updated_at": timezone.now()}
        )
        self._known[name] = value
        log.info("eTIMS: KRA gave %s; stored sealed in the database", name)


#: the former name (the environment is still read first)
EnvironmentSecrets = HeadOfficeSecrets


class DjangoQueue(QueueStore):
    """Head office's branch queues (branch key ``<PIN>-<bhfId>``)."""

    @staticmethod
    def _device(branch: str, *, lock: bool = False) -> BranchDevice:
        tin, _, bhf = branch.partition("-")
        qs = BranchDevice.objects.select_for_update() if lock else BranchDevice.objects
        return qs.get(tin=tin, bhf_id=bhf)

    @staticmethod
    def _entry(row: QueueEntry, branch: str) -> Entry:
        signed = getattr(row, "signed", None) if hasattr(row, "signed") else None
        return Entry(
            position=row.id,
            branch=branch,
            doc_id=row.doc_id,
            kind=EntryKind(row.kind),
            body=dict(row.body),
            original_doc_id=row.original_doc_id,
            state=EntryState(row.state),
            invc_no=row.invc_no,
            request=row.request,
            signature=None if signed is None else Signature.from_json(signed.signature),
            reason=row.reason,
            attempts=row.attempts,
            enqueued_at=row.enqueued_at,
        )

    @contextmanager
    def drain_lock(self, branch: str) -> Iterator[bool]:
        """One round drains ``branch`` at a time, across worker processes and machines:
        on PostgreSQL a session advisory lock (``pg_try_advisory_lock``), on SQLite an
        OS lock on ``<database>.etims-<branch>.drain``; either is dropped with the
        holder's connection or process, so a killed worker never blocks the branch."""
        if connection.vendor == "postgresql":
            digest = hashlib.sha256(f"kaunta-etims-drain|{branch}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                mine = bool(cursor.fetchone()[0])
            if not mine:
                yield False
                return
            try:
                yield True
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            return
        name = str(connection.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or name.startswith("file:"):
            yield True  # a database of this process alone: no other round can see it
            return
        database = Path(name)
        with file_lock(database.with_name(f"{database.name}.etims-{branch}.drain")) as mine:
            yield mine

    def _rows(self, branch: str) -> Any:
        tin, _, bhf = branch.partition("-")
        return (
            QueueEntry.objects.filter(branch__tin=tin, branch__bhf_id=bhf)
            .select_related("signed")
            .order_by("id")
        )

    # -- reading ---------------------------------------------------------------------
    def head(self, branch: str) -> Entry | None:
        rows = self._rows(branch)
        row = rows.filter(state="in_doubt").first() or rows.filter(state="waiting").first()
        return None if row is None else self._entry(row, branch)

    def get(self, branch: str, doc_id: str) -> Entry | None:
        row = self._rows(branch).filter(doc_id=doc_id).first()
        return None if row is None else self._entry(row, branch)

    def waiting(self, branch: str, limit: int) -> list[Entry]:
        return [self._entry(r, branch) for r in self._rows(branch).filter(state="waiting")[:limit]]

    def entries(self, branch: str, states: tuple[EntryState, ...]) -> list[Entry]:
        rows = self._rows(branch).filter(state__in=[s.value for s in states])
        return [self._entry(r, branch) for r in rows]

    def credit_notes_of(self, branch: str, original_doc_id: str) -> list[Entry]:
        rows = self._rows(branch).filter(
            original_doc_id=original_doc_id, state__in=("signed", "in_doubt")
        )
        return [self._entry(r, branch) for r in rows]

    def stats(self, branch: str, now: datetime, alert_after: timedelta) -> QueueStats:
        rows = self._rows(branch).order_by()
        counts = {r["state"]: r["n"] for r in rows.values("state").annotate(n=Count("id"))}
        # a refund settled without a credit note owes KRA nothing: not in the alert
        settled = ("signed", EntryState.NO_CREDIT_NOTE.value)
        oldest = rows.exclude(state__in=settled).aggregate(m=Min(made_expression()))["m"]
        return QueueStats(
            waiting=counts.get("waiting", 0),
            in_doubt=counts.get("in_doubt", 0),
            signed=counts.get("signed", 0),
            parked=counts.get("parked", 0),
            oldest_unsigned=oldest,
            alert_after=alert_after,
            now=now,
            no_credit_note=counts.get(EntryState.NO_CREDIT_NOTE.value, 0),
        )

    def verify_chain(self, branch: str) -> bool:
        """Every signature of ``branch`` chains to the one before it under the key, and
        every entry the queue calls signed still has its signature."""
        return self.check_chain(branch).broken_invc_no is None

    def check_chain(
        self, branch: str, *, after: tuple[int, str] | None = None, key: bytes | None = None
    ) -> ChainCheck:
        """Walk ``branch``'s signed invoices from ``after`` (a checkpoint: a row id and its
        hash already verified; the start when ``None``): only later rows are read, so a
        periodic check costs the new rows only. Stops at the first link that does not
        hold under the key and names its invoice number.

        Then the signatures gone (:meth:`signatures_gone`): from the start on a full
        walk; on a walk from a checkpoint, those numbered after the checkpoint's row,
        which must itself still be there as it was checked (rewritten since: a break at
        its number; deleted, as the newest row can be after its check: every signed
        entry is looked at, which finds it)."""
        key = chain_key() if key is None else key
        device = self._device(branch)
        since: int | None = None
        broken: int | None = None
        if after is not None and after[0]:
            anchor = (
                SignedInvoice.objects.filter(branch=device, id=after[0])
                .values_list("invc_no", "hash")
                .first()
            )
            if anchor is not None and anchor[1] == after[1]:
                since = int(anchor[0])
            elif anchor is not None:
                broken = int(anchor[0])  # the checked row was rewritten since
        last_id, prev = (0, GENESIS) if after is None else after
        rows = SignedInvoice.objects.filter(branch=device, id__gt=last_id).order_by("id")
        read = 0
        for row in rows.iterator():
            read += 1
            sig = Signature.from_json(row.signature)
            if row.prev_hash != prev or keyed_chain_hash(key, prev, branch, sig) != row.hash:
                broken = row.invc_no if broken is None else min(broken, row.invc_no)
                break
            last_id, prev = row.id, row.hash
        gone = self.signatures_gone(branch, after_invc_no=since, device=device)
        return ChainCheck(branch, last_id, prev, read, link_broken=broken, gone=gone)

    def signatures_gone(
        self,
        branch: str,
        *,
        after_invc_no: int | None = None,
        device: BranchDevice | None = None,
    ) -> tuple[int, ...]:
        """The invoice numbers of ``branch``'s entries the queue calls signed that have
        no signature row (the till's ``chain_check`` finds the same in its file: "signed
        in the queue, but its signature is gone"), in number order; only those numbered
        after ``after_invc_no`` when given. One anti-join on the (branch, invoice)
        unique indexes of both tables."""
        device = self._device(branch) if device is None else device
        rows = QueueEntry.objects.filter(
            branch=device, state=EntryState.SIGNED.value, invc_no__isnull=False
        )
        if after_invc_no is not None:
            rows = rows.filter(invc_no__gt=after_invc_no)
        kept = SignedInvoice.objects.filter(branch=device, invc_no=OuterRef("invc_no"))
        numbers = rows.exclude(Exists(kept)).order_by("invc_no").values_list("invc_no", flat=True)
        return tuple(int(n) for n in numbers)

    def upgrade_chains(self, by: str, key: bytes | None = None) -> dict[str, int | None]:
        """The one-time upgrade of chains written unkeyed (SHA-256, before the key) to the
        keyed chain, run once for the whole head office (the worker at start, or
        ``kaunta-hq etims verify --upgrade``): a branch whose chain already holds under
        the key is left; one whose old chain holds is re-chained in one transaction with
        the triggers dropped and re-installed around the update; one whose old chain does
        not hold is left as it is (evidence) and reported. Each branch's outcome is
        recorded (:class:`ChainUpgrade`, who, when, how many). Never again once recorded:
        an unkeyed chain written after that is a forgery, not an old chain. Returns the
        rows re-chained per branch (``None``: refused, broken)."""
        from sync.server.etims import immutable

        key = chain_key() if key is None else key
        done: dict[str, int | None] = {}
        with transaction.atomic():
            if ChainUpgrade.objects.select_for_update().exists():
                return done
            dropped = False
            for device in BranchDevice.objects.order_by("id"):
                branch = device.key
                if self.check_chain(branch, key=key).link_broken is None:
                    ChainUpgrade.objects.create(branch=device, rows=0, by=by)
                    continue
                rows = list(SignedInvoice.objects.filter(branch=device).order_by("id"))
                prev, whole = GENESIS, True
                for row in rows:
                    sig = Signature.from_json(row.signature)
                    if row.prev_hash != prev or chain_hash(prev, branch, sig) != row.hash:
                        whole = False
                        break
                    prev = row.hash
                if not whole:
                    ChainUpgrade.objects.create(branch=device, rows=0, refused=True, by=by)
                    log.error("eTIMS chain of %s does not hold: not re-chained", branch)
                    done[branch] = None
                    continue
                if not dropped:
                    immutable.drop(connection)
                    dropped = True
                prev = GENESIS
                for row in rows:
                    new = keyed_chain_hash(key, prev, branch, Signature.from_json(row.signature))
                    SignedInvoice.objects.filter(id=row.id).update(prev_hash=prev, hash=new)
                    prev = new
                ChainUpgrade.objects.create(branch=device, rows=len(rows), by=by)
                log.warning("eTIMS chain of %s re-chained keyed: %d signatures", branch, len(rows))
                done[branch] = len(rows)
            if dropped:
                immutable.install(connection)
            # the step has run, whether or not there was a branch to upgrade
            ChainUpgrade.objects.create(branch=None, rows=0, by=by)
        return done

    # -- writing ---------------------------------------------------------------------
    def enqueue(
        self,
        branch: str,
        doc_id: str,
        kind: EntryKind,
        body: Mapping[str, Any],
        now: datetime,
        original_doc_id: str | None = None,
    ) -> int:
        with transaction.atomic():
            device = self._device(branch, lock=True)
            row, _ = QueueEntry.objects.get_or_create(
                branch=device,
                doc_id=doc_id,
                defaults={
                    "kind": kind.value,
                    "body": json.loads(json.dumps(body)),
                    "original_doc_id": original_doc_id,
                    "enqueued_at": now,
                    "made_at": _made_at(body),
                    "updated_at": now,
                },
            )
            return int(row.id)

    def claim_numbers(
        self,
        branch: str,
        builds: list[tuple[int, Callable[[int], dict[str, Any]]]],
        now: datetime,
        signed: list[tuple[int, Signature]] = [],  # noqa: B006 - never mutated
    ) -> list[Entry]:
        positions = [p for p, _ in builds]
        with transaction.atomic():
            device = self._device(branch, lock=True)  # the branch's counter, locked
            self._sign_all(device, branch, signed, now)
            # the batch's rows in one locked read and one write (a query or two a sale
            # before: the cost of a backlog after an outage, docs/etims.md)
            rows = {
                r.id: r
                for r in QueueEntry.objects.select_for_update().filter(
                    branch=device, id__in=positions
                )
            }
            claimed: list[QueueEntry] = []
            for position, build in builds:
                row = rows.get(position)
                if row is None:
                    raise QueueEntry.DoesNotExist(f"queue entry {position} is not in {branch}")
                if row.state != EntryState.WAITING.value or row.invc_no is not None:
                    raise Contended(f"queue entry {position} is {row.state}, not waiting")
                number = device.last_invc_no + 1
                row.request = json.loads(encode(build(number)))
                row.invc_no = number
                row.state = EntryState.IN_DOUBT.value
                row.updated_at = now
                claimed.append(row)
                device.last_invc_no = number
            QueueEntry.objects.bulk_update(
                claimed, ["request", "invc_no", "state", "updated_at"], batch_size=500
            )
            device.save(update_fields=["last_invc_no"])
        fresh = {r.id: r for r in self._rows(branch).filter(id__in=positions)}
        return [self._entry(fresh[p], branch) for p in positions]

    def settle(
        self,
        branch: str,
        now: datetime,
        *,
        signed: list[tuple[int, Signature]] = [],  # noqa: B006
        park: tuple[int, str] | None = None,
        note: tuple[int, str] | None = None,
        release: list[int] = [],  # noqa: B006
    ) -> None:
        with transaction.atomic():
            device = self._device(branch, lock=True)
            self._sign_all(device, branch, signed, now)
            if release:
                QueueEntry.objects.filter(
                    branch=device, id__in=release, state=EntryState.IN_DOUBT.value
                ).update(state="waiting", invc_no=None, request=None, updated_at=now)
            if park is not None:
                row = QueueEntry.objects.get(branch=device, id=park[0])
                row.state, row.invc_no, row.request = "parked", None, None
                row.reason, row.attempts, row.updated_at = park[1][:500], row.attempts + 1, now
                row.result_seq = _next_result(device)  # the till is told the reason
                row.save()
            if note is not None:
                row = QueueEntry.objects.get(branch=device, id=note[0])
                row.reason, row.attempts, row.updated_at = note[1][:500], row.attempts + 1, now
                row.save()
            if park is not None or release:
                # back down to the highest number still held: nothing is numbered past an
                # unresolved entry, so what was given back is the top
                top = QueueEntry.objects.filter(branch=device).aggregate(m=Max("invc_no"))["m"]
                device.last_invc_no = int(top or 0)
                device.save(update_fields=["last_invc_no"])

    def _sign_all(
        self,
        device: BranchDevice,
        branch: str,
        signed: list[tuple[int, Signature]],
        now: datetime,
    ) -> None:
        """Keep KRA's signatures of a batch, chained in order, and mark their entries
        signed; the caller holds the branch row's lock, so the chain's head and the
        results numbers cannot move under it. A handful of queries a batch, not a
        handful a sale."""
        if not signed:
            return
        known = {
            k.invc_no: k
            for k in SignedInvoice.objects.filter(
                branch=device, invc_no__in=[sig.invc_no for _, sig in signed]
            )
        }
        entries = {
            e.id: e for e in QueueEntry.objects.filter(branch=device, id__in=[p for p, _ in signed])
        }
        last = SignedInvoice.objects.filter(branch=device).order_by("-id").only("hash").first()
        prev = GENESIS if last is None else last.hash
        key = chain_key()
        new_rows: list[SignedInvoice] = []
        changed: list[QueueEntry] = []
        for position, signature in signed:
            stored = known.get(signature.invc_no)
            if stored is not None and stored.entry_id != position:
                raise ValueError(
                    f"invoice {signature.invc_no} is already signed for entry {stored.entry_id}"
                )
            entry = entries.get(position)
            if entry is None:
                raise QueueEntry.DoesNotExist(f"queue entry {position} is not in {branch}")
            if stored is None:
                link = keyed_chain_hash(key, prev, branch, signature)
                stored = SignedInvoice(
                    branch=device,
                    entry=entry,
                    invc_no=signature.invc_no,
                    signature=signature.to_json(),
                    prev_hash=prev,
                    hash=link,
                    signed_at=now,
                )
                new_rows.append(stored)
                known[signature.invc_no] = stored
                prev = link
            # stored before or now: the entry holding that number is signed, whatever
            # left it in doubt (a look-up answering what was stored already); a reason
            # saying its number was skipped past KRA's is kept for the manager, any other
            # goes
            if entry.invc_no == signature.invc_no and entry.state != "signed":
                kept = entry.reason if entry.reason.startswith(words.NUMBERS_TAKEN) else ""
                entry.state, entry.reason, entry.updated_at = "signed", kept, now
                device.last_result_seq += 1  # the till's pull gets the block, in order
                entry.result_seq = device.last_result_seq
                changed.append(entry)
        SignedInvoice.objects.bulk_create(new_rows, batch_size=500)
        if changed:
            QueueEntry.objects.bulk_update(
                changed, ["state", "reason", "updated_at", "result_seq"], batch_size=500
            )
            BranchDevice.objects.filter(pk=device.pk).update(last_result_seq=device.last_result_seq)

    # -- the counter against KRA's -------------------------------------------------------
    def last_number(self, branch: str) -> int:
        return int(self._device(branch).last_invc_no)

    def needs_probe(self, branch: str) -> bool:
        """True when this process has not checked the branch's counter against KRA's, or
        the counter went back since it last looked (a database restored under a running
        worker): the ``Submitter`` then asks KRA about the next number before it numbers
        a sale (``Submitter._probe``, the till's check). A head office database put back
        from a backup does not know the numbers KRA signed after it, and a mark kept in
        the database would come back with it, so the mark is this process's: a worker
        started after a restore probes each branch once, before its first number."""
        device = self._device(branch)
        key = _probe_key(branch, device)
        with _PROBED_LOCK:
            seen = _PROBED.get(key)
            if seen is None or device.last_invc_no < seen:
                return True
            _PROBED[key] = int(device.last_invc_no)
        return False

    def mark_probed(self, branch: str, now: datetime) -> None:
        device = self._device(branch)
        with _PROBED_LOCK:
            _PROBED[_probe_key(branch, device)] = int(device.last_invc_no)
        log.info("eTIMS branch %s: counter checked against KRA's at %s", branch, now)

    def renumber(
        self,
        branch: str,
        position: int,
        invc_no: int,
        build: Callable[[int], dict[str, Any]],
        now: datetime,
        reason: str,
    ) -> Entry:
        with transaction.atomic():
            device = self._device(branch, lock=True)
            row = QueueEntry.objects.select_for_update().filter(id=position, branch=device).first()
            if row is None or row.state != EntryState.IN_DOUBT.value:
                raise Contended(f"queue entry {position} is not in doubt")
            row.request = json.loads(encode(build(invc_no)))
            row.invc_no, row.reason, row.updated_at = invc_no, reason[:500], now
            row.save(update_fields=["request", "invc_no", "reason", "updated_at"])
            if invc_no > device.last_invc_no:
                device.last_invc_no = invc_no
                device.save(update_fields=["last_invc_no"])
        return self._entry(self._rows(branch).get(id=position), branch)

    def advance_counter(self, branch: str, last: int, now: datetime) -> None:
        with transaction.atomic():
            device = self._device(branch, lock=True)
            if last > device.last_invc_no:
                device.last_invc_no = last
                device.save(update_fields=["last_invc_no"])

    def remark(self, branch: str, position: int, reason: str, now: datetime) -> None:
        QueueEntry.objects.filter(id=position, branch=self._device(branch)).update(
            reason=reason[:500], updated_at=now
        )

    def settle_no_credit_note(self, branch: str, position: int, reason: str, now: datetime) -> None:
        # a results number as a refusal gets one: the till's pull lists it (``no_credit``)
        # and the till's receipt stops promising a tax document that never comes
        with transaction.atomic():
            device = self._device(branch, lock=True)
            waiting = QueueEntry.objects.filter(
                branch=device, id=position, state="waiting", invc_no__isnull=True
            )
            if waiting.exists():
                waiting.update(
                    state=EntryState.NO_CREDIT_NOTE.value,
                    reason=reason[:500],
                    updated_at=now,
                    result_seq=_next_result(device),
                )

    def unpark(self, branch: str, position: int, now: datetime) -> None:
        with transaction.atomic():
            device = self._device(branch, lock=True)
            if QueueEntry.objects.filter(branch=device, id=position, state="parked").exists():
                # the till's queue screen learns that it waits again
                QueueEntry.objects.filter(branch=device, id=position).update(
                    state="waiting", updated_at=now, result_seq=_next_result(device)
                )


def _made_at(body: Mapping[str, Any]) -> datetime | None:
    """The document's ``closed_at`` (a sale's or a refund's, checked when the ledger took
    it), or None when it has none readable (its arrival then counts)."""
    value = body.get("closed_at")
    if not isinstance(value, str):
        return None
    try:
        made = datetime.fromisoformat(value)
    except ValueError:
        return None
    return made if made.tzinfo is not None else None


#: what this process saw of each branch's counter when it last checked it against KRA's
#: (``DjangoQueue.needs_probe``), keyed by database, branch and device row
_PROBED: dict[tuple[str, str, int, str], int] = {}
_PROBED_LOCK = threading.Lock()


def _probe_key(branch: str, device: BranchDevice) -> tuple[str, str, int, str]:
    """The probe mark's key: the database (two head offices in one process, as the tests
    run them), the branch and the device row (a device set up again is another row)."""
    name = str(connection.settings_dict.get("NAME") or "")
    return (name, branch, int(device.pk), device.created_at.isoformat())


def _next_result(device: BranchDevice) -> int:
    """The branch's next results number; the caller holds the branch row's lock, so
    numbers are committed in order and a till's pull (``after=N``) never skips one."""
    device.last_result_seq += 1
    BranchDevice.objects.filter(pk=device.pk).update(last_result_seq=device.last_result_seq)
    return device.last_result_seq
