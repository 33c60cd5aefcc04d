"""Crash safety: SIGKILL a selling till over and over, then audit the database it left.

``worker.py`` sells in a loop (cash, cash part payments, split tenders with M-Pesa, M-Pesa
alone, discounts under and over the approval limit, quantity changes, removals, voids)
and prints what it knows to be committed. This test kills it ``KAUNTA_CRASH_KILLS`` times
(default 100) on ONE database file, each till a process forked from a server that did the
imports once (``harness.forkserver``), with the M-Pesa sandbox (its customer approving at
once) running here so that it outlives every till, then checks, with plain sqlite3
(read-only) and through the app (the checks are in ``journal_checks.py``), that:

1. the file is intact;
2. every sale the till reported done or voided is in the journal, whole, as reported;
3. every sale in the journal is whole (lines, VAT, payments and its one outbox event);
4. receipt numbers are gap-free and unique (a crash neither burns nor repeats a number);
5. the open basket survives each kill (the next ``restore()`` brings it back) and at most
   one open draft remains; every part payment reported is still on its sale;
6. the audit chain verifies;
7. takings = tenders - change: for every payment, every completed sale (journal rows and
   the document sent to head office) and, through ``ReportService``, the day by method;
8. a void hands back exactly the cash it took and sends every M-Pesa shilling to the
   manager (the attempt flagged late, or already settled), never through the drawer;
9. the loop really did all of the above (each kind of sale happened).

The smaller tests at the end replay, in one process, a till that "crashed" but whose
Python objects are still around, next to a new till on the same file, and prove that the
checks fail on journals broken on purpose. ``KAUNTA_CRASH_SEED`` varies the loop.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import DEMO_PHONE, MpesaSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Permission, Role
from pos.services.errors import SaleAlreadyFinished
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo
from tests.crash.harness import (
    CASHIER_PIN,
    MANAGER_PIN,
    SUPERVISOR_PIN,
    ForkedWorker,
    forkserver,
    make_context,
    one,
    open_readonly,
    user_of,
)
from tests.crash.journal_checks import (
    MIX_NEEDED,
    Done,
    Run,
    Voided,
    check_day_totals,
    check_no_phantoms,
    check_numbers,
    check_part_payments,
    check_reported_sales,
    check_restores,
    check_settlements,
    check_takings,
    check_void_money,
    check_whole_sales,
    done_reports,
    lines_of,
    sale_mix,
    void_reports,
)
from tests.crash.worker import sell

KILLS = int(os.environ.get("KAUNTA_CRASH_KILLS", "100"))
SEED = int(os.environ.get("KAUNTA_CRASH_SEED", "20260302"))
#: Every n-th run is killed at a random moment after it was let go (so kills also land in
#: migrations, seeding, login and the start-up M-Pesa pass); the others a random moment
#: after they restored the basket (so kills land in the selling loop, which must lose
#: nothing).
STARTUP_KILL_EVERY = 5
#: How long after the restore a selling run is killed, and after the fork a start-up run
#: is killed (a restart takes about 0.1 s to restore): seconds, at random.
SELLING_S = (0.05, 0.8)
STARTUP_S = (0.0, 0.15)
READY_TIMEOUT_S = 30.0
#: Below this many kills the mix of sales is not asserted (a quick local run).
MIX_FROM_KILLS = 50


# -- running and killing the worker ---------------------------------------------------------


def run_and_kill(db_path: Path, kills: int, seed: int, mpesa_url: str, logs: Path) -> list[Run]:
    """Kill ``kills`` tills in a row on one file, each forked once the last one is dead."""
    rng = random.Random(seed)
    server = forkserver(["tests.crash.worker"])
    runs: list[Run] = []
    for i in range(kills):
        worker = ForkedWorker(
            server, sell, (db_path, seed * 1000 + i, mpesa_url), logs / f"worker-{i}.err"
        )
        selling = i % STARTUP_KILL_EVERY != 0
        if selling and worker.wait_for("RESTORED", READY_TIMEOUT_S) is None:
            worker.kill()
            pytest.fail(f"run {i} never got ready in {READY_TIMEOUT_S}s:\n{worker.stderr()}")
        time.sleep(rng.uniform(*(SELLING_S if selling else STARTUP_S)))
        died_alone = worker.kill()
        if died_alone is not None:
            pytest.fail(
                f"worker run {i} (seed {seed}) exited by itself with status {died_alone} "
                f"before it was killed:\n{worker.stderr()}"
            )
        runs.append(Run(i, worker.lines, worker.stderr()))
    return runs


# -- the crash loop ------------------------------------------------------------------------


@pytest.fixture
def mpesa_box() -> Iterator[MpesaSandbox]:
    """The M-Pesa sandbox, its customer approving every prompt at once."""
    box = MpesaSandbox(default="approve").start()
    try:
        yield box
    finally:
        box.stop()


@pytest.mark.slow
def test_sigkill_loop_loses_nothing_and_takings_equal_tenders_minus_change(
    tmp_path: Path, readonly: list[sqlite3.Connection], mpesa_box: MpesaSandbox
) -> None:
    db_path = tmp_path / "data" / "kaunta.sqlite"
    logs = tmp_path / "logs"
    logs.mkdir()
    started = time.monotonic()
    runs = run_and_kill(db_path, KILLS, SEED, mpesa_box.base_url, logs)
    killing = time.monotonic() - started
    done, voided = done_reports(runs), void_reports(runs)
    context = f"(seed {SEED}, {KILLS} kills, logs in {logs})"

    # 1-5, 7, 8 on the file exactly as the kills left it (read-only, before the app opens it)
    conn = open_readonly(db_path, readonly)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], context
    assert check_reported_sales(conn, done, voided) == [], context
    assert check_whole_sales(conn) == [], context
    n_sales = int(one(conn, "SELECT count(*) FROM sales"))
    assert n_sales >= 1, f"no sale finished in {KILLS} runs {context}"
    assert check_numbers(conn) == [], context
    assert check_no_phantoms(conn, runs) == [], context
    assert check_part_payments(conn, runs) == [], context
    assert check_takings(conn) == [], context
    assert check_void_money(conn, voided) == [], context
    assert check_settlements(conn, runs) == [], context
    drafts = conn.execute("SELECT id, status, terminal_id FROM drafts").fetchall()
    assert len([d for d in drafts if d[1] == "open" and d[2] == "T1"]) <= 1, drafts
    assert all(d[1] == "open" for d in drafts), f"the worker never parks: {drafts}"
    completed = {str(r[0]) for r in conn.execute("SELECT id FROM sales")}
    mix = sale_mix(conn, runs)
    if KILLS >= MIX_FROM_KILLS:  # 9. the loop did sell every way it claims to
        assert [kind for kind in MIX_NEEDED if not mix[kind]] == [], (mix, context)

    # 5-7 and the same journal through the app
    terminal = Terminal.open(db_path, make_context())
    try:
        startup = terminal.startup_checks()
        assert startup.audit_ok, startup.audit_problem
        with terminal.db.session() as s:
            chain = repo.verify_audit_chain(s)
        assert chain.ok, chain
        logged_in = sum(1 for run in runs if run.restored is not None)
        assert chain.checked >= len(DEMO_USERS) + logged_in, chain  # bootstrap + logins
        terminal.auth.login(user_of(terminal, Role.CASHIER), CASHIER_PIN)
        view = terminal.checkout.restore()
        final_restore = (view.sale_id, len(view.lines))
        problems, restores_checked = check_restores(runs, final_restore, completed)
        assert problems == [], context
        last = terminal.checkout.last_receipt()
        assert last is not None
        assert last.number == f"DEMO-T1-{n_sales:06d}"
        terminal.auth.login(user_of(terminal, Role.MANAGER), MANAGER_PIN)
        assert check_day_totals(terminal, conn) == [], context
    finally:
        terminal.close()

    elapsed = time.monotonic() - started
    killed_in_startup = sum(1 for run in runs if run.restored is None)
    print(
        f"\ncrash loop {context}: {elapsed:.1f}s ({killing:.1f}s killing), {n_sales} sales "
        f"in the journal, {len(done)} reported DONE and {len(voided)} VOIDED and verified, "
        f"{len(lines_of(runs, 'PAID'))} part payments, {restores_checked} restores checked, "
        f"{killed_in_startup} kills before restore(); mix {dict(mix)}"
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
        cashier = user_of(first, Role.CASHIER)
        first.auth.login(cashier, CASHIER_PIN)
        first.checkout.restore()
        sold = first.checkout.add_product(1)  # one normal sale first: seq 1
        first.checkout.pay_cash(sold.cash_due)
        first.checkout.add_product(1, 2)
        basket = first.checkout.add_product(2)
        assert basket.sale_id is not None
        # the "crash": the first till is never closed; a new one starts on the same file
        second = Terminal.open(db_path, make_context())
        second.auth.login(cashier, CASHIER_PIN)
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
    assert (drafts, events) == (0, 3)  # two sales and the demo seed's shift.opened
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


def unsealed(db_path: Path) -> sqlite3.Connection:
    """A connection to a journal whose triggers are dropped, to break it on purpose: the
    triggers refuse such rows (as they must); these tests prove the checks would see them
    if a bug ever wrote them anyway."""
    conn = sqlite3.connect(db_path)
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.commit()
    return conn


def run(index: int, *lines: str) -> Run:
    return Run(index, [line.split() for line in lines])


def test_the_checks_catch_a_broken_journal(tmp_path: Path) -> None:
    db_path = tmp_path / "kaunta.sqlite"
    terminal = Terminal.open(db_path, make_context())
    done: list[Done] = []
    try:
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        terminal.auth.login(user_of(terminal, Role.CASHIER), CASHIER_PIN)
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

    conn = unsealed(db_path)
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
        assert check_reported_sales(conn, [replace(done[1], change_minor=1)])
        assert check_reported_sales(conn, [], [Voided(0, done[2].sale_id, done[2].number, 0, 0)])
    finally:
        conn.close()

    history = [run(0, "RESTORED - 0", "OPEN A 1 item", "OPEN A 2 item"), run(1)]
    assert check_restores(history, ("A", 2), set()) == ([], 1)
    assert check_restores(history, ("A", 3), set()) == ([], 1)  # a swallowed OPEN line
    assert check_restores(history, ("A", 4), set())[0]  # two changes cannot hide
    assert check_restores(history, ("A", 1), set())[0]  # a committed line was lost
    assert check_restores(history, (None, 0), set())[0]  # the basket was lost
    assert check_restores(history, (None, 0), {"A"}) == ([], 1)  # completed, DONE swallowed
    removing = [run(0, "RESTORED - 0", "OPEN A 3 item", "REMOVING A"), run(1)]
    assert check_restores(removing, ("A", 2), set()) == ([], 1)  # the removal committed
    assert check_restores(removing, ("A", 3), set()) == ([], 1)  # ... or not
    assert check_restores(removing, ("A", 1), set())[0]
    assert check_restores(removing, ("A", 4), set())[0]
    history = [run(0, "RESTORED - 0", "OPEN A 1 item", "DONE A"), run(1, "RESTORED A 1")]
    assert check_restores(history, (None, 0), {"A"})[0]  # a completed sale came back
    history = [run(0, "RESTORED - 0", "OPEN A 1 item", "VOIDED A"), run(1, "RESTORED A 1")]
    assert check_restores(history, (None, 0), {"A"})[0]  # a voided sale came back


def wait_final(payments: PaymentService, attempt_id: str) -> AttemptView:
    end = time.monotonic() + 10
    while True:
        view = payments.poll(attempt_id)
        if view.final or time.monotonic() > end:
            return view
        time.sleep(0.02)


def test_the_money_checks_catch_tenders_that_do_not_add_up(
    tmp_path: Path, mpesa_box: MpesaSandbox
) -> None:
    """Honest books of every kind pass; a sale whose tenders - change is not its total
    (the sub-shilling change of issue 7), a payment that keeps more than was handed over
    net of change, a voided sale's M-Pesa money not flagged for the manager, and a void
    that handed back other than the cash it took are each reported."""
    db_path = tmp_path / "data" / "kaunta.sqlite"
    terminal = Terminal.open(db_path, make_context())
    runs = [run(0, "RESTORED - 0")]
    try:
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        terminal.auth.login(user_of(terminal, Role.CASHIER), CASHIER_PIN)
        checkout = terminal.checkout
        payments = terminal.enable_payments(
            {
                "mpesa": create_mpesa(
                    MethodContext(
                        training=True, currency="KES", settings={"base_url": mpesa_box.base_url}
                    )
                )
            }
        )
        supervisor = user_of(terminal, Role.SUPERVISOR)

        def report(words: str) -> None:
            runs[0].lines.append(words.split())

        def mpesa_part(amount: int) -> str:
            started = payments.start("mpesa", Money(amount), DEMO_PHONE)
            view = wait_final(payments, started.attempt_id)
            assert view.sale_view is not None, view
            report(f"PAID {view.sale_view.sale_id} mpesa {view.attempt_id} {amount}")
            return view.attempt_id

        def void() -> str:
            sale_id = checkout.view().sale_id
            approval = terminal.auth.approve(supervisor, SUPERVISOR_PIN, Permission.VOID_SALE)
            result = checkout.void("customer changed their mind", approval)
            manager = sum(m.minor for _, m in result.for_the_manager)
            report(
                f"VOIDED {sale_id} {result.receipt.number} {result.cash_to_return.minor} {manager}"
            )
            return result.receipt.number

        # 1: cash with change; 2: split tender (M-Pesa, cash part, rest in cash)
        view = checkout.add_product(1, 3)
        checkout.pay_cash(Money(view.cash_due.minor + 5_000))
        checkout.add_product(2, 2)
        mpesa_part(100)
        sale_id = checkout.view().sale_id
        cash = checkout.pay_cash(Money(50), partial=True, request_id="cash-part-1")
        report(f"PAID {sale_id} cash cash-part-1 50")
        checkout.pay_cash(Money(cash.view.cash_due.minor + 1_000))
        # 3: voided after a cash part payment; 4: voided after an M-Pesa part payment
        checkout.add_product(3, 2)
        checkout.pay_cash(Money(1_000), partial=True)
        void()
        checkout.add_product(4, 3)
        voided_attempt = mpesa_part(200)
        void()
    finally:
        terminal.close()

    conn = unsealed(db_path)
    voided = void_reports(runs)
    terminal = Terminal.open(db_path, make_context())
    try:
        terminal.auth.login(user_of(terminal, Role.MANAGER), MANAGER_PIN)
        # the honest books pass every check (and are of every kind)
        assert check_takings(conn) == []
        assert check_void_money(conn, voided) == []
        assert check_part_payments(conn, runs) == []
        assert check_day_totals(terminal, conn) == []
        mix = sale_mix(conn, runs)
        kinds = ("cash", "split tender", "void after cash", "void after M-Pesa")
        assert [mix[k] for k in kinds] == [1, 1, 1, 1], mix

        # a part payment the till reported that the books do not have
        assert check_part_payments(conn, [run(0, "PAID nosale cash nopayment 100")])
        # a void that says it handed back cash it never took
        lying = [replace(v, cash_to_return=v.cash_to_return + 100) for v in voided]
        assert any(lying[0].number in p for p in check_void_money(conn, lying))
        # the voided sale's M-Pesa money back in the books as applied, not for the manager
        conn.execute(
            "UPDATE payment_attempts SET resolution = 'applied' WHERE id = ?", (voided_attempt,)
        )
        conn.commit()
        assert any(voided_attempt in p for p in check_void_money(conn, voided))
        conn.execute(
            "UPDATE payment_attempts SET resolution = 'late' WHERE id = ?", (voided_attempt,)
        )
        conn.commit()
        assert check_void_money(conn, voided) == []

        # sale 1 again, as issue 7 found it: the cash payment keeps 22 more than the sale
        # took and says no change, the receipt says 22 change: tenders - change != total
        first = one(conn, "SELECT id FROM sales WHERE seq = 1")
        plant_sale(conn, first, "short", 5, payment="amount_minor + 22, amount_minor + 22, 0")
        takings = check_takings(conn)
        assert any("DEMO-T1-000005" in p and "tenders - change" in p for p in takings), takings
        day = check_day_totals(terminal, conn)
        assert [p for p in day if "takings" in p], day
        assert not [p for p in day if "cash tenders" in p], day  # each payment adds up
        # sale 1 once more: its payment keeps the total, handed over with 22 change
        plant_sale(conn, first, "greedy", 6, payment="amount_minor, amount_minor, 22")
        takings = check_takings(conn)
        assert any("DEMO-T1-000006" in p and "keeps" in p for p in takings), takings
        day = check_day_totals(terminal, conn)
        assert [p for p in day if "cash tenders" in p], day
    finally:
        terminal.close()
        conn.close()


def plant_sale(
    conn: sqlite3.Connection, model: str, sale_id: str, seq: int, *, payment: str
) -> None:
    """Copy sale ``model`` as ``sale_id`` (receipt ``seq``) with one cash payment whose
    ``amount, tendered, change`` are the SQL expressions ``payment`` (over the model's);
    the sale records the change as 22."""
    conn.execute(
        "INSERT INTO sales SELECT ?, ?, ?, store_id, terminal_id, status, cashier_id, "
        "cashier_name, opened_at, closed_at, business_date, currency, subtotal_minor, "
        "discount_minor, total_minor, rounding_minor, paid_minor, 22, vat_minor, item_count, "
        "void_reason, training, document FROM sales WHERE id = ?",
        (sale_id, f"DEMO-T1-{seq:06d}", seq, model),
    )
    conn.execute(
        f"INSERT INTO payments SELECT ? || '-cash', ?, method, {payment}, currency, "
        "reference, created_at, business_date, status FROM payments WHERE sale_id = ?",
        (sale_id, sale_id, model),
    )
    conn.commit()
