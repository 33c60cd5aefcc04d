"""Opening the terminal database: pragmas, transactions, migrations, clear errors.

SQLite runs in WAL mode with ``synchronous=FULL``: a sale that the cashier saw complete is
on disk, even if the power goes a moment later.

Several writers share the file (the till worker, the sync agent, device workers, and the
odd command-line tool in another process). pysqlite's implicit transactions are switched
off and every unit of work from :meth:`Database.session` starts with ``BEGIN IMMEDIATE``:
it takes the write lock up front, waiting up to the busy timeout for another writer to
finish, so its reads and writes see one snapshot and its first write can never fail at
once. (With a plain, deferred ``BEGIN`` a unit of work that reads and then writes gets
``SQLITE_BUSY`` immediately, busy timeout or not, whenever another connection committed in
between: SQLite cannot upgrade a stale read snapshot to a writer.) The price is that a
unit of work from :meth:`Database.session` queues as a writer even if it only reads. Work
that only reads, above all work that may take long (reports, the audit chain check,
search), should use :meth:`Database.read_session`: a deferred transaction on its own WAL
snapshot that is refused any write, never waits for writers and never makes them wait.

Only after the busy timeout does a writer give up, with :class:`DatabaseLocked`, a message
that names the file and the wait, and nothing of the unit of work saved.

The journal key (never in the file) is attached by the services with
:meth:`Database.attach_journal`; every unit of work carries it in ``session.info`` so that
the store seals what it writes (:mod:`pos.store.journal_chain`) without each caller
passing it.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from pos.domain.messages import define
from pos.store import identity
from pos.store.errors import (
    AppendOnlyViolation,
    DatabaseCorrupt,
    DatabaseFull,
    DatabaseLocked,
    DatabaseTooNew,
    DataFolderNotWritable,
    JournalUnavailable,
    StoreError,
)
from pos.store.journal_chain import (
    SESSION_KEY,
    SESSION_KEY_PROBLEM,
    SESSION_SALES_REFUSED,
    JournalKey,
    unsealed_users,
)

#: The newest migration this code knows. A test checks it equals Alembic's head, so that
#: start-up can skip importing Alembic when the file is already current.
SCHEMA_HEAD = "0012"

#: Default busy timeout: how long a writer queues behind another before giving up.
BUSY_TIMEOUT_MS = 5000

_CORRUPT_MARKERS = ("file is not a database", "malformed", "disk image", "file is encrypted")
_CORRUPT_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_READ_ONLY_CODES = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
#: free space below which a disk counts as full (a write of a few pages would fail)
_FULL_BELOW = 1024 * 1024

#: Execution option that marks a connection as read-only (see ``Database.read_session``).
_READ_ONLY = "kaunta_read_only"


def translate_error(
    exc: BaseException, path: Path, *, busy_timeout_s: float | None = None
) -> BaseException:
    """Map low-level SQLite failures to store errors a person can act on.

    ``busy_timeout_s`` is how long the failed writer waited, for the message.
    """
    inner = exc.orig if isinstance(exc, DBAPIError) else exc
    message = str(inner)
    if isinstance(inner, sqlite3.DatabaseError):
        lowered = message.lower()
        code = getattr(inner, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None  # extended codes too
        if primary in _CORRUPT_CODES or any(marker in lowered for marker in _CORRUPT_MARKERS):
            return DatabaseCorrupt(path, message)
        if primary in _BUSY_CODES or "database is locked" in lowered:
            return DatabaseLocked(path, busy_timeout_s)
        if primary == sqlite3.SQLITE_FULL or "database or disk is full" in lowered:
            return DatabaseFull(path, drive_of(path))
        if primary == sqlite3.SQLITE_IOERR and disk_is_full(path):
            return DatabaseFull(path, drive_of(path))  # a full disk often says "I/O error"
        if primary in _READ_ONLY_CODES:
            # a query-only read session also says "readonly": only a folder or file that
            # really cannot be written is reported as such
            reason = unwritable_reason(path)
            if reason is not None:
                return DataFolderNotWritable(path.parent, reason)
        if "append-only" in lowered or "immutable" in lowered:
            return AppendOnlyViolation(message)
    return exc


def drive_of(path: Path) -> str:
    """The drive (Windows) or mount point (elsewhere) a person frees space on."""
    path = path.absolute()
    if path.drive:
        return path.drive + "\\"
    for candidate in (path, *path.parents):
        if os.path.ismount(candidate):
            return str(candidate)
    return path.anchor or str(path)


def disk_is_full(path: Path) -> bool:
    """True when the disk holding ``path`` has (almost) no room left: below 1 MiB free.

    A write that fails on a full disk is reported by SQLite as ``SQLITE_FULL`` or, as
    often, as a plain ``SQLITE_IOERR``; the free space tells the two apart.
    """
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free < _FULL_BELOW
            except OSError:
                return False
    return False


def unwritable_reason(path: Path) -> str | None:
    """Why the database at ``path`` (or its folder) cannot be written, or None if it can.

    Tried for real (a file created and removed, the database opened for writing) rather
    than read from permission bits, which say nothing of read-only mounts.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".kaunta-write-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
        if path.exists():
            with path.open("r+b"):
                pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def configure_connection(
    dbapi_connection: Any, *, busy_timeout_ms: int, foreign_keys: bool = True
) -> None:
    """Pragmas every connection to the file gets, before any transaction starts.

    ``foreign_keys`` is off only for migrations: the pragma is a no-op inside a
    transaction, so it must be set here, on a connection of their own.
    """
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA temp_store = MEMORY")
    finally:
        cursor.close()


class Database:
    """One terminal database file, its engine and its session factories."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.engine: Engine = create_engine(
            f"sqlite:///{path}",
            poolclass=QueuePool,
            pool_size=2,
            max_overflow=2,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )
        self._busy_timeout_ms = busy_timeout_ms
        event.listen(self.engine, "connect", self._on_connect)
        event.listen(self.engine, "begin", self._on_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(**{_READ_ONLY: True})
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self._journal: dict[str, object] = {}
        event.listen(self._sessions, "before_flush", _refuse_unsealed_users)

    def attach_journal(
        self,
        key: JournalKey | None,
        *,
        key_problem: str = "",
        sales_refused: str = "",
    ) -> None:
        """Give every later unit of work the journal key (or why there is none), and
        whether start-up refused sales (the message :class:`SellingRefused` carries)."""
        self._journal = {
            SESSION_KEY: key,
            SESSION_KEY_PROBLEM: key_problem,
            SESSION_SALES_REFUSED: sales_refused,
        }

    def refuse_sales(self, message: str) -> None:
        """From now on :func:`pos.store.repositories.write_sale` raises ``SellingRefused``."""
        self._journal = {**self._journal, SESSION_SALES_REFUSED: message}

    @property
    def journal_key(self) -> JournalKey | None:
        key = self._journal.get(SESSION_KEY)
        return key if isinstance(key, JournalKey) else None

    @property
    def sales_refused(self) -> str:
        return str(self._journal.get(SESSION_SALES_REFUSED) or "")

    @property
    def busy_timeout_s(self) -> float:
        """How long a writer waits for another to finish before :class:`DatabaseLocked`."""
        return self._busy_timeout_ms / 1000

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        configure_connection(dbapi_connection, busy_timeout_ms=self._busy_timeout_ms)

    @staticmethod
    def _on_begin(connection: Any) -> None:
        """``BEGIN IMMEDIATE`` for units of work; deferred and query-only for readers."""
        read_only = bool(connection.get_execution_options().get(_READ_ONLY, False))
        fairy = connection.connection
        info = fairy.info  # lives as long as the DBAPI connection
        # straight on the driver: every unit of work starts here, and SQLAlchemy's
        # statement machinery would add about 30 µs to each (sqlite3's errors are
        # translated as the Core path's are: translate_error reads both)
        driver = fairy.driver_connection
        if info.get(_READ_ONLY, False) != read_only:
            driver.execute(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")
            info[_READ_ONLY] = read_only
        driver.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Re-raise SQLite failures as store errors that name this file."""
        try:
            yield
        except BaseException as exc:
            translated = translate_error(exc, self.path, busy_timeout_s=self.busy_timeout_s)
            if translated is exc:
                raise
            raise translated from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error, translates errors.

        It starts with ``BEGIN IMMEDIATE``, so reading and then writing is safe with other
        writers about: it waits its turn (up to the busy timeout) instead of failing.
        """
        with self._unit(self._sessions) as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only unit of work: one consistent snapshot that never makes writers wait.

        A deferred ``BEGIN`` with ``PRAGMA query_only``: any write in it fails loudly
        (``attempt to write a readonly database``) rather than racing other writers. Use
        it for reads that may take long; use :meth:`session` for anything that writes.
        """
        with self._unit(self._read_sessions) as session:
            yield session

    @contextmanager
    def _unit(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        session = factory()
        session.info.update(self._journal)
        try:
            with self._translated():
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            session.close()

    def quick_check(self) -> list[str]:
        """``PRAGMA quick_check``: ``[]`` when the file is sound, else SQLite's findings.

        Run at start-up, so an overwritten page is found before the first sale on it fails
        (it reads every page: about a second per GB).
        """
        with self._translated(), self._read_engine.connect() as conn:
            rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check")]
        return [] if rows == ["ok"] else rows

    def check_openable(self) -> str | None:
        """Read the header and the schema version; returns the Alembic revision or None."""
        with self._translated(), self._read_engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA schema_version").scalar()
            has_version = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'alembic_version'")
            ).scalar()
            if not has_version:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def missing_triggers(self) -> list[str]:
        """Names of the triggers the newest schema must have that this file lacks.

        Non-empty means the append-only rules are gone (tampering, or a bug in a
        migration): start-up should refuse to sell rather than repair it silently.
        """
        from pos.store.migrations.triggers import missing_triggers

        with self.read_session() as s:
            return missing_triggers(s.connection())

    def upgrade(self, target: str = "head") -> None:
        """Bring the schema to ``target`` (no-op, without Alembic, when already at head).

        Runs on a connection of its own with foreign keys off, checks foreign keys and
        triggers before committing, and rolls back as a whole if anything is wrong (see
        :mod:`pos.store.migrations.runner`).
        """
        current = self.check_openable()
        if current == SCHEMA_HEAD and target in ("head", SCHEMA_HEAD):
            return
        from pos.store.migrations import runner

        if current is not None and current not in runner.known_revisions():
            raise DatabaseTooNew(self.path, current)
        with self._translated():
            runner.upgrade(self.path, target, busy_timeout_ms=self._busy_timeout_ms)

    def dispose(self) -> None:
        self.engine.dispose()


#: a bug (a users row changed outside the sealing helper), said in the reader's language
UNSEALED_USER = define(
    "db.unsealed_user",
    "users row {user} changed its role, PIN hash or active flag without a new seal: call "
    "pos.store.journal_chain.seal_user(session, user) after such a change.",
)
#: an unexpected failure while opening, before anyone logs in (start-up dialog)
CANNOT_OPEN = define("db.cannot_open", "Could not open the database {path}: {detail}")


def _refuse_unsealed_users(session: Session, _context: Any, _instances: Any) -> None:
    """A users row whose role, PIN hash or active flag changed without
    ``pos.store.journal_chain.seal_user`` would read as tampering at the next start: refuse it."""
    bad = unsealed_users(session, [*session.new, *session.dirty])
    if bad:
        raise JournalUnavailable(UNSEALED_USER(user=str(bad[0])))


def open_database(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open (creating if needed), check and migrate the database at ``path``.

    Refuses, with a message that names the file and offers the latest good backup: a
    missing or empty file where a database was kept (its marker is there), a file that
    fails ``PRAGMA quick_check``, a different database put in its place, and a data folder
    that cannot be written. A new database gets its identity and its marker.
    """
    from pos.store.backup import latest_backup, upgrade_with_backup

    reason = unwritable_reason(path)
    if reason is not None:
        raise DataFolderNotWritable(path.parent, reason)
    existed = not identity.is_absent(path)
    if not existed and identity.read_marker(path) is not None:
        identity.refuse_if_missing(path, latest_backup(path))
    db = Database(path, busy_timeout_ms=busy_timeout_ms)
    try:
        if existed:
            problems = db.quick_check()
            if problems:
                raise DatabaseCorrupt(path, "; ".join(problems[:3]), latest_backup(path))
        upgrade_with_backup(db)  # an older file: a copy first, put back if it fails
        with db.session() as s:
            raw = s.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            found = identity.reconcile(path, raw)
        identity.ensure_marker(path, found)
    except DatabaseCorrupt as exc:
        db.dispose()
        if exc.backup is None:
            raise DatabaseCorrupt(path, exc.detail, latest_backup(path)) from exc.__cause__
        raise
    except StoreError:
        db.dispose()
        raise
    except OSError as exc:  # the marker could not be written
        db.dispose()
        if exc.errno == errno.ENOSPC:
            raise DatabaseFull(path, drive_of(path)) from exc
        raise DataFolderNotWritable(path.parent, exc.strerror or str(exc)) from exc
    except Exception as exc:  # unknown failures still name the file
        db.dispose()
        raise StoreError(CANNOT_OPEN(path=str(path), detail=str(exc))) from exc
    return db
