"""Cash goes back only inside an open shift (the drawer's count must see it), and an
enrolled till's products and staff belong to head office: the services refuse changes."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.headoffice import SyncPhase
from pos.services.products import ProductDraft
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from conftest import FakeClock

MILK = "6168232712628"  # 65.00


@pytest.fixture
def manager(terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return terminal


def _sale(t: Terminal) -> str:
    t.checkout.scan(MILK, 1)
    result = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert result.receipt is not None
    return result.receipt.sale_id


def test_a_cash_refund_needs_an_open_shift_and_counts_in_the_next_one(manager: Terminal) -> None:
    sale = _sale(manager)
    manager.shifts.close({}, note="closed before the customer came back")
    assert manager.shifts.current() is None
    request = RefundRequest(sale, {1: 1}, "damaged")
    with pytest.raises(ServiceError, match="shift"):
        manager.refunds.refund(request)
    assert manager.refunds.refunds_of_sale(sale) == []  # nothing was written
    manager.shifts.open({10_000: 1})  # a KES 100 note in the float: the drawer can pay 65
    done = manager.refunds.refund(request)
    assert done.cash_out == Money.parse("65", "KES")


def test_a_return_without_a_receipt_needs_an_open_shift(manager: Terminal) -> None:
    manager.shifts.close({}, note="end of day")
    with pytest.raises(ServiceError, match="shift"):
        manager.refunds.return_without_receipt([(MILK, 1)], "damaged", "leaking carton")


def test_an_enrolled_till_refuses_product_and_staff_changes(manager: Terminal) -> None:
    manager.headoffice.update(phase=SyncPhase.RUNNING)
    enrolled = not manager.ctx.training
    assert manager.products.owned_by_head_office() is enrolled
    if not enrolled:  # training keeps them editable: try the rule on the service itself
        manager.products.owned_by_head_office = lambda: True
        manager.staff.owned_by_head_office = lambda: True
    draft = ProductDraft("NEW-1", "New thing", Money.parse("10", "KES"), "A")
    with pytest.raises(ServiceError, match="head office"):
        manager.products.add(draft)
    cashier = next(m for m in manager.staff.staff() if m.role is Role.CASHIER)
    with pytest.raises(ServiceError, match="head office"):
        manager.staff.set_active(cashier.user_id, False)
    with pytest.raises(ServiceError, match="head office"):
        manager.staff.set_pin(cashier.user_id, "9182", "9182")
    assert manager.products.find("NEW-1") == []  # reading still works


def test_a_standalone_till_owns_its_products_and_staff(manager: Terminal) -> None:
    assert manager.headoffice.view().phase is SyncPhase.NOT_ENROLLED
    assert manager.products.owned_by_head_office() is False
    assert manager.staff.owned_by_head_office() is False


def test_a_refund_is_sealed_in_the_journal_and_a_changed_one_is_found(
    manager: Terminal,
) -> None:
    sale = _sale(manager)
    done = manager.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    conn = sqlite3.connect(manager.db.path)
    try:
        [(kind, digest)] = conn.execute(
            "SELECT kind, digest FROM journal_chain WHERE doc_id = ?", (done.refund_id,)
        ).fetchall()
    finally:
        conn.close()
    assert kind == "refund"
    assert len(digest) == 64
    check = manager.journal.verify()
    assert check is not None
    assert check.ok, check.findings
    # someone with the file and sqlite3 drops the rule and lowers the refund's tender
    conn = sqlite3.connect(manager.db.path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
                "'refund_tenders' AND name LIKE '%update%'"
            )
        ]
        for name in names:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(
            "UPDATE refund_tenders SET amount_minor = 100 WHERE refund_id = ?", (done.refund_id,)
        )
        conn.commit()
    finally:
        conn.close()
    check = manager.journal.verify()
    assert check is not None
    refund_findings = [f for f in check.findings if f.area.value == "refund"]
    assert [f.subject for f in refund_findings] == [done.refund_id]
    assert "changed after it was sealed" in refund_findings[0].problem


def test_the_daily_view_compares_with_last_weeks_sales_less_its_refunds(
    manager: Terminal, clock: FakeClock
) -> None:
    sale = _sale(manager)  # 65.00 a week ago
    _sale(manager)
    manager.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    clock.advance(minutes=7 * 24 * 60)
    _sale(manager)
    view = manager.daily.view(manager.ctx.business_date(clock.now()))
    assert view.totals.sales_count == 1
    assert view.week_before.sales_count == 2
    assert view.week_before.sales_total == 13000
    assert view.week_before.refunds_value == 6500
    assert view.week_before.net_sales == 6500
