"""Schema migrations: fresh files reach head, reopening changes nothing, too-new files refuse."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from pos.store.db import SCHEMA_HEAD, Database, open_database
from pos.store.errors import DatabaseTooNew, StoreError

TABLES = {
    "alembic_version",
    "audit_log",
    "counters",
    "drafts",
    "outbox",
    "payment_attempt_events",
    "payment_attempts",
    "payments",
    "products",
    "products_fts",
    "sale_lines",
    "sale_taxes",
    "sales",
    "users",
}
TRIGGERS = {
    "products_fts_ai",
    "products_fts_ad",
    "products_fts_au",
    "outbox_immutable",
    *(
        f"{table}_no_{verb}"
        for table in (
            "sales",
            "sale_lines",
            "sale_taxes",
            "payments",
            "audit_log",
            "payment_attempt_events",
        )
        for verb in ("update", "delete")
    ),
}


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", "pos.store:migrations")
    return config


def _schema(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(tables, triggers, alembic versions) read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("products_fts_")  # FTS5 shadow tables
        }
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    conn.close()
    return tables, triggers, versions


def test_schema_head_is_alembics_head() -> None:
    scripts = ScriptDirectory.from_config(_config())
    assert scripts.get_heads() == [SCHEMA_HEAD]
    assert scripts.get_current_head() == "0002"


def test_fresh_file_is_created_and_upgraded_to_head(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "kaunta.sqlite"
    db = open_database(path)
    try:
        assert db.check_openable() == SCHEMA_HEAD
    finally:
        db.dispose()
    tables, triggers, versions = _schema(path)
    assert tables == TABLES
    assert triggers == TRIGGERS
    assert versions == [SCHEMA_HEAD]


def test_reopening_a_current_file_is_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kaunta.sqlite"
    db = open_database(path)
    with db.session() as s:
        s.execute(text("INSERT INTO counters (name, value) VALUES ('receipt:T1', 41)"))
        cookie = s.execute(text("PRAGMA schema_version")).scalar_one()
    db.dispose()

    def no_alembic(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a database that is already at head")

    monkeypatch.setattr(command, "upgrade", no_alembic)
    db = open_database(path)
    try:
        with db.session() as s:
            assert s.execute(text("PRAGMA schema_version")).scalar_one() == cookie
            value = s.execute(text("SELECT value FROM counters WHERE name = 'receipt:T1'"))
            assert value.scalar_one() == 41
    finally:
        db.dispose()
    assert _schema(path)[2] == [SCHEMA_HEAD]


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    db = Database(path)
    try:
        config = _config()
        with db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert _schema(path) == ({"alembic_version"}, set(), [])
        assert db.check_openable() is None

        db.upgrade()
        assert db.check_openable() == SCHEMA_HEAD
    finally:
        db.dispose()
    tables, triggers, versions = _schema(path)
    assert (tables, triggers, versions) == (TABLES, TRIGGERS, [SCHEMA_HEAD])


def _mark_too_new(path: Path) -> bytes:
    open_database(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    return path.read_bytes()


def test_database_from_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    before = _mark_too_new(path)
    with pytest.raises(StoreError) as excinfo:
        open_database(path)
    assert str(path) in str(excinfo.value)
    assert "9999" in str(excinfo.value)
    assert path.read_bytes() == before
    assert _schema(path)[2] == ["9999"]


def test_database_from_a_newer_version_raises_database_too_new(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    _mark_too_new(path)
    with pytest.raises(DatabaseTooNew) as excinfo:
        open_database(path)
    assert "newer Kaunta (schema 9999)" in str(excinfo.value)
    assert excinfo.value.path == path


def test_upgrade_from_0001_keeps_data(tmp_path: Path) -> None:
    """A till still on the first schema upgrades in place at start-up; nothing is lost."""
    path = tmp_path / "old.sqlite"
    db = Database(path)
    try:
        config = _config()
        with db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO products (sku, barcode, name, category, price_minor, currency, "
                "vat_class, active, updated_at) VALUES ('OLD-1', NULL, 'Old Tea', '', 5000, "
                "'KES', 'S', 1, '2026-01-01 00:00:00')"
            )
        assert db.check_openable() == "0001"
        db.upgrade()
        assert db.check_openable() == SCHEMA_HEAD == "0002"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM products").scalars().all() == ["Old Tea"]
            hits = conn.exec_driver_sql(
                "SELECT rowid FROM products_fts WHERE products_fts MATCH 'old'"
            ).all()
            assert len(hits) == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM payment_attempts").scalar() == 0
    finally:
        db.dispose()
