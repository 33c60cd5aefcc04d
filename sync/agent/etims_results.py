"""The till's pull of KRA's answers from head office (an enrolled store's eTIMS).

An enrolled store's sales are numbered and submitted to KRA by head office (one invoice
sequence per branch, shared by its tills). :class:`EtimsResultPuller` runs in the sync
agent's round: ``GET /api/v1/etims-results?after=cursor``, each outcome (signed, with
KRA's signature and the branch's device facts; refused, with KRA's reason; put back as
waiting; a refund settled without a credit note, ``no_credit``) handed to the applier
(the composition root stores it with the sale: ``pos.etims_results``), and the cursor
kept in ``sync_state`` after each one. After a pull, what head office holds of this
till's documents unsigned and no result named yet (``held``: how many, the oldest's
time) goes to the ``held`` listener: the till's age alert covers a sale pushed but not
signed while head office cannot reach KRA. A head office that does not send it (an
older version) gives None: not known, which is not "none". A crash
between storing and moving the cursor hands that outcome over again; storing is
idempotent (a signature once stored is immutable and the same one again is a no-op).

A head office without eTIMS results (an older version: 404) or an answer that is not the
document it should be is logged once and never holds up the outbox drain; a malformed
answer applies nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pos.store import sync_state
from pos.store.db import Database
from sync.agent.client import HeadOfficeClient, RequestRefused, TransientError

log = logging.getLogger(__name__)

#: name of the pull cursor in ``sync_state``
ETIMS_CURSOR = "etims_results.after"
#: head office's page size
PAGE = 200
#: ``no_credit``: a refund settled without a credit note (its sale was not a KRA invoice)
STATES = frozenset({"signed", "parked", "waiting", "no_credit"})


class BadResults(TransientError):
    """Head office's answer is not the results document (a proxy's page, a bug)."""


@dataclass(frozen=True, slots=True)
class EtimsResult:
    """One outcome as ``GET /api/v1/etims-results`` lists it."""

    seq: int
    doc_id: str
    kind: str  #: "sale" | "refund"
    state: str  #: "signed" | "parked" | "waiting"
    receipt_number: str
    branch: str  #: ``<PIN>-<bhfId>``
    invc_no: int | None
    org_invc_no: int | None
    reason: str
    signature: dict[str, Any] | None
    device: dict[str, Any] | None
    verify_host: str
    #: the signed invoice's band fields as submitted (KRA's tax table on the receipt);
    #: None from a head office that does not send them
    bands: dict[str, Any] | None = None
    #: head office's ``cu_number_style`` ("invcNo" / "curRcptNo"); "" from a head office
    #: that does not send it (the till then keeps the default, invcNo)
    cu_number_style: str = ""
    #: when the till made the document (aware); None from a head office that does not
    #: send it (the till then ages the entry from when the result came)
    made_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HeldAtHeadOffice:
    """This till's documents head office holds unsigned (waiting or in doubt) that no
    result has named yet: pushed, not signed by KRA."""

    count: int
    oldest_made_at: datetime | None  #: aware; None when ``count`` is 0
    #: head office's age alert limit; None from a head office that does not send it
    alert_after: timedelta | None = None


#: stores one outcome; returns what became of it ("stored", "already", ...) for the log
Applier = Callable[[EtimsResult], str]
#: told after each pull what head office holds unsigned (None: it did not say)
HeldListener = Callable[[HeldAtHeadOffice | None], None]


def _opt_int(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is not a whole number")
    return value


def _str(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value


def _opt_obj(item: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = item.get(key)
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"{key} is not an object")
    return value


def _opt_time(item: dict[str, Any], key: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError(f"{key} has no time zone")
    return at


#: what a result's ``cu_number_style`` may be (sync.etims.settings.CuNumberStyle's values)
CU_NUMBER_STYLES = ("invcNo", "curRcptNo")


def _style(item: dict[str, Any]) -> str:
    """The result's ``cu_number_style``; "" (the till's default) when absent or one this
    till does not know: logged, not a refusal of the page (review r14e: that would stop
    the pull, as an unknown state did)."""
    value = item.get("cu_number_style")
    if value is None:
        return ""
    if value not in CU_NUMBER_STYLES:
        log.warning("head office sent a cu_number_style this till does not know: %r", value)
        return ""
    return str(value)


def parse_held(body: dict[str, Any]) -> HeldAtHeadOffice | None:
    """``held`` of one answer; None when head office did not send it (an older one)."""
    held = body.get("held")
    if held is None:
        return None
    if not isinstance(held, dict):
        raise ValueError("held is not an object")
    count = _opt_int(held, "count")
    if count is None or count < 0:
        raise ValueError("held.count is not a count")
    oldest: datetime | None = None
    raw = held.get("oldest_made_at")
    if raw is not None:
        if not isinstance(raw, str):
            raise ValueError("held.oldest_made_at is not text")
        oldest = datetime.fromisoformat(raw)
        if oldest.tzinfo is None:
            raise ValueError("held.oldest_made_at has no time zone")
    if count and oldest is None:
        raise ValueError("held.oldest_made_at is missing")
    hours = held.get("alert_after_hours")
    limit: timedelta | None = None
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 720:
            raise ValueError("held.alert_after_hours is not a number of hours (0 to 720)")
        limit = timedelta(hours=hours)
    return HeldAtHeadOffice(count, oldest if count else None, limit)


def parse_answer(body: Any, after: int) -> tuple[list[EtimsResult], int, HeldAtHeadOffice | None]:
    """:func:`parse_results` and :func:`parse_held` of one answer; malformed results are
    :class:`BadResults` and nothing of the answer is applied. A malformed ``held`` alone
    is logged and taken as not known: the signatures beside it are still applied (review
    r14d)."""
    results, next_after = parse_results(body, after)
    try:
        held = parse_held(body)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("head office sent a bad eTIMS 'held' (taken as not known): %s", exc)
        held = None
    return results, next_after, held


def parse_results(body: Any, after: int) -> tuple[list[EtimsResult], int]:
    """The outcomes of one answer, oldest first, and the cursor after them; anything
    malformed is :class:`BadResults` and nothing of the answer is applied."""
    try:
        if not isinstance(body, dict):
            raise ValueError("the answer is not an object")
        items, next_after = body["results"], body["next_after"]
        if not isinstance(items, list):
            raise ValueError("results is not a list")
        if isinstance(next_after, bool) or not isinstance(next_after, int) or next_after < after:
            raise ValueError("next_after goes backwards")
        out: list[EtimsResult] = []
        last = after
        for item in items:
            if not isinstance(item, dict):
                raise ValueError("a result is not an object")
            seq = _opt_int(item, "seq")
            if seq is None or seq <= last:
                raise ValueError(f"seq {seq} is not after {last}")
            last = seq
            state = _str(item, "state")
            if state not in STATES:
                # a newer head office's state: not for this till; the cursor passes it
                # rather than stopping at it for ever (review r14d)
                log.warning("eTIMS result %s has a state this till does not know: %r", seq, state)
                continue
            signature, device = _opt_obj(item, "signature"), _opt_obj(item, "device")
            invc_no = _opt_int(item, "invc_no")
            if state == "signed" and (signature is None or device is None or invc_no is None):
                raise ValueError(f"signed result {seq} lacks its signature or device")
            out.append(
                EtimsResult(
                    seq=seq,
                    doc_id=_str(item, "doc_id"),
                    kind=_str(item, "kind"),
                    state=state,
                    receipt_number=_str(item, "receipt_number"),
                    branch=_str(item, "branch"),
                    invc_no=invc_no,
                    org_invc_no=_opt_int(item, "org_invc_no"),
                    reason=_str(item, "reason"),
                    signature=signature,
                    device=device,
                    verify_host=_str(item, "verify_host"),
                    bands=_opt_obj(item, "bands"),
                    cu_number_style=_style(item),
                    made_at=_opt_time(item, "made_at"),
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResults(f"The head office sent bad eTIMS results: {exc}") from None
    return out, max(next_after, last)


@dataclass(frozen=True, slots=True)
class EtimsPullReport:
    seen: int = 0
    cursor: int = 0
    deferred: bool = False  #: refused or malformed: asked again next round
    #: what head office holds unsigned, from the last page (None: not said)
    held: HeldAtHeadOffice | None = None


class EtimsResultPuller:
    """Pulls KRA's answers for this till's documents and hands each to ``apply`` once
    per cursor position; after each pull, ``held`` (when given) hears what head office
    holds unsigned of this till's documents."""

    def __init__(
        self,
        db: Database,
        client: HeadOfficeClient,
        apply: Applier,
        held: HeldListener | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.apply = apply
        self.held = held
        self._quiet = False  # a refusal or bad answer was logged; once until it works

    def cursor(self) -> int:
        with self.db.read_session() as s:
            value = sync_state.get_value(s, ETIMS_CURSOR)
        try:
            return int(value) if value else 0
        except ValueError:
            log.error("sync: eTIMS results cursor %r is not a number: starting over", value)
            return 0

    def _store(self, cursor: int) -> None:
        with self.db.session() as s:
            sync_state.set_value(s, ETIMS_CURSOR, str(cursor))

    def pull(self, stopping: threading.Event | None = None) -> EtimsPullReport:
        """Pull and store until head office has nothing newer. A transport failure is
        raised (the agent's round backs off); a refusal or bad answer is logged once."""
        seen = 0
        after = self.cursor()
        held: HeldAtHeadOffice | None = None
        complete = False
        while stopping is None or not stopping.is_set():
            try:
                body = self.client.etims_results(after)  # a transport failure: raised
                results, next_after, held = parse_answer(body, after)
            except (RequestRefused, BadResults) as exc:
                if not self._quiet:
                    log.warning("sync: no eTIMS results from head office: %s", exc)
                self._quiet = True
                return EtimsPullReport(seen, after, deferred=True)
            self._quiet = False
            for result in results:
                outcome = self.apply(result)
                seen += 1
                log.info(
                    "sync: eTIMS result %s (%s %s, %s): %s",
                    result.seq,
                    result.kind,
                    result.receipt_number,
                    result.state,
                    outcome,
                )
                after = result.seq
                self._store(after)
            if next_after > after:
                after = next_after
                self._store(after)
            if len(results) < PAGE:
                complete = True
                break
        if complete and self.held is not None:
            self.held(held)  # the last page's: counted after every result it listed
        return EtimsPullReport(seen, after, held=held)
