"""Running Alembic migrations on a till's file so that they survive real, populated tills.

An upgrade:

1. opens a connection of its own (never one from the pool the services use) and sets
   ``PRAGMA foreign_keys = OFF`` on it before any transaction: the pragma is a silent
   no-op inside one, and with it on, a batch rebuild of a parent table (``sales`` with
   lines, taxes and payments) fails with ``FOREIGN KEY constraint failed`` when it drops
   the old copy;
2. takes the write lock with ``BEGIN IMMEDIATE`` (queueing behind other writers up to the
   busy timeout) and runs every step in that one transaction;
3. after each step, re-creates the triggers that revision must have (batch operations
   drop them with the table they rebuild; see :mod:`pos.store.migrations.triggers`), so a
   later step that writes rows still has its search index and append-only rules;
4. before committing, runs ``PRAGMA foreign_key_check`` and checks the triggers once more;
   any problem raises :class:`MigrationFailed` and rolls the whole upgrade back, leaving
   the file exactly as it was;
5. turns foreign keys back on and closes the connection.

Imported lazily by :meth:`pos.store.db.Database.upgrade`, so a till whose file is already
current never loads Alembic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import NullPool

from pos.store.db import BUSY_TIMEOUT_MS, configure_connection
from pos.store.errors import MigrationFailed
from pos.store.migrations import triggers

SCRIPT_LOCATION = "pos.store:migrations"


def alembic_config() -> Config:
    """Alembic's configuration: no ini file and no URL (the connection is handed in)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate must never touch the FTS5 index tables: they live outside the models."""
    return not (name or "").startswith("products_fts")


@cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in script_directory().walk_revisions())


def applied_revisions(
    heads: Collection[str], script: ScriptDirectory | None = None
) -> frozenset[str]:
    """Every revision a database at ``heads`` has run (the heads and their ancestors)."""
    if not heads:
        return frozenset()
    scripts = script or script_directory()
    return frozenset(
        rev.revision
        for rev in scripts.revision_map.iterate_revisions(tuple(heads), "base")
        if rev is not None
    )


def foreign_key_problems(conn: Connection) -> list[tuple[Any, ...]]:
    """``PRAGMA foreign_key_check``: (table, rowid, parent table, constraint) per bad row."""
    return [tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")]


def current_heads(conn: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(conn).get_current_heads())


def check_schema(conn: Connection, path: Path, script: ScriptDirectory | None = None) -> None:
    """Refuse to commit a schema with broken references or without its triggers.

    Re-creates the triggers the reached revision must have first (the safety net for a
    step whose batch operation dropped them), then checks that they are all there.
    """
    heads = current_heads(conn)
    label = ", ".join(heads) or "base"
    problems = foreign_key_problems(conn)
    if problems:
        table, rowid, parent, _fk = problems[0]
        raise MigrationFailed(
            path,
            label,
            f"rows that would point at rows that do not exist: {len(problems)} "
            f"(first: {table} row {rowid} -> {parent})",
        )
    required = triggers.triggers_at(applied_revisions(heads, script))
    triggers.ensure_triggers(conn, required)
    missing = triggers.missing_triggers(conn, required)
    if missing:
        raise MigrationFailed(path, label, f"triggers missing: {', '.join(missing)}")


@contextmanager
def migration_connection(
    path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, config: Config | None = None
) -> Iterator[Connection]:
    """A connection of its own, foreign keys off, inside ``BEGIN IMMEDIATE``.

    On a clean exit, :func:`check_schema` runs and the transaction commits; on any error
    everything done through the connection is rolled back. Alembic commands and ad-hoc
    ``alembic.operations.Operations`` both run inside it. ``config`` is the Alembic
    configuration the commands use (tests add version locations); it is also how the
    reached revision's ancestors are found.
    """
    config = config or alembic_config()
    engine = create_engine(
        f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": busy_timeout_ms / 1000}
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_connection(dbapi_connection, busy_timeout_ms=busy_timeout_ms, foreign_keys=False)

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    try:
        with engine.connect() as conn:
            with conn.begin():
                if conn.exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
                    raise RuntimeError("foreign keys are still on for the migration")
                config.attributes["connection"] = conn
                yield conn
                check_schema(conn, path, ScriptDirectory.from_config(config))
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = ON")  # outside any transaction: takes effect
    finally:
        engine.dispose()


def upgrade(
    path: Path,
    target: str = "head",
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    config: Config | None = None,
) -> None:
    """Upgrade the file at ``path`` to ``target`` in one checked transaction."""
    config = config or alembic_config()
    with migration_connection(path, busy_timeout_ms=busy_timeout_ms, config=config):
        command.upgrade(config, target)


def downgrade(path: Path, target: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Downgrade (for tests and support only; the till never downgrades by itself)."""
    config = alembic_config()
    with migration_connection(path, busy_timeout_ms=busy_timeout_ms, config=config):
        command.downgrade(config, target)
