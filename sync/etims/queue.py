"""The branch's submission queue: what owns the one gap-free ``invcNo`` sequence.

Every sale and refund of a branch (from any of its tills) is queued in order and
submitted in that order. The rules (reference section 5) that keep a number from being
lost or used twice:

* a number is taken (and the request built with it) in the storage's own transaction
  *before* the request is sent, so a crash after sending leaves the number on its entry;
* an entry holding a number whose fate is unknown (timeout, lost reply, unreadable
  reply, 994, a crash) is the head of the queue until it is resolved: the sender first
  asks ``selectInvoiceDetails``, takes KRA's signature if KRA has it, and otherwise resends
  the *same* request with the *same* number; nothing behind it is numbered meanwhile;
* a clean refusal (any other non-000 code) gives the number back (it is the latest one,
  so the sequence stays gap-free) and parks the entry with KRA's reason for the manager;
  it is never retried blindly: :meth:`QueueStore.unpark` puts it back after a fix;
* a refused connection changes nothing: the number stays and the next try looks it up.

:class:`QueueStore` is the storage interface (SQLite: :mod:`sync.etims.queue_sqlite`;
the head office brings its own); :class:`Submitter` is the logic, shared by both.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sync.etims.amounts import MappingError
from sync.etims.client import EtimsRejected, OscuClient, TransportError
from sync.etims.codes import ResultKind
from sync.etims.credit import check_credit
from sync.etims.mapping import Registrar, credit_note, sale_invoice
from sync.etims.models import RegisteredItem, Signature
from sync.etims.settings import EtimsSettings
from sync.protocol.envelope import PROTOCOL_VERSION, EventType, Header
from sync.protocol.errors import ProtocolError
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import SaleBody

log = logging.getLogger(__name__)


class Contended(Exception):
    """Another sender of the branch got to this entry first; look at the queue again."""


class EntryKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"


class EntryState(StrEnum):
    WAITING = "waiting"  #: not numbered yet
    IN_DOUBT = "in_doubt"  #: numbered, sent or about to be; KRA's answer not yet known
    SIGNED = "signed"  #: KRA's signature stored
    PARKED = "parked"  #: refused; waits for the manager (number given back)


@dataclass(frozen=True, slots=True)
class Entry:
    """One queued document. ``body`` is the protocol body (``sale.completed`` or
    ``refund.completed``) as JSON; ``request`` the invoice sent under ``invc_no``."""

    position: int
    branch: str
    doc_id: str
    kind: EntryKind
    body: dict[str, Any]
    original_doc_id: str | None
    state: EntryState
    invc_no: int | None
    request: dict[str, Any] | None
    signature: Signature | None
    reason: str
    attempts: int
    enqueued_at: datetime


@dataclass(frozen=True, slots=True)
class QueueStats:
    """What the manager's queue screen shows."""

    waiting: int
    in_doubt: int
    signed: int
    parked: int
    oldest_unsigned: datetime | None
    alert_after: timedelta
    now: datetime

    @property
    def oldest_age(self) -> timedelta | None:
        return None if self.oldest_unsigned is None else self.now - self.oldest_unsigned

    @property
    def alert(self) -> bool:
        """The queue holds a sale older than the limit (24 h by default)."""
        age = self.oldest_age
        return age is not None and age > self.alert_after


class QueueStore(abc.ABC):
    """Durable storage of one or more branches' queues. Every method is one transaction;
    :meth:`claim_number` must be atomic against every other writer of the branch."""

    @abc.abstractmethod
    def enqueue(
        self,
        branch: str,
        doc_id: str,
        kind: EntryKind,
        body: Mapping[str, Any],
        now: datetime,
        original_doc_id: str | None = None,
    ) -> int:
        """Append a document (again: nothing, same position); returns its position."""

    @abc.abstractmethod
    def head(self, branch: str) -> Entry | None:
        """The first entry in order that is waiting or in doubt."""

    @abc.abstractmethod
    def get(self, branch: str, doc_id: str) -> Entry | None: ...

    @abc.abstractmethod
    def claim_number(
        self, branch: str, position: int, build: Callable[[int], dict[str, Any]], now: datetime
    ) -> Entry:
        """Take the branch's next number for a waiting entry, build its request with it
        and store both (state in doubt), in one transaction. ``build`` may raise
        :class:`MappingError`: then nothing is taken. Raises :class:`Contended` when the
        entry is no longer waiting (another sender numbered it)."""

    @abc.abstractmethod
    def mark_signed(self, branch: str, position: int, signature: Signature, now: datetime) -> None:
        """Store KRA's signature (immutable from then on, chained). Storing the same
        signature again (two senders resolved the same entry) changes nothing."""

    @abc.abstractmethod
    def park(self, branch: str, position: int, reason: str, now: datetime) -> None:
        """Refused: give the number back (the latest one only) and park with ``reason``."""

    @abc.abstractmethod
    def note_failure(self, branch: str, position: int, reason: str, now: datetime) -> None:
        """A try that settled nothing: count it and keep the reason."""

    @abc.abstractmethod
    def unpark(self, branch: str, position: int, now: datetime) -> None:
        """The manager fixed the cause: the entry waits again, in its place."""

    @abc.abstractmethod
    def credit_notes_of(self, branch: str, original_doc_id: str) -> list[Entry]:
        """Signed credit notes of one original (for the never-more-than check)."""

    @abc.abstractmethod
    def stats(self, branch: str, now: datetime, alert_after: timedelta) -> QueueStats: ...

    @abc.abstractmethod
    def entries(self, branch: str, states: tuple[EntryState, ...]) -> list[Entry]: ...


@dataclass(frozen=True, slots=True)
class DrainResult:
    """What one drain did, and why it stopped (``stopped`` empty: the queue is done)."""

    signed: int
    parked: int
    stopped: str


class Submitter:
    """Submits one branch's queue in order through an :class:`OscuClient`."""

    def __init__(
        self,
        store: QueueStore,
        client: OscuClient,
        settings: EtimsSettings,
        *,
        items: Callable[[], Mapping[str, RegisteredItem]],
        rates: Callable[[], dict[str, Decimal]],
        registrar: Registrar,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.client = client
        self.settings = settings
        self.branch = client.branch.key
        self._items = items
        self._rates = rates
        self._registrar = registrar
        self._clock = clock

    def enqueue_sale(self, body: Mapping[str, Any]) -> int:
        return self.store.enqueue(
            self.branch, str(body["sale_id"]), EntryKind.SALE, body, self._clock()
        )

    def enqueue_refund(self, body: Mapping[str, Any]) -> int:
        original = body.get("original") or {}
        return self.store.enqueue(
            self.branch,
            str(body["refund_id"]),
            EntryKind.REFUND,
            body,
            self._clock(),
            original_doc_id=original.get("sale_id"),
        )

    # -- building --------------------------------------------------------------------
    def _builder(self, entry: Entry) -> Callable[[int], dict[str, Any]]:
        items, rates = self._items(), self._rates()
        if entry.kind is EntryKind.SALE:
            sale = SaleBody.parse(Fields(entry.body, "body"), _Header(entry.body), min_lines=1)
            return lambda n: sale_invoice(
                sale,
                invc_no=n,
                items=items,
                rates=rates,
                settings=self.settings,
                registrar=self._registrar,
            )
        refund = RefundCompleted.parse(Fields(entry.body, "body"), _Header(entry.body))
        original = (
            None
            if entry.original_doc_id is None
            else self.store.get(self.branch, entry.original_doc_id)
        )
        if original is None or original.state is not EntryState.SIGNED:
            raise MappingError(
                "the refunded sale has no KRA invoice yet: a credit note needs the signed "
                "original (submit or fix the original sale first)"
            )
        assert original.invc_no is not None
        assert original.request is not None
        earlier = [
            e.request
            for e in self.store.credit_notes_of(self.branch, original.doc_id)
            if e.request is not None and e.doc_id != entry.doc_id
        ]
        original_request = original.request
        org_no = original.invc_no

        def build(n: int) -> dict[str, Any]:
            note = credit_note(
                refund,
                invc_no=n,
                org_invc_no=org_no,
                original_customer_pin=original_request.get("custTin"),
                items=items,
                rates=rates,
                settings=self.settings,
                registrar=self._registrar,
            )
            check_credit(original_request, earlier, note)
            return note

        return build

    # -- sending ---------------------------------------------------------------------
    def drain(self, limit: int | None = None) -> DrainResult:
        """Submit entries in order until the queue is empty, the link fails, or
        ``limit`` entries were settled."""
        signed = parked = 0
        while limit is None or signed + parked < limit:
            entry = self.store.head(self.branch)
            if entry is None:
                return DrainResult(signed, parked, "")
            if entry.invc_no is not None:
                try:
                    found = self.client.invoice_details(entry.invc_no, _type(entry))
                except (TransportError, EtimsRejected) as exc:
                    self.store.note_failure(self.branch, entry.position, str(exc), self._clock())
                    return DrainResult(signed, parked, str(exc))
                if found is not None:
                    self.store.mark_signed(self.branch, entry.position, found, self._clock())
                    signed += 1
                    continue
            else:
                try:
                    entry = self.store.claim_number(
                        self.branch, entry.position, self._builder(entry), self._clock()
                    )
                except Contended:
                    continue
                except (MappingError, ProtocolError) as exc:
                    self.store.park(self.branch, entry.position, str(exc), self._clock())
                    parked += 1
                    continue
            assert entry.request is not None
            outcome = self.client.submit(entry.request)
            now = self._clock()
            if outcome.kind is ResultKind.OK and outcome.signature is not None:
                self.store.mark_signed(self.branch, entry.position, outcome.signature, now)
                signed += 1
            elif outcome.kind is ResultKind.REJECTED:
                log.warning("eTIMS refused queue entry %s: %s", entry.position, outcome.reason)
                self.store.park(self.branch, entry.position, outcome.reason, now)
                parked += 1
            else:
                # in doubt, duplicate, not sent, transient: the number stays; next try
                # looks it up before anything is resent.
                self.store.note_failure(self.branch, entry.position, outcome.reason, now)
                return DrainResult(signed, parked, outcome.reason)
        return DrainResult(signed, parked, "")

    def stats(self) -> QueueStats:
        return self.store.stats(self.branch, self._clock(), self.settings.queue_alert_after)


def _type(entry: Entry) -> str:
    return "R" if entry.kind is EntryKind.REFUND else "S"


def _Header(body: Mapping[str, Any]) -> Header:
    """The envelope facts a body parser needs: only the receipt number's prefix
    (``STORE-TERMINAL``) is read, so the rest is filler."""
    number = str(body.get("receipt_number", ""))
    store, _, rest = number.partition("-")
    terminal, _, _ = rest.rpartition("-")
    return Header(
        PROTOCOL_VERSION, EventType.SALE_COMPLETED, "", store, terminal, 1, EPOCH, False, ""
    )


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
