"""Opening the database: pragmas, damaged files, a busy file, append-only documents."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from pos.domain.money import Money
from pos.services.context import TerminalContext
from pos.services.terminal import Terminal
from pos.store.db import Database, open_database
from pos.store.errors import AppendOnlyViolation, DatabaseCorrupt, DatabaseLocked

MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00, zero-rated
UHT = "6168232799285"  # DAI-0003 Brookside Long Life Whole Milk 500ml, 75.00, 16 %


# -- pragmas ---------------------------------------------------------------------------


def test_session_connections_use_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    db = open_database(tmp_path / "kaunta.sqlite")
    try:
        with db.session() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert s.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert s.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000
    finally:
        db.dispose()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = open_database(tmp_path / "kaunta.sqlite")
    try:
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.session() as s:
            s.execute(
                text(
                    "INSERT INTO payments (id, sale_id, method, amount_minor, tendered_minor, "
                    "change_minor, currency, reference, created_at, business_date, status) "
                    "VALUES ('p1', 'no-such-sale', 'cash', 100, 100, 0, 'KES', '', "
                    "'2026-03-02 07:30:00', '2026-03-02', 'completed')"
                )
            )
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM payments")).scalar_one() == 0
    finally:
        db.dispose()


# -- damaged files ---------------------------------------------------------------------


def _assert_corrupt_and_untouched(path: Path) -> None:
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt) as excinfo:
        open_database(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert "Kaunta has not changed it" in message
    assert excinfo.value.path == path
    assert path.read_bytes() == before


def test_random_bytes_are_reported_as_corrupt_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    path.write_bytes(random.Random(20260302).randbytes(16 * 1024))
    _assert_corrupt_and_untouched(path)
    with pytest.raises(DatabaseCorrupt, match=r"\(file is not a database\)"):
        open_database(path)


def test_real_database_with_overwritten_header_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    db = open_database(path)
    with db.session() as s:
        s.execute(text("INSERT INTO counters (name, value) VALUES ('receipt:T1', 7)"))
    db.dispose()
    assert not Path(f"{path}-wal").exists()  # checkpointed on close: all data in the file
    with path.open("r+b") as f:
        f.write(b"NOT A DATABASE!\x00")  # the 16-byte "SQLite format 3\0" magic
    _assert_corrupt_and_untouched(path)


def test_terminal_open_reports_a_corrupt_file(tmp_path: Path, ctx: TerminalContext) -> None:
    path = tmp_path / "kaunta.sqlite"
    path.write_bytes(b"\x00garbage" * 1000)
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match="has not changed it"):
        Terminal.open(path, ctx)
    assert path.read_bytes() == before


# -- a file another program is writing -----------------------------------------------


def test_write_while_another_connection_holds_an_exclusive_lock(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    other = sqlite3.connect(path, isolation_level=None)
    db = Database(path, busy_timeout_ms=200)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseLocked) as excinfo, db.session() as s:
            s.execute(text("INSERT INTO counters (name, value) VALUES ('x', 1)"))
        assert str(path) in str(excinfo.value)
        assert "busy" in str(excinfo.value)
        other.execute("ROLLBACK")
        with db.session() as s:  # the failed unit of work left nothing behind
            assert s.execute(text("SELECT count(*) FROM counters")).scalar_one() == 0
            s.execute(text("INSERT INTO counters (name, value) VALUES ('x', 1)"))
        with db.session() as s:
            assert s.execute(text("SELECT value FROM counters")).scalar_one() == 1
    finally:
        other.close()
        db.dispose()


# -- append-only documents -------------------------------------------------------------


@pytest.fixture
def sold(cashier: Terminal) -> Terminal:
    """A terminal with one completed cash sale (rows in every journal table)."""
    cashier.checkout.scan(MILK)
    cashier.checkout.scan(UHT)
    result = cashier.checkout.pay_cash(Money(20000))
    assert result.receipt is not None
    return cashier


CHANGES = [
    ("sales", "UPDATE sales SET total_minor = 1"),
    ("sales", "DELETE FROM sales"),
    ("sale_lines", "UPDATE sale_lines SET quantity = 100"),
    ("sale_lines", "DELETE FROM sale_lines"),
    ("sale_taxes", "UPDATE sale_taxes SET vat_minor = 0"),
    ("sale_taxes", "DELETE FROM sale_taxes"),
    ("payments", "UPDATE payments SET amount_minor = 1"),
    ("payments", "DELETE FROM payments"),
    ("audit_log", "UPDATE audit_log SET result = 'ok'"),
    ("audit_log", "DELETE FROM audit_log"),
]


def _dump(db: Database, table: str) -> list[tuple[object, ...]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]


@pytest.mark.parametrize(("table", "statement"), CHANGES)
def test_journal_tables_are_append_only(sold: Terminal, table: str, statement: str) -> None:
    before = _dump(sold.db, table)
    assert before, f"{table} should have rows after a sale"
    with (
        pytest.raises(AppendOnlyViolation, match=f"{table} is append-only"),
        sold.db.session() as s,
    ):
        s.execute(text(statement))
    assert _dump(sold.db, table) == before


def test_append_only_also_holds_for_raw_sqlite(sold: Terminal, db_path: Path) -> None:
    sold.close()
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="sales is append-only"):
            conn.execute("UPDATE sales SET status = 'voided'")
        assert conn.execute("SELECT status FROM sales").fetchall() == [("completed",)]
    finally:
        conn.close()


def test_outbox_delivery_columns_change_but_the_event_does_not(sold: Terminal) -> None:
    with sold.db.session() as s:
        s.execute(
            text("UPDATE outbox SET sent_at = '2026-03-02 07:31:00', attempts = attempts + 1")
        )
    with sold.db.session() as s:
        sent_at, attempts, payload = s.execute(
            text("SELECT sent_at, attempts, payload FROM outbox WHERE kind = 'sale.completed'")
        ).one()
    assert sent_at.startswith("2026-03-02 07:31:00")
    assert attempts == 1
    assert json.loads(payload)["body"]["totals"]["total"]["minor"] == 14000

    for column, value in [("payload", "'{}'"), ("kind", "'sale.voided'"), ("id", "'x'")]:
        with (
            pytest.raises(AppendOnlyViolation, match="outbox events are immutable"),
            sold.db.session() as s,
        ):
            s.execute(text(f"UPDATE outbox SET {column} = {value}"))
    with sold.db.session() as s:
        kind, payload_after = s.execute(
            text("SELECT kind, payload FROM outbox WHERE kind = 'sale.completed'")
        ).one()
    assert (kind, payload_after) == ("sale.completed", payload)
