"""Z numbering and immutability, for any sequence of days, shifts, sales, X and Z attempts
(Hypothesis, each example on a fresh copy of the seeded till file).

- The Zs of the till are numbered 1..n with no gap; each covers the shifts after the
  previous Z's last one, so no closed period is covered twice or left out; a Z with a
  shift still open, or with no new closed shift, is refused and writes nothing; an X
  writes nothing; a reprint is the Z as it was made.
- A stored Z row cannot be updated, deleted or replaced (the triggers refuse in SQL).
- Whatever the history, a Z tampered with outside Kaunta (triggers dropped, the row
  changed, the triggers put back) is found by ``ZReportService.verify`` and by the check
  behind ``kaunta verify`` (``verify_database``: exit code 1), and an untouched history
  verifies with both.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos.secrets import journal_key_store
from pos.services.auth import Role
from pos.services.errors import ServiceError
from pos.services.journal import verify_database
from pos.services.period import PeriodReport
from pos.services.terminal import Terminal
from sync.protocol.canonical import content_hash
from tests.conftest import FakeClock
from tests.services.manager_day_till import fresh_till, login

MILK = "6168232712628"


@dataclass
class Model:
    """What the till should hold: the shifts since the last Z, and the Zs made."""

    next_shift: int = 2  # the seeded demo shift is 1, open
    since_z: list[int] = field(default_factory=lambda: [1])
    open_shift: int | None = 1
    sales_since_z: int = 0
    zs: list[PeriodReport] = field(default_factory=list)


def _z_rows(t: Terminal) -> list[tuple[int, int, int]]:
    with t.db.read_session() as s:
        return [
            (int(n), int(a), int(b))
            for n, a, b in s.execute(
                text(
                    "SELECT number, first_shift_number, last_shift_number FROM z_reports "
                    "ORDER BY number"
                )
            )
        ]


def _documents(t: Terminal) -> tuple[int, int]:
    with t.db.read_session() as s:
        z = s.execute(text("SELECT count(*) FROM z_reports")).scalar()
        out = s.execute(text("SELECT count(*) FROM outbox")).scalar()
    return int(z or 0), int(out or 0)


def _step(t: Terminal, clock: FakeClock, m: Model, op: str) -> None:
    if op == "sell":
        if m.open_shift is None:
            with pytest.raises(ServiceError, match="No shift is open"):
                t.checkout.scan(MILK, 1)
            return
        t.checkout.scan(MILK, 1)
        assert t.checkout.pay_cash(t.checkout.view().cash_due).receipt is not None
        m.sales_since_z += 1
    elif op == "open":
        if m.open_shift is not None:
            with pytest.raises(ServiceError):
                t.shifts.open({})
            return
        assert t.shifts.open({}).number == m.next_shift
        m.open_shift = m.next_shift
        m.since_z.append(m.next_shift)
        m.next_shift += 1
    elif op == "close":
        if m.open_shift is None:
            with pytest.raises(ServiceError):
                t.shifts.close({}, note="banked")
            return
        t.shifts.close({}, note="takings banked")
        m.open_shift = None
    elif op == "x":
        before = _documents(t)
        if not m.since_z:
            with pytest.raises(ServiceError, match="No shift since the last Z"):
                t.zreports.x_report()
        else:
            x = t.zreports.x_report()
            assert x.shift_numbers == tuple(m.since_z)
            assert x.sales_count == m.sales_since_z
        assert _documents(t) == before
    elif op == "z":
        before = _documents(t)
        if m.open_shift is not None:
            with pytest.raises(ServiceError, match="still open"):
                t.zreports.z_report()
            assert _documents(t) == before
        elif not m.since_z:
            with pytest.raises(ServiceError, match="nothing new for a Z report"):
                t.zreports.z_report()
            assert _documents(t) == before
        else:
            z = t.zreports.z_report()
            assert z.z_number == len(m.zs) + 1
            assert z.shift_numbers == tuple(m.since_z)
            assert z.sales_count == m.sales_since_z
            m.zs.append(z)
            m.since_z, m.sales_since_z = [], 0
    elif op == "next day":
        clock.advance(minutes=24 * 60)
    elif op == "reprint" and m.zs:
        listed = {z.number: z.z_id for z in t.zreports.z_list()}
        for made in m.zs:
            assert t.zreports.reprint(listed[made.z_number]) == made


def _check_invariants(t: Terminal, m: Model) -> None:
    rows = _z_rows(t)
    assert [n for n, _, _ in rows] == list(range(1, len(m.zs) + 1))
    last = 0
    for _, first, final in rows:
        assert first == last + 1, rows  # right after the previous Z's period: none twice
        assert final >= first
        last = final
    assert t.zreports.verify() == []


OPS = st.sampled_from(["sell", "open", "close", "x", "z", "next day", "reprint"])


def _triggers(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'z_reports'"
    ).fetchall()


def _tamper(path: Path, how: str, number: int) -> None:
    """What someone with the file does: drop the triggers, change Z ``number``, put the
    triggers back."""
    conn = sqlite3.connect(path)
    try:
        triggers = _triggers(conn)
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        (doc, z_hash) = conn.execute(
            "SELECT document, content_hash FROM z_reports WHERE number = ?", (number,)
        ).fetchone()
        stored = json.loads(doc)
        if how == "figures":  # a printed figure changed, nothing else
            stored["report"]["sales_count"] += 1
            conn.execute(
                "UPDATE z_reports SET document = ? WHERE number = ?", (json.dumps(stored), number)
            )
        elif how == "figures and hash":  # the record and its hash recomputed to match
            stored["body"]["gross_sales"]["minor"] += 100
            stored["report"]["gross_sales"] += 100
            new_hash = content_hash(stored["body"])
            conn.execute(
                "UPDATE z_reports SET document = ?, content_hash = ? WHERE number = ?",
                (json.dumps(stored), new_hash, number),
            )
        elif how == "removed":
            conn.execute("DELETE FROM z_reports WHERE number = ?", (number,))
        elif how == "renumbered":
            conn.execute("UPDATE z_reports SET number = number + 100 WHERE number = ?", (number,))
        elif how == "unlinked":
            conn.execute(
                "UPDATE z_reports SET previous_hash = ? WHERE number = ?", ("0" * 64, number)
            )
        else:  # pragma: no cover - the strategy lists every way
            raise AssertionError(how)
        assert z_hash
        for _, sql in triggers:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(OPS, min_size=1, max_size=14),
    how=st.sampled_from(["figures", "figures and hash", "removed", "renumbered", "unlinked"]),
    pick=st.integers(min_value=0),
)
def test_z_numbers_run_without_gaps_sealed_zs_never_change_and_tampering_is_found(
    seeded_db_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    ops: list[str],
    how: str,
    pick: int,
) -> None:
    with fresh_till(seeded_db_template, tmp_path_factory.mktemp("z")) as (t, clock):
        login(t, Role.MANAGER)
        m = Model()
        for op in [*ops, "close", "z"]:  # every history ends with at least one Z
            _step(t, clock, m, op)
            _check_invariants(t, m)
        assert m.zs
        path = t.db.path
        keys = journal_key_store(True, path)
        assert verify_database(path, t.ctx, keys).code == 0

        conn = sqlite3.connect(path)
        try:
            for number in range(1, len(m.zs) + 1):
                for sql in (
                    "UPDATE z_reports SET created_by = 'someone' WHERE number = ?",
                    "DELETE FROM z_reports WHERE number = ?",
                    "INSERT OR REPLACE INTO z_reports SELECT * FROM z_reports WHERE number = ?",
                ):
                    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                        conn.execute(sql, (number,))
            conn.rollback()
        finally:
            conn.close()
        _check_invariants(t, m)

        number = 1 + pick % len(m.zs)
        _tamper(path, how, number)
        problems = t.zreports.verify()
        assert problems, f"{how} of Z {number} went unnoticed"
        outcome = verify_database(path, t.ctx, keys)
        assert outcome.code == 1, outcome.lines
        assert any("Z" in line or "z_report" in line for line in outcome.lines), outcome.lines
