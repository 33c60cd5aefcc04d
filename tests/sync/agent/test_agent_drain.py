"""The agent drains the outbox at least once and marks an event sent only on its
acknowledgement: lost answers, 429, 5xx, refusals and a revoked terminal, each on its own,
against a real HTTP head office on 127.0.0.1 and the till's real SQLite file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.store import sync_state
from sync.agent import SyncAgent, TerminalRefused, TransientError
from sync.agent.backoff import Backoff
from tests.conftest import FakeClock
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice


def _outbox(till: Terminal) -> list[tuple[str, bool, str]]:
    """(event id, sent, parked reason) of every outbox row, in seq order."""
    with till.db.read_session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT id, sent_at IS NOT NULL, parked_reason FROM outbox "
            "WHERE kind LIKE 'sale.%' ORDER BY seq"
        )
        return [(str(r[0]), bool(r[1]), str(r[2])) for r in rows]


def test_drain_sends_every_event_once_in_batches_and_marks_them_sent(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 7)
    assert agent.refresh().waiting == 7
    result = agent.run_once()
    assert (result.sent, result.batches) == (7, 3)  # batch size 3: 3 + 3 + 1
    rows = _outbox(cashier)
    assert all(sent for _, sent, _ in rows)
    assert ho.applied_order == [event_id for event_id, _, _ in rows]  # in seq order
    status = agent.status()
    assert (status.online, status.waiting, status.stale) == (True, 0, False)
    assert ho.heartbeats[-1]["outbox_waiting"] == 0
    assert agent.run_once().batches == 0  # nothing left: nothing sent again


def test_a_lost_answer_means_the_batch_goes_again_and_is_counted_once(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 2)
    ho.next_events = ["apply-then-500"]  # applied at head office, the answer never arrives
    with pytest.raises(TransientError):
        agent.run_once()
    assert [sent for _, sent, _ in _outbox(cashier)] == [False, False]  # not acknowledged
    assert len(ho.ledger) == 2
    result = agent.run_once()
    assert (result.sent, result.duplicates) == (2, 2)
    assert len(ho.ledger) == 2
    assert len(ho.applied_order) == 2


def test_a_dropped_connection_leaves_the_events_waiting(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 1)
    ho.next_events = ["drop"]
    with pytest.raises(TransientError, match="cannot be reached"):
        agent.run_once()
    status = agent.status()
    assert (status.online, status.waiting) == (False, 1)
    assert "cannot be reached" in status.last_error
    assert agent.run_once().sent == 1


def test_429_carries_retry_after_and_the_backoff_honours_it(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 1)
    ho.next_events = [429, 503]
    with pytest.raises(TransientError) as busy:
        agent.run_once()
    assert busy.value.retry_after == 7.0
    assert Backoff(base_s=0.01).failed(busy.value.retry_after) >= 7.0
    with pytest.raises(TransientError, match="503"):
        agent.run_once()
    assert agent.run_once().sent == 1


def test_backoff_grows_exponentially_with_jitter_and_resets_on_success() -> None:
    backoff = Backoff(base_s=1.0, cap_s=60.0)
    waits = [backoff.failed() for _ in range(12)]
    assert all(0 <= w <= min(60.0, 2**n) for n, w in enumerate(waits))
    assert len({round(w, 6) for w in waits}) > 1  # jittered, not a fixed ladder
    assert max(waits[6:]) > 1.0  # grew past the base
    backoff.succeeded()
    assert backoff.failed() <= 1.0


def test_a_refused_event_is_parked_with_its_reason_and_does_not_block_the_rest(
    cashier: Terminal,
    product: CatalogItem,
    agent: SyncAgent,
    ho: HeadOffice,
    clock: FakeClock,
) -> None:
    sell(cashier, product, 1)
    with cashier.db.read_session() as s:
        first_kind = (
            s.connection()
            .exec_driver_sql("SELECT kind FROM outbox WHERE kind LIKE 'sale.%'")
            .scalar()
        )
    ho.refuse_types = {str(first_kind)}
    agent.run_once()
    ho.refuse_types = set()  # the head office takes the sales after it
    sell(cashier, product, 2)
    agent.run_once()
    rows = _outbox(cashier)
    assert rows[0][1:] == (False, "type: not accepted")
    with cashier.db.read_session() as s:
        parked = sync_state.parked_events(s)
    assert [p.reason for p in parked] == ["type: not accepted"]
    assert rows[1][1]
    assert rows[2][1]
    status = agent.status()
    assert (status.waiting, status.parked) == (1, 1)
    clock.advance(minutes=61)  # past the park retry: offered again, and taken now
    assert agent.run_once().sent == 1
    assert agent.status().parked == 0


def test_a_revoked_terminal_is_refused_and_nothing_is_marked_sent(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 2)
    ho.revoked = True
    with pytest.raises(TerminalRefused, match="enroll it again"):
        agent.run_once()
    status = agent.status()
    assert (status.refused, status.online, status.waiting) == (True, False, 2)
    assert ho.ledger == {}


def test_a_batch_carries_the_stored_documents_byte_for_byte_and_the_chain_head(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    sell(cashier, product, 1)
    agent.run_once()
    with cashier.db.read_session() as s:
        payload = json.loads(
            str(
                s.connection()
                .exec_driver_sql("SELECT payload FROM outbox WHERE kind LIKE 'sale.%'")
                .scalar()
            )
        )
        head = sync_state.journal_head(s)
    assert head is not None
    assert head.seq > 0
    assert ho.ledger[payload["event_id"]] == payload["hash"]


def test_an_agent_that_has_not_synced_for_too_long_warns(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice, clock: FakeClock
) -> None:
    sell(cashier, product, 1)
    assert not agent.refresh().stale  # never synced, but the sale is new
    clock.advance(minutes=60 * 25)
    assert agent.refresh().stale
    agent.run_once()
    assert not agent.status().stale
    clock.advance(minutes=60 * 25)
    assert agent.refresh().stale


def test_the_agent_thread_drains_on_its_own_and_stops(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    import threading

    drained = threading.Event()
    agent._on_status = lambda st: drained.set() if st.online and st.waiting == 0 else None
    sell(cashier, product, 4)
    agent.start()
    agent.nudge()
    assert drained.wait(20)
    agent.stop()
    assert len(ho.ledger) == 4
    assert agent._thread is not None
    assert not agent._thread.is_alive()


def test_park_retry_and_batch_size_are_checked() -> None:
    from sync.agent import AgentSettings

    with pytest.raises(ValueError, match="batch_size"):
        AgentSettings(batch_size=501)
    with pytest.raises(ValueError, match="poll_interval"):
        AgentSettings(poll_interval_s=0)
    assert AgentSettings().park_retry == timedelta(hours=1)
