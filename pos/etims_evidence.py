"""Composition root: the start-up check of the till's eTIMS files, kept as evidence.

The signed KRA invoices a till keeps (``etims.sqlite``, the standalone worker's queue, and
``etims-headoffice.sqlite``, an enrolled till's copy of head office's answers) are
chained with :class:`~sync.etims.queue_sqlite.ChainKey`, derived from the till's journal
key (the OS keyring; training: its key file), so no new secret is kept. At every start,
before a queue opens a file (opening it puts dropped rules back), :meth:`EtimsEvidence.check`:

1. reads the file as ``kaunta verify`` does (read-only) with the key
   (:func:`sync.etims.chain_check.check_file`);
2. keeps what it found in the till's audit log (``etims_tampering_found``: the file and
   each finding's kind and values), which the keyed journal seals and whose chain head
   goes to head office: so a finding cannot be wiped from the eTIMS file alone, and one
   already kept is not kept again;
3. upgrades a file chained the old unkeyed way: when its old chain verifies, every link is
   made again with the key in one transaction
   (:meth:`~sync.etims.queue_sqlite.SqliteQueue.rechain`, noted in the file's
   ``etims_chain_log``) and the audit log gets ``etims_chain_keyed`` (the file, the key's
   id, how many invoices); when it does not verify, nothing is re-chained and the alert
   says so. A file checked with the key for the first time that needs no upgrade (new,
   empty, or keyed already) gets ``etims_chain_keyed`` too: from then on a file of that
   name chained wholly the old way is a finding (its keyed links were replaced), not an
   old file to upgrade: only the first start of a till upgraded from an unkeyed Kaunta
   re-chains;
4. tells the screens (:meth:`pos.services.etims.EtimsService.set_evidence`): the alert
   for what the file shows now, or, while no manager has acknowledged them, for the
   findings kept at an earlier start (a dropped rule is put back when the queue opens the
   file; the finding stays in the alert). A manager's acknowledgement
   (``etims_tampering_seen``, with the manager's user id) ends it for those findings.

A till whose journal key is not loaded (its journal refuses sales and says why) has no
chain key: its eTIMS files are checked and written the old unkeyed way, nothing is kept in
the audit log (the log cannot be sealed), and the eTIMS view says the chain is not keyed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from pos.domain.messages import Message
from pos.services.audit import AuditWriter
from pos.services.auth import Permission
from pos.services.etims import EtimsService
from pos.services.etims_tampering import ACK_NOTHING, NOT_KEYED, alert, finding, recorded
from pos.store.db import Database
from sync.etims import words
from sync.etims.chain_check import (
    ChainFinding,
    FileCheck,
    Problem,
    chain_heads,
    check_file,
    has_link,
)
from sync.etims.queue_sqlite import ChainKey, SqliteQueue

log = logging.getLogger(__name__)

FOUND = "etims_tampering_found"
SEEN = "etims_tampering_seen"
KEYED = "etims_chain_keyed"
NOT_RECHAINED = "etims_chain_not_rechained"
HEADS = "etims_chain_head"
_ACTIONS = (FOUND, SEEN, KEYED, NOT_RECHAINED, HEADS)


def chain_key_of(db: Database) -> ChainKey | None:
    """The eTIMS chain key of the till whose database is ``db`` (None: its journal key
    is not loaded)."""
    journal = db.journal_key
    return None if journal is None else ChainKey.derived_from(journal.secret)


@dataclass(frozen=True, slots=True)
class Kept:
    """One ``etims_tampering_found`` entry: its audit ``seq``, when, and its findings."""

    seq: int
    at: datetime
    findings: tuple[ChainFinding, ...]


@dataclass(frozen=True, slots=True)
class FileReport:
    """What the start-up check of one file found and did."""

    check: FileCheck
    #: the screens' alert (None: nothing to show)
    alert: Message | None
    #: branches re-linked with the key now, and how many invoices each
    rechained: dict[str, int]
    #: findings kept at earlier starts that no manager has acknowledged yet
    unacknowledged: tuple[Kept, ...] = ()


def _finding_json(found: ChainFinding) -> dict[str, Any]:
    return {
        "problem": found.problem.value,
        "branch": found.branch,
        "invoice": found.invoice,
        "rule": found.rule,
        "signed_as": found.signed_as,
    }


def _finding_of(value: dict[str, Any]) -> ChainFinding:
    return ChainFinding(
        Problem(str(value["problem"])),
        str(value.get("branch") or ""),
        value.get("invoice"),
        str(value.get("rule") or ""),
        value.get("signed_as"),
    )


class EtimsEvidence:
    """The start-up check of this till's eTIMS files, with the till's audit log as the
    record; one per till (``terminal.etims_evidence``), used by every thread that opens
    one of the files (each file is checked once per start, before its queue opens it)."""

    def __init__(
        self,
        db: Database,
        service: EtimsService,
        audit: AuditWriter,
        *,
        require_manager: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.service = service
        self._audit = audit
        self._require_manager = require_manager
        self._clock = clock or (lambda: audit.clock.now())
        self._lock = threading.Lock()
        self._reports: dict[Path, FileReport] = {}
        service.attach_acknowledge(self.acknowledge)

    @property
    def key(self) -> ChainKey | None:
        return chain_key_of(self.db)

    def queue(self, path: Path, *, shared: bool = False) -> SqliteQueue:
        """The queue of one of the till's eTIMS files, keyed, checked first."""
        self.check_once(path)
        return SqliteQueue(path, shared=shared, key=self.key)

    def check_once(self, path: Path) -> FileReport:
        """:meth:`check`, once per file and start (a second caller gets the first's)."""
        with self._lock:
            report = self._reports.get(path.resolve())
            if report is None:
                report = self.check(path)
                self._reports[path.resolve()] = report
            return report

    def check(self, path: Path) -> FileReport:
        """The start-up check of the eTIMS file at ``path`` (see the module's steps)."""
        name = path.name
        key = self.key
        kept = self._kept(name) if key is not None else _History()
        try:
            check = check_file(path, key, was_keyed=kept.keyed)
        except sqlite3.Error as exc:
            log.error("eTIMS: %s could not be checked: %s", name, exc)
            check = FileCheck([], [], False)
        if key is not None:  # the heads an earlier start recorded must still be there
            for branch, (invc_no, link) in sorted(kept.heads.items()):
                if path.is_file() and not has_link(path, branch, invc_no, link):
                    check.findings.append(ChainFinding(Problem.CUT_BACK, branch, invc_no))
        for problem in check.findings:
            log.error("eTIMS: %s: %s", name, problem)
        rechained: dict[str, int] = {}
        old_chain = bool(check.findings and check.unkeyed)
        # a manager acknowledged exactly what the file shows now, at an earlier start
        acknowledged = bool(
            check.findings
            and kept.found
            and tuple(check.findings) == kept.last_findings
            and kept.found[-1].seq <= kept.seen_up_to
        )
        if key is not None:
            new = bool(check.findings) and tuple(check.findings) != kept.last_findings
            if new:
                seq = self._write(FOUND, {"file": name, "findings": check.findings})
                if seq is not None:
                    kept.add(Kept(seq, self._clock(), tuple(check.findings)))
            if old_chain and new:
                log.error(
                    "eTIMS: %s is chained the old way and does not verify: not re-chained "
                    "with the key (branches %s)",
                    name,
                    ", ".join(check.unkeyed),
                )
                self._write(NOT_RECHAINED, {"file": name, "branches": check.unkeyed})
            elif old_chain:
                pass  # said at the start that found it
            elif check.unkeyed:
                rechained = self._rechain(path, key)
            elif not kept.keyed and not check.findings:
                # keyed from now on (a new file, or its first keyed links): a file of
                # this name chained wholly the old way is a finding from here on
                self._write(KEYED, {"file": name, "key_id": key.key_id, "rechained": {}})
        open_ones = tuple(kept.unacknowledged())
        said = ""
        if check.findings and not acknowledged:
            first = check.findings[0]
            said = f"{words.TAMPERED}: {first}"
            shown: Message | None = alert(
                name,
                finding(first.problem.value, first.values()),
                len(check.findings),
                old_chain=old_chain,
            )
        elif open_ones:
            newest = open_ones[-1]
            first = newest.findings[0]
            said = f"{words.TAMPERED}: {first} ({newest.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
            shown = recorded(
                name, newest.at, finding(first.problem.value, first.values()), len(newest.findings)
            )
        else:
            shown = None
        if key is not None and (not check.findings or acknowledged):
            self._record_heads(path, kept)
        note = NOT_KEYED if key is None and path.is_file() else ""
        if key is None and path.is_file():
            log.warning("eTIMS: %s: %s", name, NOT_KEYED)
        self.service.set_evidence(name, shown, note, said)
        return FileReport(check, shown, rechained, open_ones)

    def _record_heads(self, path: Path, kept: _History) -> None:
        """Each branch's last signed invoice and its link, in the audit log when they
        moved since the last start: the next start checks they are still in the file (a
        file cut back to an earlier point verifies link by link; its missing head does
        not). Recorded only when the file shows nothing, or only what a manager saw."""
        try:
            heads = chain_heads(path)
        except sqlite3.Error as exc:
            log.error("eTIMS: the last signed invoices of %s could not be read: %s", path, exc)
            return
        if heads and heads != kept.heads:
            detail = {"file": path.name, "heads": {b: [n, h] for b, (n, h) in heads.items()}}
            self._write(HEADS, detail)

    def _rechain(self, path: Path, key: ChainKey) -> dict[str, int]:
        """The upgrade: the old chain verified, so it is made again with the key."""
        queue = SqliteQueue(path, key=key)
        try:
            done = queue.rechain(self._clock())
        finally:
            queue.close()
        if done.branches:
            log.warning(
                "eTIMS: %s re-chained with the key: %d signed invoices (%s)",
                path.name,
                done.rows,
                ", ".join(f"{b}: {n}" for b, n in done.branches.items()),
            )
            self._write(
                KEYED, {"file": path.name, "key_id": key.key_id, "rechained": done.branches}
            )
        return done.branches

    def acknowledge(self) -> Message | None:
        """A manager has seen the alert: every file's kept findings up to now are
        acknowledged, in the audit log with the manager's id; the alert goes."""
        user_id = self._require_manager() if self._require_manager is not None else ""
        with self._lock:
            files = [p for p, r in self._reports.items() if r.alert is not None]
            if not files:
                return ACK_NOTHING()
            for path in files:
                history = self._kept(path.name)
                upto = max((k.seq for k in history.found), default=0)
                self._write(SEEN, {"file": path.name, "up_to": upto}, user_id=user_id)
                log.warning("eTIMS: the tampering alert of %s was acknowledged", path.name)
                self._reports[path] = FileReport(
                    self._reports[path].check, None, self._reports[path].rechained
                )
                self.service.set_evidence(path.name, None)
        return None

    # -- the audit log --------------------------------------------------------------------
    def _write(self, action: str, detail: dict[str, Any], *, user_id: str = "") -> int | None:
        """One audit entry (sealed by the journal); its seq, or None when it could not
        be written (logged: the alert is still shown)."""
        value = dict(detail)
        if "findings" in value:
            value["findings"] = [_finding_json(f) for f in value["findings"]]
        try:
            with self.db.session() as s:
                self._audit.write(s, user_id=user_id, action=action, detail=value)
                seq = s.execute(text("SELECT max(seq) FROM audit_log")).scalar()
        except Exception:
            log.exception("eTIMS: could not keep %s in the audit log", action)
            return None
        return int(seq or 0)

    def _kept(self, name: str) -> _History:
        try:
            with self.db.read_session() as s:
                rows = s.execute(
                    text(
                        "SELECT seq, at, action, detail FROM audit_log WHERE action IN "
                        f"({', '.join(repr(a) for a in _ACTIONS)}) ORDER BY seq"
                    )
                ).all()
        except Exception:
            log.exception("eTIMS: the audit log could not be read")
            return _History()
        return _History.of(name, rows)


class _History:
    """What the audit log holds for one file: kept findings, acknowledgements, keyed."""

    def __init__(self) -> None:
        self.found: list[Kept] = []
        self.seen_up_to = 0
        self.keyed = False
        #: each branch's last signed invoice and link, as the last start recorded them
        self.heads: dict[str, tuple[int, str]] = {}

    @classmethod
    def of(cls, name: str, rows: Iterable[Any]) -> _History:
        out = cls()
        for seq, at, action, detail in rows:
            try:
                value = json.loads(detail)
            except ValueError:
                continue
            if not isinstance(value, dict) or value.get("file") != name:
                continue
            if action == FOUND:
                try:
                    found = tuple(_finding_of(f) for f in value.get("findings") or [])
                except (KeyError, ValueError, TypeError):
                    continue
                if found:
                    out.found.append(Kept(int(seq), datetime.fromisoformat(str(at)), found))
            elif action == SEEN:
                out.seen_up_to = max(out.seen_up_to, int(value.get("up_to") or 0))
            elif action == KEYED:
                out.keyed = True
            elif action == HEADS:
                heads = value.get("heads")
                if isinstance(heads, dict):
                    try:
                        out.heads = {str(b): (int(v[0]), str(v[1])) for b, v in heads.items()}
                    except (TypeError, ValueError, IndexError):
                        continue
        return out

    def add(self, kept: Kept) -> None:
        self.found.append(kept)

    @property
    def last_findings(self) -> tuple[ChainFinding, ...]:
        return self.found[-1].findings if self.found else ()

    def unacknowledged(self) -> list[Kept]:
        return [k for k in self.found if k.seq > self.seen_up_to]


_MADE = threading.Lock()


def evidence_for(terminal: Any) -> EtimsEvidence:
    """The till's :class:`EtimsEvidence` (made once, kept on the terminal; the eTIMS
    worker and the sync agent's thread may ask at once)."""
    with _MADE:
        return _evidence_for(terminal)


def _evidence_for(terminal: Any) -> EtimsEvidence:
    evidence: EtimsEvidence | None = getattr(terminal, "etims_evidence", None)
    if evidence is None:

        def manager() -> str:
            return str(terminal.auth.require(Permission.MANAGE_SETTINGS).user_id)

        evidence = EtimsEvidence(
            terminal.db,
            terminal.etims,
            AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
            require_manager=manager,
        )
        terminal.etims_evidence = evidence
    return evidence


def check_in_background(evidence: EtimsEvidence, paths: list[Path]) -> threading.Thread:
    """The start-up check of ``paths`` on a thread of its own (never the GUI thread)."""

    def run() -> None:
        for path in paths:
            if not path.is_file():
                continue  # nothing kept there (yet): its queue checks it when it opens it
            try:
                evidence.check_once(path)
            except Exception:
                log.exception("eTIMS: the start-up check of %s failed", path.name)

    thread = threading.Thread(target=run, name="etims-evidence", daemon=True)
    thread.start()
    return thread


def verify_key(keys: Any, ctx: Any) -> ChainKey | None:
    """``kaunta verify``'s chain key: from the journal key kept for this till (None: none
    kept, or not a key; the journal's own check says why)."""
    from pos.services.journal import KeyNames
    from pos.store.journal_chain import JournalKey

    stored = keys.get(KeyNames.of(ctx).key)
    try:
        return None if stored is None else ChainKey.derived_from(JournalKey.from_hex(stored).secret)
    except ValueError:
        return None


def was_keyed(database: Path, name: str) -> bool:
    """The till's audit log says the eTIMS file ``name`` was keyed (read-only, for
    ``kaunta verify``; False when the database cannot be read)."""
    if not database.is_file():
        return False
    try:
        db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        rows = db.execute(
            "SELECT seq, at, action, detail FROM audit_log WHERE action = ?", (KEYED,)
        ).fetchall()
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return _History.of(name, rows).keyed
