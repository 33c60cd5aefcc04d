"""A queue of large baskets reaches the product's head office (``sync/server`` under
gunicorn, in its own process) whose body limit is smaller than a full batch of them: a
proxy's 1 MB (``deploy/Caddyfile``), or the head office's own ``KAUNTA_HQ_MAX_BATCH_BYTES``
as here. Each try of the same oversized push met the same 413 and nothing after it ever
reached head office; the agent now keeps a push under ``batch_bytes`` and halves it after
a 413 (b15a)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import DemoUser, Terminal
from pos.store import sync_state
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from tests.e2e.real_head_office import RealHeadOffice

LINES = 300  # a big shop's big basket: about 170 KB as a stored document
SALES = 16  # together about 2.7 MB
LIMIT = 400_000  # what head office takes in one push here: less than batch_bytes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def real_ho(tmp_path: Path) -> Iterator[RealHeadOffice]:
    folder = tmp_path / "hq"
    folder.mkdir()
    ho = RealHeadOffice(folder, _free_port())
    ho.env["KAUNTA_HQ_MAX_BATCH_BYTES"] = str(LIMIT)
    ho.start()
    try:
        yield ho
    finally:
        ho.kill()


def test_a_queue_of_large_baskets_drains_to_a_head_office_with_a_smaller_body_limit(
    tmp_path: Path, real_ho: RealHeadOffice
) -> None:
    (code,) = real_ho.codes(["S1"])
    enrolling = HeadOfficeClient(ClientSettings(real_ho.url))
    enrolled = enrolling.enroll(code, "till A")
    enrolling.close()
    ctx = TerminalContext(
        StoreInfo(enrolled.store_id, "Store S1", ("Nairobi",)),
        enrolled.terminal_id,
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    folder = tmp_path / "till"
    folder.mkdir()
    till = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    try:
        till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
        till.auth.login(cashier.user_id, next(p for _, r, p in DEMO_USERS if r == "cashier"))
        till.shifts.open({})
        with till.db.read_session() as s:
            barcodes = (
                s.connection()
                .exec_driver_sql(
                    f"SELECT barcode FROM products WHERE barcode IS NOT NULL LIMIT {LINES}"
                )
                .scalars()
                .all()
            )
        assert len(barcodes) == LINES
        for _ in range(SALES):
            for barcode in barcodes:
                till.checkout.scan(str(barcode))
            assert till.checkout.pay_cash(Money(10**11)).receipt is not None
        with till.db.read_session() as s:
            queued = dict(
                s.connection().exec_driver_sql("SELECT id, length(payload) FROM outbox").all()
            )
        assert sum(queued.values()) > 2_000_000  # a full batch would be one push of it all
        agent = SyncAgent(
            till.db,
            HeadOfficeClient(ClientSettings(real_ho.url), token=enrolled.token),
            store_id=enrolled.store_id,
            terminal_id=enrolled.terminal_id,
            settings=AgentSettings(app_version="test"),  # the app's batch settings
        )
        try:
            done = agent.run_once()
        finally:
            agent.stop()
        with till.db.read_session() as s:
            counts = sync_state.outbox_counts(s)
        print(f"{len(queued)} events, {sum(queued.values())} bytes, {done.batches} pushes")
        assert (counts.waiting, counts.parked) == (0, 0)
        assert set(real_ho.ledger()) == {str(e) for e in queued}
        assert done.sent == len(queued)
    finally:
        till.close()
