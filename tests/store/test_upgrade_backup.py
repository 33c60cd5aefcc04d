"""Upgrades back the database up first and put the copy back when they fail.

Every earlier populated snapshot is opened as the till opens it (``open_database``): a
checked copy at the old revision is left in ``backups/`` and the file reaches head. A
planted migration that commits half its work and then fails, and a real migration refused
by its own check (a dangling reference planted in the data), both end with the database
exactly as it was, the copy named in the message.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent
from typing import TYPE_CHECKING

import pytest
from alembic.config import Config

from pos.store.backup import backup_dir, list_backups, upgrade_with_backup
from pos.store.db import SCHEMA_HEAD, Database, open_database
from pos.store.errors import UpgradeFailed
from pos.store.migrations import runner

if TYPE_CHECKING:
    from conftest import Schema

REVISIONS = [s.revision for s in reversed(list(runner.script_directory().walk_revisions()))]
EARLIER = [r for r in REVISIONS if r != SCHEMA_HEAD]
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _version(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def _copies(db_path: Path) -> list[Path]:
    folder = backup_dir(db_path)
    return sorted(folder.glob("*before-upgrade*")) if folder.is_dir() else []


@pytest.mark.parametrize("revision", EARLIER)
def test_opening_an_older_till_keeps_a_checked_copy_at_its_revision_then_upgrades(
    revision: str, schema: Schema
) -> None:
    path = schema.snapshot(revision)
    before = schema.rows(path)
    open_database(path).dispose()
    assert _version(path) == SCHEMA_HEAD
    [copy] = _copies(path)
    assert f"before-upgrade-{revision}-" in copy.name
    assert _version(copy) == revision
    assert schema.rows(copy) == before  # the copy is the till as it was, row for row
    assert copy not in list_backups(path)  # outside the rotation: never pruned
    open_database(path).dispose()  # at head now: no second copy
    assert len(_copies(path)) == 1


def test_a_new_database_makes_no_upgrade_copy(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    assert _copies(path) == []


def _planted_config(folder: Path) -> Config:
    """Head plus one planted revision that deletes the parked baskets, commits that by
    itself (as a step outside the transaction would), then fails."""
    folder.mkdir()
    (folder / "t9100_planted_failure.py").write_text(
        dedent(f"""
            from alembic import op

            revision = "t9100"
            down_revision = "{SCHEMA_HEAD}"

            def upgrade():
                op.execute("DELETE FROM drafts")
                op.get_bind().connection.driver_connection.execute("COMMIT")
                raise RuntimeError("planted failure in the middle of a migration")
        """),
        encoding="utf-8",
    )
    config = runner.alembic_config()
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", f"{Path(runner.__file__).parent / 'versions'}{os.pathsep}{folder}"
    )
    return config


def _drafts(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM drafts").fetchone()[0])
    finally:
        conn.close()


def test_a_planted_failing_migration_puts_the_copy_back_and_says_so(
    schema: Schema, tmp_path: Path
) -> None:
    path = schema.snapshot(SCHEMA_HEAD)
    before = schema.rows(path)
    assert _drafts(path) > 0
    db = Database(path)
    try:
        with pytest.raises(UpgradeFailed) as excinfo:
            upgrade_with_backup(db, now=NOW, config=_planted_config(tmp_path / "planted"))
    finally:
        db.dispose()
    error = excinfo.value
    assert error.restored
    [copy] = _copies(path)
    assert error.copy == copy
    message = str(error)
    assert "planted failure in the middle of a migration" in message
    assert str(copy) in message
    assert "as it was" in message
    assert error.backup is None  # nothing left for the start-up dialog to offer
    # the half-committed deletion is undone: only the copy could have brought it back
    assert _version(path) == SCHEMA_HEAD
    assert schema.rows(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    open_database(path).dispose()  # and the till opens on it again


def test_a_real_migration_refused_by_its_check_leaves_the_older_till_as_it_was(
    schema: Schema,
) -> None:
    revision = EARLIER[-1]
    path = schema.snapshot(revision)
    conn = sqlite3.connect(path)
    try:  # a payment event whose attempt does not exist: the upgrade's check refuses it
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO payment_attempt_events (attempt_id, at, from_state, to_state, code,"
            " message) VALUES ('no-such-attempt', '2026-03-02 07:30:00', 'created', 'pending',"
            " '', '')"
        )
        conn.commit()
    finally:
        conn.close()
    before = schema.rows(path)
    with pytest.raises(UpgradeFailed) as excinfo:
        open_database(path)
    message = str(excinfo.value)
    assert f"from schema {revision} to {SCHEMA_HEAD}" in message
    assert "would point at rows that do not exist" in message
    assert _version(path) == revision
    assert schema.rows(path) == before


def test_the_start_up_window_says_the_copy_was_put_back_and_offers_no_restore(
    schema: Schema, tmp_path: Path, qapp: object
) -> None:
    from pos.app import startup_error_box

    path = schema.snapshot(SCHEMA_HEAD)
    db = Database(path)
    try:
        with pytest.raises(UpgradeFailed) as excinfo:
            upgrade_with_backup(db, now=NOW, config=_planted_config(tmp_path / "planted"))
    finally:
        db.dispose()
    box, restore = startup_error_box(excinfo.value)
    assert "Kaunta put back the copy it made just before" in box.text()
    assert "nothing was lost" in box.text()
    assert restore is None  # the database is already as it was: nothing to restore
