"""Training and live never mix on the way out: a live head office never receives an event
made in training mode. The agent's drain parks such events with the reason and sends the
rest (tests/etims/test_training_refused.py: the eTIMS submission path). Real SQLite tills,
a real HTTP head office on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.services.training import is_training_document
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.agent import TRAINING_REFUSED
from tests.conftest import FakeClock
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice


def _strict_agent(till: Terminal, ho: HeadOffice, url: str, clock: FakeClock) -> SyncAgent:
    """An agent as the live app builds it: training events are not for this head office."""
    client = HeadOfficeClient(ClientSettings(url, read_timeout_s=10), token=ho.token)
    return SyncAgent(
        till.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(batch_size=10, app_version="test"),
        clock=clock.now,
    )


def _sale_events(path: Path) -> list[tuple[str, str, bool, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id, payload, sent_at IS NOT NULL, parked_reason FROM outbox "
            "WHERE kind LIKE 'sale.%' ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [(str(r[0]), str(r[1]), bool(r[2]), str(r[3])) for r in rows]


def test_training_sales_in_a_live_outbox_are_parked_and_the_live_ones_still_go(
    cashier: Terminal,
    live_till: Terminal,
    product: CatalogItem,
    ho: HeadOffice,
    ho_url: str,
    clock: FakeClock,
) -> None:
    sell(cashier, product, 2)  # training sales
    sell(live_till, product, 1)  # a real one
    [(live_id, live_payload, _, _)] = _sale_events(live_till.db.path)
    training = _sale_events(cashier.db.path)
    assert [is_training_document(p) for _, p, _, _ in training] == [True, True]
    assert not is_training_document(live_payload)
    # the mix-up: the training events are planted in the live till's outbox
    conn = sqlite3.connect(live_till.db.path)
    try:
        conn.executemany(
            "INSERT INTO outbox (id, created_at, kind, aggregate_id, payload, attempts,"
            " parked_reason) SELECT ?, created_at, kind, aggregate_id, ?, 0, '' FROM outbox"
            " WHERE id = ?",
            [(event_id, payload, live_id) for event_id, payload, _, _ in training],
        )
        conn.commit()
    finally:
        conn.close()

    agent = _strict_agent(live_till, ho, ho_url, clock)
    try:
        result = agent.drain()
    finally:
        agent.stop()
    assert result.parked == 2
    assert live_id in ho.applied_order  # the real sale (and its shift) went
    assert not {e[0] for e in training} & set(ho.applied_order)  # no training one did
    by_id = {e[0]: e for e in _sale_events(live_till.db.path)}
    assert by_id[live_id][2]
    for event_id, _, _, _ in training:
        assert by_id[event_id][2:] == (False, TRAINING_REFUSED)
    assert agent.drain().sent == 0  # parked: not offered again at once


def test_a_training_till_syncs_only_to_a_training_head_office(
    cashier: Terminal, product: CatalogItem, ho: HeadOffice, ho_url: str, clock: FakeClock
) -> None:
    sell(cashier, product, 1)
    with cashier.db.session() as s:  # the demo seed's shift.opened is not under test
        s.connection().exec_driver_sql(
            "UPDATE outbox SET sent_at = created_at WHERE kind NOT LIKE 'sale.%'"
        )
    strict = _strict_agent(cashier, ho, ho_url, clock)
    try:
        assert strict.drain().parked == 1
    finally:
        strict.stop()
    assert ho.applied_order == []
