"""Composition root for an enrolled store's eTIMS on the till: head office's answers.

An enrolled store's sales are numbered and submitted to KRA by head office (one
``invcNo`` sequence per branch for all its tills). The sync agent pulls KRA's answers for
this till's documents (:mod:`sync.agent.etims_results`) and :class:`HeadOfficeEtims`
keeps them in ``etims-headoffice.sqlite`` beside the till's database: a
:class:`~sync.etims.queue_sqlite.SqliteQueue` file, so a signature is stored exactly as a
standalone till stores its own (``etims_signed``: rows triggers forbid to change, chained
with the key derived from the till's journal key, the file checked before it is opened:
:mod:`pos.etims_evidence`), and a refusal keeps KRA's reason for the manager's queue screen. Its own
file, never the standalone worker's ``etims.sqlite``: the two numberings must not mix.

A sale or refund the till has not pushed yet (head office unreachable) is in no eTIMS
queue anywhere, yet the law expects it to reach KRA promptly: the view counts it as
waiting (state ``waiting``, reason :data:`NOT_AT_HEAD_OFFICE`) with its age from the
till's outbox (:func:`pos.store.sync_state.unsent_documents`), so the age alert
(``[etims] max_queue_age_hours``) fires for a till cut off from head office too. The
view is published again after every sync round (:meth:`HeadOfficeEtims.publish`, from
``pos.sync_link``), so a sale made offline shows by the next round. A sale pushed but
not yet signed at head office (KRA away from head office for a day) is counted too: each
pull brings how many of this till's documents head office holds unsigned and the oldest's
time (``held``, :meth:`HeadOfficeEtims.held`, kept in the file across restarts; not known
from an older head office), in the view's waiting count and its oldest age, reason
:data:`HELD_AT_HEAD_OFFICE`. The alert's limit is the till's ``[etims]
max_queue_age_hours`` when it has that section (:func:`alert_after_of`), else head
office's, sent with ``held`` (the dashboard's limit), else 24 h.

A refund that needs no credit note (a return without a receipt, or a refund of a sale
that was not a KRA invoice: head office settles it ``no_credit``) gets no KRA block:
:meth:`HeadOfficeEtims.block_for` answers None, for a return without a receipt at once
(the till's own refund record says it has no original), for the other once head office
has said so, so its receipt stops saying "not yet a tax invoice".

The screens then read from here (:meth:`EtimsService.attach_head_office`): the receipt's
signed SCU block once head office has KRA's answer, until then the provisional mark with
a QR code of head office's customer page (``/r/<token>``, :mod:`sync.etims.public`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pos.domain.messages import text
from pos.etims_evidence import EtimsEvidence, evidence_for
from pos.services.etims import EtimsPhase, EtimsService, EtimsView, KraBlock, QueueRow
from pos.store import sync_state
from pos.store.db import Database
from pos.store.refunds import refund_by_id
from sync.agent.etims_results import EtimsResult, EtimsResultPuller, HeldAtHeadOffice
from sync.etims.models import DeviceInfo, Signature
from sync.etims.public import customer_url, receipt_token, token_hash_of
from sync.etims.queue import EntryKind, EntryState
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.receipt import ScuBlock, scu_block
from sync.etims.settings import CuNumberStyle

log = logging.getLogger(__name__)

FILE_NAME = "etims-headoffice.sqlite"
#: what the sale screen and the manager's eTIMS screen say on an enrolled till
HEAD_OFFICE_REASON = (
    "this store's sales are submitted to KRA by head office (one invoice sequence for all "
    "its tills); KRA's signature comes back with the sync link and is printed on reprints"
)
SIGNED_ROWS = 50
#: the cause a document not yet pushed is waiting for (its row's reason, and the view's
#: reason ``NOT_AT_HEAD_OFFICE: n; HEAD_OFFICE_REASON`` while there is one)
NOT_AT_HEAD_OFFICE = text("not yet sent to head office (no sync link), so not yet submitted to KRA")
#: the outbox events that become eTIMS documents at head office
DOCUMENT_KINDS = ("sale.completed", "refund.completed")
#: how many of them the queue screen lists (the oldest; the count covers all)
UNSENT_ROWS = 50
#: the cause of the documents head office holds unsigned (``held``): pushed, not signed
HELD_AT_HEAD_OFFICE = text("at head office, not yet signed by KRA")
#: the age alert's limit without ``[etims] max_queue_age_hours``
DEFAULT_ALERT_AFTER = timedelta(hours=24)
#: the file's state row keeping the last ``held`` head office sent
HELD_STATE = "held"


def alert_after_of(config: Any) -> timedelta | None:
    """The age alert's limit an enrolled till sets itself: ``[etims]
    max_queue_age_hours`` when its config has an ``[etims]`` section (the same key as a
    standalone till's); None without one (then head office's limit, which each results
    answer carries, else :data:`DEFAULT_ALERT_AFTER`)."""
    etims = getattr(config, "etims", None)
    settings = getattr(etims, "settings", None)
    limit = getattr(settings, "queue_alert_after", None)
    return limit if isinstance(limit, timedelta) else None


def _now() -> datetime:
    return datetime.now(UTC)


def signed_kra_block(block: ScuBlock, *, training: bool = False) -> KraBlock:
    """The screens' and printer's form of a signed SCU block (till and head office
    answers alike)."""
    return KraBlock(
        signed=True,
        title=block.title,
        rows=tuple(block.lines()),
        qr_url=block.qr_url,
        training=training,
        bands=block.bands,
        total=block.total,
    )


def _style_of(branch: dict[str, Any], default: CuNumberStyle) -> CuNumberStyle:
    """The CU number style head office last sent for the branch (its customer page's),
    else ``default``."""
    try:
        return CuNumberStyle(str(branch.get("cu_number_style") or default.value))
    except ValueError:
        return default


class HeadOfficeEtims:
    """The till's copy of head office's eTIMS answers for its own documents."""

    def __init__(
        self,
        path: Path,
        service: EtimsService,
        *,
        head_office_url: str = "",
        token: str = "",
        clock: Callable[[], datetime] = _now,
        alert_after: timedelta | None = None,
        cu_number_style: CuNumberStyle = CuNumberStyle.INVOICE,
        evidence: EtimsEvidence | None = None,
        db: Database | None = None,
    ) -> None:
        """``evidence``: the till's start-up check of its eTIMS files (the file is
        checked before it is opened, and its chain keyed); None: unkeyed, unchecked.
        ``db``: the till's database, whose outbox holds the sales not yet pushed to head
        office (counted as waiting, with their age); None: not counted."""
        self.path = path
        self._db = db
        self.service = service
        self._clock = clock
        self._alert_after = alert_after
        self._style = cu_number_style
        self._lock = threading.Lock()
        # every call under _lock
        self._queue = (
            SqliteQueue(path, shared=True)
            if evidence is None
            else evidence.queue(path, shared=True)
        )
        self._url = head_office_url
        self._hash = token_hash_of(token) if token else ""

    def close(self) -> None:
        with self._lock:
            self._queue.close()

    def later_url(self, doc_id: str) -> str:
        """The customer page of one of this till's documents ("" without head office)."""
        if not (self._url and self._hash):
            return ""
        return customer_url(self._url, receipt_token(self._hash, doc_id))

    def follow(self, head_office_url: str, token: str) -> None:
        """The till was enrolled again (a new token, perhaps a new address)."""
        self._url = head_office_url
        self._hash = token_hash_of(token) if token else ""

    # -- the agent's side -----------------------------------------------------------
    def apply(self, result: EtimsResult) -> str:
        """Store one outcome (the sync agent's thread); tell waiting receipts."""
        kind = EntryKind.REFUND if result.kind == "refund" else EntryKind.SALE
        body: dict[str, Any] = {
            "receipt_number": result.receipt_number,
            "org_invc_no": result.org_invc_no,
        }
        if result.bands is not None:  # KRA's tax table as head office submitted it
            body["bands"] = result.bands
        signature = None
        if result.state == "signed":
            assert result.signature is not None  # parse_results checked both
            signature = Signature.from_json(result.signature)
        with self._lock:
            if result.device is not None:
                self._queue.save_state("device", result.device)
            branch: dict[str, Any] = {"key": result.branch, "verify_host": result.verify_host}
            if result.cu_number_style:  # head office's setting: print what its page shows
                branch["cu_number_style"] = result.cu_number_style
            self._queue.save_state("branch", branch)
            outcome = self._queue.record_outcome(
                result.branch,
                result.doc_id,
                kind,
                body,
                self._clock(),
                state=EntryState(result.state),
                signature=signature,
                reason=result.reason,
                made_at=result.made_at,
            )
        if result.state == "parked":
            log.warning(
                "eTIMS: KRA refused %s %s (head office): %s",
                result.kind,
                result.receipt_number,
                result.reason,
            )
        self.publish()
        self.service.settle()  # a receipt waiting for its signature gets it now
        return outcome

    def held(self, held: HeldAtHeadOffice | None) -> None:
        """What head office holds unsigned of this till's documents, after a pull (the
        sync agent's thread): kept, and the view published. None (an older head office
        that does not say): not known, so nothing is counted for it."""
        value: dict[str, Any] = {"known": held is not None}
        if held is not None:
            value["count"] = held.count
            oldest = held.oldest_made_at
            value["oldest_made_at"] = None if oldest is None else oldest.isoformat()
            if held.alert_after is not None:  # head office's limit (the dashboard's)
                value["alert_after_hours"] = held.alert_after / timedelta(hours=1)
        with self._lock:
            if self._queue.load_state(HELD_STATE) != value:  # most pulls: no write
                self._queue.save_state(HELD_STATE, value)
        self.publish()

    def _limit(self) -> timedelta:
        """The age alert's limit: the till's own ``[etims]`` one, else the one head
        office last sent (review r14d: a till without ``[etims]`` alerted at 24 h while
        the dashboard alerted at head office's), else 24 h. The caller holds ``_lock``."""
        if self._alert_after is not None:
            return self._alert_after
        hours = (self._queue.load_state(HELD_STATE) or {}).get("alert_after_hours")
        if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0:
            return timedelta(hours=hours)
        return DEFAULT_ALERT_AFTER

    def _held(self) -> tuple[int, datetime | None]:
        """The last ``held`` kept: how many, the oldest's time; (0, None) when not known.
        The caller holds ``_lock``."""
        value = self._queue.load_state(HELD_STATE) or {}
        count = value.get("count")
        if not value.get("known") or not isinstance(count, int) or count <= 0:
            return 0, None
        try:
            oldest = datetime.fromisoformat(str(value.get("oldest_made_at")))
        except ValueError:
            return count, None
        return count, oldest

    # -- the screens' side (any thread) ------------------------------------------------
    def block_for(self, doc_id: str, copy: bool = False) -> KraBlock | None:
        """The document's block: signed by KRA through head office (with KRA's tax
        table from the band fields head office submitted, when it sent them), or
        provisional with the customer page's QR code. None for a refund that gets no
        credit note (as the standalone till's ``EtimsLink.block_for``): a return without
        a receipt at once, from the till's own refund record; a refund head office
        settled without one (its sale was not a KRA invoice) once head office said so."""
        with self._lock:
            branch = self._queue.load_state("branch") or {}
            entry = self._queue.get(str(branch.get("key", "")), doc_id) if branch else None
            device = self._queue.load_state("device")
        if entry is not None and entry.state is EntryState.NO_CREDIT_NOTE:
            return None
        if entry is None or entry.signature is None or device is None:
            if self._without_receipt(doc_id):
                return None
            return KraBlock(signed=False, title="", qr_url=self.later_url(doc_id))
        org, bands = entry.body.get("org_invc_no"), entry.body.get("bands")
        block = scu_block(
            entry.signature,
            DeviceInfo.from_json(device),
            verify_host=str(branch.get("verify_host", "")),
            style=_style_of(branch, self._style),
            org_invc_no=org if isinstance(org, int) else None,
            copy=copy,
            request=bands if isinstance(bands, dict) else None,  # as head office submitted
        )
        return signed_kra_block(block)

    def _without_receipt(self, doc_id: str) -> bool:
        """Whether ``doc_id`` is one of this till's refunds without an original sale (a
        return without a receipt): it credits no KRA invoice (one look-up by key)."""
        if self._db is None:
            return False
        with self._db.read_session() as s:
            refund = refund_by_id(s, doc_id)
            return refund is not None and not refund.original_sale_id

    def verify_chain(self) -> bool:
        with self._lock:
            branch = self._queue.load_state("branch") or {}
            return self._queue.verify_chain(str(branch.get("key", "")))

    def _unsent(self) -> tuple[int, list[QueueRow]]:
        """The till's sales and refunds head office has not acknowledged yet: how many,
        and the oldest as queue rows (waiting, :data:`NOT_AT_HEAD_OFFICE`)."""
        if self._db is None:
            return 0, []
        with self._db.read_session() as s:
            unsent = sync_state.unsent_documents(s, DOCUMENT_KINDS, UNSENT_ROWS)
        rows = []
        for doc in unsent.oldest:
            try:
                body = json.loads(doc.payload).get("body") or {}
                number = str(body.get("receipt_number") or doc.aggregate_id)
            except (ValueError, AttributeError):
                number = doc.aggregate_id
            rows.append(
                QueueRow(
                    receipt_number=number,
                    kind="refund" if doc.kind == "refund.completed" else "sale",
                    state=EntryState.WAITING.value,
                    invc_no=None,
                    enqueued_at=doc.created_at,
                    reason=NOT_AT_HEAD_OFFICE,
                    attempts=0,
                    position=-doc.seq,  # not a place in head office's queue: no action
                    doc_id=doc.aggregate_id,
                )
            )
        return unsent.count, rows

    def publish(self) -> None:
        """The queue screen's view: not yet at head office (with its age), refused (with
        KRA's reason), put back, the latest signed; the phase says head office submits.

        Called after each stored answer and after each sync round, also a failed one."""
        from pos.etims_link import _row

        now = self._clock()
        not_sent, unsent_rows = self._unsent()
        with self._lock:
            key = str((self._queue.load_state("branch") or {}).get("key", ""))
            limit = self._limit()
            stats = self._queue.stats(key, now, limit)
            open_rows = self._queue.entries(key, (EntryState.WAITING, EntryState.PARKED))
            signed = self._queue.entries(key, (EntryState.SIGNED,))[-SIGNED_ROWS:]
            settled = self._queue.entries(key, (EntryState.NO_CREDIT_NOTE,))[-SIGNED_ROWS:]
            held, held_oldest = self._held()
        known = {e.doc_id for e in (*open_rows, *signed, *settled)}
        unsent_rows = [r for r in unsent_rows if r.doc_id not in known]
        rows = unsent_rows + [_row(e) for e in open_rows] + [_row(e) for e in reversed(signed)]
        rows += [_row(e) for e in reversed(settled)]
        oldest = [t for t in (stats.oldest_unsigned, held_oldest) if t is not None]
        oldest += [r.enqueued_at for r in unsent_rows[:1]]
        reason = HEAD_OFFICE_REASON
        if held:
            reason = f"{HELD_AT_HEAD_OFFICE}: {held}; {reason}"
        if not_sent:
            reason = f"{NOT_AT_HEAD_OFFICE}: {not_sent}; {reason}"
        self.service.publish(
            EtimsView(
                phase=EtimsPhase.HEAD_OFFICE,
                reason=reason,
                waiting=stats.waiting + not_sent + held,
                signed=stats.signed,
                parked=stats.parked,
                oldest_unsigned=min(oldest) if oldest else None,
                alert_after=limit,
                rows=tuple(rows),
                no_credit_note=stats.no_credit_note,
            )
        )


def etims_results_puller(
    terminal: Any,
    client: Any,
    head_office_url: str,
    token: str,
    database_path: Path,
    *,
    alert_after: timedelta | None = None,
) -> EtimsResultPuller:
    """The agent's eTIMS pull for an enrolled till, its answers kept beside the till's
    database; the screens follow head office's answers from now on. ``alert_after``:
    the age alert's limit when the till sets one (``[etims] max_queue_age_hours``:
    :func:`alert_after_of` its config); None: head office's."""
    hq: HeadOfficeEtims | None = getattr(terminal, "etims_head_office", None)
    if hq is not None:
        hq.follow(head_office_url, token)  # enrolled again: its new token and address
    else:
        path = database_path.with_name(FILE_NAME)
        path.parent.mkdir(parents=True, exist_ok=True)  # a data folder not made yet
        hq = HeadOfficeEtims(
            path,
            terminal.etims,
            head_office_url=head_office_url,
            token=token,
            alert_after=alert_after,
            evidence=evidence_for(terminal),
            db=terminal.db,
        )
        terminal.etims_head_office = hq
    terminal.etims.attach_head_office(hq.block_for, hq.later_url)
    hq.publish()
    return EtimsResultPuller(terminal.db, client, hq.apply, hq.held)
