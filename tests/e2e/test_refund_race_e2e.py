"""The till says so when head office refuses its refund: a real till (its own database,
journal and sync agent) sells and syncs to ``kaunta-hq serve`` over HTTP; another terminal of
the store refunds that line first; the till then refunds the same line (its own journal
knows nothing of the other refund, so it allows it), its agent pushes it, head office answers
``rejected`` with the reason, and the till parks the refund and shows that reason in its
parked events (what the manager's list displays).

The till cannot yet look up another terminal's sale itself, so the other terminal's refund is
sent as that terminal's protocol document (tests/server/refund_docs.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.services.auth import Permission, Role
from pos.services.context import Policy, TerminalContext
from pos.services.journal import TrainingKeyFile
from pos.services.refunds import RefundRequest
from pos.services.terminal import DemoUser, Terminal
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent
from sync.server.devcluster import free_port
from tests.e2e.real_head_office import RealHeadOffice
from tests.server.factory import Till
from tests.server.refund_docs import refund

MILK = "6168232712628"
STORE = "NBO1"


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[RealHeadOffice]:
    hq = RealHeadOffice(tmp_path, free_port())
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


def _outbox(db: Path, kind: str) -> list[dict[str, object]]:
    conn = sqlite3.connect(db)
    try:
        got = conn.execute("SELECT payload FROM outbox WHERE kind = ? ORDER BY seq", (kind,))
        return [json.loads(p) for (p,) in got.fetchall()]
    finally:
        conn.close()


@pytest.mark.slow
def test_the_till_parks_its_refund_with_the_reason_when_another_till_refunded_first(
    tmp_path: Path, head_office: RealHeadOffice
) -> None:
    code_one, code_two = head_office.codes([STORE, STORE])
    anon = HeadOfficeClient(ClientSettings(head_office.url))
    one = anon.enroll(code_one, "Front till")
    two = anon.enroll(code_two, "Back till")
    assert (one.terminal_id, two.terminal_id) == ("T1", "T2")

    folder = tmp_path / "till"
    folder.mkdir()
    ctx = TerminalContext(
        StoreInfo(STORE, "Store NBO1", ("Nairobi",)),
        "T1",
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    till = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    try:
        till.startup_checks()
        till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        users = {u.role: u for u in till.auth.users()}
        pins = {Role(r): p for _, r, p in DEMO_USERS}
        till.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
        till.shifts.open({})
        till.checkout.scan(MILK, 1)
        sold = till.checkout.pay_cash(till.checkout.view().cash_due).receipt
        assert sold is not None
        agent = SyncAgent(
            till.db,
            HeadOfficeClient(ClientSettings(head_office.url), token=one.token),
            store_id=STORE,
            terminal_id="T1",
        )
        assert agent.drain().sent >= 1  # the sale is at head office now

        # the back till refunds the milk first (as a till that found the receipt would)
        [sale] = _outbox(folder / "kaunta.sqlite", "sale.completed")
        back = Till(STORE, "T2", two.token)
        authed_two = HeadOfficeClient(ClientSettings(head_office.url), token=two.token)
        acks = authed_two.push_raw(back.batch([refund(back, sale, 1)]))
        assert [a.status.value for a in acks] == ["applied"]

        # the front till refunds the same milk: its own journal allows it
        approval = till.auth.approve(
            users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REFUND
        )
        done = till.refunds.refund(RefundRequest(sold.sale_id, {1: 1}, "damaged"), approval)
        assert done.total.minor == 6500
        pushed = agent.drain()
        assert pushed.parked == 1

        till.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
        [parked] = till.headoffice.parked()
        assert parked.kind == "refund.completed"
        assert "lines:" in parked.reason
        assert "1 sold, 1 already refunded" in parked.reason
        assert sold.number in parked.reason
        # with its code and values: the screens say it in the reader's language
        assert parked.message.code == "hq_refund_line_over"
        assert dict(parked.message.params)["receipt"] == sold.number
        assert "1 sold, 1 already refunded" in parked.message.render()
        assert till.headoffice.parked_count() == 1
    finally:
        till.close()
