"""The composition root starts the agent only for an enrolled live till whose configured
ids are the enrolled ones, and the started agent drains on its own thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from pos.app import start_sync
from pos.config import Config, load_config
from pos.domain.catalog import CatalogItem
from pos.secrets import KeyringSecrets
from pos.services.terminal import Terminal
from sync.agent.enroll import Credentials, save
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice
from tests.test_secrets import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _config(tmp_path: Path, *, training: bool) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text(
        f'[terminal]\ntraining = {str(training).lower()}\nstore_id = "DEMO"\nterminal_id = "T1"\n'
        "[sync]\npoll_seconds = 1\n",
        encoding="utf-8",
    )
    return load_config(path, data_dir=tmp_path / "data", env={})


def test_an_enrolled_live_till_syncs_on_the_agents_thread(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    live_till: Terminal,
    product: CatalogItem,
    ho: HeadOffice,
    ho_url: str,
) -> None:
    cashier = live_till  # a live app syncs a live till's events (training ones: never)
    save(KeyringSecrets(), Credentials(ho_url, "DEMO", "T1", ho.token))
    sell(cashier, product, 3)
    agent = start_sync(_config(tmp_path, training=False), cashier)
    assert agent is not None
    drained = threading.Event()
    agent._on_status = lambda st: drained.set() if st.online and st.waiting == 0 else None
    try:
        agent.nudge()
        assert drained.wait(20)
    finally:
        agent.stop()
    with cashier.db.read_session() as s:
        ids = {str(r[0]) for r in s.connection().exec_driver_sql("SELECT id FROM outbox")}
    assert len(ids) >= 3
    assert set(ho.ledger) == ids


def test_no_agent_when_not_enrolled_in_training_or_enrolled_under_other_ids(
    tmp_path: Path, memory_keyring: MemoryKeyring, terminal: Terminal, ho: HeadOffice
) -> None:
    live = _config(tmp_path, training=False)
    assert start_sync(live, terminal) is None  # nothing in the keyring
    save(KeyringSecrets(), Credentials("https://ho.example.com", "NBO1", "T9", "tok"))
    assert start_sync(live, terminal) is None  # the documents would say DEMO/T1
    assert start_sync(_config(tmp_path, training=True), terminal) is None
