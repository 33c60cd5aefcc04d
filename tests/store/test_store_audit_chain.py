"""The audit log is a SHA-256 chain (and sealed in the keyed journal chain): editing or
removing an entry is found at start-up."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import AuditEntry

from .conftest import open_keyed


def _append(db: Database, n: int, start: int = 1) -> None:
    with db.session() as s:
        for i in range(start, start + n):
            repo.append_audit(
                s,
                AuditEntry(
                    id=f"entry-{i}",
                    at=f"2026-03-02T07:{30 + i:02d}:00+00:00",
                    terminal_id="T1",
                    user_id="user-1",
                    action="login",
                    document_id="",
                    result="ok",
                    approved_by="",
                    detail=json.dumps({"n": i}),
                ),
            )


@pytest.fixture
def audited(tmp_path: Path) -> Database:
    db = open_keyed(tmp_path / "kaunta.sqlite")
    _append(db, 5)
    return db


def _raw(db: Database, *statements: str) -> None:
    """Tamper as an attacker with sqlite3 would: drop the guard trigger first."""
    db.dispose()
    conn = sqlite3.connect(db.path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _verify(db: Database, batch: int = 5000) -> repo.ChainCheck:
    with db.session() as s:
        return repo.verify_audit_chain(s, batch=batch)


def test_entries_are_chained_from_the_genesis_hash(audited: Database) -> None:
    with audited.session() as s:
        entries = list(reversed(repo.recent_audit(s)))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == repo.GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in entries}) == 5
    assert _verify(audited) == repo.ChainCheck(True, 5)
    assert _verify(audited, batch=2) == repo.ChainCheck(True, 5)
    audited.dispose()


def test_empty_log_verifies(tmp_path: Path) -> None:
    db = open_keyed(tmp_path / "kaunta.sqlite")
    try:
        assert _verify(db) == repo.ChainCheck(True, 0)
    finally:
        db.dispose()


@pytest.mark.parametrize("batch", [5000, 2])
def test_changed_detail_names_that_entry(audited: Database, batch: int) -> None:
    _raw(
        audited,
        "DROP TRIGGER audit_log_no_update",
        """UPDATE audit_log SET detail = '{"n": 99}' WHERE seq = 3""",
    )
    check = _verify(audited, batch)
    assert check == repo.ChainCheck(False, 2, 3, "the entry's content was changed")
    audited.dispose()


@pytest.mark.parametrize("batch", [5000, 3])
def test_deleted_middle_entry_is_found_at_the_next_one(audited: Database, batch: int) -> None:
    _raw(audited, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq = 3")
    check = _verify(audited, batch)
    assert check == repo.ChainCheck(False, 2, 4, "an entry before it was removed or changed")
    audited.dispose()


def test_appending_after_verification_keeps_the_chain(audited: Database) -> None:
    _append(audited, 2, start=6)
    assert _verify(audited) == repo.ChainCheck(True, 7)
    audited.dispose()


def test_terminal_startup_reports_tampering(terminal: Terminal) -> None:
    report = terminal.startup_checks()
    # the demo seed's entries: users, catalog import, the first shift opened
    assert (report.audit_ok, report.audit_checked, report.audit_problem) == (True, 5, "")
    _raw(
        terminal.db,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 2",
    )
    report = terminal.startup_checks()
    assert not report.audit_ok
    assert report.audit_checked == 5  # the schema changed: read again from the start
    assert report.audit_problem.startswith(
        "The audit log was tampered with: entry 2 does not match"
    )
    assert "audit_log_no_update" in report.selling_refused


def test_an_entry_edited_under_a_trigger_put_back_is_found_at_the_next_start(
    terminal: Terminal,
) -> None:
    """Dropping a trigger and creating it again moves SQLite's schema counter, so the next
    start verifies from the genesis entry instead of its checkpoint, and finds the edit."""
    assert terminal.startup_checks().audit_ok  # writes a checkpoint
    assert terminal.startup_checks().audit_checked == 0  # nothing new since it
    with terminal.db.read_session() as s:
        trigger_sql = s.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'")
        ).scalar_one()
    _raw(
        terminal.db,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET result = 'ok' WHERE seq = 1",
        trigger_sql,
    )
    report = terminal.startup_checks()
    assert report.can_sell  # the rules are all there again
    assert not report.audit_ok
    assert report.audit_problem.startswith(
        "The audit log was tampered with: entry 1 does not match (the entry's content was changed)"
    )
