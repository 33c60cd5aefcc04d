"""Upgrades that survive real tills: populated snapshots at every revision reach head with
their rows, triggers and references intact, and the till reads and sells on them; batch
rebuilds of tables with children and triggers work and keep their rules.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from textwrap import dedent
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from pos.demo import DEMO_USERS
from pos.domain.money import Money
from pos.services.auth import Role
from pos.services.context import TerminalContext
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store.db import SCHEMA_HEAD, Database
from pos.store.migrations import runner
from tests.shift_open import ensure_shift

if TYPE_CHECKING:
    from conftest import FakeClock, Rows, Schema

REVISIONS = [s.revision for s in reversed(list(runner.script_directory().walk_revisions()))]
MILK = "6168232712628"  # in every snapshot's catalog
PINS = {Role(role): pin for _, role, pin in DEMO_USERS}


def _assert_rows_kept(before: Rows, after: Rows) -> None:
    """Every table and row from before is still there, column for column."""
    assert set(before) <= set(after)
    for table, (columns, rows) in before.items():
        after_columns, after_rows = after[table]
        assert set(columns) <= set(after_columns), table
        index = [after_columns.index(c) for c in columns]
        kept = sorted((tuple(r[i] for i in index) for r in after_rows), key=repr)
        assert kept == rows, table


def _scalar(path: Path, sql: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# -- populated snapshots up to head ----------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_populated_till_at_each_revision_upgrades_to_head_intact(
    revision: str, schema: Schema
) -> None:
    path = schema.snapshot(revision)
    before = schema.rows(path)
    assert before["sales"][1], "the snapshot should hold sales"
    assert schema.triggers(path) == schema.triggers_at[revision]

    db = Database(path)
    try:
        db.upgrade()
        assert db.check_openable() == SCHEMA_HEAD
        assert db.missing_triggers() == []
    finally:
        db.dispose()
    _assert_rows_kept(before, schema.rows(path))
    assert schema.triggers(path) == schema.triggers_at[SCHEMA_HEAD]
    assert schema.foreign_key_check(path) == []
    assert _scalar(path, "PRAGMA integrity_check") == "ok"
    brookside = _scalar(path, "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'brook*'")
    assert brookside == 2  # the name index came through as well


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_till_reads_and_sells_on_an_upgraded_snapshot(
    revision: str, schema: Schema, ctx: TerminalContext, clock: FakeClock
) -> None:
    path = schema.snapshot(revision)
    before = schema.rows(path)
    clock.set(clock.now().replace(month=12, day=1))  # after every snapshot's sales
    terminal = Terminal.open(path, ctx, clock)
    try:
        report = terminal.startup_checks()
        assert report.audit_ok, report.audit_problem
        assert report.can_sell
        full = terminal.journal.verify()  # start-up may have begun at a checkpoint
        assert full is not None
        assert full.ok, full.findings
        assert full.audit_checked == len(before["audit_log"][1])
        assert full.sales_checked == len(before["sales"][1])

        cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
        terminal.auth.login(cashier.user_id, PINS[Role.CASHIER])
        ensure_shift(terminal)  # a till upgraded from before shifts opens its first one
        checkout = terminal.checkout

        # the journal written by the old Kaunta reads back, sale by sale
        columns, rows = before["sales"]
        with terminal.db.read_session() as s:
            for row in rows:
                record = dict(zip(columns, row, strict=True))
                entry = repo.sale_by_id(s, str(record["id"]))
                assert entry is not None
                assert entry.number == record["number"]
                total = entry.sale.totals(entry.tax_table).total.minor
                assert total == record["total_minor"]
        last_seq = max(int(dict(zip(columns, r, strict=True))["seq"]) for r in rows)
        reprint = checkout.last_receipt()
        assert reprint is not None
        assert reprint.number == ctx.receipt_number(last_seq)

        # the baskets left on the till come back
        drafts_columns, drafts = before["drafts"]
        by_status = {
            str(d["status"]): d for d in (dict(zip(drafts_columns, r, strict=True)) for r in drafts)
        }
        assert [p.note for p in checkout.parked()] == [by_status["parked"]["note"]]
        restored = checkout.restore()
        if "open" in by_status:
            assert restored.sale_id == by_status["open"]["id"]
            assert len(restored.lines) == len(json.loads(str(by_status["open"]["data"]))["lines"])
        else:
            assert restored.sale_id is None

        # search, and a new sale numbered after the old ones
        assert [p.barcode for p in checkout.search("brookside fresh")] == [MILK]
        checkout.scan(MILK)
        result = checkout.pay_cash(Money(50000))
        assert result.receipt is not None
        assert result.receipt.number == ctx.receipt_number(last_seq + 1)
    finally:
        terminal.close()
    assert schema.foreign_key_check(path) == []


# -- batch rebuilds --------------------------------------------------------------------


def _rebuild(path: Path, table: str) -> None:
    """A throwaway migration: rebuild ``table`` by copy (batch mode) with a new column."""
    with runner.migration_connection(path) as conn:
        context = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations(context).batch_alter_table(table, recreate="always") as batch:
            batch.add_column(
                sa.Column("kaunta_note", sa.String(40), nullable=False, server_default="")
            )


APPEND_ONLY_CHANGES = {
    "sales": "UPDATE sales SET total_minor = 1",
    "payments": "DELETE FROM payments",
    "payment_attempt_events": "UPDATE payment_attempt_events SET to_state = 'captured'",
    "outbox": "UPDATE outbox SET payload = '{}'",
}


@pytest.mark.parametrize("table", [*APPEND_ONLY_CHANGES, "products", "payment_attempts"])
def test_a_batch_rebuild_of_a_table_with_children_keeps_rows_references_and_triggers(
    table: str, schema: Schema
) -> None:
    path = schema.snapshot(SCHEMA_HEAD)
    before = schema.rows(path)
    _rebuild(path, table)
    after = schema.rows(path)
    _assert_rows_kept(before, after)
    assert "kaunta_note" in after[table][0]
    assert schema.triggers(path) == schema.triggers_at[SCHEMA_HEAD]
    assert schema.foreign_key_check(path) == []
    change = APPEND_ONLY_CHANGES.get(table)
    if change is not None:  # the rule itself holds again, not only the name
        conn = sqlite3.connect(path)
        try:
            with pytest.raises(sqlite3.IntegrityError, match=r"append-only|immutable"):
                conn.execute(change)
        finally:
            conn.close()


def test_the_till_sells_after_its_sales_table_was_rebuilt(
    schema: Schema, ctx: TerminalContext, clock: FakeClock
) -> None:
    path = schema.snapshot(SCHEMA_HEAD)
    _rebuild(path, "sales")
    _rebuild(path, "products")
    terminal = Terminal.open(path, ctx, clock)
    try:
        cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
        terminal.auth.login(cashier.user_id, PINS[Role.CASHIER])
        terminal.checkout.scan(MILK)
        assert terminal.checkout.pay_cash(Money(10000)).receipt is not None
        with terminal.db.read_session() as s:
            assert repo.search_products(s, "brookside fresh")[0].barcode == MILK
    finally:
        terminal.close()
    assert schema.foreign_key_check(path) == []


def test_a_step_that_writes_after_an_earlier_step_rebuilt_its_table_keeps_the_index(
    schema: Schema, tmp_path: Path
) -> None:
    """The trigger hook runs after every step, not only at the end: a product inserted by a
    later migration is in the name index although an earlier one rebuilt ``products``."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "t9001.py").write_text(
        dedent(f"""
            from alembic import op
            import sqlalchemy as sa

            revision = "t9001"
            down_revision = "{SCHEMA_HEAD}"

            def upgrade():
                with op.batch_alter_table("products", recreate="always") as batch:
                    batch.add_column(sa.Column("kaunta_note", sa.String(40), server_default=""))
        """),
        encoding="utf-8",
    )
    (versions / "t9002.py").write_text(
        dedent("""
            from alembic import op

            revision = "t9002"
            down_revision = "t9001"

            def upgrade():
                op.execute(
                    "INSERT INTO products (sku, name, category, price_minor, currency, vat_class,"
                    " active, updated_at) VALUES ('ZZ-1', 'Zanzibar Cloves 50g', 'Spices', 9000,"
                    " 'KES', 'S', 1, '2026-12-01 00:00:00')"
                )
        """),
        encoding="utf-8",
    )
    config = runner.alembic_config()
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", f"{Path(runner.__file__).parent / 'versions'}:{versions}"
    )
    path = schema.snapshot(SCHEMA_HEAD)
    runner.upgrade(path, "heads", config=config)
    assert _scalar(path, "SELECT version_num FROM alembic_version") == "t9002"
    hits = _scalar(path, "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'zanzibar'")
    assert hits == 1
    assert schema.triggers(path) == schema.triggers_at[SCHEMA_HEAD]
