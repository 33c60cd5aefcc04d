"""Hot-path statements on the driver's cursor store exactly what SQLAlchemy Core stores."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import bindparam

from pos.services.auth import Role, UserSummary
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store import shifts
from pos.store.db import Database
from pos.store.driver_sql import DriverStatement


def _raw_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        quoted = ", ".join(f"typeof({c}) || ':' || quote({c})" for c in columns if c != "seq")
        return [tuple(r) for r in conn.execute(f"SELECT {quoted} FROM {table} ORDER BY seq")]
    finally:
        conn.close()


def test_driver_rows_equal_core_rows_value_for_value(tmp_path: Path) -> None:
    """Same values through both paths (aware times in two zones, None, text, integers):
    the stored cells are identical, type and text."""
    core_db, driver_db = Database(tmp_path / "core.sqlite"), Database(tmp_path / "drv.sqlite")
    nairobi = timezone(timedelta(hours=3))
    rows = [
        {
            "seq": n,
            "id": f"0190000{n}-0000-7000-8000-000000000000",
            "created_at": at,
            "kind": "sale.completed",
            "aggregate_id": "a",
            "payload": '{"x":1}',
            "attempts": 0,
            "sent_at": sent,
        }
        for n, (at, sent) in enumerate(
            [
                (datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC), None),
                (datetime(2026, 12, 2, 13, 0, 0, 123456, tzinfo=nairobi), None),
                (datetime(2026, 12, 2, 10, 0, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)),
            ],
            start=1,
        )
    ]
    try:
        core_db.upgrade("head")
        driver_db.upgrade("head")
        with core_db.session() as s:
            s.connection().execute(repo._OUTBOX.insert(), rows)
        with driver_db.session() as s:
            DriverStatement(repo._OUTBOX.insert(), insert=True).execute(s, rows)
    finally:
        core_db.dispose()
        driver_db.dispose()
    stored = _raw_rows(tmp_path / "drv.sqlite", "outbox")
    assert stored == _raw_rows(tmp_path / "core.sqlite", "outbox")
    assert stored[1][1] == "text:'2026-12-02 10:00:00.123456'"  # UTC, as UTCDateTime stores


def test_driver_statement_refuses_rows_with_other_columns(tmp_path: Path) -> None:
    db = Database(tmp_path / "till.sqlite")
    statement = DriverStatement(
        repo._DRAFTS.delete().where(repo._DRAFTS.c.id == bindparam("i")), insert=False
    )
    insert = DriverStatement(repo._OUTBOX.insert(), insert=True)
    row = {
        "seq": 1,
        "id": "01900001-0000-7000-8000-000000000000",
        "created_at": datetime(2026, 12, 2, tzinfo=UTC),
        "kind": "k",
        "aggregate_id": "a",
        "payload": "{}",
        "attempts": 0,
        "sent_at": None,
    }
    try:
        db.upgrade("head")
        with db.session() as s:
            statement.execute(s, [{"i": "x"}])
            insert.execute(s, [row])
            with pytest.raises(ValueError, match="compiled for"):
                insert.execute(s, [{k: v for k, v in row.items() if k != "sent_at"}])
            with pytest.raises(ValueError, match="naive datetime"):
                insert.execute(s, [{**row, "seq": 2, "created_at": datetime(2026, 12, 2)}])
    finally:
        db.dispose()


def test_open_shift_id_agrees_with_the_orm_lookup_through_open_close_and_reopen(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """The driver-cursor check every sale runs (``shifts.open_shift_id``) gives the same
    shift as the ORM lookup: the demo's open shift, none after its close, then the next."""
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    tid = terminal.ctx.terminal_id

    def both() -> tuple[str | None, str | None]:
        with terminal.db.session() as s:
            record = shifts.open_shift(s, tid)
            return shifts.open_shift_id(s, tid), record.id if record else None

    first, orm = both()
    assert first is not None
    assert first == orm
    terminal.shifts.close({}, note="closed for the test")
    assert both() == (None, None)
    terminal.shifts.open({})
    second, orm = both()
    assert second is not None
    assert second == orm
    assert second != first
    with terminal.db.session() as s:
        assert shifts.open_shift_id(s, "no-such-terminal") is None
