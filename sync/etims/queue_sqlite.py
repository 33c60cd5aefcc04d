"""The submission queue in its own SQLite file (not the till's database): for a
standalone till, for tests, and for a head office on one machine.

WAL, ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` with a busy timeout, so several
processes (two tills of one branch) can append and one can number without two ever
taking the same ``invcNo``; one drains at a time (:meth:`SqliteQueue.drain_lock`, an
OS lock on ``<file>.drain`` beside the queue file, which the system drops when its holder
dies). Signed results go to ``etims_signed``: rows that triggers forbid to change or
delete, each chained to the previous one of its branch with a key kept outside the file,
as the journal is (:class:`ChainKey`: derived from the till's journal key under its own
label, so there is no new secret): whoever can write the file cannot compute a chain
that verifies after rewriting an invoice.

A keyed link is ``k1:`` and an HMAC-SHA256; files written before (or by a queue opened
without a key: a till whose journal key is not loaded, a queue used alone) hold the old
unkeyed SHA-256 links. :meth:`SqliteQueue.rechain` upgrades a branch whose every link is
the old kind, once its old chain verifies, in one transaction, and notes it in
``etims_chain_log`` (append-only); :mod:`sync.etims.chain_check` says what is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync.etims import words
from sync.etims.client import encode
from sync.etims.models import Signature
from sync.etims.queue import Contended, Entry, EntryKind, EntryState, QueueStats, QueueStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS etims_queue (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    branch TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    original_doc_id TEXT,
    state TEXT NOT NULL,
    invc_no INTEGER,
    request TEXT,
    reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    enqueued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (branch, doc_id),
    UNIQUE (branch, invc_no)
);
CREATE INDEX IF NOT EXISTS etims_queue_open ON etims_queue (branch, state, position);
CREATE TABLE IF NOT EXISTS etims_counter (
    branch TEXT PRIMARY KEY,
    last_invc_no INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS etims_signed (
    branch TEXT NOT NULL,
    invc_no INTEGER NOT NULL,
    position INTEGER NOT NULL,
    signature TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (branch, invc_no)
);
-- every read joins a queue entry to its signature by position: without this index each
-- join scanned the whole signed table (a 10,000-sale backlog drained in quadratic time)
CREATE UNIQUE INDEX IF NOT EXISTS etims_signed_position ON etims_signed (branch, position);
CREATE TRIGGER IF NOT EXISTS etims_signed_no_update BEFORE UPDATE ON etims_signed
BEGIN SELECT RAISE(ABORT, 'signed eTIMS invoices are immutable'); END;
CREATE TRIGGER IF NOT EXISTS etims_signed_no_delete BEFORE DELETE ON etims_signed
BEGIN SELECT RAISE(ABORT, 'signed eTIMS invoices are immutable'); END;
CREATE TABLE IF NOT EXISTS etims_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- what happened to the chain itself (an old file's links re-made with the key): kept
CREATE TABLE IF NOT EXISTS etims_chain_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS etims_chain_log_no_update BEFORE UPDATE ON etims_chain_log
BEGIN SELECT RAISE(ABORT, 'the eTIMS chain log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS etims_chain_log_no_delete BEFORE DELETE ON etims_chain_log
BEGIN SELECT RAISE(ABORT, 'the eTIMS chain log is append-only'); END;
"""

#: the triggers that keep a signed invoice as KRA gave it (dropped and re-created only by
#: :meth:`SqliteQueue.rechain`, inside its transaction)
SIGNED_RULES = {
    "etims_signed_no_update": (
        "CREATE TRIGGER etims_signed_no_update BEFORE UPDATE ON etims_signed\n"
        "BEGIN SELECT RAISE(ABORT, 'signed eTIMS invoices are immutable'); END;"
    ),
    "etims_signed_no_delete": (
        "CREATE TRIGGER etims_signed_no_delete BEFORE DELETE ON etims_signed\n"
        "BEGIN SELECT RAISE(ABORT, 'signed eTIMS invoices are immutable'); END;"
    ),
}
#: the prefix of a keyed link (an HMAC); a link without it is the old unkeyed SHA-256
KEYED = "k1:"
#: the label the chain key is derived from the journal key under (never the journal's own)
KEY_LABEL = b"kaunta-etims-chain/1"

GENESIS = "0" * 64

#: A signed entry keeps its reason only when it says its number was skipped past KRA's
#: (the manager's record of why it has the number it has); any other reason goes.
_KEPT_REASON = "CASE WHEN substr(reason, 1, ?) = ? THEN reason ELSE '' END"
_KEPT_ARGS = (len(words.NUMBERS_TAKEN), words.NUMBERS_TAKEN)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _record(prev_hash: str, branch: str, signature: Signature) -> bytes:
    record = json.dumps({"branch": branch, **signature.to_json()}, sort_keys=True)
    return f"{prev_hash}|{record}".encode()


def chain_hash(prev_hash: str, branch: str, signature: Signature) -> str:
    """The old, unkeyed link: SHA-256 over the previous hash and this signed record
    (anyone with the file can compute it; kept to verify files written before the key,
    and by head office's own queue)."""
    return hashlib.sha256(_record(prev_hash, branch, signature)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainKey:
    """The key of the signed invoices' chain: HMAC-SHA256 with a key the file does not
    hold. Derived from the till's journal key (kept in the OS keyring) under
    :data:`KEY_LABEL`, so the journal's own MACs are never reused and nothing new is
    kept. Its ``repr`` never shows the secret."""

    secret: bytes = field(repr=False)

    @classmethod
    def derived_from(cls, journal_secret: bytes) -> ChainKey:
        return cls(hmac.digest(journal_secret, KEY_LABEL, "sha256"))

    @property
    def key_id(self) -> str:
        """Names the key without revealing it."""
        return hmac.digest(self.secret, b"kaunta-etims-chain-key-id", "sha256").hex()[:32]

    def link(self, prev_hash: str, branch: str, signature: Signature) -> str:
        """The keyed link over the previous link and this signed record."""
        mac = hmac.digest(self.secret, _record(prev_hash, branch, signature), "sha256")
        return KEYED + mac.hex()


def link_of(key: ChainKey | None, prev_hash: str, branch: str, signature: Signature) -> str:
    """The link a queue with ``key`` writes: keyed, or the old kind without a key."""
    return (
        chain_hash(prev_hash, branch, signature)
        if key is None
        else key.link(prev_hash, branch, signature)
    )


@dataclass(frozen=True, slots=True)
class Rechained:
    """What :meth:`SqliteQueue.rechain` did: per branch, how many signed invoices were
    re-linked with the key (their old chain verified first); ``refused``: branches left
    as they were because their old chain does not verify (the evidence stays as found)."""

    branches: dict[str, int]
    refused: tuple[str, ...] = ()
    key_id: str = ""

    @property
    def rows(self) -> int:
        return sum(self.branches.values())


class SqliteQueue(QueueStore):
    """:class:`QueueStore` in one SQLite file; one connection per instance (one thread,
    or ``shared``: any thread, when the caller serialises the calls with a lock)."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float = 30.0,
        shared: bool = False,
        key: ChainKey | None = None,
    ) -> None:
        self.path = path
        #: the chain key (None: links of the old unkeyed kind; a till without its
        #: journal key loaded says so, see ``pos.etims_evidence``)
        self.key = key
        self._db = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=not shared
        )
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        _wal(self._db, busy_timeout_s)
        self._db.execute("PRAGMA synchronous=FULL")
        with self._write():
            for statement in _statements(SCHEMA):
                self._db.execute(statement)
        #: branches whose counter was checked against KRA for this file as it is now
        self._probed: set[str] = set()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def drain_lock(self, branch: str) -> Iterator[bool]:
        """One drain of this file's queues at a time, across threads and processes (two
        tills of a branch sharing the file): an exclusive OS lock on ``<file>.drain``,
        tried without waiting, released when the drain ends or its process dies."""
        with file_lock(self.path.with_name(self.path.name + ".drain")) as mine:
            yield mine

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------
    _COLUMNS = (
        "q.position, q.branch, q.doc_id, q.kind, q.body, q.original_doc_id, q.state, "
        "q.invc_no, q.request, s.signature, q.reason, q.attempts, q.enqueued_at"
    )
    _FROM = (
        "etims_queue q LEFT JOIN etims_signed s ON s.branch = q.branch AND s.position = q.position"
    )

    def _entry(self, row: tuple[Any, ...]) -> Entry:
        return Entry(
            position=row[0],
            branch=row[1],
            doc_id=row[2],
            kind=EntryKind(row[3]),
            body=json.loads(row[4]),
            original_doc_id=row[5],
            state=EntryState(row[6]),
            invc_no=row[7],
            request=None if row[8] is None else json.loads(row[8]),
            signature=None if row[9] is None else Signature.from_json(json.loads(row[9])),
            reason=row[10],
            attempts=row[11],
            enqueued_at=datetime.fromisoformat(row[12]),
        )

    def _one(self, where: str, args: tuple[Any, ...]) -> Entry | None:
        row = self._db.execute(
            f"SELECT {self._COLUMNS} FROM {self._FROM} WHERE {where} ORDER BY q.position LIMIT 1",
            args,
        ).fetchone()
        return None if row is None else self._entry(row)

    def head(self, branch: str) -> Entry | None:
        # an entry holding a number comes first: nothing is numbered past it
        doubt = self._one("q.branch = ? AND q.state = 'in_doubt'", (branch,))
        return doubt or self._one("q.branch = ? AND q.state = 'waiting'", (branch,))

    def waiting(self, branch: str, limit: int) -> list[Entry]:
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM {self._FROM} WHERE q.branch = ? "
            "AND q.state = 'waiting' ORDER BY q.position LIMIT ?",
            (branch, limit),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def get(self, branch: str, doc_id: str) -> Entry | None:
        return self._one("q.branch = ? AND q.doc_id = ?", (branch, doc_id))

    def entries(self, branch: str, states: tuple[EntryState, ...]) -> list[Entry]:
        marks = ",".join("?" * len(states))
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM {self._FROM} WHERE q.branch = ? "
            f"AND q.state IN ({marks}) ORDER BY q.position",
            (branch, *[s.value for s in states]),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def credit_notes_of(self, branch: str, original_doc_id: str) -> list[Entry]:
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM {self._FROM} WHERE q.branch = ? AND "
            "q.original_doc_id = ? AND q.state IN ('signed', 'in_doubt') ORDER BY q.position",
            (branch, original_doc_id),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def stats(self, branch: str, now: datetime, alert_after: timedelta) -> QueueStats:
        counts = dict(
            self._db.execute(
                "SELECT state, count(*) FROM etims_queue WHERE branch = ? GROUP BY state",
                (branch,),
            ).fetchall()
        )
        # a refund settled without a credit note owes KRA nothing: not in the alert
        oldest = self._db.execute(
            "SELECT min(enqueued_at) FROM etims_queue WHERE branch = ? "
            "AND state NOT IN ('signed', 'no_credit')",
            (branch,),
        ).fetchone()[0]
        return QueueStats(
            waiting=counts.get("waiting", 0),
            in_doubt=counts.get("in_doubt", 0),
            signed=counts.get("signed", 0),
            parked=counts.get("parked", 0),
            oldest_unsigned=None if oldest is None else datetime.fromisoformat(oldest),
            alert_after=alert_after,
            now=now,
            no_credit_note=counts.get(EntryState.NO_CREDIT_NOTE.value, 0),
        )

    def verify_chain(self, branch: str) -> bool:
        """Every signed record of ``branch`` chains to the one before it (with this
        queue's key: see :func:`sync.etims.chain_check.chain_findings`)."""
        from sync.etims.chain_check import chain_findings

        return not [f for f in chain_findings(self._db, self.key) if f.branch in (branch, "")]

    def chain_problems(self) -> list[str]:
        """Every problem of this file's signed invoices, each naming the branch and the
        invoice (:func:`sync.etims.chain_check.chain_problems`); empty: they verify."""
        from sync.etims.chain_check import chain_problems

        return chain_problems(self._db, self.key)

    def rechain(self, now: datetime) -> Rechained:
        """The upgrade of a file chained the old way: every branch whose links are all
        unkeyed SHA-256 and verify is re-linked with this queue's key, in ONE
        transaction (the rules dropped and put back inside it, so no other writer ever
        sees the table unguarded), and ``etims_chain_log`` keeps an entry saying so. A
        branch whose old chain does not verify is left as it is (``refused``): re-linking
        it would seal whatever was rewritten. Needs a key; a branch with keyed links
        already is never touched."""
        from sync.etims.chain_check import chain_findings

        if self.key is None:
            raise ValueError("re-chaining needs the chain key")
        key = self.key
        done: dict[str, int] = {}
        refused: list[str] = []
        with self._write() as db:
            old = [
                str(r[0])
                for r in db.execute(
                    "SELECT branch FROM etims_signed GROUP BY branch "
                    "HAVING sum(substr(hash, 1, ?) = ?) = 0 ORDER BY branch",
                    (len(KEYED), KEYED),
                )
            ]
            if not old:
                return Rechained({}, key_id=key.key_id)
            bad = {f.branch for f in chain_findings(db, None) if f.branch}
            rules = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
            }
            if not set(SIGNED_RULES) <= rules:
                bad.update(old)  # a rule is gone: nothing is re-linked under it
            todo = [b for b in old if b not in bad]
            refused = [b for b in old if b in bad]
            if todo:
                for name in SIGNED_RULES:
                    db.execute(f"DROP TRIGGER {name}")
                for branch in todo:
                    prev = GENESIS
                    rows = db.execute(
                        "SELECT rowid, signature FROM etims_signed WHERE branch = ? ORDER BY rowid",
                        (branch,),
                    ).fetchall()
                    for rowid, stored in rows:
                        digest = key.link(prev, branch, Signature.from_json(json.loads(stored)))
                        db.execute(
                            "UPDATE etims_signed SET prev_hash = ?, hash = ? WHERE rowid = ?",
                            (prev, digest, rowid),
                        )
                        prev = digest
                    done[branch] = len(rows)
                for statement in SIGNED_RULES.values():
                    db.execute(statement)
            detail = {"branches": done, "refused": refused, "key_id": key.key_id}
            db.execute(
                "INSERT INTO etims_chain_log (at, event, detail) VALUES (?, ?, ?)",
                (_iso(now), "rechained" if done else "not_rechained", json.dumps(detail)),
            )
        return Rechained(done, tuple(refused), key.key_id)

    def chain_log(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``etims_chain_log``: (when, event, detail), oldest first."""
        return [
            (str(at), str(event), dict(json.loads(detail)))
            for at, event, detail in self._db.execute(
                "SELECT at, event, detail FROM etims_chain_log ORDER BY seq"
            )
        ]

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
        with self._write() as db:
            row = db.execute(
                "SELECT position FROM etims_queue WHERE branch = ? AND doc_id = ?",
                (branch, doc_id),
            ).fetchone()
            if row is not None:
                return int(row[0])
            cur = db.execute(
                "INSERT INTO etims_queue (branch, doc_id, kind, body, original_doc_id, state, "
                "enqueued_at, updated_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)",
                (
                    branch,
                    doc_id,
                    kind.value,
                    json.dumps(body, sort_keys=True),
                    original_doc_id,
                    _iso(now),
                    _iso(now),
                ),
            )
            return int(cur.lastrowid or 0)

    def claim_numbers(
        self,
        branch: str,
        builds: list[tuple[int, Callable[[int], dict[str, Any]]]],
        now: datetime,
        signed: list[tuple[int, Signature]] = [],  # noqa: B006
    ) -> list[Entry]:
        with self._write() as db:
            for position, signature in signed:
                self._sign(db, branch, position, signature, now)
            for position, build in builds:
                self._claim(db, branch, position, build, now)
        return [self._require(branch, position) for position, _ in builds]

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
        with self._write() as db:
            for position, signature in signed:
                self._sign(db, branch, position, signature, now)
            for position in release:
                db.execute(
                    "UPDATE etims_queue SET state = 'waiting', invc_no = NULL, request = NULL, "
                    "updated_at = ? WHERE branch = ? AND position = ? AND state = 'in_doubt'",
                    (_iso(now), branch, position),
                )
            if park is not None:
                db.execute(
                    "UPDATE etims_queue SET state = 'parked', invc_no = NULL, request = NULL, "
                    "reason = ?, attempts = attempts + 1, updated_at = ? "
                    "WHERE branch = ? AND position = ?",
                    (park[1][:500], _iso(now), branch, park[0]),
                )
            if note is not None:
                db.execute(
                    "UPDATE etims_queue SET reason = ?, attempts = attempts + 1, updated_at = ? "
                    "WHERE branch = ? AND position = ?",
                    (note[1][:500], _iso(now), branch, note[0]),
                )
            if park is not None or release:
                # Numbers go back down to the highest one still held: the queue never
                # numbers past an unresolved entry, so what was given back is the top.
                db.execute(
                    "UPDATE etims_counter SET last_invc_no = (SELECT coalesce(max(invc_no), 0) "
                    "FROM etims_queue WHERE branch = ?) WHERE branch = ?",
                    (branch, branch),
                )

    def _require(self, branch: str, position: int) -> Entry:
        entry = self._one("q.branch = ? AND q.position = ?", (branch, position))
        assert entry is not None
        return entry

    def _claim(
        self,
        db: sqlite3.Connection,
        branch: str,
        position: int,
        build: Callable[[int], dict[str, Any]],
        now: datetime,
    ) -> None:
        state, invc_no = db.execute(
            "SELECT state, invc_no FROM etims_queue WHERE branch = ? AND position = ?",
            (branch, position),
        ).fetchone()
        if state != EntryState.WAITING.value or invc_no is not None:
            raise Contended(f"queue entry {position} is {state}, not waiting for a number")
        row = db.execute(
            "SELECT last_invc_no FROM etims_counter WHERE branch = ?", (branch,)
        ).fetchone()
        number = (0 if row is None else int(row[0])) + 1
        request = build(number)
        db.execute(
            "INSERT INTO etims_counter (branch, last_invc_no) VALUES (?, ?) "
            "ON CONFLICT (branch) DO UPDATE SET last_invc_no = excluded.last_invc_no",
            (branch, number),
        )
        db.execute(
            "UPDATE etims_queue SET state = 'in_doubt', invc_no = ?, request = ?, "
            "updated_at = ? WHERE branch = ? AND position = ?",
            (number, encode(request).decode("utf-8"), _iso(now), branch, position),
        )

    def _sign(
        self,
        db: sqlite3.Connection,
        branch: str,
        position: int,
        signature: Signature,
        now: datetime,
    ) -> None:
        known = db.execute(
            "SELECT position FROM etims_signed WHERE branch = ? AND invc_no = ?",
            (branch, signature.invc_no),
        ).fetchone()
        if known is not None:
            if int(known[0]) != position:
                raise ValueError(
                    f"invoice {signature.invc_no} is already signed for entry {known[0]}"
                )
            # stored before (a look-up answered what was stored already): the entry
            # holding that number is signed, whatever left it in doubt
            db.execute(
                f"UPDATE etims_queue SET state = 'signed', reason = {_KEPT_REASON}, "
                "updated_at = ? "
                "WHERE branch = ? AND position = ? AND invc_no = ? AND state != 'signed'",
                (*_KEPT_ARGS, _iso(now), branch, position, signature.invc_no),
            )
            return
        row = db.execute(
            "SELECT hash FROM etims_signed WHERE branch = ? ORDER BY rowid DESC LIMIT 1",
            (branch,),
        ).fetchone()
        prev = GENESIS if row is None else str(row[0])
        db.execute(
            "INSERT INTO etims_signed (branch, invc_no, position, signature, prev_hash, "
            "hash) VALUES (?, ?, ?, ?, ?, ?)",
            (
                branch,
                signature.invc_no,
                position,
                json.dumps(signature.to_json(), sort_keys=True),
                prev,
                link_of(self.key, prev, branch, signature),
            ),
        )
        db.execute(
            f"UPDATE etims_queue SET state = 'signed', reason = {_KEPT_REASON}, updated_at = ? "
            "WHERE branch = ? AND position = ? AND invc_no = ?",
            (*_KEPT_ARGS, _iso(now), branch, position, signature.invc_no),
        )

    # -- the counter against KRA's (a restored or new file) ------------------------------
    def last_number(self, branch: str) -> int:
        row = self._db.execute(
            "SELECT last_invc_no FROM etims_counter WHERE branch = ?", (branch,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def renumber(
        self,
        branch: str,
        position: int,
        invc_no: int,
        build: Callable[[int], dict[str, Any]],
        now: datetime,
        reason: str,
    ) -> Entry:
        with self._write() as db:
            row = db.execute(
                "SELECT state FROM etims_queue WHERE branch = ? AND position = ?",
                (branch, position),
            ).fetchone()
            if row is None or row[0] != EntryState.IN_DOUBT.value:
                raise Contended(f"queue entry {position} is not in doubt")
            request = build(invc_no)
            db.execute(
                "UPDATE etims_queue SET invc_no = ?, request = ?, reason = ?, "
                "updated_at = ? WHERE branch = ? AND position = ?",
                (
                    invc_no,
                    encode(request).decode("utf-8"),
                    reason[:500],
                    _iso(now),
                    branch,
                    position,
                ),
            )
            self._advance(db, branch, invc_no)
        return self._require(branch, position)

    def remark(self, branch: str, position: int, reason: str, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE etims_queue SET reason = ?, updated_at = ? "
                "WHERE branch = ? AND position = ?",
                (reason[:500], _iso(now), branch, position),
            )

    def advance_counter(self, branch: str, last: int, now: datetime) -> None:
        with self._write() as db:
            self._advance(db, branch, last)

    @staticmethod
    def _advance(db: sqlite3.Connection, branch: str, last: int) -> None:
        db.execute(
            "INSERT INTO etims_counter (branch, last_invc_no) VALUES (?, ?) "
            "ON CONFLICT (branch) DO UPDATE SET "
            "last_invc_no = max(last_invc_no, excluded.last_invc_no)",
            (branch, last),
        )

    def needs_probe(self, branch: str) -> bool:
        """A new queue file, or one put back (a restore, a copy to another computer: a
        file of its own, so another identity), has not checked its counter against KRA.
        The check is recorded with the file's identity (device and inode); where the
        file system gives none, once per opening."""
        if branch in self._probed:
            return False
        mark = self.load_state(f"probed.{branch}")
        identity = self._identity()
        if identity and mark is not None and mark.get("file") == identity:
            self._probed.add(branch)
            return False
        return True

    def mark_probed(self, branch: str, now: datetime) -> None:
        self._probed.add(branch)
        self.save_state(f"probed.{branch}", {"file": self._identity(), "at": _iso(now)})

    def _identity(self) -> str:
        try:
            info = os.stat(self.path)
        except OSError:
            return ""
        return f"{info.st_dev}:{info.st_ino}" if info.st_ino else ""

    def settle_no_credit_note(self, branch: str, position: int, reason: str, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE etims_queue SET state = ?, reason = ?, updated_at = ? "
                "WHERE branch = ? AND position = ? AND state = 'waiting' AND invc_no IS NULL",
                (EntryState.NO_CREDIT_NOTE.value, reason[:500], _iso(now), branch, position),
            )

    def unpark(self, branch: str, position: int, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE etims_queue SET state = 'waiting', updated_at = ? "
                "WHERE branch = ? AND position = ? AND state = 'parked'",
                (_iso(now), branch, position),
            )

    # -- a copy of head office's queue (an enrolled till) --------------------------------
    def record_outcome(
        self,
        branch: str,
        doc_id: str,
        kind: EntryKind,
        body: Mapping[str, Any],
        now: datetime,
        *,
        state: EntryState,
        signature: Signature | None = None,
        reason: str = "",
        made_at: datetime | None = None,
    ) -> str:
        """Keep what head office's queue decided for one of this till's documents (an
        enrolled store: head office numbers and submits). A signature is stored exactly
        as a standalone till stores its own (``etims_signed``: immutable, chained); a
        refusal or a put-back only moves the entry's state and reason. A signed entry
        stays signed. Returns "stored", "already" (signed before) or "updated".
        ``made_at``: when the document was made, kept as a new entry's age (else
        ``now``), so a refused sale a day old is not counted as new."""
        if state is EntryState.SIGNED and signature is None:
            raise ValueError("a signed outcome needs its signature")
        with self._write() as db:
            row = db.execute(
                "SELECT position, state FROM etims_queue WHERE branch = ? AND doc_id = ?",
                (branch, doc_id),
            ).fetchone()
            if row is None:
                cur = db.execute(
                    "INSERT INTO etims_queue (branch, doc_id, kind, body, state, "
                    "enqueued_at, updated_at) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
                    (
                        branch,
                        doc_id,
                        kind.value,
                        json.dumps(body, sort_keys=True),
                        _iso(made_at or now),
                        _iso(now),
                    ),
                )
                position, current = int(cur.lastrowid or 0), EntryState.WAITING.value
            else:
                position, current = int(row[0]), str(row[1])
            if current == EntryState.SIGNED.value:
                return "already"
            if signature is not None and state is EntryState.SIGNED:
                db.execute(
                    "UPDATE etims_queue SET invc_no = ?, body = ?, attempts = attempts + 1 "
                    "WHERE branch = ? AND position = ?",
                    (signature.invc_no, json.dumps(body, sort_keys=True), branch, position),
                )
                self._sign(db, branch, position, signature, now)
                return "stored"
            db.execute(
                "UPDATE etims_queue SET state = ?, reason = ?, updated_at = ?, "
                "attempts = attempts + ? WHERE branch = ? AND position = ?",
                (
                    state.value,
                    reason[:500],
                    _iso(now),
                    1 if state is EntryState.PARKED else 0,
                    branch,
                    position,
                ),
            )
            return "updated"

    # -- branch state (device info, code cache), as JSON -------------------------------
    def save_state(self, name: str, value: Mapping[str, Any]) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO etims_state (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, json.dumps(value, sort_keys=True)),
            )

    def load_state(self, name: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM etims_state WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))


@contextmanager
def file_lock(path: Path) -> Iterator[bool]:
    """An exclusive lock on ``path`` (made if missing), tried once: yields True while
    held, False when another holder has it. The operating system releases it when the
    file is closed, so when its process dies too (``flock`` on POSIX, ``msvcrt.locking``
    on Windows); separate opens in one process exclude each other as well."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _wal(db: sqlite3.Connection, limit_s: float) -> None:
    """Switch to WAL; another process opening the same new file may hold it a moment
    (the switch does not wait on the busy handler), so try again until ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _statements(script: str) -> list[str]:
    """The schema's statements one by one (``executescript`` would commit for us)."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.strip().splitlines():
        buf.append(line)
        text = "\n".join(buf)
        if text.rstrip().endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            buf = []
    return out
