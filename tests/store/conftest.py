"""Fixtures of the store tests: what each schema revision must have, and populated snapshots.

``snapshots/<revision>.sql`` holds a till's rows as the Kaunta of that revision wrote them
(see ``snapshots/make_snapshots.py``). A snapshot database is an empty file migrated to that
revision by today's migrations, with those rows loaded by plain SQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pos.domain.receipt import StoreInfo
from pos.services.context import SystemClock, TerminalContext
from pos.services.journal import Journal, TrainingKeyFile
from pos.store.db import Database, open_database

SNAPSHOTS = Path(__file__).parent / "snapshots"
#: Where a training till of store DEMO, terminal T1 looks for its journal key.
SNAPSHOT_KEY_NAME = "journal.key.DEMO-T1"


def _append_only(*tables: str) -> set[str]:
    return {f"{table}_no_{verb}" for table in tables for verb in ("update", "delete")}


#: The triggers the schema must have at each revision, written out here rather than read
#: from the code under test. A new revision adds its entry (a test fails until it does).
TRIGGERS_AT: dict[str, frozenset[str]] = {
    "0001": frozenset(
        {
            "products_fts_ai",
            "products_fts_ad",
            "products_fts_au",
            "outbox_immutable",
            *_append_only("sales", "sale_lines", "sale_taxes", "payments", "audit_log"),
        }
    ),
}
TRIGGERS_AT["0002"] = TRIGGERS_AT["0001"] | _append_only("payment_attempt_events")
TRIGGERS_AT["0003"] = (
    TRIGGERS_AT["0002"]
    | _append_only("journal_chain", "journal_checkpoints")
    | {
        f"{table}_no_replace"
        for table in (
            "sales",
            "sale_lines",
            "sale_taxes",
            "payments",
            "audit_log",
            "outbox",
            "payment_attempt_events",
            "journal_chain",
            "journal_checkpoints",
        )
    }
    | {"sale_lines_sealed", "sale_taxes_sealed", "payments_sealed", "outbox_no_delete"}
)
TRIGGERS_AT["0004"] = TRIGGERS_AT["0003"]  # a column and an index; no trigger changes
TRIGGERS_AT["0005"] = TRIGGERS_AT["0004"]  # sync agent state; no trigger changes
TRIGGERS_AT["0006"] = TRIGGERS_AT["0005"] | {  # refunds are append-only
    f"{table}_no_{verb}"
    for table in ("refunds", "refund_lines", "refund_tenders")
    for verb in ("update", "delete", "replace")
}
TRIGGERS_AT["0007"] = TRIGGERS_AT["0006"] | {  # shifts, closes, cash and Z are append-only
    f"{table}_no_{verb}"
    for table in ("shifts", "shift_closes", "cash_movements", "z_reports")
    for verb in ("update", "delete", "replace")
}
TRIGGERS_AT["0008"] = TRIGGERS_AT["0007"]  # day summaries; no trigger changes
TRIGGERS_AT["0009"] = TRIGGERS_AT["0008"]  # range summaries; no trigger changes
TRIGGERS_AT["0010"] = TRIGGERS_AT["0009"]  # refund attempts (mutable); no trigger changes
TRIGGERS_AT["0011"] = TRIGGERS_AT["0010"]  # a product column (KRA item class); no trigger changes
TRIGGERS_AT["0012"] = TRIGGERS_AT["0011"]  # head office's VAT classes; no trigger changes

#: The identity the store tests' journals are sealed for (the snapshots' till).
STORE_CTX = TerminalContext(StoreInfo("DEMO", "Kaunta Demo Duka"), "T1", training=True)


def open_keyed(path: Path) -> Database:
    """Open (and migrate) ``path`` with the journal key a training till keeps beside it,
    as the till does, so that the store's writers can seal what they write."""
    db = open_database(path)
    Journal(db, STORE_CTX, TrainingKeyFile(path.parent), SystemClock())
    return db


#: (columns, rows sorted) of every data table, read with plain sqlite3.
Rows = dict[str, tuple[list[str], list[tuple[object, ...]]]]


def read_rows(path: Path) -> Rows:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE 'products_fts%' AND name != 'alembic_version' ORDER BY name"
            )
        ]
        rows: Rows = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            data = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            rows[table] = (columns, sorted(data, key=repr))
        return rows
    finally:
        conn.close()


def read_triggers(path: Path) -> frozenset[str]:
    conn = sqlite3.connect(path)
    try:
        return frozenset(
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        )
    finally:
        conn.close()


def foreign_key_check(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()


def build_snapshot(path: Path, revision: str) -> None:
    """Migrate an empty file to ``revision``, then load that revision's rows with plain SQL."""
    db = Database(path)
    try:
        db.upgrade(revision)
        assert db.check_openable() == revision
    finally:
        db.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")  # the rows must be consistent as loaded
        conn.executescript((SNAPSHOTS / f"{revision}.sql").read_text(encoding="utf-8"))
    finally:
        conn.close()
    key = SNAPSHOTS / f"{revision}.key"
    if key.exists():  # from 0003 on: the training journal key the snapshot was sealed with
        (path.parent / SNAPSHOT_KEY_NAME).write_bytes(key.read_bytes())
    pepper = SNAPSHOTS / f"{revision}.pepper"
    if pepper.exists():  # from 0004 on: PINs re-hashed with the (training) pepper
        (path.parent / "auth.pin_pepper").write_bytes(pepper.read_bytes())


class Schema:
    """What the migration tests look at, by plain sqlite3 (never the code under test)."""

    triggers_at = TRIGGERS_AT

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def snapshot(self, revision: str) -> Path:
        """A new populated database at ``revision``."""
        path = self._folder / f"till-{revision}.sqlite"
        build_snapshot(path, revision)
        return path

    rows = staticmethod(read_rows)
    triggers = staticmethod(read_triggers)
    foreign_key_check = staticmethod(foreign_key_check)


@pytest.fixture
def schema(tmp_path: Path) -> Schema:
    return Schema(tmp_path)
