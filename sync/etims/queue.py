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
* a refused connection changes nothing: the number stays and the next try looks it up;
* a look-up is believed only when KRA's invoice is the entry's own (receipt number,
  receipt type, total: :mod:`sync.etims.lookup`). Another sale under the number means
  the branch's counter is behind KRA's (a restored backup, a key imported on a new
  computer): the entry is never signed with it; the numbers KRA holds are skipped (up to
  :data:`SKIP_LIMIT`), the entry is numbered again past them and the reason stays on it
  for the manager. A new or restored queue file asks KRA about its counter's next
  number before its first submission (:meth:`QueueStore.needs_probe`);
* a refusal about the device or the key (:attr:`ResultKind.DEVICE`: 900, 901, 903,
  911, 912) parks nothing: every sale would be refused alike. The number is given back
  and the drain stops with the reason until the set-up is fixed;
* one sender drains a branch at a time (:meth:`QueueStore.drain_lock`): a second one
  steps aside (``DrainResult.busy``) rather than look up, resend or give back the
  number of an entry the first is sending.

:class:`QueueStore` is the storage interface (SQLite: :mod:`sync.etims.queue_sqlite`;
the head office brings its own); :class:`Submitter` is the logic, shared by both.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sync.etims import words
from sync.etims.amounts import MappingError
from sync.etims.client import EtimsRejected, OscuClient, TransportError
from sync.etims.codes import ResultKind
from sync.etims.credit import check_credit
from sync.etims.lookup import Held, look_up
from sync.etims.mapping import Registrar, credit_note, parse_sale, sale_invoice
from sync.etims.models import RegisteredItem, Signature
from sync.etims.settings import EtimsSettings
from sync.protocol.envelope import PROTOCOL_VERSION, EventType, Header
from sync.protocol.errors import ProtocolError
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from sync.protocol.training import TrainingNotReal, refuse_training

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
    #: settled without a credit note: the refunded sale was not a KRA invoice (a return
    #: without a receipt, or a sale from before eTIMS); never numbered, never sent. The
    #: value fits head office's ``state`` column (10 characters).
    NO_CREDIT_NOTE = "no_credit"


#: the reason a refund settled as :attr:`EntryState.NO_CREDIT_NOTE` carries
NO_CREDIT_NOTE_REASON = words.NO_CREDIT_NOTE


class NoCreditNote(MappingError):
    """The refund credits no KRA invoice (no original, or an original this branch's
    queue never held): it settles as :attr:`EntryState.NO_CREDIT_NOTE`, it is not parked.
    A :class:`MappingError` so that callers which only build (a look-up's comparison)
    treat it as "cannot be built" as before."""


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
    #: refunds settled without a credit note (not in ``oldest_unsigned``: nothing of
    #: theirs is owed to KRA)
    no_credit_note: int = 0

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

    @contextlib.contextmanager
    def drain_lock(self, branch: str) -> Iterator[bool]:
        """Held for the whole of one :meth:`Submitter.drain` of ``branch``: True when
        this sender has the branch to itself, False (at once, no waiting) while another
        sender drains it. It must be released by the holder's death too (a killed sender
        never blocks the branch). This default is for a store only one sender ever uses;
        stores shared by processes override it."""
        yield True

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
    def waiting(self, branch: str, limit: int) -> list[Entry]:
        """The first ``limit`` waiting entries, in order."""

    @abc.abstractmethod
    def claim_numbers(
        self,
        branch: str,
        builds: list[tuple[int, Callable[[int], dict[str, Any]]]],
        now: datetime,
        signed: list[tuple[int, Signature]] = [],  # noqa: B006 - never mutated
    ) -> list[Entry]:
        """In ONE transaction: store ``signed`` signatures, then give each waiting entry
        of ``builds`` (in order) the branch's next number and its request built with it
        (state in doubt). Nothing is taken if anything fails; :class:`Contended` when an
        entry is no longer waiting (another sender numbered it)."""

    @abc.abstractmethod
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
        """In ONE transaction: store ``signed`` (immutable from then on, chained; the same
        signature twice is a no-op); ``park`` an entry with KRA's reason and its number
        given back; ``note`` a try that settled nothing; ``release`` numbered entries that
        were never sent (waiting again, numbers given back)."""

    def claim_number(
        self, branch: str, position: int, build: Callable[[int], dict[str, Any]], now: datetime
    ) -> Entry:
        return self.claim_numbers(branch, [(position, build)], now)[0]

    def mark_signed(self, branch: str, position: int, signature: Signature, now: datetime) -> None:
        self.settle(branch, now, signed=[(position, signature)])

    def park(self, branch: str, position: int, reason: str, now: datetime) -> None:
        self.settle(branch, now, park=(position, reason))

    def note_failure(self, branch: str, position: int, reason: str, now: datetime) -> None:
        self.settle(branch, now, note=(position, reason))

    def settle_no_credit_note(self, branch: str, position: int, reason: str, now: datetime) -> None:
        """The waiting refund at ``position`` is settled without a credit note
        (:attr:`EntryState.NO_CREDIT_NOTE`, ``reason`` kept): it holds no number and is
        never sent. Nothing when the entry is no longer waiting."""
        self._wrapped("settle_no_credit_note").settle_no_credit_note(branch, position, reason, now)

    @abc.abstractmethod
    def unpark(self, branch: str, position: int, now: datetime) -> None:
        """The manager fixed the cause: the entry waits again, in its place."""

    # The calls below came after the stores were written: each has a default that goes
    # through to the store a view wraps (its ``store`` attribute, as
    # :class:`sync.etims.inorder.Fence` has), so a view need not repeat them.
    def _wrapped(self, call: str) -> QueueStore:
        inner = getattr(self, "store", None)
        if not isinstance(inner, QueueStore):
            raise NotImplementedError(f"{type(self).__name__} has no {call}")
        return inner

    def last_number(self, branch: str) -> int:
        """The branch's counter: the last ``invcNo`` taken (0: none yet)."""
        return self._wrapped("last_number").last_number(branch)

    def renumber(
        self,
        branch: str,
        position: int,
        invc_no: int,
        build: Callable[[int], dict[str, Any]],
        now: datetime,
        reason: str,
    ) -> Entry:
        """In ONE transaction: the entry in doubt at ``position`` (its number is KRA's for
        another invoice) takes ``invc_no`` and its request built with it, keeps
        ``reason`` (kept once it is signed, for the manager), and the counter moves to at
        least ``invc_no``. :class:`Contended` when the entry is no longer in doubt."""
        inner = self._wrapped("renumber")
        return inner.renumber(branch, position, invc_no, build, now, reason)

    def advance_counter(self, branch: str, last: int, now: datetime) -> None:
        """The counter moves to at least ``last`` (KRA holds the numbers up to it)."""
        self._wrapped("advance_counter").advance_counter(branch, last, now)

    def remark(self, branch: str, position: int, reason: str, now: datetime) -> None:
        """Put ``reason`` on an entry for the manager without counting a try."""
        self._wrapped("remark").remark(branch, position, reason, now)

    def needs_probe(self, branch: str) -> bool:
        """True when the counter may be behind KRA's without this store knowing (a new
        or restored queue file): the submitter asks KRA about the next number first.
        False for a store that cannot tell (the look-up's check still holds)."""
        inner = getattr(self, "store", None)
        return isinstance(inner, QueueStore) and inner.needs_probe(branch)

    def mark_probed(self, branch: str, now: datetime) -> None:
        """The counter was checked against KRA for this store as it is now."""
        inner = getattr(self, "store", None)
        if isinstance(inner, QueueStore):
            inner.mark_probed(branch, now)

    @abc.abstractmethod
    def credit_notes_of(self, branch: str, original_doc_id: str) -> list[Entry]:
        """Signed credit notes of one original (for the never-more-than check)."""

    @abc.abstractmethod
    def stats(self, branch: str, now: datetime, alert_after: timedelta) -> QueueStats: ...

    @abc.abstractmethod
    def entries(self, branch: str, states: tuple[EntryState, ...]) -> list[Entry]: ...


@dataclass(frozen=True, slots=True)
class DrainResult:
    """What one drain did, and why it stopped (``stopped`` empty: the queue is done).
    ``busy``: another sender was draining the branch, so this one did nothing (that
    sender submits what waits; try again later, in case it finished just before)."""

    signed: int
    parked: int
    stopped: str
    busy: bool = False
    #: what the manager should know although nothing stopped (numbers KRA held for other
    #: invoices were skipped); each is also on its entry and in the log
    notices: tuple[str, ...] = ()
    #: the drain stopped on a refusal of the device or its key (the set-up is wrong)
    device_refused: bool = False
    #: refunds settled without a credit note (their sale was not a KRA invoice)
    no_credit_note: int = 0


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
        batch: int = 50,
        simulator: bool = False,
    ) -> None:
        """``simulator``: training mode's submitter, whose client must talk to the OSCU
        simulator on this machine (loopback): only then are training sales accepted,
        since they can never reach KRA from it."""
        if simulator and not _loopback(client.settings.base_url):
            raise TrainingNotReal(
                "a training submitter talks only to the simulator on this machine, not to "
                f"{client.settings.base_url}"
            )
        self.simulator = simulator
        self.batch = max(1, batch)
        self.store = store
        self.client = client
        self.settings = settings
        self.branch = client.branch.key
        self._items = items
        self._rates = rates
        self._registrar = registrar
        self._clock = clock
        #: the probe's finding, put on the first entry numbered after it
        self._probe_notice = ""

    def enqueue_sale(self, body: Mapping[str, Any], *, training: bool = False) -> int:
        """Queue a sale for KRA. ``training``: the event's envelope flag; a training sale
        (flag or body marked) raises :class:`TrainingNotReal` and nothing is queued."""
        if not self.simulator:
            _refuse_training(body, training, f"sale {body.get('sale_id')}")
        return self.store.enqueue(
            self.branch, str(body["sale_id"]), EntryKind.SALE, body, self._clock()
        )

    def enqueue_refund(self, body: Mapping[str, Any], *, training: bool = False) -> int:
        """Queue a refund (credit note); training ones are refused as for sales."""
        if not self.simulator:
            _refuse_training(body, training, f"refund {body.get('refund_id')}")
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
            sale = parse_sale(entry.body, _Header(entry.body))  # the full parser if unsure
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
        if original is None or original.kind is not EntryKind.SALE:
            # a return without a receipt, or a sale this branch never queued (sold before
            # eTIMS was set up): there is no KRA invoice to credit, now or later
            raise NoCreditNote(NO_CREDIT_NOTE_REASON)
        if original.state is not EntryState.SIGNED:
            # waiting or in doubt: the queue's order sends it first (this refund is built
            # only when it is the head); refused (parked): the manager fixes the sale
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
        """Submit entries in order until the queue is empty, the link fails, or about
        ``limit`` entries were settled.

        Waiting entries are numbered ``batch`` at a time in one transaction, then sent
        one by one and their signatures kept in one more; any that were not sent
        when something stops the batch are given their numbers back in the transaction
        that records why. A crash leaves every numbered entry in doubt: looked up first.

        Only one sender drains a branch at a time (:meth:`QueueStore.drain_lock`):
        while another does, this returns at once with ``busy`` and changes nothing.
        """
        with self.store.drain_lock(self.branch) as mine:
            if not mine:
                return DrainResult(0, 0, "", busy=True)
            return self._drain(limit)

    def _drain(self, limit: int | None) -> DrainResult:
        done = _Tally()
        seen: tuple[int, EntryState, int | None, int] | None = None
        while limit is None or done.signed + done.parked + done.no_credit_note < limit:
            entry = self.store.head(self.branch)
            if entry is None:
                return done.result("")
            # every pass settles the head or stops; the same head unchanged twice would
            # mean a store that did not record what it was told: stop, never spin
            now_seen = (entry.position, entry.state, entry.invc_no, entry.attempts)
            if now_seen == seen:
                log.error("eTIMS queue entry %s did not settle: stopping", entry.position)
                return done.result(f"queue entry {entry.position} did not settle")
            seen = now_seen
            numbered = entry.invc_no is not None
            if numbered:
                stop = self._resolve(entry, done)
            else:
                stop = self._probe(done) if self.store.needs_probe(self.branch) else None
                if stop is None:
                    stop = self._batch(done)
            if stop is not None:
                return done.result(stop)
        return done.result("")

    def _resolve(self, entry: Entry, done: _Tally) -> str | None:
        """An entry holding a number: ask KRA first, resend the same request if needed.
        KRA's invoice under the number is taken only when it is this entry's own."""
        assert entry.invc_no is not None
        assert entry.request is not None
        try:
            found = look_up(self.client, entry.invc_no, _type(entry))
        except (TransportError, EtimsRejected) as exc:
            reason = _refusal_reason(exc, done)
            self.store.note_failure(self.branch, entry.position, reason, self._clock())
            return reason
        if found is not None:
            differs = found.differs(entry.request)
            if not differs:
                self.store.mark_signed(self.branch, entry.position, found.signature, self._clock())
                done.signed += 1
                return None
            return self._skip(entry, found, differs, done)
        return self._send([entry], done)

    def _free_number(self, first: int, entry: Entry | None) -> tuple[int, Held | None]:
        """From ``first`` on, the first number KRA holds nothing under (and the last one
        it held), or the number under which KRA holds ``entry``'s own invoice (signed
        before, e.g. before a restore) with that invoice. :class:`_NoFreeNumber` past
        :data:`SKIP_LIMIT` numbers. Raises what the look-up raises."""
        kind = "S" if entry is None else _type(entry)
        for n in range(first, first + SKIP_LIMIT):
            held = look_up(self.client, n, kind)
            if held is None:
                return n, None
            if entry is not None and entry.request is not None and not held.differs(entry.request):
                return n, held
        raise _NoFreeNumber(first, first + SKIP_LIMIT - 1)

    def _skip(self, entry: Entry, found: Held, differs: list[str], done: _Tally) -> str | None:
        """``entry``'s number is KRA's for another invoice: never sign it with that
        one. Skip the numbers KRA holds, number the entry again past them (or take its
        own invoice if KRA holds it further on), and say so."""
        assert entry.invc_no is not None
        log.error(
            "eTIMS: KRA holds invoice %s for another sale (%s differ from queue entry %s, "
            "receipt %s): the branch's counter was behind KRA's",
            entry.invc_no,
            ", ".join(differs),
            entry.position,
            (entry.request or {}).get("trdInvcNo"),
        )
        first = max(entry.invc_no, self.store.last_number(self.branch)) + 1
        try:
            number, own = self._free_number(first, entry)
        except (TransportError, EtimsRejected) as exc:
            reason = _refusal_reason(exc, done)
            self.store.note_failure(self.branch, entry.position, reason, self._clock())
            return reason
        except _NoFreeNumber as exc:
            log.error("eTIMS: %s", exc)
            self.store.note_failure(
                self.branch, entry.position, words.NO_FREE_NUMBER, self._clock()
            )
            return words.NO_FREE_NUMBER
        skipped = _span(entry.invc_no, first, number)
        if own is not None:
            reason = f"{words.NUMBERS_TAKEN}: {skipped}; {words.FOUND_OWN}: {number}"
        else:
            reason = f"{words.NUMBERS_TAKEN}: {skipped}; {words.RENUMBERED}: {number}"
        log.warning("eTIMS queue entry %s: %s", entry.position, reason)
        done.notices.append(reason)
        try:
            build = self._builder(entry)
            renumbered = self.store.renumber(
                self.branch, entry.position, number, build, self._clock(), reason
            )
        except Contended:
            return None
        except (MappingError, ProtocolError) as exc:  # it was built before: not expected
            self.store.park(self.branch, entry.position, str(exc), self._clock())
            done.parked += 1
            return None
        if own is not None:
            self.store.mark_signed(self.branch, entry.position, own.signature, self._clock())
            done.signed += 1
            return None
        return self._send([renumbered], done)

    def _probe(self, done: _Tally) -> str | None:
        """A new or restored queue file: before its first number, ask KRA whether it
        already holds the counter's next one (the counter may be behind KRA's); if so,
        move the counter past what KRA holds. A sale still waiting here that KRA holds
        among those numbers (signed after the backup that was put back) takes its own
        invoice instead of being sent again."""
        last = self.store.last_number(self.branch)
        held: list[Held] = []
        try:
            for n in range(last + 1, last + 1 + SKIP_LIMIT):
                found = look_up(self.client, n, "S")
                if found is None:
                    break
                held.append(found)
            else:
                raise _NoFreeNumber(last + 1, last + SKIP_LIMIT)
        except (TransportError, EtimsRejected) as exc:
            return _refusal_reason(exc, done)
        except _NoFreeNumber as exc:
            log.error("eTIMS: %s", exc)
            return words.NO_FREE_NUMBER
        now = self._clock()
        if held:
            free = held[-1].invc_no + 1
            for found, entry, build in self._own_among(held):
                # KRA's numbers before it stay skipped; it takes the one KRA signed it as
                self.store.advance_counter(self.branch, found.invc_no - 1, now)
                try:
                    claimed = self.store.claim_number(self.branch, entry.position, build, now)
                except Contended:
                    return None
                if claimed.invc_no != found.invc_no:  # not expected: resolved by look-up
                    continue
                signature = dataclasses.replace(found.signature, rcpt_ty_cd=_type(entry))
                reason = f"{words.NUMBERS_TAKEN}: {_span(None, last + 1, free)}; "
                reason += f"{words.FOUND_OWN}: {found.invc_no}"
                self.store.remark(self.branch, entry.position, reason, now)
                self.store.mark_signed(self.branch, entry.position, signature, now)
                log.warning("eTIMS queue entry %s: %s", entry.position, reason)
                done.notices.append(reason)
                done.signed += 1
            self.store.advance_counter(self.branch, free - 1, now)
            reason = (
                f"{words.NUMBERS_TAKEN}: {_span(None, last + 1, free)}; "
                f"{words.COUNTER_MOVED}: {free - 1}"
            )
            log.warning("eTIMS branch %s: %s", self.branch, reason)
            done.notices.append(reason)
            self._probe_notice = reason  # on the first entry numbered after it
        self.store.mark_probed(self.branch, now)
        return None

    def _own_among(
        self, held: list[Held]
    ) -> list[tuple[Held, Entry, Callable[[int], dict[str, Any]]]]:
        """Which of KRA's invoices ``held`` are sales waiting in the first batch (the
        same receipt number, type and total), in KRA's number order."""
        waiting = {
            str(e.body.get("receipt_number") or "")[:50]: e
            for e in self.store.waiting(self.branch, self.batch)
        }
        out: list[tuple[Held, Entry, Callable[[int], dict[str, Any]]]] = []
        for found in held:
            entry = waiting.pop(str(found.sale.get("trdInvcNo") or ""), None)
            if entry is None:
                continue
            try:
                build = self._builder(entry)
                if found.differs(build(found.invc_no)):
                    continue
            except (MappingError, ProtocolError):
                continue
            out.append((found, entry, build))
        return out

    def _batch(self, done: _Tally) -> str | None:
        builds: list[tuple[int, Callable[[int], dict[str, Any]]]] = []
        refused: tuple[int, str] | None = None
        for i, entry in enumerate(self.store.waiting(self.branch, self.batch)):
            if entry.kind is EntryKind.REFUND and i > 0:
                break  # its original may be in this batch: let that be stored first
            try:
                builds.append((entry.position, self._builder(entry)))
            except NoCreditNote as exc:
                # first in the batch (a refund always is): nothing numbered before it
                log.info("eTIMS queue entry %s: %s", entry.position, exc)
                self.store.settle_no_credit_note(
                    self.branch, entry.position, str(exc), self._clock()
                )
                done.no_credit_note += 1
                return None
            except (MappingError, ProtocolError) as exc:
                refused = (entry.position, str(exc))
                break
        try:
            claimed = self.store.claim_numbers(self.branch, builds, self._clock()) if builds else []
        except Contended:
            return None
        except (MappingError, ProtocolError) as exc:
            # one of them could not be built with its number: claim them one by one
            claimed = []
            for position, build in builds:
                try:
                    claimed.append(
                        self.store.claim_number(self.branch, position, build, self._clock())
                    )
                except (MappingError, ProtocolError) as one:
                    refused = (position, str(one))
                    break
            if not claimed and refused is None:
                refused = (builds[0][0], str(exc))
        if claimed and self._probe_notice:
            # the manager sees why this entry's number is past the counter it had
            self.store.remark(self.branch, claimed[0].position, self._probe_notice, self._clock())
            self._probe_notice = ""
        stop = self._send(claimed, done) if claimed else None
        if stop is None and refused is not None:
            self.store.park(self.branch, refused[0], refused[1], self._clock())
            done.parked += 1
        return stop

    def _send(self, claimed: list[Entry], done: _Tally) -> str | None:
        """Send numbered entries in order; store what happened in one transaction."""
        signed: list[tuple[int, Signature]] = []
        for i, entry in enumerate(claimed):
            assert entry.request is not None
            outcome = self.client.submit(entry.request)
            if outcome.kind is ResultKind.OK and outcome.signature is not None:
                signed.append((entry.position, outcome.signature))
                continue
            unsent = [e.position for e in claimed[i + 1 :]]
            now = self._clock()
            device = _device_reason(outcome.kind, outcome.reason)
            if device:
                # about the device or the key: any sale would be refused alike, and KRA
                # recorded nothing. Park nothing; the number goes back (when it is the
                # top one: the sequence stays gap-free) and the branch stops.
                log.error("eTIMS: %s (queue entry %s)", device, entry.position)
                # a batch's numbers are consecutive: with the unsent ones given back,
                # is this entry's number the branch's top one?
                top = entry.invc_no == self.store.last_number(self.branch) - len(unsent)
                self.store.settle(
                    self.branch,
                    now,
                    signed=signed,
                    note=(entry.position, device),
                    release=[entry.position, *unsent] if top else unsent,
                )
                done.signed += len(signed)
                done.device_refused = True
                return device
            if outcome.kind is ResultKind.REJECTED:
                log.warning("eTIMS refused queue entry %s: %s", entry.position, outcome.reason)
                self.store.settle(
                    self.branch,
                    now,
                    signed=signed,
                    park=(entry.position, outcome.reason),
                    release=unsent,
                )
                done.signed += len(signed)
                done.parked += 1
                return None
            # in doubt, duplicate, not sent, transient: the number stays on the entry and
            # the next try looks it up before anything is resent
            self.store.settle(
                self.branch,
                now,
                signed=signed,
                note=(entry.position, outcome.reason),
                release=unsent,
            )
            done.signed += len(signed)
            return outcome.reason or outcome.kind.value
        self.store.settle(self.branch, self._clock(), signed=signed)
        done.signed += len(signed)
        return None

    def stats(self) -> QueueStats:
        return self.store.stats(self.branch, self._clock(), self.settings.queue_alert_after)


@dataclass(slots=True)
class _Tally:
    signed: int = 0
    parked: int = 0
    notices: list[str] = field(default_factory=list)
    device_refused: bool = False
    no_credit_note: int = 0

    def result(self, stopped: str) -> DrainResult:
        return DrainResult(
            self.signed,
            self.parked,
            stopped,
            notices=tuple(self.notices),
            device_refused=self.device_refused,
            no_credit_note=self.no_credit_note,
        )


#: How many numbers past the counter a skip or a probe asks KRA about before it gives
#: up and stops the branch (a counter that far behind is not a restore to step over).
SKIP_LIMIT = 1000

#: HTTP statuses that mean KRA (or its gateway) does not accept the caller, when the
#: reply is not an envelope the client could read (with an envelope its code decides)
_DEVICE_HTTP = (401, 403)


class _NoFreeNumber(Exception):
    def __init__(self, first: int, last: int) -> None:
        super().__init__(f"KRA holds every invoice number from {first} to {last}")


def _device_reason(kind: ResultKind, reason: str) -> str:
    """The manager's reason when ``kind``/``reason`` is a refusal of the device or its
    key (a result code of :data:`~sync.etims.codes.DEVICE_CODES`, or HTTP 401/403 with
    a reply that is not KRA's envelope); empty otherwise."""
    if kind is ResultKind.DEVICE:
        return f"{words.DEVICE_REFUSED}: {reason}"
    if kind is ResultKind.IN_DOUBT and any(
        reason.startswith(f"{words.UNREADABLE}: HTTP {status}") for status in _DEVICE_HTTP
    ):
        return f"{words.DEVICE_REFUSED}: {reason.partition(': ')[2]}"
    return ""


def _refusal_reason(exc: TransportError | EtimsRejected, done: _Tally) -> str:
    """A failed look-up's reason; a device-level one says so and marks the drain."""
    if isinstance(exc, EtimsRejected):
        kind, text = exc.envelope.kind, exc.envelope.reason()
    else:
        kind, text = exc.kind, str(exc)
    device = _device_reason(kind, text)
    if device:
        done.device_refused = True
        log.error("eTIMS: %s", device)
        return device
    return str(exc)


def _span(held: int | None, first: int, upto: int) -> str:
    """The numbers KRA holds for other invoices: ``held`` (the entry's old number) and
    ``first`` up to ``upto`` (excluded), as ``3``, ``3-5`` or ``3, 7-9``."""
    parts: list[str] = []
    run = (first, upto - 1) if upto > first else None
    if held is not None and run is not None and held == first - 1:
        run, held = (held, run[1]), None
    if held is not None:
        parts.append(str(held))
    if run is not None:
        parts.append(str(run[0]) if run[0] == run[1] else f"{run[0]}-{run[1]}")
    return ", ".join(parts)


def _refuse_training(body: Mapping[str, Any], training: bool, what: str) -> None:
    """Nothing made in training mode is submitted to KRA as real."""
    if training:
        raise TrainingNotReal(f"{what} was made in training mode: it is never submitted to KRA.")
    refuse_training(body, what)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


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
