"""An enrolled till's eTIMS view covers what head office holds, and a refund that needs
no credit note stops being provisional.

- The age alert's limit is the till's ``[etims] max_queue_age_hours``, wired as the app
  wires it (``pos.app.start_sync``): 6 h configured, a sale unpushed for 7 h alerts.
- A sale pushed but not signed (KRA away from head office) is counted from the results
  pull's ``held``: in the waiting count with its age, the alert past the limit, gone
  once KRA signs.
- A return without a receipt gets no KRA block at once; a refund of a sale head office
  never queued gets none once head office settled it ``no_credit`` and the till pulled.

Real processes as in ``test_hq_results``: ``kaunta-hq serve`` and ``worker``, the OSCU
simulator over HTTP on 127.0.0.1, a live till; "unreachable" is a port nobody listens on.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pos.app import start_sync
from pos.config import load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.etims_results import HELD_AT_HEAD_OFFICE, HeadOfficeEtims
from pos.secrets import KeyringSecrets
from pos.services.auth import Role
from pos.services.etims import EtimsPhase
from pos.services.refunds import RefundRequest
from pos.services.terminal import DemoUser, Terminal
from sync.agent.enroll import Credentials, save
from sync.etims.queue import EntryState
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from tests.conftest import FakeClock, make_ctx
from tests.etims.hq_processes import EtimsHeadOffice
from tests.etims.test_hq_results import EnrolledTill, kra, office
from tests.etims.test_hq_results_offline import dead_url
from tests.shift_open import ensure_shift
from tests.test_secrets import MemoryKeyring

pytestmark = pytest.mark.slow
__all__ = ["kra", "office"]  # head office and the simulator, shared with test_hq_results


@pytest.fixture
def till(tmp_path: Path, office: EtimsHeadOffice, clock: FakeClock) -> Iterator[EnrolledTill]:
    t = EnrolledTill(tmp_path, office, clock)
    yield t
    t.close()


def test_the_enrolled_tills_age_limit_is_its_configured_one(
    tmp_path: Path, memory_keyring: MemoryKeyring, product: CatalogItem, clock: FakeClock
) -> None:
    config_file = tmp_path / "kaunta.toml"
    config_file.write_text(
        '[terminal]\ntraining = false\nstore_id = "DEMO"\nterminal_id = "T1"\n'
        f'tax_pin = "{DEMO_TIN}"\n'
        f'[etims]\ntin = "{DEMO_TIN}"\nbhf_id = "00"\ndevice_serial = "SN-1"\n'
        'environment = "simulator"\nbase_url = "http://127.0.0.1:9/"\n'
        'verify_host = "http://127.0.0.1:9"\nmax_queue_age_hours = 6\n',
        encoding="utf-8",
    )
    config = load_config(config_file, data_dir=tmp_path / "data", env={})
    ctx = replace(make_ctx(), training=False)
    terminal = Terminal.open(config.database_path, ctx, clock)
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
    terminal.auth.login(cashier.user_id, next(p for _n, r, p in DEMO_USERS if r == "cashier"))
    ensure_shift(terminal)
    save(KeyringSecrets(), Credentials(dead_url(), "DEMO", "T1", "t" * 40))
    link = start_sync(config, terminal, background=False)  # head office unreachable
    try:
        assert link.agent is not None
        hq: HeadOfficeEtims = terminal.etims_head_office  # type: ignore[attr-defined]
        assert product.barcode is not None
        terminal.checkout.scan(product.barcode)
        assert terminal.checkout.pay_cash(Money(10_000_000)).receipt is not None
        hq.publish()  # as after each sync round
        view = terminal.etims.view()
        assert view.phase is EtimsPhase.HEAD_OFFICE
        assert view.alert_after == timedelta(hours=6)  # not the fixed 24 h
        assert view.waiting == 1
        assert not view.alert(clock.now())
        clock.advance(timedelta(hours=7).total_seconds())
        hq.publish()
        assert terminal.etims.view().alert(clock.now())  # 7 h unpushed, over the 6 h
    finally:
        link.stop()
        terminal.close()


def test_a_sale_pushed_but_not_signed_at_head_office_counts_with_its_age(
    till: EnrolledTill,
    office: EtimsHeadOffice,
    kra: EtimsSandbox,
    product: CatalogItem,
    clock: FakeClock,
) -> None:
    made = clock.now()
    kra.refuse()  # head office cannot reach KRA
    try:
        sale_id = till.sell(product)
        till.agent.run_once()  # pushed (the outbox is empty), pulled: no result for it
        with sqlite3.connect(till.db_path) as conn:
            pending = conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            assert pending.fetchone() == (0,)
        assert [e["state"] for e in office.entries() if e["doc_id"] == sale_id] in (
            ["waiting"],
            ["in_doubt"],
        )
        view = till.terminal.etims.view()
        assert view.waiting == 1  # counted from head office's held
        assert view.oldest_unsigned == made  # when the till made it, not when pushed
        assert view.reason.startswith(f"{HELD_AT_HEAD_OFFICE}: 1; ")
        assert not view.alert(clock.now())

        clock.advance(timedelta(hours=25).total_seconds())  # a day without KRA
        till.agent.run_once()
        view = till.terminal.etims.view()
        assert view.waiting == 1
        assert view.alert(clock.now())  # over 24 h: the manager is told
    finally:
        kra.accept()

    till.wait_block(sale_id)  # signed at head office, the block pulled
    till.agent.run_once()  # a round after it: the view as the till shows it
    view = till.terminal.etims.view()
    assert view.waiting == 0
    assert view.oldest_unsigned is None
    assert not view.alert(clock.now())
    assert HELD_AT_HEAD_OFFICE not in view.reason
    assert [r.state for r in view.rows if r.doc_id == sale_id] == ["signed"]


def _manager(till: EnrolledTill) -> None:
    manager = next(u for u in till.terminal.auth.users() if u.role is Role.MANAGER)
    till.terminal.auth.login(manager.user_id, next(p for _n, r, p in DEMO_USERS if r == "manager"))


def test_a_return_without_a_receipt_gets_no_kra_block_at_once(
    till: EnrolledTill, product: CatalogItem
) -> None:
    _manager(till)
    assert product.barcode is not None
    # a return gives cash back: the drawer needs it first
    till.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "returns")
    done = till.terminal.refunds.return_without_receipt(
        [(product.barcode, 1)], "damaged", "dented tin"
    )
    # no round with head office: the till's own record says it credits no KRA invoice
    assert till.terminal.etims.block_for(done.refund_id) is None


def test_a_refund_of_a_sale_head_office_never_queued_gets_no_block_once_pulled(
    till: EnrolledTill, office: EtimsHeadOffice, product: CatalogItem
) -> None:
    sale_id = till.sell(product)
    with sqlite3.connect(till.db_path) as conn:  # sold before the till was enrolled, say:
        conn.execute(  # head office never gets it
            "UPDATE outbox SET sent_at = created_at WHERE aggregate_id = ?", (sale_id,)
        )
    _manager(till)
    done = till.terminal.refunds.refund(RefundRequest(sale_id, {1: 1}, "wrong_item"))
    first = till.terminal.etims.block_for(done.refund_id)
    assert first is not None
    assert not first.signed  # head office has not said yet
    end = time.monotonic() + 60
    while till.terminal.etims.block_for(done.refund_id) is not None:
        if time.monotonic() > end:
            pytest.fail("head office's 'no credit note' did not reach the till")
        till.agent.run_once()
        time.sleep(0.2)
    assert [e["state"] for e in office.entries() if e["doc_id"] == done.refund_id] == [
        EntryState.NO_CREDIT_NOTE.value
    ]
    view = till.terminal.etims.view()
    assert view.no_credit_note == 1
    assert [r.state for r in view.rows if r.doc_id == done.refund_id] == [
        EntryState.NO_CREDIT_NOTE.value
    ]
    assert view.oldest_unsigned is None  # owes KRA nothing: not in the alert
