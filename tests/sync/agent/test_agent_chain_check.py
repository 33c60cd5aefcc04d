"""The agent keeps the chain seq head office names in its push answers (``sync_state``,
so it survives a restart) and sends the journal's MAC at that seq as the file holds it
when the batch is built: an entry changed since is sent changed, which is the point."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.store import sync_state
from pos.store.journal_chain import mac_at
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.client import TransientError
from sync.protocol.batch import ChainHead, parse_batch
from tests.conftest import FakeClock
from tests.shift_open import ensure_shift
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice


@dataclass
class NamingHeadOffice(HeadOffice):
    """The agents' test head office, naming ``named`` (or any ``chain`` given) in every
    answer, and keeping each batch's ``chain_check``."""

    named: Any = None
    checks: list[ChainHead | None] = field(default_factory=list)

    def apply(self, raw: bytes) -> dict[str, Any]:
        self.checks.append(parse_batch(raw).chain_check)
        doc = super().apply(raw)
        if self.named is not None:
            doc["chain"] = self.named if isinstance(self.named, dict) else {"seq": self.named}
        return doc


@pytest.fixture
def ho() -> HeadOffice:
    return NamingHeadOffice()


def _mac(till: Terminal, seq: int) -> str | None:
    with till.db.read_session() as s:
        return mac_at(s.connection(), seq)


def _stored(till: Terminal) -> str | None:
    with till.db.read_session() as s:
        return sync_state.get_value(s, sync_state.CHAIN_CHECK_SEQ)


def test_the_next_batch_carries_the_journals_mac_at_the_seq_named(
    cashier: Terminal, product: CatalogItem, ho: NamingHeadOffice, agent: SyncAgent
) -> None:
    ensure_shift(cashier)
    sell(cashier, product, 1)
    ho.named = 2
    assert agent.drain().sent == 1
    assert ho.checks == [None]  # nothing named before: the first batch after enrollment
    assert _stored(cashier) == "2"
    sell(cashier, product, 1)
    agent.drain()
    mac = _mac(cashier, 2)
    assert mac is not None
    assert ho.checks[-1] == ChainHead(2, mac)


def test_the_mac_is_read_from_the_journal_at_send_time_and_the_seq_survives_a_restart(
    cashier: Terminal,
    product: CatalogItem,
    ho: NamingHeadOffice,
    agent: SyncAgent,
    ho_url: str,
    clock: FakeClock,
) -> None:
    ensure_shift(cashier)
    sell(cashier, product, 1)
    ho.named = 2
    agent.drain()
    # someone edits entry 2 in the file (the triggers that refuse it dropped first)
    path = cashier.db.engine.url.database
    assert path is not None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        triggers = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal_chain'"
        ).fetchall()
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal_chain'"
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE journal_chain SET mac = ? WHERE seq = 2", ("5" * 64,))
        for (sql,) in triggers:
            conn.execute(sql)
    finally:
        conn.close()
    sell(cashier, product, 1)
    again = SyncAgent(  # a restarted agent: the seq named is read from sync_state
        cashier.db,
        HeadOfficeClient(ClientSettings(ho_url, read_timeout_s=10), token=ho.token),
        store_id="DEMO",
        terminal_id="T1",
        settings=agent.settings,
        clock=clock.now,
    )
    try:
        assert again.drain().sent == 1
    finally:
        again.stop()
    assert ho.checks[-1] == ChainHead(2, "5" * 64)


def test_no_check_when_the_journal_has_no_entry_at_the_seq_named(
    cashier: Terminal, product: CatalogItem, ho: NamingHeadOffice, agent: SyncAgent
) -> None:
    ensure_shift(cashier)
    sell(cashier, product, 1)
    ho.named = 10_000  # more than this journal holds: restored from an older copy
    agent.drain()
    sell(cashier, product, 1)
    agent.drain()
    assert ho.checks == [None, None]
    assert _stored(cashier) == "10000"


def test_an_answer_naming_no_seq_keeps_the_one_named_before(
    cashier: Terminal, product: CatalogItem, ho: NamingHeadOffice, agent: SyncAgent
) -> None:
    ensure_shift(cashier)
    sell(cashier, product, 1)
    ho.named = 2
    agent.drain()
    ho.named = None  # an older head office (or one that answers without it)
    sell(cashier, product, 1)
    agent.drain()
    assert _stored(cashier) == "2"
    sell(cashier, product, 1)
    agent.drain()
    assert ho.checks[-1] == ChainHead(2, _mac(cashier, 2) or "")


def test_an_answer_with_a_bad_chain_marks_nothing_sent(
    cashier: Terminal, product: CatalogItem, ho: NamingHeadOffice, agent: SyncAgent
) -> None:
    ensure_shift(cashier)
    before = agent.refresh().waiting
    sell(cashier, product, 1)
    ho.named = {"seq": 0}
    with pytest.raises(TransientError, match=r"chain\.seq"):
        agent.drain()
    assert _stored(cashier) is None
    assert agent.refresh().waiting == before + 1
