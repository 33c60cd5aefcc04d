"""The journal key and the journal's checks, as the till and ``kaunta verify`` use them.

The key that seals the journal (:mod:`pos.store.journal_chain`) is never in the database:
a live till keeps it in the OS keyring (``pos.secrets.KeyringSecrets``, passed in by the
composition root), training in a file in the training data folder
(:class:`TrainingKeyFile`; training is not evidence: whoever can read that folder can read
the key). It is made on the first start of a database that has no journal chain yet, in
the same transaction that seals the genesis entry and, on a till upgraded from a Kaunta
without a keyed journal, every sale, audit entry and user already there (once: see
:func:`open_journal` for why never again).

Start-up (:meth:`Journal.startup_check`, on a background thread) checks the triggers
(missing or altered: the till refuses to sell), then verifies the chain from the newest
checkpoint (incremental; from the start if the schema changed since), and writes a new
checkpoint when all is well. ``kaunta verify``
(:func:`verify_database`) verifies everything, changing nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, text

from pos.domain.messages import define
from pos.services.context import Clock, TerminalContext
from pos.store import journal_chain
from pos.store.db import SCHEMA_HEAD, Database
from pos.store.errors import StoreError
from pos.store.journal_chain import Backfill, JournalHead, JournalKey
from pos.store.journal_verify import (
    Area,
    Finding,
    JournalCheck,
    verify_from_checkpoint,
    verify_journal,
)
from pos.store.migrations.triggers import missing_triggers
from pos.store.models import Base
from sync.protocol.canonical import content_hash

log = logging.getLogger(__name__)


class KeyStore(Protocol):
    """Where the journal key lives: ``pos.secrets.KeyringSecrets`` or a key file."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class TrainingKeyFile:
    """Training mode's journal key, in files in the training data folder.

    Not a secret and not evidence: it sits beside the database, so anyone with the folder
    can re-seal a changed journal. It exists so that training runs the same code as a
    live till (and catches accidents, not fraud). Written atomically (temp file, rename).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / _SAFE_NAME.sub("_", name)

    def get(self, name: str) -> str | None:
        try:
            return self.path(name).read_text(encoding="ascii").strip() or None
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def set(self, name: str, value: str) -> None:
        target = self.path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temp.write_text(value + "\n", encoding="ascii")
        with contextlib.suppress(OSError):  # file systems without modes
            temp.chmod(0o600)
        os.replace(temp, target)


@dataclass(frozen=True, slots=True)
class KeyNames:
    """The key store's names for one terminal's journal key and its "sealed" mark.

    Per store and terminal, so two tills on one computer (``--data-dir``) never share a
    key or a mark.
    """

    key: str
    sealed: str

    @classmethod
    def of(cls, ctx: TerminalContext) -> KeyNames:
        ident = f"{ctx.store.store_id}-{ctx.terminal_id}"
        return cls(f"journal.key.{ident}", f"journal.sealed.{ident}")


_CALL_SUPPORT = (
    "Do not sell on this till: call support. They check the journal (`kaunta verify`) and "
    "put things right, or restore the latest backup together with its journal key."
)


def _stopped(reason: str) -> str:
    return f"Selling is stopped: {reason} {_CALL_SUPPORT}"


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """The key a till opened its journal with, or why it could not (``problem``)."""

    key: JournalKey | None
    problem: str = ""
    backfill: Backfill | None = None


def _stored_key(keys: KeyStore, names: KeyNames) -> JournalKey | None:
    text = keys.get(names.key)
    if text is None:
        return None
    try:
        return JournalKey.from_hex(text)
    except ValueError:
        raise _Unusable(
            f"the journal key kept as {names.key} is damaged (not a key), so this till's "
            "journal can be neither checked nor continued."
        ) from None


class _Unusable(Exception):
    """Why the journal cannot be used (raised inside the opening transaction)."""


def open_journal(db: Database, ctx: TerminalContext, keys: KeyStore) -> JournalStatus:
    """Load this till's journal key, sealing the file for the first time if it never was.

    Under the write lock (``BEGIN IMMEDIATE``), so two processes opening one file at once
    cannot make two keys. A file with no genesis entry is sealed now: a new key is made
    (and stored before the seal commits), or the stored one used. Sealing seals whatever
    sales and audit entries the file already holds, so it is allowed once per key only:
    after it commits, a "sealed" mark goes into the key store; a later file with
    documents but no journal chain, while that mark is there, is a journal whose chain was
    deleted (to have Kaunta seal edited rows afresh), and is refused.
    """
    names = KeyNames.of(ctx)
    try:
        with db.session() as s:
            conn = s.connection()
            sealed_with = journal_chain.genesis_key_id(conn)
            stored = _stored_key(keys, names)
            if sealed_with is None:
                if (
                    stored is not None
                    and keys.get(names.sealed)
                    and journal_chain.has_documents(conn)
                ):
                    raise _Unusable(
                        "this database holds sales or audit entries but its journal seals "
                        "are gone, although this till sealed its journal before: they were "
                        "removed outside Kaunta. Keep the file as it is for support."
                    )
                key = stored or JournalKey(secrets.token_bytes(journal_chain.KEY_BYTES))
                backfill = journal_chain.establish(conn, key)
                if stored is None:
                    try:
                        keys.set(names.key, key.secret.hex())
                    except Exception as exc:  # the store says why (no keyring, refused)
                        raise _Unusable(f"the journal key could not be stored: {exc}") from exc
            elif stored is None:
                raise _Unusable(
                    f"the journal key of this till ({names.key}) is missing from where it is "
                    "kept (or the OS keyring is locked, or the store or terminal id in the "
                    "configuration changed), so its journal can be neither checked nor "
                    "continued."
                )
            elif stored.key_id != sealed_with:
                raise _Unusable(
                    f"the journal key kept as {names.key} is not the key this database was "
                    "sealed with (is this another till's database, or a file restored "
                    "without its key?)."
                )
            else:
                key, backfill = stored, None
    except _Unusable as exc:
        log.error("journal unusable on %s: %s", db.path, exc)
        return JournalStatus(None, _stopped(str(exc)))
    if backfill is not None:
        upgraded = backfill.sales or backfill.audit_entries or backfill.users
        log.log(
            logging.WARNING if upgraded else logging.INFO,
            "journal of %s sealed: %d sales, %d audit entries and %d users already in it",
            db.path,
            backfill.sales,
            backfill.audit_entries,
            backfill.users,
        )
    if keys.get(names.sealed) is None:
        try:
            keys.set(names.sealed, key.key_id)
        except Exception:  # next start tries again; nothing depends on it until then
            log.exception("could not record that the journal of %s is sealed", db.path)
    return JournalStatus(key, "", backfill)


def triggers_message(missing: Sequence[str]) -> str:
    return _stopped(
        "the rules that keep this till's journal unchangeable are missing or were altered "
        f"({', '.join(missing)}): the database was changed outside Kaunta, or an upgrade "
        "went wrong."
    )


_HEADLINES = {
    Area.AUDIT: "The audit log was tampered with",
    Area.SALE: "The sales journal was tampered with",
    Area.CHAIN: "The journal was tampered with",
    Area.CHECKPOINT: "The journal was tampered with",
    Area.USER: "The users table was tampered with",
    Area.COUNTER: "Receipt numbering was tampered with",
    Area.TRIGGER: "The journal's rules were tampered with",
    Area.REFUND: "The refunds journal was tampered with",
    Area.Z_REPORT: "A Z report was tampered with",
}
_SUBJECTS = {
    Area.AUDIT: "entry",
    Area.SALE: "sale",
    Area.CHAIN: "journal entry",
    Area.CHECKPOINT: "checkpoint",
    Area.USER: "user",
    Area.COUNTER: "counter",
    Area.TRIGGER: "rule",
    Area.REFUND: "refund",
    Area.Z_REPORT: "Z report",
}


def tampering_message(check: JournalCheck) -> str:
    """The red alert: the first bad document, how many more, and what to do."""
    first = check.first
    if first is None:
        return ""
    more = check.problems - 1
    tail = f" {more} more problem{'s' if more != 1 else ''} found." if more else ""
    return (
        f"{_HEADLINES[first.area]}: {_SUBJECTS[first.area]} {first.subject} does not match "
        f"({first.problem}).{tail} Selling continues; tell the store manager and head office "
        "(`kaunta verify` lists every problem)."
    )


@dataclass(frozen=True, slots=True)
class JournalReport:
    """What the start-up check found. ``refused``: why the till must not sell ("" if it
    may); ``check``: the verification (None when the key is unusable)."""

    check: JournalCheck | None
    refused: str
    problem: str

    @property
    def ok(self) -> bool:
        return self.check is not None and self.check.ok and not self.refused


class Journal:
    """One till's journal: its key (attached to the database) and its start-up check."""

    def __init__(self, db: Database, ctx: TerminalContext, keys: KeyStore, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.status = open_journal(db, ctx, keys)
        missing = db.missing_triggers()
        refused = self.status.problem or (triggers_message(missing) if missing else "")
        db.attach_journal(self.status.key, key_problem=self.status.problem, sales_refused=refused)

    @property
    def key(self) -> JournalKey | None:
        return self.status.key

    def head(self) -> JournalHead | None:
        """The chain head to send to head office with every sync batch."""
        with self._db.read_session() as s:
            return journal_chain.chain_head(s.connection())

    def startup_check(self) -> JournalReport:
        """Triggers, then the chain from the newest checkpoint; a new checkpoint if clean.

        Runs off the GUI thread. A trigger found missing now also stops sales from here on.
        """
        missing = self._db.missing_triggers()
        refused = self.status.problem or (triggers_message(missing) if missing else "")
        if refused and not self._db.sales_refused:
            self._db.refuse_sales(refused)
        key = self.status.key
        if key is None:
            return JournalReport(None, refused, refused)
        with self._db.read_session() as s:
            conn = s.connection()
            check = with_z_reports(verify_from_checkpoint(conn, key), conn)
        if check.ok and check.head is not None and check.head.seq > check.since:
            with self._db.session() as s:
                journal_chain.add_checkpoint(
                    s.connection(), key, check.head, self._clock.now().isoformat()
                )
        return JournalReport(check, refused, tampering_message(check) or refused)

    def verify(self) -> JournalCheck | None:
        """Everything, from the genesis entry (what ``kaunta verify`` does)."""
        if self.status.key is None:
            return None
        with self._db.read_session() as s:
            conn = s.connection()
            return with_z_reports(verify_journal(conn, self.status.key), conn)


# ---------------------------------------------------------------------------------------
# Z reports against their sealed audit entries

_Z_SQL = (
    "SELECT id, terminal_id, number, previous_hash, content_hash, document FROM z_reports "
    "ORDER BY terminal_id, number"
)
_Z_AUDIT_SQL = (
    "SELECT document_id, terminal_id, detail FROM audit_log WHERE action = 'z_report' ORDER BY seq"
)


def verify_z_reports(conn: Connection) -> list[Finding]:
    """Every Z report of the file checked against itself, the Z before it and its sealed
    ``z_report`` audit entry.

    A Z is append-only by trigger, and its hash links it to the previous Z, but the link
    is unkeyed: whoever drops the trigger can rewrite a Z's figures and hashes and put the
    trigger back. Its audit entry, written in the Z's own transaction, holds the Z's hash
    (and, for Zs made since this check, the hash of the printed figures) and is sealed in
    the keyed journal chain, which :func:`verify_journal` checks: so a Z whose hash or
    printed figures differ from its audit entry, a Z with no audit entry, and an audit
    entry whose Z is gone are all findings here. Reads only.
    """
    found: list[Finding] = []
    sealed: dict[str, dict[str, object]] = {}
    for doc_id, _terminal, detail in conn.execute(text(_Z_AUDIT_SQL)):
        try:
            value = json.loads(detail)
        except ValueError:
            value = {}
        sealed[str(doc_id)] = value if isinstance(value, dict) else {}
    seen: set[str] = set()
    previous: tuple[str, int, str, str] | None = None  # terminal, number, id, hash
    for z_id, terminal, number, previous_hash, z_hash, document in conn.execute(text(_Z_SQL)):
        subject = f"{number} ({terminal})"
        seen.add(str(z_id))

        def bad(problem: str, subject: str = subject) -> None:
            found.append(Finding(Area.Z_REPORT, subject, problem))

        before = previous if previous is not None and previous[0] == terminal else None
        want = 1 if before is None else before[1] + 1
        if number != want:
            bad(f"expected number {want}: a Z is missing before it")
        try:
            stored = json.loads(document)
            body, report = stored["body"], stored["report"]
        except (ValueError, KeyError, TypeError):
            bad("its stored document cannot be read")
            previous = (terminal, number, str(z_id), str(z_hash))
            continue
        if content_hash(body) != z_hash:
            bad("its figures do not match its hash")
        want_link = None if before is None else {"z_id": before[2], "hash": before[3]}
        if body.get("previous") != want_link or previous_hash != (before[3] if before else ""):
            bad("it does not name the Z before it")
        seal = sealed.get(str(z_id))
        if seal is None:
            bad("it has no sealed audit entry: it was not made by Kaunta")
        else:
            if seal.get("hash") != z_hash or seal.get("number") != number:
                bad("its hash differs from the one sealed in the journal when it was made")
            report_hash = seal.get("report_hash")
            if report_hash is not None and content_hash(report) != report_hash:
                bad("its printed figures differ from the ones sealed when it was made")
        if report.get("gross_sales") != body.get("gross_sales", {}).get("minor"):
            bad("its printed figures differ from its record")
        previous = (terminal, number, str(z_id), str(z_hash))
    for z_id, seal in sealed.items():
        if z_id not in seen:
            number = seal.get("number", "?")
            found.append(Finding(Area.Z_REPORT, str(number), "missing: removed from the Z reports"))
    return found


def with_z_reports(check: JournalCheck, conn: Connection) -> JournalCheck:
    """``check`` with the Z reports' findings (:func:`verify_z_reports`) added."""
    extra = verify_z_reports(conn)
    if not extra:
        return check
    return replace(check, findings=(*check.findings, *extra), problems=check.problems + len(extra))


# ---------------------------------------------------------------------------------------
# kaunta verify


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    """``code``: 0 verified, 1 tampered with (``lines`` name the first bad document), 2
    unusable (no database, not upgraded, key missing or wrong)."""

    code: int
    lines: tuple[str, ...]


def verify_database(path: Path, ctx: TerminalContext, keys: KeyStore) -> VerifyOutcome:
    """Verify the whole journal of the file at ``path``, changing nothing.

    Never migrates, never makes a key, never takes the instance lock: it reads one
    snapshot, so it can run beside a running till.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return VerifyOutcome(2, (f"There is no database at {path}.",))
    db = Database(path)
    try:
        return _verify(db, ctx, keys)
    except StoreError as exc:
        return VerifyOutcome(2, (str(exc),))
    finally:
        db.dispose()


def _verify(db: Database, ctx: TerminalContext, keys: KeyStore) -> VerifyOutcome:
    revision = db.check_openable()
    if revision != SCHEMA_HEAD:
        return VerifyOutcome(
            2,
            (
                f"The database {db.path} is at schema {revision or 'none'}, not {SCHEMA_HEAD}: "
                "start the till once (it upgrades and seals the journal), then verify.",
            ),
        )
    names = KeyNames.of(ctx)
    try:
        key = _stored_key(keys, names)
    except _Unusable as exc:
        return VerifyOutcome(2, (str(exc),))
    with db.read_session() as s:
        conn = s.connection()
        sealed_with = journal_chain.genesis_key_id(conn)
        if sealed_with is None:
            if keys.get(names.sealed) and journal_chain.has_documents(conn):
                return VerifyOutcome(
                    1,
                    (
                        "TAMPERED: the journal chain of this database is gone, although "
                        "this till sealed its journal: it was removed outside Kaunta.",
                    ),
                )
            return VerifyOutcome(
                2, (f"The journal of {db.path} was never sealed: start the till once.",)
            )
        if key is None:
            return VerifyOutcome(
                2,
                (
                    f"The journal key {names.key} is not where this till keeps it, so the "
                    "journal cannot be checked.",
                ),
            )
        if key.key_id != sealed_with:
            return VerifyOutcome(
                2,
                (
                    f"The journal key {names.key} is not the key {db.path} was sealed with "
                    f"(sealed with key {sealed_with}, found key {key.key_id}).",
                ),
            )
        check = with_z_reports(verify_journal(conn, key), conn)
        missing = missing_triggers(conn)
    return _outcome(db.path, check, missing)


def _outcome(path: Path, check: JournalCheck, missing: Sequence[str]) -> VerifyOutcome:
    findings = [
        *(Finding(Area.TRIGGER, name, "missing or altered") for name in missing),
        *check.findings,
    ]
    problems = check.problems + len(missing)
    head = check.head
    summary = (
        f"{check.checked} journal entries ({check.sales_checked} sales, "
        f"{check.audit_checked} audit entries), {check.users_checked} users, "
        + (", ".join(f"{name} at {value}" for name, value in check.counters) or "no receipts")
    )
    head_line = f"Chain head: entry {head.seq}, {head.mac}" if head else "Chain head: none"
    if problems == 0:
        return VerifyOutcome(0, (f"OK: the journal of {path} verifies.", summary, head_line))
    lines = [
        f"TAMPERED: {problems} problem{'s' if problems != 1 else ''} in the journal of {path}.",
        f"First bad document: {findings[0]}",
        *(f"  {finding}" for finding in findings[1:]),
    ]
    if problems > len(findings):
        lines.append(f"  ... and {problems - len(findings)} more")
    lines += [f"Checked: {summary}", head_line]
    return VerifyOutcome(1, tuple(lines))


class JournalKeyNotMoved(StoreError):
    """The journal key cannot follow new store and terminal ids (``str()`` says why)."""


JOURNAL_KEY_DOCUMENTS = define(
    "journal_key_documents",
    "documents were already made under {store}/{terminal} ({tables})",
)
JOURNAL_KEY_NONE = define("journal_key_none", "no journal key is kept as {name}")
JOURNAL_KEY_OTHER = define("journal_key_other", "another journal key is kept as {name} already")


def terminal_documents(db: Database) -> list[str]:
    """The tables holding documents made under this till's ids (sales, refunds, shifts,
    payment attempts, Z reports, baskets): empty while the till has sold nothing.

    The audit log is not one of them: its entries record what was done on this till under
    the ids it had then (the set-up wizard's manager, say), and stay true after a change.
    """
    with db.read_session() as s:
        conn = s.connection()
        found = []
        for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
            if table.name == "audit_log" or "terminal_id" not in table.c:
                continue
            if conn.execute(table.select().with_only_columns(table.c.terminal_id).limit(1)).first():
                found.append(table.name)
    return found


def move_journal_key(
    db: Database, keys: KeyStore, old: TerminalContext, store_id: str, terminal_id: str
) -> KeyNames:
    """Keep the journal key (and its sealed mark) of ``old``'s ids under ``store_id`` and
    ``terminal_id`` too, so that the till opens its journal when it runs with the ids
    head office gave it at enrollment.

    Only before any document is made under the old ids: a sale's seal carries the store
    and terminal, so a till that has sold under one id keeps it. The key stays under the
    old name as well (the key store has no delete; a till put back to its old ids still
    opens). Refused, changing nothing, when documents exist, when there is no key to move,
    or when another key is kept under the new name.
    """
    source = KeyNames.of(old)
    target = KeyNames.of(
        replace(old, store=replace(old.store, store_id=store_id), terminal_id=terminal_id)
    )
    if target == source:
        return target
    made = terminal_documents(db)
    if made:
        raise JournalKeyNotMoved(
            JOURNAL_KEY_DOCUMENTS(
                store=old.store.store_id, terminal=old.terminal_id, tables=", ".join(made)
            )
        )
    key = keys.get(source.key)
    if key is None:
        raise JournalKeyNotMoved(JOURNAL_KEY_NONE(name=source.key))
    there = keys.get(target.key)
    if there is not None and there != key:
        raise JournalKeyNotMoved(JOURNAL_KEY_OTHER(name=target.key))
    keys.set(target.key, key)
    sealed = keys.get(source.sealed)
    if sealed is not None:
        keys.set(target.sealed, sealed)
    log.info("journal key of %s kept as %s for the enrolled ids", db.path, target.key)
    return target
