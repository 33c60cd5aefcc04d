"""The refund dialog finds a receipt of another till at head office: typing finds nothing in
this till's journal and says Enter asks head office; Enter asks it (``kaunta-hq serve``, a
real process); the sale shows where it was sold, and its refund is written here (its own
document and outbox event). With head office unreachable the dialog says so and nothing
changes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.refund_link import sale_lookup
from pos.secrets import MemorySecrets
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.headoffice import EnrollRequest
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import DemoUser, Terminal
from pos.sync_link import SyncLink
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.refund_dialog import RefundDialog
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent
from sync.server.devcluster import free_port
from tests.e2e.real_head_office import RealHeadOffice

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # 65.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
HQ_WAIT_MS = 20_000


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[RealHeadOffice]:
    folder = tmp_path / "hq"
    folder.mkdir()
    hq = RealHeadOffice(folder, free_port())
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


def _open_dialog(till: Till) -> RefundDialog:
    till.window.open_manager()
    till.until(lambda: isinstance(till.window.manager_menu, ManagerMenu))
    menu = till.window.manager_menu
    assert menu is not None
    till.click(menu.buttons["refund"])
    till.until(lambda: isinstance(menu.dialog, RefundDialog))
    dialog = menu.dialog
    assert isinstance(dialog, RefundDialog)
    return dialog


def _manager_till(make_till: MakeTill, client: HeadOfficeClient) -> Till:
    till = make_till(training=False)
    till.login(MANAGER, MANAGER_PIN)
    till.idle()
    till.terminal.shifts.open({10_000: 5})  # KES 500 float: the drawer can pay a refund
    till.terminal.refunds.use_lookup(sale_lookup(client))  # as pos.sync_link does
    return till


@pytest.mark.slow
def test_the_refund_dialog_finds_another_tills_receipt_at_head_office_and_refunds_it(
    make_till: MakeTill, head_office: RealHeadOffice, tmp_path: Path
) -> None:
    here_code, seller_code = head_office.codes(["DEMO", "DEMO"])
    anon = HeadOfficeClient(ClientSettings(head_office.url))
    here = anon.enroll(here_code, "Back till")
    seller_id = anon.enroll(seller_code, "Front till")
    assert (here.terminal_id, seller_id.terminal_id) == ("T1", "T2")

    # the front till (T2) sells two bottles and syncs
    folder = tmp_path / "front"
    folder.mkdir()
    ctx = TerminalContext(
        StoreInfo("DEMO", "Demo", ("Nairobi",)),
        "T2",
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    front = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    client = HeadOfficeClient(ClientSettings(head_office.url), token=here.token)
    try:
        front.startup_checks()
        front.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in front.auth.users() if u.role is Role.CASHIER)
        front.auth.login(cashier.user_id, next(p for _, r, p in DEMO_USERS if r == "cashier"))
        front.shifts.open({})
        front.checkout.scan(MILK, 2)
        sold = front.checkout.pay_cash(front.checkout.view().cash_due).receipt
        assert sold is not None
        front_client = HeadOfficeClient(ClientSettings(head_office.url), token=seller_id.token)
        agent = SyncAgent(front.db, front_client, store_id="DEMO", terminal_id="T2")
        assert agent.drain().sent >= 1
        front_client.close()

        till = _manager_till(make_till, client)
        dialog = _open_dialog(till)
        till.qtbot.keyClicks(dialog.search, sold.number)
        till.until(lambda: "press Enter to ask head office" in dialog.message.text())
        assert dialog.found == []
        till.qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
        till.until(lambda: dialog.sale is not None, timeout=HQ_WAIT_MS)
        assert dialog.sale is not None
        assert (dialog.sale.number, dialog.sale.sold_at) == (sold.number, "T2")
        assert (
            "Sold at till T2, found at head office (refunds counted as of"
            in dialog.sale_label.text()
        )
        assert [r.number for r in dialog.found] == [sold.number]
        # only cash for a cash sale; one of the two comes back
        dialog.spins[0].setValue(1)
        till.until(lambda: dialog.plan is not None and dialog.ok_button.isEnabled())
        assert dialog.plan is not None
        assert dialog.plan.total.minor == 6500
        till.click(dialog.ok_button)
        till.until(lambda: dialog.last_refund is not None)
        assert dialog.last_refund is not None
        assert dialog.last_refund.receipt.original_number == sold.number
        conn = sqlite3.connect(till.config.database_path)
        try:
            [(payload,)] = conn.execute(
                "SELECT payload FROM outbox WHERE kind = 'refund.completed'"
            ).fetchall()
        finally:
            conn.close()
        assert json.loads(payload)["body"]["original"]["sale_id"] == sold.sale_id
    finally:
        client.close()
        front.close()


def test_the_refund_dialog_says_head_office_cannot_be_reached(make_till: MakeTill) -> None:
    dead = HeadOfficeClient(ClientSettings(f"http://127.0.0.1:{free_port()}"), token="t" * 40)
    till = _manager_till(make_till, dead)
    try:
        dialog = _open_dialog(till)
        till.qtbot.keyClicks(dialog.search, "DEMO-T2-000007")
        till.qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
        till.until(lambda: "cannot be reached" in dialog.message.text(), timeout=HQ_WAIT_MS)
        assert "Nothing was changed" in dialog.message.text()
        assert dialog.found == []
        assert dialog.sale is None
        with till.terminal.db.read_session() as s:
            assert s.execute(text("SELECT count(*) FROM refunds")).scalar() == 0
    finally:
        dead.close()


def test_the_enrolled_till_asks_head_office_while_its_link_runs(
    make_till: MakeTill, head_office: RealHeadOffice
) -> None:
    till = make_till(training=False)
    link = SyncLink(till.config, till.terminal, MemorySecrets())
    link.start(background=False)
    try:
        refunds = till.terminal.refunds
        assert not refunds.asks_head_office  # not enrolled: the dialog never offers it
        (code,) = head_office.codes(["DEMO"])
        link.enroll(EnrollRequest(head_office.url, code, "Back till"))
        assert refunds.asks_head_office
        till.login(MANAGER, MANAGER_PIN)
        assert refunds.find_at_head_office("DEMO-T9-000001") == []  # asked, and none
    finally:
        link.stop()
    assert not refunds.asks_head_office
