"""Training mode's own head office: the product's Django head office started by the till in
the background on 127.0.0.1 (a real child process, a SQLite database in the training data
folder), the demo till enrolled with it through the real enrollment, its events in that
ledger, and the head-office pages open for a trainee. When it cannot start, the till says so
and sells on."""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.app import open_terminal, start_sync
from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.services.headoffice import SyncPhase, SyncView
from pos.services.terminal import Terminal
from pos.sync_link import SyncLink
from pos.training_hq import TrainingHeadOffice
from tests.shift_open import ensure_shift

WAIT_S = 180.0  # Django's migrate on a loaded 2-core machine; a pass is not slower


def _config(tmp_path: Path) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text("[terminal]\ntraining = true\n[sync]\npoll_seconds = 1\n", encoding="utf-8")
    return load_config(path, data_dir=tmp_path / "data", env={})


@pytest.fixture
def training_till(tmp_path: Path) -> Iterator[tuple[Config, Terminal]]:
    config = _config(tmp_path)
    terminal, lock = open_terminal(config)  # what the app opens: the seeded demo till
    try:
        yield config, terminal
    finally:
        terminal.close()
        lock.release()


def _until(terminal: Terminal, wanted: object) -> threading.Event:
    event = threading.Event()

    def heard(view: SyncView) -> None:
        if callable(wanted) and wanted(view):
            event.set()

    terminal.headoffice.add_listener(heard)
    return event


def _synced(view: SyncView) -> bool:
    return view.phase is SyncPhase.RUNNING and view.online and view.waiting == 0


def _ledger_ids(folder: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{folder / 'kaunta-hq.sqlite3'}?mode=ro", uri=True)
    try:
        return {
            str(r[0]).replace("-", "")
            for r in conn.execute("SELECT event_id FROM hq_ledger_ledgerevent")
        }
    finally:
        conn.close()


def _heartbeat_version(folder: Path) -> str:
    conn = sqlite3.connect(f"file:{folder / 'kaunta-hq.sqlite3'}?mode=ro", uri=True)
    try:
        (raw,) = conn.execute("SELECT last_heartbeat FROM hq_terminals_terminal").fetchone()
    finally:
        conn.close()
    return str(json.loads(raw or "{}").get("app_version", ""))


def _outbox_ids(terminal: Terminal) -> set[str]:
    with terminal.db.read_session() as s:
        rows = s.connection().exec_driver_sql("SELECT id FROM outbox").scalars().all()
    return {str(r).replace("-", "") for r in rows}


def test_training_syncs_the_demo_to_its_own_local_head_office(
    training_till: tuple[Config, Terminal],
) -> None:
    config, terminal = training_till
    synced = _until(terminal, _synced)
    link: SyncLink = start_sync(config, terminal)
    try:
        # start-up returned before the head office was up (it starts in the background)
        assert _hq_of(link) is None
        assert terminal.headoffice.view().phase in (SyncPhase.STARTING, SyncPhase.RUNNING)
        assert synced.wait(WAIT_S), terminal.headoffice.view()
        hq = _hq_of(link)
        assert hq is not None
        view = terminal.headoffice.view()
        assert view.pages_url == f"{hq.url}/admin/"
        assert view.pages_url.startswith("http://127.0.0.1:")
        assert "trainer" in view.pages_login
        with urllib.request.urlopen(view.pages_url + "login/", timeout=30) as page:
            assert page.status == 200
            assert b"password" in page.read().lower()
        # a sale made now reaches the training ledger as well
        _sell_one(terminal)
        synced.clear()
        link.nudge()
        assert synced.wait(WAIT_S)
        outbox = _outbox_ids(terminal)
        assert outbox
        assert _ledger_ids(hq.folder) == outbox
        # the whole round worked, heartbeat included (the head office refuses a bad one)
        assert _heartbeat_version(hq.folder)
        assert terminal.headoffice.view().last_error == ""
        assert terminal.headoffice.view().online
        assert (view.waiting, terminal.headoffice.view().parked) == (0, 0)
    finally:
        link.stop()
    assert _hq_of(link) is None  # stopped with the till
    # the next start reuses the enrollment: still the store's only terminal, T1
    synced = _until(terminal, _synced)
    again = start_sync(config, terminal)
    try:
        assert synced.wait(WAIT_S)
        assert again.agent is not None
        assert again.agent.terminal_id == "T1"
    finally:
        again.stop()


def test_a_training_head_office_that_cannot_start_leaves_the_till_selling(
    training_till: tuple[Config, Terminal],
) -> None:
    config, terminal = training_till
    (config.database_path.parent / "head-office").write_text("not a folder", encoding="utf-8")
    failed = _until(terminal, lambda v: v.phase is SyncPhase.UNAVAILABLE)
    link = start_sync(config, terminal)
    try:
        assert failed.wait(WAIT_S)
        assert link.agent is None
        assert terminal.headoffice.view().problem
        _sell_one(terminal)
    finally:
        link.stop()


def _hq_of(link: SyncLink) -> TrainingHeadOffice | None:
    return link.training_hq


def _sell_one(terminal: Terminal) -> None:
    """The demo cashier sells one demo product for cash."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        barcode = next(r["barcode"] for r in csv.DictReader(f) if r["barcode"])
    name, _role, pin = next(u for u in DEMO_USERS if u[1] == "cashier")
    user = next(u for u in terminal.auth.users() if u.name == name)
    terminal.auth.login(user.user_id, pin)
    ensure_shift(terminal)
    terminal.checkout.scan(barcode)
    assert terminal.checkout.pay_cash(Money(10_000_000)).receipt is not None
