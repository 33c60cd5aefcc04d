"""The Terminal facade: first-run seeding and start-up checks over a new database file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.services.auth import Role
from pos.services.context import TerminalContext
from pos.services.terminal import DemoUser, Terminal

if TYPE_CHECKING:
    from conftest import FakeClock


def test_seed_demo_fills_an_empty_database_once(
    tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    demo = [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS]
    term = Terminal.open(tmp_path / "fresh.sqlite", ctx, clock)
    try:
        assert term.catalog.count() == 0
        assert term.auth.users() == []
        report = term.seed_demo(CATALOG_CSV, demo)
        assert report is not None
        assert (report.rows, report.imported, report.errors) == (347, 347, [])
        assert sorted(u.name for u in term.auth.users()) == [
            "Amina Wanjiru",
            "Brian Otieno",
            "Carol Njeri",
        ]
        assert term.seed_demo(CATALOG_CSV, demo) is None  # second start: nothing to do
        assert term.catalog.count() == 347
        assert len(term.auth.users()) == 3
        check = term.startup_checks()
        assert (check.audit_ok, check.audit_checked, check.audit_problem) == (
            True,
            5,
            "",
        )  # 3 users + the catalog import + the demo's first shift
    finally:
        term.close()
