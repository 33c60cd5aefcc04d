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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from pos.store.errors import (
    AppendOnlyViolation,
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseTooNew,
    StoreError,
)

#: The newest migration this code knows. A test checks it equals Alembic's head, so that
#: start-up can skip importing Alembic when the file is already current.
SCHEMA_HEAD = "0002"

#: Default busy timeout: how long a writer queues behind another before giving up.
BUSY_TIMEOUT_MS = 5000

_CORRUPT_MARKERS = ("file is not a database", "malformed", "disk image", "file is encrypted")
_CORRUPT_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

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
        if "append-only" in lowered or "immutable" in lowered:
            return AppendOnlyViolation(message)
    return exc


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
        info = connection.connection.info  # lives as long as the DBAPI connection
        if info.get(_READ_ONLY, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")
            info[_READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

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


def open_database(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path, busy_timeout_ms=busy_timeout_ms)
    try:
        db.upgrade()
    except StoreError:
        db.dispose()
        raise
    except Exception as exc:  # unknown failures still name the file
        db.dispose()
        raise StoreError(f"Could not open the database {path}: {exc}") from exc
    return db
