"""The sync agent: a worker thread of its own that keeps a till and its head office in step.

Each round it

1. **pulls payment results** head office decided from Daraja's callbacks and PayPal's
   webhooks, when given a puller (:mod:`sync.agent.push_results`,
   :mod:`sync.agent.paypal_results`: each handed to the payment service once, its cursor
   kept in ``sync_state``; first, so that what they change is sent by the drain of the
   same round);
2. **drains the outbox**: reads up to ``batch_size`` unsent events (a short read, no write
   lock), no more than ``batch_bytes`` of documents (large baskets fit the server's body
   limit), sends them as one protocol batch with the journal's chain head (and, as
   ``chain_check``, the journal's entry at the seq head office named in its last answer,
   read from the file then: head office compares it with the head it kept, which shows
   entries rewritten below it; the seq is kept in ``sync_state``), and only then,
   in a short write transaction, marks sent what the head office acknowledged (``applied`` or
   ``duplicate``) and parks what it refused, with the reason. Sending is at least once: an
   answer lost on the way means the same events go again and come back ``duplicate``;
   the head office deduplicates by event UUID forever;
   Then the other **results pulls** (``result_pullers``: KRA's signatures of an enrolled
   store's sales, :mod:`sync.agent.etims_results`), each with its own cursor; after a
   drain that sent events they are also pulled every ``push_poll_s`` for a while;
3. **pulls changes** (catalog, prices, users) since its cursor, applying each page and the
   cursor after it in one transaction: a half-applied page never exists, and a page that
   was applied but whose cursor was not stored is simply applied again (changes are
   states, not deltas);
4. sends a **heartbeat** now and then (waiting events, last success, app version).

A network failure, timeout, TLS error, 429 or 5xx ends the round; the next one comes after
an exponential backoff with full jitter (honouring ``Retry-After``). 401/403 means the
terminal was revoked: the status says so, and the agent keeps trying slowly (a manager may
re-enable it at head office). Nothing here ever holds a write transaction across a call.

The status (online, events waiting, parked, last success, stale) is published to a
callback after every step; the UI shows it through the composition root.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Any, Protocol

from pos.store import sync_state
from pos.store.db import Database
from pos.store.sync_state import PendingEvent
from sync.agent.backoff import Backoff
from sync.agent.changes import PageError, apply_catalog, parse_page
from sync.agent.client import (
    HeadOfficeClient,
    RequestRefused,
    SyncError,
    TerminalRefused,
    TransientError,
)
from sync.protocol.batch import MAX_BATCH_EVENTS, Acks, AckStatus, ChainHead, batch_document
from sync.protocol.refusals import encode_parked
from sync.protocol.training import is_training_document

log = logging.getLogger(__name__)

_NO_CHAIN = ChainHead(0, "0" * 64)
#: why a training event found in the outbox is parked instead of sent
TRAINING_REFUSED = "made in training mode: never sent as real"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    poll_interval_s: float = 30.0
    batch_size: int = 250
    #: the most bytes of stored documents in one push (a batch holds at least one event):
    #: under the head office's request body limit (Django's 2.5 MB default) and a
    #: reverse proxy's (nginx: 1 MiB by default), so a queue of large baskets still goes
    batch_bytes: int = 1_000_000
    changes_limit: int = 500
    heartbeat_every_s: float = 300.0
    #: a parked (refused) event is offered again after this long
    park_retry: timedelta = timedelta(hours=1)
    #: the manager is warned when the last success is older than this
    warn_after: timedelta = timedelta(hours=24)
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    app_version: str = ""
    #: the agent of a training till and its training head office (demo, tests): training
    #: events are the ones it sends. A live agent never sends one: it parks it, with
    #: ``TRAINING_REFUSED`` as the reason
    training: bool = False
    #: how often push results are pulled while a registered M-Pesa push waits for its
    #: result (``expect_push_result``); the full round keeps ``poll_interval_s``
    push_poll_s: float = 1.0
    #: after a drain sent events, other results (KRA's signatures: ``result_pullers``)
    #: are pulled every ``push_poll_s`` for this long, so a receipt gets its block soon
    results_expect_s: float = 20.0

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_EVENTS}")
        if self.batch_bytes < 1:
            raise ValueError("batch_bytes must be 1 or more")
        if self.poll_interval_s <= 0:
            raise ValueError("poll_interval_s must be more than 0")


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the sale screen and the manager see."""

    online: bool = False
    waiting: int = 0
    parked: int = 0
    last_success_at: datetime | None = None
    last_error: str = ""
    refused: bool = False  # the head office refuses this terminal (revoked)
    stale: bool = False  # no success for longer than ``warn_after``
    problems: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int = 0
    duplicates: int = 0
    parked: int = 0
    batches: int = 0


def _within_bytes(events: list[PendingEvent], budget: int) -> list[PendingEvent]:
    """The first of ``events`` (in order) whose documents fit in ``budget`` bytes; at
    least one, so an event larger than the budget still goes, alone."""
    kept: list[PendingEvent] = []
    size = 0
    for event in events:
        size += len(event.payload.encode()) + 1  # the comma between documents
        if kept and size > budget:
            break
        kept.append(event)
    return kept


class ResultPuller(Protocol):
    """Another pull of the round (``sync.agent.etims_results``): its own cursor."""

    def pull(self, stopping: threading.Event | None = None) -> object: ...


class SyncAgent:
    """One till's agent. :meth:`run_once` does one round on the caller's thread (tests,
    benchmarks); :meth:`start` runs rounds on the agent's own thread until :meth:`stop`."""

    def __init__(
        self,
        db: Database,
        client: HeadOfficeClient,
        *,
        store_id: str,
        terminal_id: str,
        settings: AgentSettings | None = None,
        clock: Callable[[], datetime] = _utc_now,
        on_status: Callable[[SyncStatus], None] | None = None,
        push_results: ResultPuller | None = None,
        result_pullers: Sequence[ResultPuller] = (),
    ) -> None:
        self.db = db
        self.push_results = push_results
        #: pulled after each round's drain (and often for a while after events went)
        self.result_pullers = tuple(result_pullers)
        self._results_expected_until = 0.0  # monotonic: a drain sent events until then
        self._push_expected_until = 0.0  # monotonic: see expect_push_result
        self.client = client
        self.store_id = store_id
        self.terminal_id = terminal_id
        self.settings = settings or AgentSettings()
        self._clock = clock
        self._on_status = on_status
        self._backoff = Backoff(self.settings.backoff_base_s, self.settings.backoff_cap_s)
        #: the byte limit of a push: ``batch_bytes``, halved by each 413 (see _too_large)
        self._batch_bytes = self.settings.batch_bytes
        self._wake = threading.Event()
        self._full_due = True  # the next round pulls changes and beats too, not only drains
        self._backing_off = False  # the last round failed: a sale does not wake the agent
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._last_heartbeat: datetime | None = None

    # -- thread ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="sync-agent", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop after the current call (a call in flight ends at its own timeout)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.client.close()

    def nudge(self) -> None:
        """Start a full round now (the network came back, a manager asked): also while
        backing off after a failure."""
        self._full_due = True
        self._wake.set()

    def sale_written(self) -> None:
        """An event was just committed to the outbox (a sale finished): send it now.

        Thread-safe and instant (sets an event; the till's worker calls it after its
        commit). The agent, waiting on that event with the poll interval as its timeout,
        wakes and drains only (the catalog pull and heartbeat keep their own pace), so a
        sale reaches head office within a round trip when online. While the agent backs
        off after a failure it is not woken early: the backoff's own timer sends the
        sale, and a busy shop offline does not knock on head office at every sale."""
        if not self._backing_off:
            self._wake.set()

    def _loop(self) -> None:
        self._refresh()
        next_full = 0.0
        while not self._stopping.is_set():
            full = self._full_due or monotonic() >= next_full
            wait: float | None = None
            try:
                if full:
                    self._full_due = False
                    next_full = monotonic() + self.settings.poll_interval_s
                    self.run_once()
                else:
                    self.drain_once()
            except TransientError as exc:
                wait = self._backoff.failed(exc.retry_after)
                log.info("sync: %s (next try in %.1f s)", exc, wait)
            except TerminalRefused:
                wait = self._backoff.failed()
            except Exception:  # a bug or the store: logged, and tried again later
                log.exception("sync round failed")
                wait = self._backoff.failed()
            else:
                self._backoff.succeeded()
            self._backing_off = wait is not None
            if wait is not None:
                self._full_due = True  # the try after a failure is a full round
            else:
                wait = max(0.0, next_full - monotonic())
            self._wait(wait)
            self._wake.clear()

    def expect_push_result(self, seconds: float = 180.0) -> None:
        """A push was just registered with head office (``sync.agent.push_results``):
        for ``seconds`` (the customer's prompt and Daraja's settling), push results are
        pulled every ``push_poll_s`` between rounds, so a relayed result lands promptly."""
        self._push_expected_until = max(self._push_expected_until, monotonic() + seconds)

    def _wait(self, seconds: float) -> None:
        """Wait ``seconds`` or until woken; while a push result is expected, pull push
        results every ``push_poll_s`` meanwhile (a failure there is logged only: the
        next round reports it)."""
        end = monotonic() + seconds
        while not self._stopping.is_set():
            left = end - monotonic()
            push = self.push_results is not None and monotonic() < self._push_expected_until
            others = bool(self.result_pullers) and monotonic() < self._results_expected_until
            step = min(left, self.settings.push_poll_s) if push or others else left
            if self._wake.wait(max(0.0, step)) or step >= left or not (push or others):
                return
            pullers: list[ResultPuller] = list(self.result_pullers) if others else []
            if push and self.push_results is not None:
                pullers.insert(0, self.push_results)
            for puller in pullers:
                try:
                    puller.pull(self._stopping)
                except TerminalRefused as exc:
                    # revoked (or not known): asking again every push_poll_s cannot help;
                    # the rounds go on at their backoff and show why
                    self._push_expected_until = self._results_expected_until = 0.0
                    log.info("sync: results not pulled: %s", exc)
                    return
                except SyncError as exc:
                    log.info("sync: results not pulled: %s", exc)
                except Exception:
                    log.exception("sync: pulling results failed")

    # -- one round -------------------------------------------------------------------

    def run_once(self) -> DrainResult:
        """Push results, drain, pull, heartbeat. Raises the client's errors (published first)."""
        try:
            # money first: a result applied now has its events sent by the drain below
            if self.push_results is not None:
                self.push_results.pull(self._stopping)
            result = self.drain()
            for puller in self.result_pullers:
                puller.pull(self._stopping)
            self.pull()
            self._heartbeat_if_due()
        except TerminalRefused as exc:
            self._publish(online=False, refused=True, last_error=str(exc))
            raise
        except SyncError as exc:
            self._publish(online=False, refused=False, last_error=str(exc))
            raise
        return result

    def drain_once(self) -> DrainResult:
        """Only the drain (a sale woke the agent): errors published as in :meth:`run_once`."""
        try:
            return self.drain()
        except TerminalRefused as exc:
            self._publish(online=False, refused=True, last_error=str(exc))
            raise
        except SyncError as exc:
            self._publish(online=False, refused=False, last_error=str(exc))
            raise

    def drain(self) -> DrainResult:
        """Send every unsent event, batch by batch, until none is left or a call fails."""
        total = DrainResult()
        while not self._stopping.is_set():
            done = self._send_batch()
            if done.batches == 0:
                break
            total = DrainResult(
                total.sent + done.sent,
                total.duplicates + done.duplicates,
                total.parked + done.parked,
                total.batches + 1,
            )
        if total.sent and self.result_pullers:
            self._results_expected_until = monotonic() + self.settings.results_expect_s
        return total

    def _send_batch(self) -> DrainResult:
        now = self._clock()
        with self.db.read_session() as s:
            pending = sync_state.pending_events(
                s, limit=self.settings.batch_size, now=now, park_retry=self.settings.park_retry
            )
            head = sync_state.journal_head(s)
            # the journal's entry at the seq head office named, as the file holds it now
            entry = sync_state.chain_check_entry(s) if pending else None
        if not pending:
            return DrainResult()
        training = (
            []
            if self.settings.training
            else [e for e in pending if is_training_document(e.payload)]
        )
        parked_training = 0
        if training:  # never sent as real: parked with the reason, the rest still go
            with self.db.session() as s:
                parked_training = sync_state.park(
                    s, [(e.event_id, TRAINING_REFUSED) for e in training], now
                )
            log.error("sync: %d training event(s) in a live outbox, not sent", len(training))
            pending = [e for e in pending if e not in training]
            if not pending:
                return DrainResult(parked=parked_training, batches=1)
        pending = _within_bytes(pending, self._batch_bytes)
        chain = ChainHead(head.seq, head.mac) if head is not None else _NO_CHAIN
        envelope = batch_document(
            store_id=self.store_id,
            terminal_id=self.terminal_id,
            sent_at=now,
            chain_head=chain,
            events=[],
            chain_check=None if entry is None else ChainHead(entry.seq, entry.mac),
        )
        # the stored documents go as they are, byte for byte
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        assert body.endswith('"events":[]}')
        raw = body[: -len("]}")] + ",".join(e.payload for e in pending) + "]}"
        try:
            acks = self.client.push_raw(raw.encode())
        except RequestRefused as exc:
            if exc.status != 413:
                raise
            return self._too_large(pending, str(exc), parked_training)
        delivered: list[str] = []
        refused: list[tuple[str, str]] = []
        duplicates = 0
        for ack in acks:
            if not 0 <= ack.index < len(pending):
                continue
            event = pending[ack.index]
            if ack.event_id is not None and ack.event_id != event.event_id:
                log.warning(
                    "sync: ack %d names %s, not %s", ack.index, ack.event_id, event.event_id
                )
                continue
            if ack.status is AckStatus.REJECTED:
                where = f"{ack.field}: " if ack.field else ""
                english = f"{where}{ack.reason}" or "refused"
                # a coded refusal is kept with its values: the till words it in the
                # reader's language (sync.protocol.refusals)
                refused.append((event.event_id, encode_parked(english, ack.code, ack.params)))
            else:
                delivered.append(event.event_id)
                duplicates += ack.status is AckStatus.DUPLICATE
        if not delivered and not refused:
            # no answer matched an event sent (none at all, indices outside the batch or
            # other events' ids): nothing moved, and sending the same batch again at once
            # would loop for ever; the round ends and backs off, nothing is marked
            raise TransientError("The head office acknowledged none of the events sent.")
        done = self._clock()
        with self.db.session() as s:
            sent = sync_state.mark_sent(s, delivered, done)
            parked = sync_state.park(s, refused, done)
            sync_state.set_value(s, sync_state.LAST_SUCCESS, done.isoformat())
            named = acks.chain_seq if isinstance(acks, Acks) else None
            if named is not None:
                sync_state.set_value(s, sync_state.CHAIN_CHECK_SEQ, str(named))
        for event_id, reason in refused:
            log.warning("sync: head office refused event %s: %s", event_id, reason)
        self._publish(online=True, refused=False, last_error="", last_success_at=done)
        return DrainResult(sent, duplicates, parked + parked_training, 1)

    def _too_large(
        self, pending: list[PendingEvent], message: str, parked_training: int
    ) -> DrainResult:
        """A 413: the push was larger than head office (or a proxy before it) takes.
        Several events: this agent's batches are halved in bytes from now on, and the
        drain goes on with the smaller one at once. One event alone: it is parked with the
        reason (offered again after ``park_retry``), so the events after it still go."""
        if len(pending) > 1:
            size = sum(len(e.payload.encode()) + 1 for e in pending)
            self._batch_bytes = max(1, min(self._batch_bytes, size // 2))
            log.warning(
                "sync: a push of %d events (%d bytes) was too large; now at most %d bytes",
                len(pending),
                size,
                self._batch_bytes,
            )
            return DrainResult(parked=parked_training, batches=1)
        event = pending[0]
        with self.db.session() as s:
            parked = sync_state.park(
                s, [(event.event_id, f"too large for the head office: {message}")], self._clock()
            )
        log.error("sync: event %s is larger than the head office takes", event.event_id)
        return DrainResult(parked=parked + parked_training, batches=1)

    def pull(self) -> int:
        """Apply head-office changes page by page; returns how many were applied."""
        applied = 0
        while not self._stopping.is_set():
            with self.db.read_session() as s:
                cursor = sync_state.get_value(s, sync_state.CURSOR)
            body = self.client.changes(cursor, self.settings.changes_limit)
            try:
                page = parse_page(body)
            except PageError as exc:
                raise TransientError(f"The head office sent a bad page of changes: {exc}") from None
            now = self._clock()
            with self.db.session() as s:
                applied += apply_catalog(s, page, now)  # VAT classes first, then products
                problems = [*page.problems, *sync_state.apply_users(s, page.users, now)]
                applied += len(page.users) - (len(problems) - len(page.problems))
                sync_state.set_value(s, sync_state.CURSOR, page.cursor)
                sync_state.set_value(s, sync_state.LAST_SUCCESS, now.isoformat())
                if problems:
                    sync_state.set_value(s, sync_state.LAST_PROBLEM, "; ".join(problems)[:2000])
            for problem in problems:
                log.warning("sync: change not applied: %s", problem)
            self._publish(
                online=True,
                refused=False,
                last_error="",
                last_success_at=now,
                problems=tuple(problems) or None,
            )
            if not page.more:
                break
            if page.cursor == cursor:  # "more" at the same place: asking again loops
                raise TransientError(
                    "The head office's page of changes said more but did not move its cursor."
                )
        return applied

    def _heartbeat_if_due(self) -> None:
        now = self._clock()
        last = self._last_heartbeat
        if last is not None and (now - last).total_seconds() < self.settings.heartbeat_every_s:
            return
        status = self.status()
        self.client.heartbeat(
            {
                "at": now.isoformat().replace("+00:00", "Z"),
                "outbox_waiting": status.waiting,
                "last_sync_at": (
                    status.last_success_at.isoformat().replace("+00:00", "Z")
                    if status.last_success_at
                    else None
                ),
                "app_version": self.settings.app_version,
            }
        )
        self._last_heartbeat = now

    # -- status ----------------------------------------------------------------------

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def refresh(self) -> SyncStatus:
        """Re-read the counts and the last success from the store (start-up, after a sale)."""
        return self._refresh()

    def _refresh(self) -> SyncStatus:
        with self.db.read_session() as s:
            counts = sync_state.outbox_counts(s)
            last = sync_state.get_value(s, sync_state.LAST_SUCCESS)
        last_at = datetime.fromisoformat(last) if last else None
        with self._lock:
            status = replace(
                self._status,
                waiting=counts.waiting,
                parked=counts.parked,
                last_success_at=last_at or self._status.last_success_at,
            )
            # not synced for too long: since the last success, or (never synced) since
            # the oldest event that is still waiting was written
            since = status.last_success_at or counts.oldest_waiting_at
            stale = since is not None and self._clock() - since > self.settings.warn_after
            self._status = status = replace(status, stale=stale)
        self._notify(status)
        return status

    def _publish(self, **changes: Any) -> None:
        if changes.get("problems") is None:
            changes.pop("problems", None)
        with self._lock:
            self._status = replace(self._status, **changes)
        self._refresh()

    def _notify(self, status: SyncStatus) -> None:
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("sync status listener failed")
