"""End to end: several tills in real processes sell while their agents drain, through a
fault-injecting proxy (drops, delays, resets, duplicates) to a head office in its own
process, which is SIGKILLed and restarted mid-batch while one till is SIGKILLed mid-drain
and started again. Afterwards the head office's ledger equals the union of the tills'
journals (their outboxes), event for event, with each event's content hash.

The head office is the product's (``sync/server``, ``kaunta-hq serve`` under gunicorn),
started by ``real_head_office.py`` on SQLite and on PostgreSQL (a throwaway cluster, as the
server tests use); the tills enroll there by one-time codes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.agent import ClientSettings, HeadOfficeClient, TerminalRefused
from sync.protocol.batch import ChainHead, batch_document
from sync.server.devcluster import cluster, find_bin
from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.real_head_office import RealHeadOffice

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TILLS = (("S1", "till A"), ("S1", "till B"), ("S2", "till C"))  # store, name
SALES = 40
DEADLINE_S = 240  # a hung run fails instead of hanging CI (not a performance check)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Callable[[], bool], deadline: float) -> None:
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _till(folder: Path, store: str, terminal: str, token: str, url: str) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "terminal_proc.py"),
            str(folder),
            store,
            terminal,
            url,
            str(SALES),
        ],
        env={**os.environ, "KAUNTA_SYNC_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _outbox(folder: Path) -> dict[str, str]:
    """The till's journal as events: event id -> content hash."""
    path = folder / "kaunta.sqlite"
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            str(e): json.loads(p)["hash"] for e, p in conn.execute("SELECT id, payload FROM outbox")
        }
    except sqlite3.Error:
        return {}
    finally:
        conn.close()


def _sent(folder: Path) -> tuple[int, int]:
    path = folder / "kaunta.sqlite"
    if not path.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT count(sent_at), count(*) FROM outbox").fetchone()
        return int(row[0]), int(row[1])
    except sqlite3.Error:
        return 0, 0
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The head office's database: None for its default SQLite file, or a throwaway
    PostgreSQL cluster's URL (skipped, saying why, without the Debian binaries)."""
    if request.param == "sqlite":
        yield None
        return
    if find_bin("initdb") is None or find_bin("pg_ctl") is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) are not installed: apt install postgresql"
        )
    with cluster() as url:
        yield url


@contextmanager
def _head_office(
    tmp_path: Path, database_url: str | None
) -> Iterator[tuple[RealHeadOffice, FaultProxy, list[tuple[str, str, str]]]]:
    """The product's head office, the proxy in front of it, and three tills enrolled there
    (by one-time codes) as (store id, terminal id, token)."""
    ho = RealHeadOffice(tmp_path, _free_port(), database_url)
    ho.start()
    tills = []
    for code, (_, name) in zip(ho.codes([s for s, _ in TILLS]), TILLS, strict=True):
        client = HeadOfficeClient(ClientSettings(ho.url))
        enrolled = client.enroll(code, name)
        client.close()
        tills.append((enrolled.store_id, enrolled.terminal_id, enrolled.token))
    proxy = FaultProxy(ho.port)
    try:
        yield ho, proxy, tills
    finally:
        proxy.close()
        if ho.proc is not None and ho.proc.poll() is None:
            ho.kill()


@pytest.mark.slow
def test_the_ledger_equals_the_union_of_the_journals_through_faults_and_kills(
    tmp_path: Path, database_url: str | None
) -> None:
    deadline = time.monotonic() + DEADLINE_S
    with _head_office(tmp_path, database_url) as (ho, proxy, tills):
        folders = [tmp_path / f"{s}-{t}" for s, t, _ in tills]
        procs = [
            _till(f, s, t, tok, proxy.url) for f, (s, t, tok) in zip(folders, tills, strict=True)
        ]
        try:
            # one till is SIGKILLed mid-drain: some of its events acknowledged, some not
            victim = folders[0]
            _wait(
                "the first till to be selling and draining",
                lambda: _sent(victim)[0] >= 3 and _sent(victim)[1] < SALES,
                deadline,
            )
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            killed_at = _sent(victim)
            # the head office is SIGKILLed while batches are arriving, and restarted
            _wait(
                "the head office to have applied some events", lambda: ho.applied() >= 25, deadline
            )
            ho.kill()
            time.sleep(0.5)  # tills meet a dead head office for a while
            ho.start()
            procs[0] = _till(victim, *tills[0], proxy.url)
            for proc in procs:
                out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
                assert proc.returncode == 0, err[-3000:]
                assert "DRAINED" in out
                assert "waiting=0" in out
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
        ledger = ho.ledger()
        journals = [_outbox(f) for f in folders]
        union: dict[str, str] = {}
        for journal in journals:
            union.update(journal)
        print(
            f"\nsync e2e ({'postgresql' if database_url else 'sqlite'}): tills={len(TILLS)} "
            f"events per till={[len(j) for j in journals]} "
            f"union={len(union)} ledger={len(ledger)} head office starts={ho.starts} "
            f"till killed at sent/total={killed_at} proxy={dict(proxy.counts)}"
        )
        assert sum(len(j) for j in journals) == len(union)  # UUIDs never collide
        assert ledger == union  # no event lost, none counted twice, every hash the same
        for folder in folders:
            conn = sqlite3.connect(folder / "kaunta.sqlite")
            try:
                assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == SALES
            finally:
                conn.close()
        faults = proxy.counts
        assert all(faults[f] > 0 for f in ("drop", "reset_before", "reset_after", "duplicate"))


@pytest.mark.slow
def test_a_revoked_terminal_is_refused_by_the_head_office_and_its_events_stay_waiting(
    tmp_path: Path, database_url: str | None
) -> None:
    with _head_office(tmp_path, database_url) as (ho, proxy, tills):
        store, terminal, token = tills[0]
        ho.revoke(store, terminal)
        proxy.plan.rates = {}  # no faults: the refusal is the head office's
        client = HeadOfficeClient(ClientSettings(proxy.url), token=token)
        batch = batch_document(
            store_id=store,
            terminal_id=terminal,
            sent_at=datetime.now(UTC),
            chain_head=ChainHead(0, "0" * 64),
            events=[],
        )
        with pytest.raises(TerminalRefused, match="enroll it again"):
            client.push(batch)
        client.close()
        assert ho.applied() == 0
