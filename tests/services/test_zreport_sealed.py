"""A Z report is sealed in the keyed journal chain through its ``z_report`` audit entry:
a Z rewritten in the file (trigger dropped, figures and hash recomputed, trigger put back)
or removed is found by ``ZReportService.verify``, the start-up check and ``kaunta verify``
(exit 1); an untouched history verifies."""

from __future__ import annotations

import json
import sqlite3

from pos.secrets import journal_key_store
from pos.services.auth import Role, UserSummary
from pos.services.journal import verify_database
from pos.services.terminal import Terminal
from sync.protocol.canonical import content_hash

MILK = "6168232712628"


def _day_with_z(term: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    term.checkout.scan(MILK, 2)
    term.checkout.pay_cash(term.checkout.view().cash_due)
    term.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    term.shifts.close({}, note="counted short")
    term.zreports.z_report()


def _rewrite_gross(path: str, gross_minor: int) -> None:
    """What the reviewer did: drop the triggers, rewrite the Z and its hash, restore."""
    conn = sqlite3.connect(path)
    trig = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='z_reports'"
    ).fetchall()
    for name, _ in trig:
        conn.execute(f"DROP TRIGGER {name}")
    (doc,) = conn.execute("SELECT document FROM z_reports").fetchone()
    d = json.loads(doc)
    d["body"]["gross_sales"]["minor"] = gross_minor
    d["report"]["gross_sales"] = gross_minor
    h = content_hash(d["body"])
    d["hash"] = h
    conn.execute("UPDATE z_reports SET document=?, content_hash=?", (json.dumps(d), h))
    for _, sql in trig:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_untouched_z_history_verifies(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _day_with_z(cashier, users, pins)
    assert cashier.zreports.verify() == []
    check = cashier.journal.verify()
    assert check is not None
    assert check.ok, check.findings
    outcome = verify_database(
        cashier.db.path, cashier.ctx, journal_key_store(True, cashier.db.path)
    )
    assert outcome.code == 0, outcome.lines


def test_rewritten_z_is_found_everywhere(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _day_with_z(cashier, users, pins)
    _rewrite_gross(str(cashier.db.path), 1)
    problems = cashier.zreports.verify()
    assert problems == [
        "Z 1 (T1): its hash differs from the one sealed in the journal when it was made",
        "Z 1 (T1): its printed figures differ from the ones sealed when it was made",
    ]
    check = cashier.journal.verify()
    assert check is not None
    assert not check.ok
    assert check.first is not None
    assert check.first.subject == "1 (T1)"
    startup = cashier.journal.startup_check()
    assert not startup.ok
    assert startup.problem.startswith("A Z report was tampered with: Z report 1 (T1)")
    outcome = verify_database(
        cashier.db.path, cashier.ctx, journal_key_store(True, cashier.db.path)
    )
    assert outcome.code == 1
    assert outcome.lines[0].startswith("TAMPERED: 2 problems")
    assert "Z report 1 (T1): its hash differs from the one sealed" in outcome.lines[1]


def test_removed_z_is_found(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _day_with_z(cashier, users, pins)
    conn = sqlite3.connect(cashier.db.path)
    trig = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='z_reports'"
    ).fetchall()
    for name, _ in trig:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DELETE FROM z_reports")
    for _, sql in trig:
        conn.execute(sql)
    conn.commit()
    conn.close()
    assert cashier.zreports.verify() == ["Z 1: missing: removed from the Z reports"]
    outcome = verify_database(
        cashier.db.path, cashier.ctx, journal_key_store(True, cashier.db.path)
    )
    assert outcome.code == 1
