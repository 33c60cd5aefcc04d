"""Crash safety: SIGKILL a selling till over and over, then audit the database it left.

``worker.py`` sells in a loop and prints what it knows to be committed. This test kills it
``KAUNTA_CRASH_KILLS`` times (default 25) on ONE database file, then checks, with plain
sqlite3 (read-only) and through the app, that:

1. the file is intact;
2. every sale the till reported done is in the journal, whole, exactly as reported;
3. every sale in the journal is whole (lines, VAT, payments and its one outbox event);
4. receipt numbers are gap-free and unique (a crash neither burns nor repeats a number);
5. the open basket survives each kill (the next ``restore()`` brings it back) and at most
   one open draft remains;
6. the audit chain verifies.

The smaller tests at the end replay, in one process, a till that "crashed" but whose
Python objects are still around, next to a new till on the same file.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.errors import SaleAlreadyFinished
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")

KILLS = int(os.environ.get("KAUNTA_CRASH_KILLS", "25"))
SEED = int(os.environ.get("KAUNTA_CRASH_SEED", "20260302"))
#: Every n-th run is killed at a random moment after it was started (so kills also land in
#: migrations, seeding and login); the others a random moment after they restored the basket
#: (so kills land in the selling loop, the part that must lose nothing).
STARTUP_KILL_EVERY = 5
READY_TIMEOUT_S = 30.0
CASHIER_PIN = "1111"
MANAGER_PIN = "3333"


def make_context() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Demo"), "T1", training=True, policy=Policy(pin_kdf_log2_n=10)
    )


# -- running and killing the worker ---------------------------------------------------------


@dataclass
class Run:
    """What one worker process printed before it was killed."""

    index: int
    lines: list[list[str]] = field(default_factory=list)
    stderr: str = ""

    @property
    def restored(self) -> tuple[str | None, int] | None:
        """``(sale id or None, n lines)`` from the RESTORED line; None if killed before it."""
        for words in self.lines:
            if words[0] == "RESTORED":
                return (None if words[1] == "-" else words[1], int(words[2]))
        return None


class WorkerProcess:
    """One ``worker.py`` process; a thread collects the complete lines it prints."""

    def __init__(self, db_path: Path, seed: int, stderr_path: Path) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
        self._stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(db_path), str(seed)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.lines: list[list[str]] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            if not raw.endswith(b"\n"):  # a torn last line is not a report
                break
            words = raw.decode().split()
            if words:
                self.lines.append(words)
                if words[0] == "RESTORED":
                    self.ready.set()
        self.ready.set()  # EOF: stop anyone waiting

    def wait_ready(self, timeout: float) -> None:
        self.ready.wait(timeout)

    def kill(self) -> tuple[list[list[str]], str, int | None]:
        """SIGKILL (unless it already died); returns its lines, stderr and exit status."""
        died_alone = self.proc.poll()
        if died_alone is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        self._stderr.close()
        stderr = self._stderr_path.read_text(errors="replace")
        return self.lines, stderr, died_alone


def run_and_kill(db_path: Path, kills: int, seed: int, logs: Path) -> list[Run]:
    rng = random.Random(seed)
    runs: list[Run] = []
    for i in range(kills):
        delay = rng.uniform(0.2, 1.0)
        worker = WorkerProcess(db_path, seed * 1000 + i, logs / f"worker-{i}.err")
        if i % STARTUP_KILL_EVERY:
            worker.wait_ready(READY_TIMEOUT_S)
        time.sleep(delay)
        lines, stderr, died_alone = worker.kill()
        if died_alone is not None:
            pytest.fail(
                f"worker run {i} (seed {seed}) exited by itself with status {died_alone} "
                f"before it was killed:\n{stderr[-3000:]}"
            )
        if i % STARTUP_KILL_EVERY and not any(w[0] == "RESTORED" for w in lines):
            pytest.fail(f"worker run {i} never got ready in {READY_TIMEOUT_S}s:\n{stderr[-3000:]}")
        runs.append(Run(i, lines, stderr))
    return runs


# -- reading the database ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    run: int
    sale_id: str
    number: str
    total_minor: int
    line_count: int


def done_reports(runs: list[Run]) -> list[Done]:
    return [
        Done(run.index, w[1], w[2], int(w[3]), int(w[4]))
        for run in runs
        for w in run.lines
        if w[0] == "DONE"
    ]


@pytest.fixture
def readonly() -> Iterator[list[sqlite3.Connection]]:
    opened: list[sqlite3.Connection] = []
    yield opened
    for conn in opened:
        conn.close()


def open_readonly(db_path: Path, opened: list[sqlite3.Connection]) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    opened.append(conn)
    return conn


def one(conn: sqlite3.Connection, sql: str, *params: object) -> Any:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


# -- the checks ----------------------------------------------------------------------------


def check_reported_sales(conn: sqlite3.Connection, done: list[Done]) -> list[str]:
    """2. Every DONE is in the journal, as reported and whole."""
    problems: list[str] = []
    ids = [d.sale_id for d in done]
    if len(set(ids)) != len(ids):
        problems.append("a sale was reported DONE twice")
    numbers = [d.number for d in done]
    if numbers != sorted(numbers):
        problems.append(f"DONE receipt numbers are not increasing in print order: {numbers}")
    for d in done:
        row = conn.execute(
            "SELECT status, number, total_minor FROM sales WHERE id = ?", (d.sale_id,)
        ).fetchone()
        if row is None:
            problems.append(f"run {d.run}: reported sale {d.sale_id} {d.number} is missing")
            continue
        status, number, total = row
        if (status, number, total) != ("completed", d.number, d.total_minor):
            problems.append(
                f"run {d.run}: sale {d.sale_id} is {(status, number, total)}, "
                f"reported {('completed', d.number, d.total_minor)}"
            )
        n_lines = one(conn, "SELECT count(*) FROM sale_lines WHERE sale_id = ?", d.sale_id)
        if n_lines != d.line_count:
            problems.append(f"{d.number}: {n_lines} sale_lines, reported {d.line_count}")
        if not one(conn, "SELECT count(*) FROM payments WHERE sale_id = ?", d.sale_id):
            problems.append(f"{d.number}: no payments row")
        n_events = one(
            conn,
            "SELECT count(*) FROM outbox WHERE kind = 'sale.completed' AND aggregate_id = ?",
            d.sale_id,
        )
        if n_events != 1:
            problems.append(f"{d.number}: {n_events} sale.completed outbox events")
        if one(conn, "SELECT count(*) FROM drafts WHERE id = ?", d.sale_id):
            problems.append(f"{d.number}: its draft is still there")
    return problems


WHOLE_SALES_SQL = """
SELECT s.id, s.number, s.status, s.total_minor, s.rounding_minor, s.paid_minor, s.item_count,
  (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(l.total_minor), 0) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(l.quantity), 0) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(t.gross_minor), 0) FROM sale_taxes t WHERE t.sale_id = s.id),
  (SELECT coalesce(sum(p.amount_minor), 0) FROM payments p WHERE p.sale_id = s.id),
  (SELECT count(*) FROM outbox o WHERE o.aggregate_id = s.id),
  (SELECT count(*) FROM drafts d WHERE d.id = s.id)
FROM sales s ORDER BY s.seq
"""


def check_whole_sales(conn: sqlite3.Connection) -> list[str]:
    """3. Every sale in the journal is whole and consistent with itself."""
    problems: list[str] = []
    for row in conn.execute(WHOLE_SALES_SQL):
        (sid, number, status, total, rounding, paid, items) = row[:7]
        (n_lines, lines_sum, qty_sum, vat_gross, pay_sum, n_events, n_drafts) = row[7:]
        where = f"{number} ({sid})"
        if status != "completed":
            problems.append(f"{where}: status {status!r} (the worker never voids)")
        if n_lines <= 0:
            problems.append(f"{where}: no sale_lines")
        if lines_sum != total:
            problems.append(f"{where}: lines sum to {lines_sum}, total is {total}")
        if qty_sum != items:
            problems.append(f"{where}: quantities sum to {qty_sum}, item_count is {items}")
        if vat_gross != total:
            problems.append(f"{where}: VAT gross sums to {vat_gross}, total is {total}")
        if pay_sum != total + rounding or paid != pay_sum:
            problems.append(
                f"{where}: payments {pay_sum}, paid_minor {paid}, total+rounding {total + rounding}"
            )
        if n_events != 1:
            problems.append(f"{where}: {n_events} outbox events")
        if n_drafts:
            problems.append(f"{where}: a draft with the sale's id is still there")
    return problems


def check_numbers(conn: sqlite3.Connection) -> list[str]:
    """4. seq 1..N without gaps or repeats, numbers DEMO-T1-000001..., counter == N."""
    problems: list[str] = []
    rows = conn.execute(
        "SELECT seq, number FROM sales WHERE terminal_id = 'T1' ORDER BY seq"
    ).fetchall()
    seqs = [int(r[0]) for r in rows]
    numbers = [str(r[1]) for r in rows]
    n = len(seqs)
    if seqs != list(range(1, n + 1)):
        missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        problems.append(f"receipt seqs are not 1..{n}: missing {missing[:10]}, got {n} rows")
    expected = [f"DEMO-T1-{s:06d}" for s in seqs]
    if numbers != expected:
        problems.append("receipt numbers do not follow their seq")
    if len(set(numbers)) != n:
        problems.append("a receipt number is used twice")
    counter = one(conn, "SELECT value FROM counters WHERE name = 'receipt:T1'")
    if counter != n:
        problems.append(f"the receipt counter is at {counter} but {n} sales exist (burned)")
    return problems


def check_no_phantoms(conn: sqlite3.Connection, runs: list[Run]) -> list[str]:
    """Every journal sale is one the parent saw as a basket; at most one unreported per kill."""
    seen = {w[1] for run in runs for w in run.lines if w[0] in ("OPEN", "RESTORED", "DONE")}
    reported = {w[1] for run in runs for w in run.lines if w[0] == "DONE"}
    problems: list[str] = []
    unreported = 0
    for sid, number in conn.execute("SELECT id, number FROM sales"):
        if sid not in seen:
            problems.append(f"{number} ({sid}) was never seen as a basket by the parent")
        if sid not in reported:
            unreported += 1
    if unreported > len(runs):
        problems.append(f"{unreported} sales were never reported, but only {len(runs)} kills")
    return problems


def check_restores(
    runs: list[Run], final_restore: tuple[str | None, int], completed: set[str]
) -> tuple[list[str], int]:
    """5. Each run's first restore() brings back the basket the run before had open.

    ``expected`` is what the parent knows is committed: the last basket reported OPEN (the
    draft may have grown by a change whose OPEN line the kill swallowed), or none after a
    DONE (a new basket may exist whose first OPEN line the kill swallowed). The one excuse
    for an empty restore is that the open basket was completed just before the kill: then
    it is in the journal and no run ever reported it DONE.
    """
    problems: list[str] = []
    checked = 0
    ever_done = {w[1] for run in runs for w in run.lines if w[0] == "DONE"}
    expected: tuple[str, int] | None = None  # (sale id, lines) of the known open basket
    reported_done: set[str] = set()
    attempts = [(run.index, run.restored, run.lines) for run in runs]
    attempts.append((len(runs), final_restore, []))
    for index, restored, lines in attempts:
        if restored is not None:
            got_id, got_lines = restored
            label = f"run {index}" if index < len(runs) else "the app after the last kill"
            if got_id is not None and got_id in reported_done:
                problems.append(f"{label}: restore() brought back completed sale {got_id}")
            if expected is not None:
                checked += 1
                want_id, want_lines = expected
                completed_unreported = want_id in completed and want_id not in ever_done
                if got_id is None and completed_unreported:
                    pass  # completed, then killed before its DONE line got out
                elif got_id != want_id:
                    problems.append(
                        f"{label}: restore() brought back {got_id}, but the previous run had "
                        f"basket {want_id} open with {want_lines} lines"
                    )
                elif got_lines < want_lines:
                    problems.append(
                        f"{label}: restored {want_id} has {got_lines} lines, "
                        f"{want_lines} were committed"
                    )
            expected = (got_id, got_lines) if got_id is not None else None
        for words in lines[1:] if restored is not None else lines:
            if words[0] == "OPEN":
                expected = (words[1], int(words[2]))
            elif words[0] == "DONE":
                reported_done.add(words[1])
                expected = None
    return problems, checked


# -- the crash loop ------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_loop_loses_nothing(tmp_path: Path, readonly: list[sqlite3.Connection]) -> None:
    db_path = tmp_path / "data" / "kaunta.sqlite"
    logs = tmp_path / "logs"
    logs.mkdir()
    started = time.monotonic()
    runs = run_and_kill(db_path, KILLS, SEED, logs)
    done = done_reports(runs)
    context = f"(seed {SEED}, {KILLS} kills, logs in {logs})"

    # 1-4, on the file exactly as the kills left it (read-only, before the app touches it)
    conn = open_readonly(db_path, readonly)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], context
    assert check_reported_sales(conn, done) == [], context
    assert check_whole_sales(conn) == [], context
    n_sales = int(one(conn, "SELECT count(*) FROM sales"))
    assert n_sales >= 1, f"no sale completed in {KILLS} runs {context}"
    assert check_numbers(conn) == [], context
    assert check_no_phantoms(conn, runs) == [], context
    drafts = conn.execute("SELECT id, status, terminal_id FROM drafts").fetchall()
    assert len([d for d in drafts if d[1] == "open" and d[2] == "T1"]) <= 1, drafts
    assert all(d[1] == "open" for d in drafts), f"the worker never parks: {drafts}"
    completed = {str(r[0]) for r in conn.execute("SELECT id FROM sales")}
    sales_by_day = conn.execute(
        "SELECT business_date, count(*), sum(total_minor) FROM sales GROUP BY business_date"
    ).fetchall()
    conn.close()

    # 5-6 and the same journal through the app
    terminal = Terminal.open(db_path, make_context())
    try:
        startup = terminal.startup_checks()
        assert startup.audit_ok, startup.audit_problem
        with terminal.db.session() as s:
            chain = repo.verify_audit_chain(s)
        assert chain.ok, chain
        logged_in = sum(1 for run in runs if run.restored is not None)
        assert chain.checked >= len(DEMO_USERS) + logged_in, chain  # bootstrap + logins
        users = {u.role: u for u in terminal.auth.users()}
        terminal.auth.login(users[Role.CASHIER].user_id, CASHIER_PIN)
        view = terminal.checkout.restore()
        final_restore = (view.sale_id, len(view.lines))
        problems, restores_checked = check_restores(runs, final_restore, completed)
        assert problems == [], context
        last = terminal.checkout.last_receipt()
        assert last is not None
        assert last.number == f"DEMO-T1-{n_sales:06d}"
        terminal.auth.login(users[Role.MANAGER].user_id, MANAGER_PIN)
        for day, count, total in sales_by_day:
            daily = terminal.reports.daily_totals(day)
            assert (daily.sales_count, daily.total.minor) == (count, total), day
            assert daily.takings.minor >= total
    finally:
        terminal.close()

    elapsed = time.monotonic() - started
    killed_in_startup = sum(1 for run in runs if run.restored is None)
    print(
        f"\ncrash loop {context}: {elapsed:.1f}s, {n_sales} sales in the journal, "
        f"{len(done)} reported DONE and verified, {restores_checked} restores checked, "
        f"{killed_in_startup} kills before restore()"
    )


# -- a till that "crashed" but whose objects are still alive ----------------------------------


@pytest.fixture
def two_tills(tmp_path: Path) -> Iterator[tuple[Terminal, Terminal, str]]:
    """A till with an open basket of 2 lines, "crashed" (never closed), and a new till."""
    db_path = tmp_path / "kaunta.sqlite"
    first = Terminal.open(db_path, make_context())
    second: Terminal | None = None
    try:
        first.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in first.auth.users() if u.role is Role.CASHIER)
        first.auth.login(cashier.user_id, CASHIER_PIN)
        first.checkout.restore()
        sold = first.checkout.add_product(1)  # one normal sale first: seq 1
        first.checkout.pay_cash(sold.cash_due)
        first.checkout.add_product(1, 2)
        basket = first.checkout.add_product(2)
        assert basket.sale_id is not None
        # the "crash": the first till is never closed; a new one starts on the same file
        second = Terminal.open(db_path, make_context())
        second.auth.login(cashier.user_id, CASHIER_PIN)
        yield first, second, basket.sale_id
    finally:
        if second is not None:
            second.close()
        first.close()


def journal(db_path: Path) -> tuple[list[tuple[str, int, str]], int, int, int]:
    """(id, seq, number) of every sale, the counter, open drafts and sale events."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        sales = [
            (str(r[0]), int(r[1]), str(r[2]))
            for r in conn.execute("SELECT id, seq, number FROM sales ORDER BY seq")
        ]
        counter = int(conn.execute("SELECT value FROM counters").fetchone()[0])
        drafts = int(conn.execute("SELECT count(*) FROM drafts").fetchone()[0])
        events = int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        conn.close()
    return sales, counter, drafts, events


def test_stale_till_cannot_complete_the_sale_twice(
    two_tills: tuple[Terminal, Terminal, str],
) -> None:
    first, second, sale_id = two_tills
    restored = second.checkout.restore()
    assert (restored.sale_id, len(restored.lines)) == (sale_id, 2)

    paid = second.checkout.pay_cash(restored.cash_due)
    assert paid.receipt is not None
    assert paid.receipt.number == "DEMO-T1-000002"

    with pytest.raises(SaleAlreadyFinished, match="DEMO-T1-000002"):
        first.checkout.pay_cash(Money(10_000_000))

    sales, counter, drafts, events = journal(first.db.path)
    assert [(sid, seq) for sid, seq, _ in sales][1:] == [(sale_id, 2)]
    assert [number for _, _, number in sales] == ["DEMO-T1-000001", "DEMO-T1-000002"]
    assert counter == 2, "the refused completion burned a receipt number"
    assert (drafts, events) == (0, 2)
    assert second.startup_checks().audit_ok


def test_stale_till_cannot_resurrect_a_completed_basket(
    two_tills: tuple[Terminal, Terminal, str],
) -> None:
    first, second, sale_id = two_tills
    restored = second.checkout.restore()
    paid = second.checkout.pay_cash(restored.cash_due)
    assert paid.receipt is not None

    # the stale till refuses with a clear message and drops the finished basket ...
    with pytest.raises(SaleAlreadyFinished, match="already finished"):
        first.checkout.add_product(3)
    # ... so the next scan starts a new sale instead of reviving the old one
    fresh = first.checkout.add_product(3)
    assert fresh.sale_id not in (None, sale_id)

    sales, _, _, _ = journal(first.db.path)
    completed = {sid for sid, _, _ in sales}
    back = second.checkout.restore()
    assert sale_id in completed
    assert back.sale_id not in completed, (
        f"restore() brought back {back.sale_id}, a sale that is already in the journal"
    )


# -- the checks themselves must be able to fail ----------------------------------------------


def test_the_checks_catch_a_broken_journal(tmp_path: Path) -> None:
    db_path = tmp_path / "kaunta.sqlite"
    terminal = Terminal.open(db_path, make_context())
    done: list[Done] = []
    try:
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
        terminal.auth.login(cashier.user_id, CASHIER_PIN)
        for product_id in (1, 2, 3):
            view = terminal.checkout.add_product(product_id, product_id)
            receipt = terminal.checkout.pay_cash(view.cash_due).receipt
            assert receipt is not None
            done.append(
                Done(0, receipt.sale_id, receipt.number, receipt.total.minor, len(receipt.lines))
            )
    finally:
        terminal.close()
    runs = [Run(0, [["RESTORED", "-", "0"]] + [["DONE", d.sale_id] for d in done])]

    conn = sqlite3.connect(db_path)
    try:
        assert check_reported_sales(conn, done) == []
        assert check_whole_sales(conn) == []
        assert check_numbers(conn) == []
        assert check_no_phantoms(conn, runs) == []

        # a second payment on sale 1, a burned number, a phantom sale with a gap and no lines
        first = done[0].sale_id
        conn.execute(
            "INSERT INTO payments SELECT id || 'x', sale_id, method, amount_minor, "
            "tendered_minor, change_minor, currency, reference, created_at, business_date, "
            "status FROM payments WHERE sale_id = ?",
            (first,),
        )
        conn.execute("UPDATE counters SET value = value + 1")
        conn.execute(
            "INSERT INTO sales SELECT 'phantom', 'DEMO-T1-000005', 5, store_id, terminal_id, "
            "status, cashier_id, cashier_name, opened_at, closed_at, business_date, currency, "
            "subtotal_minor, discount_minor, total_minor, rounding_minor, paid_minor, "
            "change_minor, vat_minor, item_count, void_reason, training, document "
            "FROM sales WHERE id = ?",
            (first,),
        )
        conn.commit()
        whole = "\n".join(check_whole_sales(conn))
        assert "DEMO-T1-000001" in whole
        assert "phantom" in whole
        assert check_numbers(conn)
        assert check_no_phantoms(conn, runs)
        wrong = [replace(done[1], total_minor=done[1].total_minor + 1)]
        assert check_reported_sales(conn, wrong)
    finally:
        conn.close()

    def run(index: int, *lines: str) -> Run:
        return Run(index, [line.split() for line in lines])

    history = [run(0, "RESTORED - 0", "OPEN A 1", "OPEN A 2"), run(1)]
    assert check_restores(history, ("A", 2), set()) == ([], 1)
    assert check_restores(history, ("A", 3), set()) == ([], 1)  # a swallowed OPEN line
    assert check_restores(history, ("A", 1), set())[0]  # a committed line was lost
    assert check_restores(history, (None, 0), set())[0]  # the basket was lost
    assert check_restores(history, (None, 0), {"A"}) == ([], 1)  # completed, DONE swallowed
    history = [run(0, "RESTORED - 0", "OPEN A 1", "DONE A"), run(1, "RESTORED A 1")]
    assert check_restores(history, (None, 0), {"A"})[0]  # a completed sale came back
