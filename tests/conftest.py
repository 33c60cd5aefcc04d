"""Shared fixtures: a fake clock, a training-mode terminal over a real SQLite file.

Kept small on purpose: anything specific to one area belongs in that area's test files.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.catalog import CatalogItem
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role, UserSummary
from pos.services.context import Policy, TerminalContext
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo
from tests.test_secrets import MemoryKeyring

#: When the shop opens in tests: Monday 2 March 2026, 07:30 UTC (10:30 in Nairobi).
CLOCK_START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when told to; always timezone-aware UTC."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0) -> datetime:
        self._now += timedelta(seconds=seconds, minutes=minutes)
        return self._now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        return self._now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_ctx() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue, Nairobi",)),
        "T1",
        training=True,
        policy=Policy(pin_kdf_log2_n=10),  # cheap scrypt: tests log in a lot
    )


@pytest.fixture
def ctx() -> TerminalContext:
    return make_ctx()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kaunta.sqlite"


def _demo_users() -> list[DemoUser]:
    return [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS]


@pytest.fixture(scope="session")
def seeded_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo users and catalog, built once per session."""
    path = tmp_path_factory.mktemp("template") / "kaunta.sqlite"
    term = Terminal.open(path, make_ctx(), FakeClock())
    try:
        term.seed_demo(CATALOG_CSV, _demo_users())
    finally:
        term.close()
    return path


@pytest.fixture
def terminal(
    seeded_db_template: Path, db_path: Path, ctx: TerminalContext, clock: FakeClock
) -> Iterator[Terminal]:
    """A terminal over its own copy of the seeded database file (demo users and catalog)."""
    for suffix in ("", "-wal"):  # closing checkpoints the WAL, but copy it if it is there
        source = Path(f"{seeded_db_template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{db_path}{suffix}")
    for pattern in ("journal.*", "auth.*"):  # its journal key and PIN pepper go with it
        for key in seeded_db_template.parent.glob(pattern):
            shutil.copyfile(key, db_path.parent / key.name)
    term = Terminal.open(db_path, ctx, clock)
    try:
        assert term.seed_demo(CATALOG_CSV, _demo_users()) is None  # already seeded
        yield term
    finally:
        term.close()


@pytest.fixture
def users(terminal: Terminal) -> dict[Role, UserSummary]:
    """The demo users by role (one of each)."""
    return {u.role: u for u in terminal.auth.users()}


@pytest.fixture
def pins() -> dict[Role, str]:
    """The demo PINs by role."""
    return {Role(role): pin for _, role, pin in DEMO_USERS}


@pytest.fixture
def cashier(terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    """The terminal with the demo cashier logged in."""
    terminal.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    return terminal


@pytest.fixture
def product(terminal: Terminal) -> CatalogItem:
    """The first product of the demo catalog, as stored (with its product id)."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        barcode = next(csv.DictReader(f))["barcode"]
    with terminal.db.session() as s:
        item = repo.product_by_barcode(s, barcode)
    assert item is not None
    assert item.active
    return item


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by one in memory for the test (secrets, enrollment tokens,
    eTIMS keys), the real one put back afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
