"""The composition root starts the agent only for an enrolled live till whose configured
ids are the enrolled ones, the started agent drains on its own thread, and its status
reaches the screens' service (``Terminal.headoffice``)."""

from __future__ import annotations

import threading
from pathlib import Path

from pos.app import start_sync
from pos.config import Config, load_config
from pos.domain.catalog import CatalogItem
from pos.secrets import KeyringSecrets
from pos.services.headoffice import SyncPhase, SyncView
from pos.services.terminal import Terminal
from sync.agent.enroll import Credentials, save
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice
from tests.test_secrets import MemoryKeyring


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
    drained = threading.Event()
    seen: list[SyncView] = []

    def heard(view: SyncView) -> None:
        seen.append(view)
        if view.online and view.waiting == 0:
            drained.set()

    cashier.headoffice.add_listener(heard)
    link = start_sync(_config(tmp_path, training=False), cashier, background=False)
    assert link.agent is not None
    try:
        link.nudge()
        assert drained.wait(20)
    finally:
        link.stop()
    with cashier.db.read_session() as s:
        ids = {str(r[0]) for r in s.connection().exec_driver_sql("SELECT id FROM outbox")}
    assert len(ids) >= 3
    assert set(ho.ledger) == ids
    last = cashier.headoffice.view()
    assert last.phase is SyncPhase.RUNNING
    assert last.last_success_at is not None
    assert last.head_office_url == ho_url
    assert any(v.waiting >= 3 for v in seen)  # the screens saw the queue before it drained


def test_no_agent_when_not_enrolled_or_enrolled_under_other_ids(
    tmp_path: Path, memory_keyring: MemoryKeyring, terminal: Terminal, ho: HeadOffice
) -> None:
    live = _config(tmp_path, training=False)
    link = start_sync(live, terminal, background=False)  # nothing in the keyring
    assert link.agent is None
    assert terminal.headoffice.view().phase is SyncPhase.NOT_ENROLLED
    save(KeyringSecrets(), Credentials("https://ho.example.com", "NBO1", "T9", "tok"))
    link = start_sync(live, terminal, background=False)  # the documents would say DEMO/T1
    assert link.agent is None
    view = terminal.headoffice.view()
    assert view.phase is SyncPhase.UNAVAILABLE
    assert "NBO1/T9" in view.problem
    assert "DEMO/T1" in view.problem
