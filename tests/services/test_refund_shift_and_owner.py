"""Cash goes back only inside an open shift (the drawer's count must see it), and an
enrolled till's products and staff belong to head office: the services refuse changes."""

from __future__ import annotations

import pytest

from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.headoffice import SyncPhase
from pos.services.products import ProductDraft
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal

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
    manager.shifts.open({})
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
