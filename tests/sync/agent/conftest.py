"""Fixtures of the agent tests: a till with the demo cashier logged in, a test head office
on 127.0.0.1, and an agent between them (run round by round on the test's thread)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.services.auth import Role
from pos.services.terminal import DemoUser, Terminal
from pos.store import sync_state
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from tests.conftest import FakeClock, make_ctx
from tests.shift_open import ensure_shift
from tests.sync.agent.headoffice import HeadOffice, running


@pytest.fixture
def ho() -> HeadOffice:
    return HeadOffice()


@pytest.fixture
def ho_url(ho: HeadOffice) -> Iterator[str]:
    with running(ho) as url:
        yield url


@pytest.fixture
def agent(cashier: Terminal, ho: HeadOffice, ho_url: str, clock: FakeClock) -> Iterator[SyncAgent]:
    with cashier.db.session() as s:  # the demo seed's shift.opened: delivered long ago
        seeded = s.connection().exec_driver_sql("SELECT id FROM outbox").scalars().all()
        sync_state.mark_sent(s, [str(i) for i in seeded], clock.now())
    client = HeadOfficeClient(ClientSettings(ho_url, read_timeout_s=10), token=ho.token)
    a = SyncAgent(
        cashier.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(batch_size=3, changes_limit=2, app_version="test", training=True),
        clock=clock.now,
    )
    yield a
    a.stop()


def sell(till: Terminal, product: CatalogItem, count: int) -> None:
    """``count`` cash sales of one ``product`` each (one outbox event per sale)."""
    assert product.barcode is not None
    for _ in range(count):
        till.checkout.scan(product.barcode)
        assert till.checkout.pay_cash(Money(10_000_000)).receipt is not None


@pytest.fixture
def live_till(tmp_path: Path, clock: FakeClock) -> Iterator[Terminal]:
    """A live-mode till (same store and terminal ids as the training fixture's)."""
    till = Terminal.open(
        tmp_path / "live" / "kaunta.sqlite", replace(make_ctx(), training=False), clock
    )
    till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
    till.auth.login(cashier.user_id, next(p for _n, r, p in DEMO_USERS if r == "cashier"))
    ensure_shift(till)
    yield till
    till.close()
