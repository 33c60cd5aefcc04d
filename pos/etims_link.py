"""Composition root for KRA eTIMS on a standalone till: the eTIMS worker.

One daemon thread of its own (never the GUI thread, never the till worker) that:

1. reads the till's completed sales and refunds from the outbox (read-only: the sync
   agent alone marks outbox rows sent), past the cursor kept in the queue file;
2. queues them in :class:`~sync.etims.queue_sqlite.SqliteQueue` (``etims.sqlite`` beside
   the till's database: its own file, so no till migration), in outbox order;
3. registers with KRA (``saveItem``) every product not registered yet, before the sale
   that first sells it is numbered, with the product's own item classification
   (``products.kra_item_class``) or else ``[etims] item_class``; a product whose class
   KRA does not list is refused alone (named in the products screen and the log), and a
   product whose class or VAT band changed is registered again under its ``itemCd`` (a
   band just before the first sale sold in it is numbered: :mod:`sync.etims.inorder`);
4. drains the queue in order (one gap-free ``invcNo`` sequence, looked up after any
   doubt, parked with KRA's reason on a clean refusal), backing off (doubling waits up
   to :data:`BACKOFF_MAX_S`, with jitter) while KRA answers "try later";
5. publishes the queue's state to :class:`~pos.services.etims.EtimsService` and answers
   the screens' "what is this sale's KRA block" from the signed table, whose rows are
   immutable and chained with a key derived from the journal key, checked at start-up
   before the queue opens the file (:mod:`pos.etims_evidence`).

Layers: this module is under ``pos/`` directly (the composition root), the one place
allowed to join the OSCU client (HTTP) to the till's store; ``pos.services`` and
``pos.ui`` only see :mod:`pos.services.etims`. Training: the OSCU simulator
(``sync.etims.sandbox``) runs in-process on 127.0.0.1, its communication key lives in
memory, and the submitter is the simulator-only kind (training sales never reach KRA).
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pos.domain.messages import Message
from pos.domain.tax import KENYA_VAT, TaxTable
from pos.etims_evidence import EtimsEvidence, check_in_background, evidence_for
from pos.etims_results import signed_kra_block
from pos.services.etims import (
    EtimsPhase,
    EtimsService,
    EtimsView,
    KraBlock,
    KraItem,
    QueueAction,
    QueueRow,
)
from pos.services.etims_tampering import alert, finding
from pos.store.db import Database
from pos.store.models import OutboxEvent, Product
from sync.etims import words
from sync.etims.chain_check import ChainFinding, file_findings
from sync.etims.client import EtimsRejected, NotInitialised, OscuClient, TransportError
from sync.etims.codes import ResultKind
from sync.etims.config import EtimsConfig
from sync.etims.inorder import Fence, drain_in_order
from sync.etims.items import (
    DEFAULT_CLASS,
    ItemRegistry,
    UnlistedClass,
    line_band,
    listed_class,
)
from sync.etims.keykeep import KeyNotStored, restore_rescued, write_rescue
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, DeviceInfo, Envelope, EtimsError, RegisteredItem
from sync.etims.queue import Entry, EntryKind, EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.receipt import scu_block
from sync.etims.settings import PIN_RE, Branch, EtimsSettings, SecretStore
from sync.protocol.training import TrainingNotReal

log = logging.getLogger(__name__)

KINDS = ("sale.completed", "refund.completed")
#: catalogue products registered with KRA per round, ahead of their first sale (a
#: round's sales are never held up long by a large catalogue)
CATALOG_BATCH = 20
#: how often the catalogue is looked at again once every product was registered
CATALOG_EVERY_S = 60.0
#: how many entries the manager's screen lists (every unsigned one, then the latest signed)
SIGNED_ROWS = 50
#: the till's start: the worker's first round (opening its queue, KRA's code lists, the
#: catalogue's registration; in training HTTP to the simulator, whose handlers run in
#: this process) waits this long, or until the first sale is completed, so that it does
#: not compete with the window and the first login for the interpreter. The screens say
#: "starting" meanwhile; nothing a cashier does waits for it.
START_DELAY_S = 2.0
#: how often KRA's code lists and item classifications are asked again (``lastReqDt``:
#: "001, nothing changed" costs one small call), so a rate KRA changes reaches a till
#: that runs for weeks; after a failed ask, again in :data:`CODES_RETRY_S` at most
CODES_EVERY_S = 3600.0
CODES_RETRY_S = 60.0
#: the longest wait between rounds after KRA answered "try later" (990, 991, 999 and the
#: other retry codes of :mod:`sync.etims.codes`) round after round: the wait doubles from
#: ``poll_s`` up to this, with jitter, and is back to ``poll_s`` after a round that went
#: through (reference section 6: 990 is a rate limit, back off)
BACKOFF_MAX_S = 60.0
#: the manager's view after such a round: the reason, then this and the next try's time
NEXT_TRY = words.NEXT_TRY


class _Watched(OscuClient):
    """The worker's client: notes whether KRA answered "try later" (a retry code) during
    the round, which is what makes the worker back off."""

    try_later = False

    def call(
        self, path: str, body: Mapping[str, Any], *, with_key: bool = True, timeout: float = 0
    ) -> Envelope:
        envelope = super().call(path, body, with_key=with_key, timeout=timeout)
        if envelope.kind is ResultKind.RETRY:
            self.try_later = True
        return envelope


def _now() -> datetime:
    return datetime.now(UTC)


class EtimsLink:
    """The eTIMS worker of one till (one branch device)."""

    def __init__(
        self,
        db: Database,
        service: EtimsService,
        *,
        queue_path: Path,
        branch: Branch,
        settings: EtimsSettings,
        secrets: SecretStore,
        registrar: Registrar,
        training: bool = False,
        poll_s: float = 2.0,
        clock: Callable[[], datetime] = _now,
        item_class: str = "",
        bearer: Callable[[], str | None] | None = None,
        tax_table: TaxTable = KENYA_VAT,
        hold: Callable[[], str] | None = None,
        start_delay_s: float = 0.0,
        codes_every_s: float = CODES_EVERY_S,
        catalog_every_s: float = CATALOG_EVERY_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        jitter: random.Random | None = None,
        evidence: EtimsEvidence | None = None,
    ) -> None:
        """``evidence``: the till's start-up check of its eTIMS files, which keys the
        queue's chain (``pos.etims_evidence``); None: the file is checked and chained
        the old unkeyed way (a queue without the till's journal key)."""
        self.db = db
        self._evidence = evidence
        self._key = None if evidence is None else evidence.key
        self.service = service
        self.queue_path = queue_path
        self.branch = branch
        self.settings = settings
        self.training = training
        self.poll_s = poll_s
        self._secrets = secrets
        self._registrar = registrar
        self._clock = clock
        self._item_class = item_class or DEFAULT_CLASS
        self._tax_table = tax_table
        #: a reason not to submit from this till now ("" = go on): an enrolled store's
        #: invoices are numbered by its head office, one sequence for all its tills
        self._hold = hold or (lambda: "")
        self._next_catalog = 0.0  # monotonic time of the next catalogue look
        #: SKU -> (the class it was refused under, why), this session; a product whose
        #: class changes since is tried again
        self._refused_items: dict[str, tuple[str, str]] = {}
        self._bearer = bearer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read_lock = threading.Lock()
        self._reader: SqliteQueue | None = None
        self._device: DeviceInfo | None = None
        self._pending: list[Mapping[str, Any]] = []  # sale lines whose product KRA lacks
        self._setup_reason = ""
        self._tampered = ""  # the start-up check's finding ("" = the signatures verify)
        #: the same, as the alert the screens render in the reader's language
        self._tampered_alert: Message | None = None
        self.rounds = 0  # rounds done with KRA set up (tests wait on it)
        #: how long the worker waits before its first round, unless a sale is completed
        #: (:meth:`wake`) or it is stopped first (see :data:`START_DELAY_S`)
        self.start_delay_s = start_delay_s
        self.codes_every_s = codes_every_s
        #: how often the catalogue is looked at again once every product is registered
        #: (a class changed since is registered again at the next look)
        self.catalog_every_s = catalog_every_s
        self._next_codes = 0.0  # monotonic time of the next code-list refresh
        #: the longest wait after rounds KRA answered "try later" (see BACKOFF_MAX_S)
        self.backoff_max_s = max(poll_s, backoff_max_s)
        self._jitter = jitter or random.Random()
        #: rounds in a row KRA answered "try later" and nothing went through (0: none)
        self.try_later_rounds = 0
        #: the wait before the next round (poll_s unless backing off), for the view
        self.next_wait_s = poll_s
        self._round_ok = False  # the last round went through (ONLINE)
        self._last_view: tuple[EtimsPhase, str] = (EtimsPhase.STARTING, "")

    # -- life --------------------------------------------------------------------------
    def start(self) -> EtimsLink:
        self.service.publish(EtimsView(phase=EtimsPhase.STARTING, training=self.training))
        self.service.attach(self.block_for, self.registered_skus, self.wake, self.kra_items)
        self._thread = threading.Thread(target=self._run, name="etims-worker", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """A sale was just completed: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _run(self) -> None:
        if self.start_delay_s > 0:
            # a completed sale (wake) or stop() ends the wait at once; the first round
            # then opens the queue and talks to KRA as it would have
            self._wake.wait(self.start_delay_s)
            if self._stop.is_set():
                return
        self._check_chain()  # before the queue opens the file: that re-creates its rules
        queue = SqliteQueue(self.queue_path, key=self._key)
        try:
            client = _Watched(self.branch, self.settings, self._secrets, bearer=self._bearer)
            self._client = client
            self._cache = CodeCache.from_json(queue.load_state("codes") or CodeCache().to_json())
            self._registry = ItemRegistry(
                (queue.load_state("items") or {}),
                lambda items: queue.save_state("items", items),
                default_class=self._item_class,
                own_class=self._own_class,
                listed=lambda: self._cache.item_classes,
            )
            for entry in queue.entries(self.branch.key, (EntryState.WAITING,)):
                if entry.kind is EntryKind.SALE:  # queued before a restart, not registered
                    self._pending.extend(self._registry.missing(entry.body.get("lines") or []))
            self._fence = Fence(queue)
            submitter = Submitter(
                self._fence.as_store(),
                client,
                self.settings,
                items=self._registry.items,
                rates=self._cache.tax_rates,
                registrar=self._registrar,
                clock=self._clock,
                simulator=self.training,
            )
            ready = False
            while not self._stop.is_set():
                held = self._hold()
                if held:
                    if not self.service.follows_head_office:  # else its answers are shown
                        self._publish(queue, EtimsPhase.HEAD_OFFICE, held)
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                self._requests(queue)
                client.try_later = False
                self._round_ok = False
                if not ready:
                    ready = self._set_up(queue, client)
                elif time.monotonic() >= self._next_codes:
                    ready = self._refresh_codes(queue, client)
                if ready:
                    self.run_once(queue, submitter)
                else:
                    self._collect(queue, submitter)  # sales still queue while KRA is away
                    self._publish(queue, EtimsPhase.OFFLINE, self._setup_reason)
                wait = self._next_wait(queue, client.try_later)
                self.service.settle()  # receipts waiting for their signature
                if self.try_later_rounds:
                    self._back_off(queue, wait)
                else:
                    self._wake.wait(wait)
                    self._wake.clear()
        except Exception:  # the worker must not die silently: the manager is told
            log.exception("the eTIMS worker stopped")
            self.service.publish(
                EtimsView(
                    phase=EtimsPhase.FAILED,
                    reason=self._with_tampered(words.STOPPED),
                    training=self.training,
                    tampered=self._tampered_alert,
                )
            )
        finally:
            queue.close()

    def _next_wait(self, queue: SqliteQueue, try_later: bool) -> float:
        """The wait before the next round: ``poll_s``, or after a round that KRA told
        to try later and that did not go through, ``poll_s`` doubled once per such round
        in a row, at most :attr:`backoff_max_s`, with jitter (between half and all of
        it, so tills of one shop do not come back together); the view then says when
        the next try is. A round that went through starts again at ``poll_s``."""
        if self._round_ok or not try_later:
            self.try_later_rounds = 0
            self.next_wait_s = self.poll_s
            return self.poll_s
        self.try_later_rounds += 1
        ceiling = min(self.backoff_max_s, self.poll_s * 2.0 ** min(self.try_later_rounds, 32))
        wait = ceiling * (0.5 + 0.5 * self._jitter.random())
        self.next_wait_s = wait
        at = (self._clock() + timedelta(seconds=wait)).astimezone()
        phase, reason = self._last_view
        note = f"{NEXT_TRY}: {at:%H:%M:%S}"
        self._publish(queue, phase, f"{reason}; {note}" if reason else note)
        log.info("eTIMS: KRA asked to try later; next round in %.1f s", wait)
        return wait

    def _back_off(self, queue: SqliteQueue, wait: float) -> None:
        """Wait out a back-off: a completed sale does not end it (KRA asked to wait;
        its receipt is told at once that KRA is away), the manager's action does (Send
        now, Put back), and so does stop()."""
        deadline = time.monotonic() + wait
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._wake.wait(left)
            self._wake.clear()
            if self._stop.is_set() or self._requests(queue):
                return
            self.service.settle()

    def _check_chain(self) -> None:
        """The start-up check of the stored KRA signatures (as the journal's): a row
        rewritten in the file raises the alert on every view this session, as English
        in the reason and as :data:`~pos.services.etims_tampering.ALERT` for the screens
        (the till's window shows it on the sale screen); the worker goes on (the evidence
        stays as found; ``kaunta verify`` names every problem).

        The file is read as ``kaunta verify`` reads it (read-only, its own connection),
        before :class:`SqliteQueue` opens it: opening it sets up its schema, which puts a
        dropped rule back, and the rule found gone is evidence too. A file that cannot
        be read is logged here and then opened by the queue as before. With the till's
        evidence (:mod:`pos.etims_evidence`) the check is keyed, kept in the audit log
        until a manager acknowledges it, and upgrades a file chained the old way; its
        alert reaches the screens through the service."""
        if self._evidence is not None:  # its finding is in every view (the service's)
            self._evidence.check_once(self.queue_path)
            self._tampered, self._tampered_alert = "", None
            return
        try:
            found = file_findings(self.queue_path)
        except sqlite3.Error as exc:
            log.error("eTIMS: %s could not be checked: %s", self.queue_path.name, exc)
            found = []
        if not found:
            self._tampered, self._tampered_alert = "", None
            return
        for problem in found:
            log.error("eTIMS: %s: %s", self.queue_path.name, problem)
        self._tampered = f"{words.TAMPERED}: {found[0]}"
        self._tampered_alert = tampered_alert(self.queue_path.name, found)

    def _with_tampered(self, reason: str) -> str:
        """``reason`` after the start-up check's finding, if there is one (first, joined
        by ``; ``: the queue screen shows the finding from :attr:`EtimsView.tampered`
        and the rest of the reason after it)."""
        if not self._tampered:
            return reason
        return f"{self._tampered}; {reason}" if reason else self._tampered

    def _requests(self, queue: SqliteQueue) -> bool:
        """The manager's queue actions: a retry is this round itself; a refused entry
        put back waits again (it is numbered afresh: KRA did not record it). True when
        there was any (a back-off ends: the manager asked for a round now)."""
        taken = self.service.take_requests()
        for action, position in taken:
            if action is QueueAction.UNPARK:
                queue.unpark(self.branch.key, position, self._clock())
                log.info("eTIMS: queue entry %s put back by the manager", position)
        return bool(taken)

    # -- set-up ------------------------------------------------------------------------
    def _set_up(self, queue: SqliteQueue, client: OscuClient) -> bool:
        """Device initialisation once (the key into the secret store), code lists and
        item classifications refreshed by ``lastReqDt`` (the ``[etims] item_class``
        checked against KRA's list, as head office does); False (the reason kept for the
        view) while KRA is away or refuses."""
        try:
            self._device = self._device_info(queue, client)
            self._fetch_codes(queue, client)
        except (TransportError, EtimsError) as exc:
            self._setup_reason = f"{words.SETUP}: {exc}"
            return False
        self._setup_reason = ""
        return True

    def _fetch_codes(self, queue: SqliteQueue, client: OscuClient) -> None:
        client.refresh_codes(self._cache, self._clock())
        client.refresh_item_classes(self._cache, self._clock())
        queue.save_state("codes", self._cache.to_json())
        self._next_codes = time.monotonic() + self.codes_every_s
        listed_class(self._cache, self._item_class, "[etims] item_class")

    def _refresh_codes(self, queue: SqliteQueue, client: OscuClient) -> bool:
        """The periodic refresh (:data:`CODES_EVERY_S`): KRA away keeps the cached lists
        and tries again soon; a classification KRA no longer lists sends the worker back
        to set-up (False), which says why."""
        try:
            self._fetch_codes(queue, client)
        except TransportError as exc:
            log.info("eTIMS: code lists not refreshed, kept the cached ones: %s", exc)
            self._next_codes = time.monotonic() + min(CODES_RETRY_S, self.codes_every_s)
        except EtimsError as exc:
            self._setup_reason = f"{words.SETUP}: {exc}"
            return False
        return True

    def _device_info(self, queue: SqliteQueue, client: OscuClient) -> DeviceInfo:
        """The device KRA initialised: kept, or initialised now (once). A key the
        keyring refused earlier is moved into it from its rescue file first; a key it
        refuses now is written to that file (:mod:`sync.etims.keykeep`), never lost."""
        saved = queue.load_state("device")
        folder = self.queue_path.parent
        if restore_rescued(folder, self.branch, self._secrets):
            log.warning("eTIMS: the communication key moved from its rescue file to the keyring")
        try:
            client.cmc_key()
        except NotInitialised:
            saved = None
        if saved is not None:
            return DeviceInfo.from_json(saved)
        try:
            device = client.initialize()
        except KeyNotStored as exc:
            queue.save_state("device", exc.device.to_json())
            path = write_rescue(folder, self.branch, exc.key, self._clock())
            raise KeyNotStored(
                f"{exc}: the key is kept in {path}; fix the keyring and restart Kaunta (the "
                "key then moves into it), and copy that file somewhere safe meanwhile",
                exc.device,
                "",
            ) from None
        queue.save_state("device", device.to_json())
        return device

    # -- one round -----------------------------------------------------------------------
    def run_once(self, queue: SqliteQueue, submitter: Submitter) -> None:
        """Collect new documents, register new products, drain, publish."""
        self._collect(queue, submitter)
        reason = ""
        phase = EtimsPhase.ONLINE
        try:
            self._register(submitter)
        except (TransportError, EtimsRejected) as exc:
            phase, reason = EtimsPhase.OFFLINE, f"{words.REGISTRATION}: {exc}"
        if phase is EtimsPhase.ONLINE:
            try:
                result = drain_in_order(submitter, self._fence, self._stale, self._register_again)
            except (TransportError, EtimsRejected) as exc:
                phase, reason = EtimsPhase.OFFLINE, f"{words.REGISTRATION}: {exc}"
            else:
                if result.stopped:
                    # KRA refusing the device or its key is a set-up to fix, not an outage
                    # to wait out: said as FAILED (nothing was parked; the sales wait)
                    failed = EtimsPhase.FAILED if result.device_refused else EtimsPhase.OFFLINE
                    phase, reason = failed, result.stopped
        if phase is EtimsPhase.ONLINE:
            try:
                self._register_catalog(submitter)
            except TransportError as exc:
                phase, reason = EtimsPhase.OFFLINE, f"{words.REGISTRATION}: {exc}"
        self.rounds += 1
        self._round_ok = phase is EtimsPhase.ONLINE
        self._publish(queue, phase, reason)

    def _collect(self, queue: SqliteQueue, submitter: Submitter) -> None:
        cursor = int((queue.load_state("outbox") or {}).get("seq", 0))
        with self.db.read_session() as s:
            rows = s.execute(
                select(OutboxEvent.seq, OutboxEvent.payload)
                .where(OutboxEvent.seq > cursor, OutboxEvent.kind.in_(KINDS))
                .order_by(OutboxEvent.seq)
                .limit(500)
            ).all()
        if not rows:
            return
        for seq, payload in rows:
            doc = json.loads(payload)
            body, training = doc["body"], bool(doc.get("training"))
            try:
                if doc["type"] == "sale.completed":
                    submitter.enqueue_sale(body, training=training)
                    self._pending.extend(self._registry.missing(body.get("lines") or []))
                else:
                    submitter.enqueue_refund(body, training=training)
            except TrainingNotReal:
                log.info("eTIMS: outbox event %s is training: not submitted", seq)
            cursor = seq
        queue.save_state("outbox", {"seq": cursor})

    def _register(self, submitter: Submitter) -> None:
        """Register the products of queued sales KRA lacks. KRA away or refusing stops
        the round (the line stays pending, tried again next round); a product whose
        class KRA's list lacks is recorded with the reason and left: its sale parks
        ("not yet registered") for the manager, and the other products and sales go on."""
        while self._pending:
            line = self._pending[0]
            if not self._registry.is_registered(str(line["sku"])):
                self._save_item(line, submitter.client.save_item)
            self._pending.pop(0)

    def _stale(self, entry: Entry) -> list[Mapping[str, Any]]:
        """The lines of a waiting document whose product must be registered (again)
        before it is numbered: unknown to KRA, or registered in another tax band than
        the line is sold in (its VAT class changed); not those refused under the class
        they have now (the document parks saying why)."""
        lines = self._registry.stale(
            entry.body.get("lines") or [],
            rates=self._cache.tax_rates(),
            band_by_vat_code=self.settings.band_by_vat_code,
        )
        return [line for line in lines if not self._refused_now(line)]

    def _refused_now(self, line: Mapping[str, Any]) -> bool:
        sku = str(line["sku"])
        refused = self._refused_items.get(sku)
        if refused is None:
            return False
        own = line.get("kra_item_class") if "kra_item_class" in line else self._own_class(sku)
        return refused[0] == self._registry.class_for(own)

    def _register_again(self, lines: list[Mapping[str, Any]]) -> None:
        """Register the products of the document about to be numbered in the band it
        sells them in (``saveItem`` upserts by ``itemCd``). KRA away or refusing raises
        (the round stops, tried again next round); a class KRA's list lacks is recorded
        and the document parks."""
        for line in lines:
            item = self._save_item(line, self._client.save_item)
            if item is not None:
                log.info("eTIMS: product %s registered again in band %s", item.sku, item.tax_ty_cd)

    def _save_item(
        self, line: Mapping[str, Any], send: Callable[[Mapping[str, Any]], None]
    ) -> RegisteredItem | None:
        """Register ``line``'s product with KRA through ``send`` (``saveItem``); None when
        its class is one KRA's list lacks (recorded: its documents park saying why). KRA
        away or refusing raises."""
        try:
            registered = self._registry.register(
                line,
                rates=self._cache.tax_rates(),
                band_by_vat_code=self.settings.band_by_vat_code,
                registrar=self._registrar,
                send=send,
            )
        except UnlistedClass as exc:
            self._refuse(line, exc)
            return None
        self._refused_items.pop(str(line["sku"]), None)  # KRA took it: no longer refused
        return registered

    def _refuse(self, line: Mapping[str, Any], exc: Exception) -> None:
        sku = str(line["sku"])
        own = line.get("kra_item_class") if "kra_item_class" in line else self._own_class(sku)
        self._refused_items[sku] = (self._registry.class_for(own), str(exc))
        log.warning("eTIMS: product %s not registered with KRA: %s", sku, exc)

    def _own_class(self, sku: str) -> str | None:
        """The product's own KRA item classification (None: none, or no such SKU)."""
        with self.db.read_session() as s:
            return s.scalar(select(Product.kra_item_class).where(Product.sku == sku))

    def _register_catalog(self, submitter: Submitter) -> None:
        """Register active catalogue products KRA does not know yet, or knows under
        another item class than theirs now (``saveItem``, an upsert by ``itemCd``), a
        batch a round, so they are registered before they are first sold; a product
        KRA refuses (or whose class KRA does not list) is recorded with the reason and
        left until its class changes (its first sale parks meanwhile)."""
        now = time.monotonic()
        if now < self._next_catalog:
            return
        lines = self._catalog_missing(CATALOG_BATCH)
        if len(lines) < CATALOG_BATCH:
            self._next_catalog = now + self.catalog_every_s
        for line in lines:
            try:
                self._registry.register(
                    line,
                    rates=self._cache.tax_rates(),
                    band_by_vat_code=self.settings.band_by_vat_code,
                    registrar=self._registrar,
                    send=submitter.client.save_item,
                )
            except TransportError:
                raise  # KRA away: the round stops, nothing is marked refused
            except (EtimsRejected, EtimsError, ValueError) as exc:
                self._refuse(line, exc)
            else:  # KRA took it: an earlier refusal no longer stands
                self._refused_items.pop(str(line["sku"]), None)

    def _catalog_missing(self, limit: int) -> list[dict[str, Any]]:
        """Active products not registered, or registered under another class than
        theirs now or in another tax band than their VAT class maps to now (and not
        refused under the class they have now this session), as
        sale lines' wire form with their ``kra_item_class`` (what the registry reads)."""
        with self.db.read_session() as s:
            rows = s.execute(
                select(
                    Product.sku,
                    Product.name,
                    Product.price_minor,
                    Product.vat_class,
                    Product.kra_item_class,
                )
                .where(Product.active.is_(True))
                .order_by(Product.id)
            ).all()
        out: list[dict[str, Any]] = []
        registry = self._registry
        rates = self._cache.tax_rates()
        for sku, name, price, vat_code, own in rows:
            refused = self._refused_items.get(sku)
            if refused is not None and refused[0] == registry.class_for(own):
                continue
            try:
                vat = self._tax_table.get(vat_code)
            except Exception:
                continue  # a class the till does not know: its first sale says why
            line = {
                "sku": sku,
                "name": name,
                "unit_price": {"minor": price},
                "vat_class": {"code": vat.code, "rate": str(vat.rate), "exempt": vat.exempt},
                "kra_item_class": own,
            }
            try:
                band: str | None = line_band(line, rates, self.settings.band_by_vat_code)
            except ValueError:  # MappingError
                band = None  # no band for its VAT class: its first sale parks saying why
            if registry.up_to_date(sku, own, band):
                continue
            out.append(line)
            if len(out) >= limit:
                break
        return out

    def _publish(self, queue: SqliteQueue, phase: EtimsPhase, reason: str) -> None:
        if NEXT_TRY not in reason:
            self._last_view = (phase, reason)
        now = self._clock()
        stats = queue.stats(self.branch.key, now, self.settings.queue_alert_after)
        open_states = (EntryState.WAITING, EntryState.IN_DOUBT, EntryState.PARKED)
        rows = [_row(e) for e in queue.entries(self.branch.key, open_states)]
        signed = queue.entries(self.branch.key, (EntryState.SIGNED,))[-SIGNED_ROWS:]
        rows += [_row(e) for e in reversed(signed)]
        settled = queue.entries(self.branch.key, (EntryState.NO_CREDIT_NOTE,))[-SIGNED_ROWS:]
        rows += [_row(e) for e in reversed(settled)]
        self.service.publish(
            EtimsView(
                phase=phase,
                reason=self._with_tampered(reason),
                waiting=stats.waiting,
                in_doubt=stats.in_doubt,
                signed=stats.signed,
                parked=stats.parked,
                oldest_unsigned=stats.oldest_unsigned,
                alert_after=self.settings.queue_alert_after,
                training=self.training,
                rows=tuple(rows),
                tampered=self._tampered_alert,
                no_credit_note=stats.no_credit_note,
            )
        )

    # -- the screens' look-ups (any thread) -----------------------------------------------
    def _read(self) -> SqliteQueue:
        if self._reader is None:
            self._reader = SqliteQueue(self.queue_path, shared=True, key=self._key)
        return self._reader

    def block_for(self, sale_id: str, copy: bool = False) -> KraBlock | None:
        """The sale's (or refund's) KRA block: signed, or provisional while it waits;
        ``copy``: a reprint's (title COPY, counter CS/CC). None for a refund that will
        have no credit note (a return without a receipt, or one settled so): its receipt
        must not promise a tax document that never comes."""
        with self._read_lock:
            entry = self._read().get(self.branch.key, sale_id)
            if entry is not None and (
                entry.state is EntryState.NO_CREDIT_NOTE
                or (entry.kind is EntryKind.REFUND and not entry.body.get("original"))
            ):
                return None
            original = (
                None
                if entry is None or entry.original_doc_id is None
                else self._read().get(self.branch.key, entry.original_doc_id)
            )
            if (
                entry is not None
                and entry.kind is EntryKind.REFUND
                and entry.state is not EntryState.SIGNED
                and (original is None or original.kind is not EntryKind.SALE)
            ):
                # a sale this branch never queued (sold before eTIMS): the queue will
                # settle it "no credit note" (sync.etims.queue, NoCreditNote) once it is
                # the head, which sales waiting ahead of it during an outage delay; its
                # receipt must not promise a credit note meanwhile (review r14c)
                return None
            device = self._device or _saved_device(self._read())
        if entry is None or entry.signature is None or device is None:
            return KraBlock(signed=False, title="", training=self.training)
        block = scu_block(
            entry.signature,
            device,
            verify_host=self.settings.verify_host,
            style=self.settings.cu_number_style,
            org_invc_no=None if original is None else original.invc_no,
            training=self.training,
            copy=copy,
            request=entry.request,  # KRA's tax table as submitted, not recomputed
        )
        return signed_kra_block(block, training=self.training)

    def registered_skus(self) -> frozenset[str]:
        with self._read_lock:
            return frozenset((self._read().load_state("items") or {}).keys())

    def kra_items(self) -> dict[str, KraItem]:
        """By SKU: the class each product was registered with, and this session's
        refusals (the products screen's KRA columns)."""
        with self._read_lock:
            items = self._read().load_state("items") or {}
        out = {
            sku: KraItem(registered=True, item_class=str(fields.get("item_cls_cd") or ""))
            for sku, fields in items.items()
        }
        for sku, (_class, reason) in dict(self._refused_items).items():
            known = out.get(sku)
            out[sku] = KraItem(
                registered=known is not None,
                item_class="" if known is None else known.item_class,
                refused=reason,
            )
        return out


def _saved_device(queue: SqliteQueue) -> DeviceInfo | None:
    saved = queue.load_state("device")
    return None if saved is None else DeviceInfo.from_json(saved)


def tampered_alert(file: str, found: list[ChainFinding]) -> Message:
    """The screens' alert for the findings of the queue file named ``file`` (at least
    one): the first named, with how many there are."""
    first = found[0]
    return alert(file, finding(first.problem.value, first.values()), len(found))


def _row(entry: Entry) -> QueueRow:
    return QueueRow(
        receipt_number=str(entry.body.get("receipt_number", entry.doc_id)),
        kind="refund" if entry.kind is EntryKind.REFUND else "sale",
        state=entry.state.value,
        invc_no=entry.invc_no,
        enqueued_at=entry.enqueued_at,
        reason=entry.reason,
        attempts=entry.attempts,
        position=entry.position,
        doc_id=entry.doc_id,
    )


class TrainingEtims:
    """Training mode's eTIMS: the OSCU simulator on 127.0.0.1 (in this process, a free
    port) and a worker that submits the training till's sales to it only."""

    def __init__(self, link: EtimsLink, sandbox: Any) -> None:
        self.link = link
        self.sandbox = sandbox

    def stop(self) -> None:
        self.link.stop()
        self.sandbox.stop()


def start_etims(
    config: Any, terminal: Any, *, start_delay_s: float = 0.0
) -> TrainingEtims | EtimsLink | None:
    """Start eTIMS for this till, off the GUI thread; ``stop()`` it at close.
    ``start_delay_s``: the worker's first round waits that long, or until the first sale
    is completed (the till's start passes :data:`START_DELAY_S`).

    Training: the simulator and a worker, the communication key in memory, a queue file
    made fresh each session in the training folder (the simulator's state is new each
    time, so numbering starts again at 1). Live with ``[etims]``: the worker on the
    branch's device (initialised once, the communication key in the OS keyring), its
    queue in ``etims.sqlite`` beside the till's database, kept across restarts. Live
    without ``[etims]``: nothing is submitted, and the sale screen and the manager's
    eTIMS screen say so.
    """
    service: EtimsService = terminal.etims
    if not config.training:
        etims = getattr(config, "etims", None)
        data = Path(config.database_path)
        evidence = evidence_for(terminal)  # the start-up check of the files kept here
        if etims is None:
            service.publish(EtimsView(phase=EtimsPhase.OFF, reason=NOT_SET_UP))
            _follow_enrollment(terminal)
            check_in_background(evidence, [data.with_name(n) for n in LIVE_FILES])
            return None
        check_in_background(evidence, [data.with_name(n) for n in LIVE_FILES[1:]])
        return start_live(config, terminal, etims, start_delay_s=start_delay_s)
    from pos.secrets import MemorySecrets
    from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox

    # the simulator's device carries the training store's own PIN, so the receipt's PIN
    # and the KRA block's QR code name the same taxpayer (a store PIN that is not a KRA
    # PIN falls back to the simulator's demo taxpayer)
    pin = str(getattr(getattr(config, "store", None), "tax_pin", "") or "")
    tin = pin if PIN_RE.fullmatch(pin) else DEMO_TIN
    sandbox = EtimsSandbox(devices=[(tin, "00", DEMO_SERIAL)]).start()
    queue_path = Path(config.database_path).with_name("etims-training.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{queue_path}{suffix}").unlink(missing_ok=True)
    link = EtimsLink(
        terminal.db,
        service,
        queue_path=queue_path,
        branch=Branch(tin, "00", DEMO_SERIAL),
        settings=EtimsSettings(
            base_url=sandbox.base_url, verify_host=sandbox.verify_host, timeout_s=10.0
        ),
        secrets=MemorySecrets(),
        registrar=Registrar(terminal.ctx.terminal_id, f"Till {terminal.ctx.terminal_id}"),
        training=True,
        tax_table=terminal.ctx.tax_table,
        start_delay_s=start_delay_s,
        evidence=evidence_for(terminal),
    ).start()
    return TrainingEtims(link, sandbox)


#: the live eTIMS files beside the till's database whose KRA signatures are checked at
#: every start: the standalone worker's queue (checked by the worker itself, before it
#: opens it) and the enrolled till's copy of head office's answers
LIVE_FILES = ("etims.sqlite", "etims-headoffice.sqlite")


#: what a live till without ``[etims]`` says (the sale screen's status and the manager's
#: eTIMS screen)
NOT_SET_UP = (
    "sales are NOT being submitted to KRA: this till has no [etims] section "
    "(KRA PIN, branch id, device serial; docs/etims.md)"
)


def start_live(
    config: Any,
    terminal: Any,
    etims: EtimsConfig,
    secrets: SecretStore | None = None,
    *,
    start_delay_s: float = 0.0,
) -> EtimsLink:
    """The live worker for ``[etims]``: the device is initialised on its first round (the
    key goes to ``secrets``, the OS keyring unless a test passes its own), then every
    completed sale and refund of the outbox is submitted in order."""
    if secrets is None:
        from pos.secrets import KeyringSecrets

        secrets = KeyringSecrets()
    store = secrets

    def bearer() -> str | None:
        return store.get(etims.bearer_secret_name)

    return EtimsLink(
        terminal.db,
        terminal.etims,
        queue_path=Path(config.database_path).with_name("etims.sqlite"),
        branch=etims.branch,
        settings=etims.settings,
        secrets=secrets,
        registrar=Registrar(terminal.ctx.terminal_id, f"Till {terminal.ctx.terminal_id}"),
        training=False,
        item_class=etims.item_class,
        bearer=bearer,
        tax_table=terminal.ctx.tax_table,
        hold=lambda: enrolled_hold(terminal),
        start_delay_s=start_delay_s,
        evidence=evidence_for(terminal),
    ).start()


#: why an enrolled live till does not submit to KRA itself
ENROLLED_HOLD = (
    "this till is enrolled at a head office: the store's sales are submitted to KRA by "
    "head office (one invoice sequence for all its tills, when head office has the "
    "store's eTIMS device set up), not by this till; KRA's signature comes back with the "
    "sync link (docs/etims.md)"
)


def _follow_enrollment(terminal: Any) -> None:
    """A live till without ``[etims]``: once it turns out to be enrolled (the sync link
    learns it in the background), its eTIMS is head office's, and the screens say so."""
    service: EtimsService = terminal.etims

    def news(_view: Any) -> None:
        if enrolled_hold(terminal) and service.view().phase is EtimsPhase.OFF:
            service.publish(EtimsView(phase=EtimsPhase.HEAD_OFFICE, reason=ENROLLED_HOLD))

    terminal.headoffice.add_listener(news)
    news(None)


def enrolled_hold(terminal: Any) -> str:
    """The reason a live till with ``[etims]`` holds off: it is enrolled at a head office.
    Two tills of one branch numbering invoices each on their own would give KRA the same
    ``invcNo`` twice (and a look-up would then hand one sale the other's signature)."""
    from pos.services.headoffice import SyncPhase

    view = terminal.headoffice.view()
    return ENROLLED_HOLD if view.phase is SyncPhase.RUNNING or view.head_office_url else ""
