"""A refund at another till of the store, end to end: ``kaunta-hq serve`` (gunicorn) on a
throwaway PostgreSQL cluster, and two real tills (each its own database, journal and sync
agent, talking HTTP with their own tokens).

The front till sells three bottles of milk and refunds one; both reach head office. The back
till's journal knows nothing of that receipt: looking it up asks head office, which answers
with the sale and the refund counted (two left). The back till refunds two through its own
outbox while the front till, not yet knowing, refunds two as well; both agents push at
once. Head office applies one and rejects the other (five would go back of three sold); the
losing till parks its refund and says so where the cashier and manager look (the sale's
refund screen, the refunds head office refused, the parked events), and head office keeps
it for review. With head office gone, the lookup says it cannot be reached and nothing on
the till changes."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.refund import RefundError
from pos.refund_link import sale_lookup
from pos.services.auth import Approval, Permission, Role
from pos.services.context import Policy, TerminalContext
from pos.services.errors import NotFound, ServiceError
from pos.services.journal import TrainingKeyFile
from pos.services.refunds import RefundRequest
from pos.services.terminal import DemoUser, Terminal
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent
from sync.server.devcluster import cluster, find_bin, free_port
from tests.e2e.real_head_office import RealHeadOffice

MILK = "6168232712628"
STORE = "NBO1"


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    if find_bin("initdb") is None or find_bin("pg_ctl") is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    with cluster() as url:
        yield url


@pytest.fixture
def head_office(tmp_path: Path, pg_server: str) -> Iterator[RealHeadOffice]:
    name = "e2e_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    hq = RealHeadOffice(tmp_path, free_port(), pg_server.rsplit("/", 1)[0] + "/" + name)
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


@dataclass
class Till:
    """One real till and its sync agent."""

    terminal: Terminal
    agent: SyncAgent
    client: HeadOfficeClient
    folder: Path

    def login(self, role: Role) -> None:
        users = {u.role: u for u in self.terminal.auth.users()}
        pins = {Role(r): p for _, r, p in DEMO_USERS}
        self.terminal.auth.login(users[role].user_id, pins[role])

    def approval(self, permission: Permission) -> Approval:
        users = {u.role: u for u in self.terminal.auth.users()}
        pins = {Role(r): p for _, r, p in DEMO_USERS}
        return self.terminal.auth.approve(
            users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], permission
        )

    def rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(self.folder / "kaunta.sqlite")
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()


def _till(tmp_path: Path, hq: RealHeadOffice, code: str, terminal_id: str) -> Till:
    enrolled = HeadOfficeClient(ClientSettings(hq.url)).enroll(code, f"Till {terminal_id}")
    assert enrolled.terminal_id == terminal_id
    folder = tmp_path / terminal_id
    folder.mkdir()
    ctx = TerminalContext(
        StoreInfo(STORE, "Store NBO1", ("Nairobi",)),
        terminal_id,
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    terminal = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    terminal.startup_checks()
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    client = HeadOfficeClient(ClientSettings(hq.url), token=enrolled.token)
    terminal.refunds.use_lookup(sale_lookup(client))  # as pos.sync_link does when enrolled
    agent = SyncAgent(terminal.db, client, store_id=STORE, terminal_id=terminal_id)
    return Till(terminal, agent, client, folder)


def _race(tills: list[Till]) -> list[int]:
    """Each till's agent drains at the same moment (a thread each); parked counts."""
    start = threading.Barrier(len(tills))
    parked: dict[int, int] = {}
    errors: list[BaseException] = []

    def push(i: int, till: Till) -> None:
        try:
            start.wait()
            parked[i] = till.agent.drain().parked
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(i, t)) for i, t in enumerate(tills)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return [parked[i] for i in range(len(tills))]


@pytest.mark.slow
def test_a_till_refunds_another_tills_sale_and_head_office_rejects_the_racing_second(
    tmp_path: Path, head_office: RealHeadOffice
) -> None:
    code_front, code_back = head_office.codes([STORE, STORE])
    front = _till(tmp_path, head_office, code_front, "T1")
    back = _till(tmp_path, head_office, code_back, "T2")
    try:
        # the front till sells three, refunds one; head office has both
        front.login(Role.CASHIER)
        front.terminal.shifts.open({})
        front.terminal.checkout.scan(MILK, 3)
        sold = front.terminal.checkout.pay_cash(front.terminal.checkout.view().cash_due).receipt
        assert sold is not None
        first = front.terminal.refunds.refund(
            RefundRequest(sold.sale_id, {1: 1}, "damaged"), front.approval(Permission.REFUND)
        )
        assert first.total.minor == 6500
        assert front.agent.drain().parked == 0

        # the back till does not hold the receipt; head office finds it (scanned: its number)
        back.login(Role.CASHIER)
        back.terminal.shifts.open({})
        assert back.terminal.receipts.find(sold.number) == []
        [found] = back.terminal.refunds.find_at_head_office(sold.number)
        assert (found.sale_id, found.number) == (sold.sale_id, sold.number)
        assert found.total.minor == 19500
        view = back.terminal.refunds.refundable(sold.sale_id)
        assert view.sold_at == "T1"
        assert [(ln.quantity, ln.refunded_quantity, ln.left) for ln in view.lines] == [(3, 1, 2)]
        assert view.refunds == (first.number,)
        [tender] = view.tenders
        assert (tender.method, tender.paid.minor, tender.refunded.minor) == ("cash", 19500, 6500)
        # by its last digits alone the receipt is not asked for: only exact numbers are
        assert back.terminal.refunds.find_at_head_office(sold.number[-6:]) == []

        # the back till refunds the two left (cash from its own drawer, given a float) ...
        back.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "refunds")
        done = back.terminal.refunds.refund(
            RefundRequest(sold.sale_id, {1: 2}, "damaged"), back.approval(Permission.REFUND)
        )
        assert (done.total.minor, done.cash_out.minor) == (13000, 13000)
        assert done.receipt.original_number == sold.number
        # ... and no more: its own refund counts before head office has it
        again = back.terminal.refunds.refundable(sold.sale_id)
        assert [ln.left for ln in again.lines] == [0]
        with pytest.raises(RefundError, match="Only 0 of the 3 sold"):
            back.terminal.refunds.quote(RefundRequest(sold.sale_id, {1: 1}, "damaged"))
        # its document went to its own outbox, naming the front till's sale and line
        [(payload,)] = back.rows("SELECT payload FROM outbox WHERE kind = 'refund.completed'")
        body = json.loads(str(payload))["body"]
        assert body["original"]["sale_id"] == sold.sale_id
        assert body["original"]["receipt_number"] == sold.number
        [line] = body["lines"]
        assert line["quantity"] == 2
        assert line["original_line_id"] is not None

        # meanwhile the front till, not knowing, refunds the same two
        front.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "refunds")
        also = front.terminal.refunds.refund(
            RefundRequest(sold.sale_id, {1: 2}, "wrong_item"), front.approval(Permission.REFUND)
        )
        assert also.total.minor == 13000

        # both push at once: head office takes one, rejects the other
        parked = _race([front, back])
        assert sorted(parked) == [0, 1]
        loser, winner = (front, back) if parked[0] == 1 else (back, front)
        lost = also if loser is front else done

        # the losing till says so: on the sale's refund screen ...
        if loser is back:  # the back till looks the sale up again (as after a restart)
            back.terminal.refunds.find_at_head_office(sold.number)
        view = loser.terminal.refunds.refundable(sold.sale_id)
        [refused] = view.refused
        assert refused.number == lost.number
        assert refused.reason.code == "hq_refund_line_over"
        assert "3 sold, 3 already refunded" in refused.reason.render()
        # ... in the refunds head office refused, for the manager (any sale) ...
        [conflict] = loser.terminal.refunds.refused_refunds()
        assert (conflict.number, conflict.original_number) == (lost.number, sold.number)
        assert conflict.amount is not None
        assert conflict.amount.minor == 13000
        assert "does not count it" in conflict.todo.render()
        assert "Do not give that money back again" in conflict.todo.render()
        # ... and in the parked events
        loser.login(Role.MANAGER)
        [event] = loser.terminal.headoffice.parked()
        assert event.kind == "refund.completed"
        assert winner.terminal.refunds.refused_refunds() == []

        # head office counted the winner only and keeps the loser for review
        answer = back.client.sales_for_refund(sold.number)
        [sale] = answer
        assert sale["lines"][0]["refunded_quantity"] == 3
        assert {r["receipt_number"] for r in sale["refunds"]} == {
            first.number,
            (done if winner is back else also).number,
        }
        # the back till asks again: head office's count and its own refunds, each once
        back.terminal.refunds.find_at_head_office(sold.number)
        seen = back.terminal.refunds.refundable(sold.sale_id)
        if winner is back:  # its refund is head office's now: not counted twice
            assert [ln.refunded_quantity for ln in seen.lines] == [3]
            assert sorted(seen.refunds) == sorted([first.number, done.number])
        else:  # its refused refund still counts here: that money left this drawer
            assert [ln.refunded_quantity for ln in seen.lines] == [5]
            assert sorted(seen.refunds) == sorted([first.number, also.number, done.number])
        assert [ln.left for ln in seen.lines] == [0]
        assert seen.fully_refunded
        review = json.loads(
            head_office.shell(
                "import json\n"
                "from sync.server.ledger.models import RefundReview\n"
                "print(json.dumps([[r.receipt_number, r.status, r.original_receipt] "
                "for r in RefundReview.objects.all()]))"
            )
        )
        assert review == [[lost.number, "rejected", sold.number]]

        # head office gone: the lookup says so; nothing on the till changes
        back.login(Role.CASHIER)
        before = back.rows("SELECT count(*) FROM refunds"), back.rows("SELECT count(*) FROM outbox")
        head_office.kill()
        with pytest.raises(ServiceError) as gone:
            back.terminal.refunds.find_at_head_office("NBO1-T1-000099")
        assert gone.value.msg.code == "refund_remote_unreachable"
        assert "cannot be reached" in str(gone.value)
        after = back.rows("SELECT count(*) FROM refunds"), back.rows("SELECT count(*) FROM outbox")
        assert after == before
        with pytest.raises(NotFound):
            back.terminal.refunds.refundable(str(uuid.uuid4()))
    finally:
        for till in (front, back):
            till.agent.stop(timeout=5)
            till.client.close()
            till.terminal.close()
