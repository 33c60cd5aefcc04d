"""Schema migrations: the chain reaches head, each revision has exactly its triggers, the
models match the migrated schema, and an upgrade that would break references is refused.

Populated snapshots and batch rebuilds are in ``test_store_upgrades.py``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from pos.store.db import SCHEMA_HEAD, Database, open_database
from pos.store.errors import DatabaseTooNew, MigrationFailed, StoreError
from pos.store.migrations import runner
from pos.store.migrations.triggers import TRIGGERS, required_triggers
from pos.store.models import Base

if TYPE_CHECKING:
    from conftest import Schema

TABLES = {
    "alembic_version",
    "audit_log",
    "counters",
    "drafts",
    "hq_vat_classes",
    "journal_chain",
    "journal_checkpoints",
    "outbox",
    "payment_attempt_events",
    "payment_attempts",
    "payments",
    "products",
    "product_barcodes",
    "products_fts",
    "refund_lines",
    "refund_tenders",
    "refund_attempts",
    "refunds",
    "cash_movements",
    "shift_closes",
    "shifts",
    "z_reports",
    "daily_hours",
    "daily_cashiers",
    "daily_products",
    "daily_totals",
    "daily_tenders",
    "daily_categories",
    "sale_lines",
    "sale_taxes",
    "sales",
    "sync_state",
    "users",
}


#: SHA-256 (first 16 hex digits) of the DDL of every trigger a released migration created.
#: Released entries of ``TRIGGERS`` are history: replace one by a new entry, never edit it.
RELEASED_DDL = {
    "0001:products_fts_ai": "bdefbb6644faa2d3",
    "0001:products_fts_ad": "14c5ca2a10864f66",
    "0001:products_fts_au": "2509133ae8c6075c",
    "0001:sales_no_update": "73ca94d6eaaacd73",
    "0001:sales_no_delete": "0b3879d8f0012e4a",
    "0001:sale_lines_no_update": "d63a64c256c2fd2a",
    "0001:sale_lines_no_delete": "e5bddce7c53c2344",
    "0001:sale_taxes_no_update": "33aa1bd384932acc",
    "0001:sale_taxes_no_delete": "8d45b6490606140b",
    "0001:payments_no_update": "a911d4b292153167",
    "0001:payments_no_delete": "f07a561b875c6de5",
    "0001:audit_log_no_update": "69e26a4c1d892c66",
    "0001:audit_log_no_delete": "74d8a344cf438bb4",
    "0001:outbox_immutable": "2a0097dfd9a469c1",
    "0002:payment_attempt_events_no_update": "13fe426ac0e6fbf1",
    "0002:payment_attempt_events_no_delete": "fb57f2bfb77a38cd",
    "0003:journal_chain_no_update": "538ac2276b3545a3",
    "0003:journal_chain_no_delete": "c6488e360aa8a0a8",
    "0003:journal_checkpoints_no_update": "9aecd7b2e038b9f0",
    "0003:journal_checkpoints_no_delete": "c24f658bb7d2c1e3",
    "0003:sales_no_replace": "a20e267d3fa5dfec",
    "0003:sale_lines_no_replace": "f61983edce4beb2c",
    "0003:sale_taxes_no_replace": "6b4de7598bcbd04e",
    "0003:payments_no_replace": "a157a033ff5a6dae",
    "0003:audit_log_no_replace": "ed8ba4c177be6eb9",
    "0003:outbox_no_replace": "b60713fa070e5632",
    "0003:payment_attempt_events_no_replace": "94181853d72d5ce4",
    "0003:journal_chain_no_replace": "afe767d996da6c86",
    "0003:journal_checkpoints_no_replace": "5235bf609bb12f34",
    "0003:sale_lines_sealed": "648612d4bcd4dfe7",
    "0003:sale_taxes_sealed": "40b2da26385dd157",
    "0003:payments_sealed": "07be6e7c76c0f8c7",
    "0003:outbox_immutable": "823a93452829a818",
    "0003:outbox_no_delete": "8fcc19d1b02c1857",
}


def revisions_oldest_first() -> list[str]:
    return [s.revision for s in reversed(list(runner.script_directory().walk_revisions()))]


def _schema(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(tables, triggers, alembic versions) read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        tables = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("products_fts_")  # FTS5 shadow tables
        }
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()
    return tables, triggers, versions


# -- the chain and its head ------------------------------------------------------------


def test_schema_head_is_alembics_head() -> None:
    scripts = runner.script_directory()
    assert scripts.get_heads() == [SCHEMA_HEAD]
    assert revisions_oldest_first()[-1] == SCHEMA_HEAD


def test_every_revision_has_its_expectations(schema: Schema) -> None:
    """A new migration must say which triggers it leaves and bring a populated snapshot."""
    revisions = revisions_oldest_first()
    assert sorted(schema.triggers_at) == revisions
    snapshots = Path(__file__).parent / "snapshots"
    assert sorted(p.stem for p in snapshots.glob("*.sql")) == revisions
    assert {t.since for t in TRIGGERS} <= set(revisions)


def test_fresh_file_is_created_and_upgraded_to_head(tmp_path: Path, schema: Schema) -> None:
    path = tmp_path / "new" / "folder" / "kaunta.sqlite"
    db = open_database(path)
    try:
        assert db.check_openable() == SCHEMA_HEAD
        assert db.missing_triggers() == []
    finally:
        db.dispose()
    tables, triggers, versions = _schema(path)
    assert tables == TABLES
    assert triggers == schema.triggers_at[SCHEMA_HEAD]
    assert versions == [SCHEMA_HEAD]


def test_each_upgrade_step_leaves_exactly_the_triggers_of_its_revision(
    tmp_path: Path, schema: Schema
) -> None:
    path = tmp_path / "kaunta.sqlite"
    db = Database(path)
    try:
        for revision in revisions_oldest_first():
            db.upgrade(revision)
            assert db.check_openable() == revision
            assert _schema(path)[1] == schema.triggers_at[revision], revision
        assert db.missing_triggers() == []
    finally:
        db.dispose()


def test_released_trigger_definitions_are_never_edited() -> None:
    released = {
        f"{t.since}:{t.name}": hashlib.sha256(t.sql.encode()).hexdigest()[:16]
        for t in TRIGGERS
        if f"{t.since}:{t.name}" in RELEASED_DDL or t.since in {"0001", "0002", "0003"}
    }
    assert released == RELEASED_DDL


def test_the_newest_schema_requires_every_trigger_in_the_list(schema: Schema) -> None:
    assert {t.name for t in required_triggers()} == schema.triggers_at[SCHEMA_HEAD]


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


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path, schema: Schema) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    db = Database(path)
    try:
        runner.downgrade(path, "base")
        assert _schema(path) == ({"alembic_version"}, set(), [])
        assert db.check_openable() is None

        db.upgrade()
        assert db.check_openable() == SCHEMA_HEAD
    finally:
        db.dispose()
    assert _schema(path) == (TABLES, schema.triggers_at[SCHEMA_HEAD], [SCHEMA_HEAD])


# -- drift -----------------------------------------------------------------------------


def test_the_models_match_the_migrated_schema(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_object": runner.include_object,
                    "target_metadata": Base.metadata,
                },
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


# -- triggers on an open database ------------------------------------------------------


def test_missing_triggers_names_a_dropped_or_weakened_trigger(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    db = open_database(path)
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("DROP TRIGGER sales_no_update")
            conn.execute("DROP TRIGGER outbox_immutable")
            conn.execute(  # same name, but it no longer refuses anything
                "CREATE TRIGGER outbox_immutable BEFORE UPDATE OF id ON outbox BEGIN SELECT 1; END"
            )
            conn.commit()
        finally:
            conn.close()
        assert db.missing_triggers() == ["outbox_immutable", "sales_no_update"]
    finally:
        db.dispose()


# -- the upgrade's own connection ------------------------------------------------------


def test_the_migration_connection_has_foreign_keys_off_and_the_app_has_them_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kaunta.sqlite"
    db = open_database(path)
    try:
        with runner.migration_connection(path) as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        with db.session() as s:
            assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        db.dispose()


def test_an_upgrade_that_leaves_a_dangling_reference_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "INSERT INTO payment_attempts (id, sale_id, terminal_id, method, state, amount_minor,"
            " currency, applied_minor, sale_currency, rounding_minor, rate, payer_masked,"
            " payer_hash, gateway_ref, receipt_ref, action_url, code, message, abandoned,"
            " resolution, created_by, created_at, updated_at) VALUES ('a1', 's1', 'T1', 'mpesa',"
            " 'pending', 6500, 'KES', 6500, 'KES', 0, '', '2547******78', '', 'ws_CO_1', '', '',"
            " '', '', 0, '', 'u1', '2026-03-02 07:30:00', '2026-03-02 07:30:00')"
        )
        conn.execute(
            "INSERT INTO payment_attempt_events (attempt_id, at, from_state, to_state, code,"
            " message) VALUES ('a1', '2026-03-02 07:30:00', 'created', 'pending', '', '')"
        )
        conn.commit()
    finally:
        conn.close()
    before = path.read_bytes()
    with pytest.raises(MigrationFailed) as excinfo, runner.migration_connection(path) as mc:
        mc.exec_driver_sql("DELETE FROM payment_attempts")  # allowed: foreign keys are off
    message = str(excinfo.value)
    assert "rows that would point at rows that do not exist: 1" in message
    assert "payment_attempt_events row 1 -> payment_attempts" in message
    assert "rolled back" in message
    check = sqlite3.connect(path)
    try:
        assert check.execute("SELECT count(*) FROM payment_attempts").fetchone() == (1,)
    finally:
        check.close()
    assert path.read_bytes() == before


# -- files from elsewhere --------------------------------------------------------------


def _mark_too_new(path: Path) -> bytes:
    open_database(path).dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    finally:
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
