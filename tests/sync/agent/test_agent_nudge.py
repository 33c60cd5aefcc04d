"""A finished sale wakes the sync agent (``CheckoutService.on_finished`` →
``SyncAgent.sale_written``): it reaches head office within a round trip instead of at the
next poll, the woken round only drains, and an agent backing off after a failure is not
woken by sales (its backoff timer sends them; a manager's nudge still does)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.store import sync_state
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from tests.conftest import FakeClock
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice

POLL_S = 120.0  # far longer than any wait below: only a wake-up can explain a quick send


@pytest.fixture
def slow_agent(
    cashier: Terminal, ho: HeadOffice, ho_url: str, clock: FakeClock
) -> Iterator[SyncAgent]:
    with cashier.db.session() as s:  # the demo seed's shift.opened: delivered long ago
        seeded = s.connection().exec_driver_sql("SELECT id FROM outbox").scalars().all()
        sync_state.mark_sent(s, [str(i) for i in seeded], clock.now())
    client = HeadOfficeClient(ClientSettings(ho_url, read_timeout_s=10), token=ho.token)
    agent = SyncAgent(
        cashier.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(poll_interval_s=POLL_S, app_version="test", training=True),
        clock=clock.now,
    )
    yield agent
    cashier.checkout.on_finished = None
    agent.stop()


def _wait(predicate: object, timeout: float) -> float:
    """Seconds until ``predicate()`` holds (fails the test after ``timeout``)."""
    assert callable(predicate)
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - start


def _started(agent: SyncAgent) -> threading.Event:
    online = threading.Event()
    agent._on_status = lambda st: online.set() if st.online else None
    agent.start()
    return online


def test_a_finished_sale_reaches_head_office_within_a_second_not_at_the_next_poll(
    cashier: Terminal, product: CatalogItem, slow_agent: SyncAgent, ho: HeadOffice
) -> None:
    assert _started(slow_agent).wait(10)  # the first round: pull and heartbeat done
    _wait(lambda: any(r.startswith("POST /api/v1/heartbeat") for r in ho.requests), 10)
    pulls = sum(r.startswith("GET ") for r in ho.requests)
    cashier.checkout.on_finished = slow_agent.sale_written
    sell(cashier, product, 1)
    # within 5 s of a 120 s poll: only the wake-up explains it (how fast is the bench's)
    took = _wait(lambda: len(ho.ledger) == 1, 5)
    print(f"sale at head office {took * 1000:.0f} ms after it was finished")
    sell(cashier, product, 2)
    _wait(lambda: len(ho.ledger) == 3, 5)
    # the woken rounds only drained: no catalog pull, no heartbeat before the poll is due
    assert sum(r.startswith("GET ") for r in ho.requests) == pulls
    assert sum(r.startswith("POST /api/v1/heartbeat") for r in ho.requests) == 1
    _wait(lambda: slow_agent.refresh().waiting == 0, 5)  # marked sent on the answer


def test_an_agent_backing_off_is_not_woken_by_sales_but_is_by_a_nudge(
    cashier: Terminal, product: CatalogItem, slow_agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 1)
    ho.next_events = [429]  # Retry-After: 7 s, the backoff's floor
    ho.retry_after = "7"
    failed = threading.Event()
    slow_agent._on_status = lambda st: failed.set() if st.last_error else None
    slow_agent.start()
    assert failed.wait(10)
    pushes = sum(r.startswith("POST /api/v1/events") for r in ho.requests)
    cashier.checkout.on_finished = slow_agent.sale_written
    sell(cashier, product, 1)
    time.sleep(1.5)
    assert sum(r.startswith("POST /api/v1/events") for r in ho.requests) == pushes
    assert ho.ledger == {}
    slow_agent.nudge()  # the network is back, a manager asks: now
    _wait(lambda: len(ho.ledger) == 2, 5)
