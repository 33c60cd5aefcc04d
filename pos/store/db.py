"""Opening the terminal database: pragmas, transactions, migrations, clear errors.

SQLite runs in WAL mode with ``synchronous=FULL``: a sale that the cashier saw complete is
on disk, even if the power goes a moment later. Transactions start with an explicit
``BEGIN`` (pysqlite's implicit handling is switched off) so reads and writes inside one
unit of work see one snapshot.
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

_CORRUPT_MARKERS = ("file is not a database", "malformed", "disk image", "file is encrypted")


def translate_error(exc: BaseException, path: Path) -> BaseException:
    """Map low-level SQLite failures to store errors a person can act on."""
    inner = exc.orig if isinstance(exc, DBAPIError) else exc
    message = str(inner)
    if isinstance(inner, sqlite3.DatabaseError):
        lowered = message.lower()
        if any(marker in lowered for marker in _CORRUPT_MARKERS):
            return DatabaseCorrupt(path, message)
        if "locked" in lowered or "busy" in lowered:
            return DatabaseLocked(path)
        if "append-only" in lowered or "immutable" in lowered:
            return AppendOnlyViolation(message)
    return exc


class Database:
    """One terminal database file, its engine and its session factory."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
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

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA temp_store = MEMORY")
        finally:
            cursor.close()

    @staticmethod
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Re-raise SQLite failures as store errors that name this file."""
        try:
            yield
        except BaseException as exc:
            translated = translate_error(exc, self.path)
            if translated is exc:
                raise
            raise translated from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error, translates errors."""
        session = self._sessions()
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
        with self._translated(), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA schema_version").scalar()
            has_version = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'alembic_version'")
            ).scalar()
            if not has_version:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (no-op, without Alembic, when current)."""
        current = self.check_openable()
        if current == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", "pos.store:migrations")
        scripts = ScriptDirectory.from_config(config)
        known = {script.revision for script in scripts.walk_revisions()}
        if current is not None and current not in known:
            raise DatabaseTooNew(self.path, current)
        with self._translated(), self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(path: Path) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    try:
        db.upgrade()
    except StoreError:
        db.dispose()
        raise
    except Exception as exc:  # unknown failures still name the file
        db.dispose()
        raise StoreError(f"Could not open the database {path}: {exc}") from exc
    return db
