"""Several writers on one file: they queue instead of failing; real contention says so.

The till worker, a sync agent and a device worker write at once, as threads over one
``Database`` (as the app runs them) and as separate processes (as a second program would),
and every piece of work lands. A writer held up past the busy timeout gets
``DatabaseLocked`` with a message that says what happened, and saves nothing.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from pos.domain.money import Money
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.errors import DatabaseLocked
from pos.store.journal_verify import verify_journal
from tests.file_keyring import BACKEND as FILE_KEYRING
from tests.file_keyring import ENV as KEYRING_ENV

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
WRITERS_PY = HERE / "writers.py"
MILK = "6168232712628"

SALES = 20
REPORTS = 40


def _load_writers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kaunta_test_writers", WRITERS_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


writers = _load_writers()


def _count(db: Database, sql: str) -> int:
    with db.read_session() as s:
        return int(s.execute(text(sql)).scalar_one())


def _snapshot(db: Database) -> dict[str, int]:
    tables = ("sales", "sale_lines", "payments", "outbox", "audit_log", "drafts", "counters")
    return {t: _count(db, f"SELECT count(*) FROM {t}") for t in tables}


def _assert_all_work_landed(db: Database, before: dict[str, int]) -> None:
    """Every sale, report and batch is there once; the agent sent every event exactly once."""
    after = _snapshot(db)
    assert after["sales"] - before["sales"] == SALES
    assert after["payments"] - before["payments"] == SALES
    assert after["outbox"] - before["outbox"] == SALES + REPORTS
    assert _count(db, "SELECT count(*) FROM audit_log WHERE action = 'device_status'") == REPORTS
    assert _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert _count(db, "SELECT count(*) FROM outbox WHERE attempts != 1") == 0
    numbers = _count(db, "SELECT count(DISTINCT number) FROM sales")
    assert numbers == after["sales"]  # no receipt number handed out twice
    with db.read_session() as s:
        chain = repo.verify_audit_chain(s)
    assert chain.ok, chain  # the hash chain did not fork between the writers
    assert chain.checked == after["audit_log"]
    key = db.journal_key
    assert key is not None
    with db.read_session() as s:
        journal = verify_journal(s.connection(), key)
    assert journal.ok, journal.findings  # nor the keyed chain: every sale and entry sealed
    assert journal.audit_checked == after["audit_log"]
    assert journal.sales_checked == after["sales"]


# -- threads in one process ------------------------------------------------------------


def test_till_sync_agent_and_device_threads_write_at_once_and_nothing_is_lost(
    terminal: Terminal,
) -> None:
    db = terminal.db
    before = _snapshot(db)
    unsent = _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    expected_events = unsent + SALES + REPORTS
    start = threading.Barrier(3)
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def runner(name: str, work: Callable[[], int]) -> threading.Thread:
        def run() -> None:
            try:
                start.wait(timeout=30)
                results[name] = work()
            except BaseException as exc:  # collected and shown by the assertion below
                errors.append(exc)

        return threading.Thread(target=run, name=name)

    ctx, clock = terminal.ctx, terminal.clock
    threads = [
        runner("till", lambda: writers.run_till(terminal, SALES)),
        runner("device", lambda: writers.run_device(db, ctx, clock, REPORTS)),
        runner("agent", lambda: writers.run_agent(db, ctx, clock, expected_events)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    assert results == {"till": SALES, "device": REPORTS, "agent": expected_events}
    _assert_all_work_landed(db, before)


# -- separate processes ----------------------------------------------------------------


class WriterProcess:
    """``writers.py ROLE DB COUNT`` as a process: started, released with GO, reaped."""

    def __init__(self, role: str, db_path: Path, count: int, stderr_path: Path) -> None:
        self.role = role
        self._stderr = stderr_path.open("w")
        self.stderr_path = stderr_path
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITERS_PY), role, str(db_path), str(count)],
            cwd=REPO_ROOT,
            env=dict(
                os.environ,
                QT_QPA_PLATFORM="offscreen",
                PYTHONUNBUFFERED="1",
                PYTHONPATH=os.pathsep.join(
                    filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
                ),
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def wait_ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "READY", self.stderr_path.read_text()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("GO\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float) -> tuple[int, str, str]:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=30)
            self._stderr.close()
        return self.proc.returncode, out, self.stderr_path.read_text()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[WriterProcess]]:
    started: list[WriterProcess] = []
    yield started
    for p in started:  # a failed assertion must not leave writers behind
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(timeout=30)


def test_till_sync_agent_and_device_processes_write_at_once_and_nothing_is_lost(
    terminal: Terminal, db_path: Path, tmp_path: Path, processes: list[WriterProcess]
) -> None:
    db = terminal.db
    before = _snapshot(db)
    unsent = _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    counts = {"till": SALES, "device": REPORTS, "agent": unsent + SALES + REPORTS}
    for role, count in counts.items():
        processes.append(WriterProcess(role, db_path, count, tmp_path / f"{role}.err"))
    for p in processes:
        p.wait_ready()
    for p in processes:
        p.go()
    for p in processes:
        code, out, err = p.finish(timeout=180)
        assert code == 0, f"{p.role} failed:\n{err}"
        assert out.split() == ["DONE", str(counts[p.role])], (p.role, out, err)
    _assert_all_work_landed(db, before)


# -- waiting for a writer, and giving up -----------------------------------------------


def _hold_write_lock(path: Path, locked: threading.Event, release: threading.Event) -> None:
    """Another program: takes the write lock, writes an outbox row, commits when told."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO outbox (id, created_at, kind, aggregate_id, payload, attempts) "
            "VALUES ('other-1', '2026-03-02 07:30:00', 'other.event', 'x', '{}', 0)"
        )
        locked.set()
        release.wait(timeout=30)
        other.execute("COMMIT")
    finally:
        other.close()


def test_a_sale_waits_for_another_writer_to_commit_instead_of_failing(
    cashier: Terminal, db_path: Path
) -> None:
    """Read-then-write after another connection committed in between: queued, not refused."""
    cashier.checkout.scan(MILK)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db_path, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        threading.Timer(0.3, release.set).start()  # commits while the sale waits
        result = cashier.checkout.pay_cash(Money(10000))
    finally:
        release.set()
        holder.join(timeout=30)
    assert result.receipt is not None
    kinds = _count(
        cashier.db, "SELECT count(*) FROM outbox WHERE kind IN ('other.event', 'sale.completed')"
    )
    assert kinds == 2
    assert _count(cashier.db, "SELECT count(*) FROM sales") == 1


def test_a_writer_held_up_past_the_busy_timeout_gets_database_locked_and_saves_nothing(
    terminal: Terminal, db_path: Path
) -> None:
    short = Terminal(Database(db_path, busy_timeout_ms=300), terminal.ctx, terminal.clock)
    try:
        writers.run_till(short, 0)  # logs the cashier in
        short.checkout.scan(MILK)
        before = _snapshot(short.db)
        locked, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(db_path, locked, release))
        holder.start()
        try:
            assert locked.wait(timeout=30)
            with pytest.raises(DatabaseLocked) as excinfo:
                short.checkout.pay_cash(Money(10000))
        finally:
            release.set()
            holder.join(timeout=30)
        message = str(excinfo.value)
        assert str(db_path) in message
        assert "another program (or another Kaunta) is writing" in message
        assert "did not finish within 0.3 s" in message
        assert "Nothing was saved from this action" in message
        assert "close other programs using the file" in message
        assert excinfo.value.timeout_s == 0.3

        after = _snapshot(short.db)
        assert after == {**before, "outbox": before["outbox"] + 1}  # only the other's row
        assert short.checkout.view().lines  # the basket is still on the till
        retry = short.checkout.pay_cash(Money(10000))  # and the cashier can simply retry
        assert retry.receipt is not None
        assert _count(short.db, "SELECT count(*) FROM sales") == before["sales"] + 1
    finally:
        short.close()


# -- read sessions ---------------------------------------------------------------------


def test_a_read_session_reads_while_another_program_holds_the_write_lock(
    terminal: Terminal, db_path: Path
) -> None:
    db = Database(db_path, busy_timeout_ms=200)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db_path, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with db.read_session() as s:  # would be DatabaseLocked after 0.2 s if it queued
            products = s.execute(text("SELECT count(*) FROM products")).scalar_one()
        assert products > 0
        with pytest.raises(DatabaseLocked), db.session() as s:
            s.execute(text("SELECT count(*) FROM products")).scalar_one()
    finally:
        release.set()
        holder.join(timeout=30)
        db.dispose()


def test_a_read_session_refuses_writes_and_leaves_the_connection_writable(db_path: Path) -> None:
    db = Database(db_path)
    try:
        db.upgrade()
        with pytest.raises(OperationalError, match="readonly"), db.read_session() as s:
            s.execute(text("INSERT INTO counters (name, value) VALUES ('x', 1)"))
        for _ in range(3):  # the pooled connections that were read-only write again
            with db.session() as s:
                s.execute(
                    text(
                        "INSERT INTO counters (name, value) VALUES ('x', 1) "
                        "ON CONFLICT (name) DO UPDATE SET value = value + 1"
                    )
                )
        assert _count(db, "SELECT value FROM counters WHERE name = 'x'") == 3
    finally:
        db.dispose()


# -- the command line ------------------------------------------------------------------


def _kaunta(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kaunta --config HOME/kaunta.toml ARGS`` (live mode, private data folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAUNTA_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        # a live till keeps its journal key in the OS keyring: a file stands in for it
        PYTHON_KEYRING_BACKEND=FILE_KEYRING,
        **{KEYRING_ENV: str(home / "keyring.json")},
    )
    return subprocess.run(
        [sys.executable, "-m", "pos.cli", "--config", str(home / "kaunta.toml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )


def _products(database: Path) -> list[str]:
    conn = sqlite3.connect(database)
    try:
        return [r[0] for r in conn.execute("SELECT sku FROM products ORDER BY sku")]
    finally:
        conn.close()


def test_import_catalog_on_a_busy_database_says_so_and_exits_non_zero(tmp_path: Path) -> None:
    """Live mode (no demo seeding): the import itself meets the lock, after the open."""
    (tmp_path / "kaunta.toml").write_text(
        f'[terminal]\nstore_id = "NBO01"\nterminal_id = "T2"\ntraining = false\n\n'
        f'[paths]\ndata_dir = "{tmp_path / "d"}"\n',
        encoding="utf-8",
    )
    csv_file = tmp_path / "new.csv"
    csv_file.write_text(
        "sku,barcode,name,price,vat_class\nNEW-1,,Test Juice 1L,150.00,S\n", encoding="utf-8"
    )
    first = _kaunta(tmp_path, "import-catalog", str(csv_file))  # creates the file, imports
    assert first.returncode == 0, first.stderr
    database = tmp_path / "d" / "kaunta.sqlite"
    assert _products(database) == ["NEW-1"]

    csv_file.write_text(
        "sku,barcode,name,price,vat_class\nNEW-2,,Test Tea 250g,95.00,S\n", encoding="utf-8"
    )
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(database, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        result = _kaunta(tmp_path, "import-catalog", str(csv_file))
    finally:
        release.set()
        holder.join(timeout=30)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"kaunta: The database {database} is busy")
    assert "did not finish within 5 s. Nothing was saved from this action" in result.stderr
    assert _products(database) == ["NEW-1"]
