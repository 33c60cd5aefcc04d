"""The till's pull of KRA's answers from head office (an enrolled store's eTIMS).

An enrolled store's sales are numbered and submitted to KRA by head office (one invoice
sequence per branch, shared by its tills). :class:`EtimsResultPuller` runs in the sync
agent's round: ``GET /api/v1/etims-results?after=cursor``, each outcome (signed, with
KRA's signature and the branch's device facts; refused, with KRA's reason; put back as
waiting) handed to the applier (the composition root stores it with the sale:
``pos.etims_results``), and the cursor kept in ``sync_state`` after each one. A crash
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
from typing import Any

from pos.store import sync_state
from pos.store.db import Database
from sync.agent.client import HeadOfficeClient, RequestRefused, TransientError

log = logging.getLogger(__name__)

#: name of the pull cursor in ``sync_state``
ETIMS_CURSOR = "etims_results.after"
#: head office's page size
PAGE = 200
STATES = frozenset({"signed", "parked", "waiting"})


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


#: stores one outcome; returns what became of it ("stored", "already", ...) for the log
Applier = Callable[[EtimsResult], str]


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
                raise ValueError(f"state {state!r} is unknown")
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


class EtimsResultPuller:
    """Pulls KRA's answers for this till's documents and hands each to ``apply`` once
    per cursor position."""

    def __init__(self, db: Database, client: HeadOfficeClient, apply: Applier) -> None:
        self.db = db
        self.client = client
        self.apply = apply
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
        while stopping is None or not stopping.is_set():
            try:
                body = self.client.etims_results(after)  # a transport failure: raised
                results, next_after = parse_results(body, after)
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
                break
        return EtimsPullReport(seen, after)
