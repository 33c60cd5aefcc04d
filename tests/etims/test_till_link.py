"""The till's eTIMS worker over a real till database and the OSCU simulator on 127.0.0.1:
completed sales and refunds are read from the outbox, their products registered, the
sales signed in order, the SCU block answered for the receipt; an outage leaves them
queued (provisional block) and they are signed once the simulator is back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.etims_link import EtimsLink
from pos.services.auth import Role, UserSummary
from pos.services.etims import PROVISIONAL_MARK, EtimsPhase, EtimsService, EtimsView
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from sync.etims.mapping import Registrar
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.conftest import DictSecrets

MILK = "6168232712628"  # 65.00, zero-rated
UHT = "6168232799285"  # 75.00, VAT 16 %
WAIT_S = 30.0  # a generous bound for the worker's thread, not a performance claim


def cash_sale(t: Terminal, *scans: tuple[str, int]) -> str:
    for code, qty in scans:
        t.checkout.scan(code, qty)
    result = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert result.receipt is not None
    return result.receipt.sale_id


class Watch:
    """The views the worker publishes, and a wait for one that matches."""

    def __init__(self, service: EtimsService) -> None:
        self.cond = threading.Condition()
        self.last = service.view()
        service.subscribe(self._news)

    def _news(self, view: EtimsView) -> None:
        with self.cond:
            self.last = view
            self.cond.notify_all()

    def until(self, test: object) -> EtimsView:
        assert callable(test)
        with self.cond:
            assert self.cond.wait_for(lambda: test(self.last), WAIT_S), self.last
            return self.last


@contextmanager
def running_link(
    cashier: Terminal, folder: Path, **link: Any
) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    """A till's eTIMS worker for ``cashier`` against a fresh OSCU simulator, its queue file
    in ``folder``; ``link``: :class:`EtimsLink`'s keywords (``poll_s`` and the like). The
    worker is stopped afterwards (the caller starts it)."""
    with EtimsSandbox() as box:
        service = EtimsService(training=True)
        watch = Watch(service)
        worker = EtimsLink(
            cashier.db,
            service,
            queue_path=folder / "etims.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0
            ),
            secrets=DictSecrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            **link,
        )
        try:
            yield worker, box, watch
        finally:
            worker.stop()


@pytest.fixture
def link_parts(
    cashier: Terminal, tmp_path: Path
) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    with running_link(cashier, tmp_path, poll_s=0.2) as parts:
        yield parts


def test_training_sales_are_registered_signed_in_order_and_their_block_is_answered(
    cashier: Terminal, link_parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = link_parts
    first = cash_sale(cashier, (UHT, 2), (MILK, 1))
    second = cash_sale(cashier, (MILK, 3))
    link.start()
    view = watch.until(lambda v: v.signed == 2)
    assert view.phase is EtimsPhase.ONLINE
    assert (view.waiting, view.parked, view.in_doubt) == (0, 0, 0)
    device = box.device("00")
    assert sorted(device.invoices) == [1, 2]
    # the two sold products were registered (saveItem) first, before the sales were
    # numbered; the rest of the catalogue after them, ahead of its first sale
    registered = [device.items[code]["itemNm"] for code in sorted(device.items)]
    assert registered[:2] == ["Brookside Long Life Whole Milk 500ml", "Brookside Fresh Milk 500ml"]
    with CATALOG_CSV.open(encoding="utf-8") as f:
        catalogue = {line.split(",")[2] for line in f.readlines()[1:]}
    assert set(registered) <= catalogue
    assert len(set(registered)) == len(registered)  # each product once
    assert link.registered_skus()
    assert link.registered_skus() >= {"DAI-0001", "DAI-0003"}  # the sold ones
    block = link.block_for(first)
    assert block is not None
    assert block.signed
    rows = dict(block.rows)
    assert rows["CU Invoice No."].endswith("/1")
    assert "-" in rows["Receipt Signature"]  # groups of four
    assert block.qr_url.startswith(box.verify_host)
    text = "\n".join(block.text_lines())
    assert "TAX INVOICE" in text
    assert "TRAINING" in text
    second_block = link.block_for(second)
    assert second_block is not None
    assert dict(second_block.rows)["CU Invoice No."].endswith("/2")
    queue = SqliteQueue(link.queue_path)
    try:
        assert queue.verify_chain(link.branch.key)  # stored signatures chained, immutable
    finally:
        queue.close()


def test_a_refund_becomes_a_credit_note_of_its_signed_sale(
    cashier: Terminal,
    link_parts: tuple[EtimsLink, EtimsSandbox, Watch],
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    link, _box, watch = link_parts
    sale = cash_sale(cashier, (UHT, 2))
    link.start()
    watch.until(lambda v: v.signed == 1)
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    done = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "wrong_item"))
    link.wake()
    watch.until(lambda v: v.signed == 2)
    block = link.block_for(done.refund_id)
    assert block is not None
    assert block.signed
    assert block.title.startswith("CREDIT NOTE")
    assert dict(block.rows)["Original CU Invoice No."].endswith("/1")
    assert Money(7500, "KES") == done.total


def test_an_outage_leaves_sales_provisional_then_they_are_signed_when_kra_returns(
    cashier: Terminal, link_parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = link_parts
    link.start()
    watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
    box.refuse()
    sale = cash_sale(cashier, (MILK, 1))
    link.wake()
    view = watch.until(lambda v: v.phase is EtimsPhase.OFFLINE and v.waiting + v.in_doubt == 1)
    assert "refused" in view.reason
    block = link.block_for(sale)
    assert block is not None
    assert not block.signed
    assert PROVISIONAL_MARK in " ".join(block.text_lines(width=80))
    assert [r.state for r in view.rows] in (["waiting"], ["in_doubt"])
    box.accept()
    link.wake()
    watch.until(lambda v: v.signed == 1 and v.phase is EtimsPhase.ONLINE)
    again = link.block_for(sale)
    assert again is not None
    assert again.signed
    assert sorted(box.device("00").invoices) == [1]


def test_training_mode_starts_the_simulator_and_the_receipt_block_comes_from_it(
    cashier: Terminal, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from pos.etims_link import TrainingEtims, start_etims

    config = SimpleNamespace(training=True, database_path=tmp_path / "kaunta.sqlite")
    watch = Watch(cashier.etims)
    started = start_etims(config, cashier)
    assert isinstance(started, TrainingEtims)
    try:
        assert started.sandbox.base_url.startswith("http://127.0.0.1:")
        sale = cash_sale(cashier, (UHT, 1))
        started.link.wake()
        view = watch.until(lambda v: v.signed == 1)
        assert view.training
        block = cashier.etims.block_for(sale)
        assert block is not None
        assert block.signed
        assert block.training
        assert sorted(started.sandbox.device("00").invoices) == [1]
    finally:
        started.stop()


def test_a_live_till_without_etims_settings_says_etims_is_off(
    cashier: Terminal, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from pos.etims_link import start_etims

    config = SimpleNamespace(training=False, database_path=tmp_path / "kaunta.sqlite")
    assert start_etims(config, cashier) is None
    assert cashier.etims.view().phase is EtimsPhase.OFF
    assert cashier.etims.block_for("any") is None


def test_kra_going_away_during_catalogue_registration_marks_nothing_refused(
    cashier: Terminal, link_parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    """A refused connection stops the round; the products it did not reach are registered
    once KRA is back (only KRA's own refusal leaves a product to its first sale)."""
    link, box, watch = link_parts
    link.start()
    watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
    box.refuse()
    watch.until(lambda v: v.phase is EtimsPhase.OFFLINE)
    box.accept()
    with CATALOG_CSV.open(encoding="utf-8") as f:
        catalogue = {line.split(",")[0] for line in f.readlines()[1:]}
    deadline = time.monotonic() + WAIT_S
    while link.registered_skus() != catalogue and time.monotonic() < deadline:
        link.wake()
        time.sleep(0.1)
    assert link.registered_skus() == catalogue
    assert len(box.device("00").items) == len(catalogue)
