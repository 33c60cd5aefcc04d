"""Money defects found by independent testing, each pinned by a test that failed before."""

from __future__ import annotations

import pytest

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, ServiceError
from pos.services.terminal import Terminal
from pos.store import repositories as repo

MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00


def test_an_approved_order_discount_does_not_grow_with_scans(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """A supervisor approved 50 % off a KES 65 basket; scanning more used to grow the
    discount to thousands with no new approval and one audit entry."""
    co = cashier.checkout
    co.scan(MILK)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.DISCOUNT_OVER_LIMIT
    )
    co.set_order_discount(Discount.of_percent("50"), approval)
    assert co.view().totals.discounts == Money(3250)
    with pytest.raises(ApprovalRequired, match="50"):
        co.scan(MILK_1L)
    assert len(co.view().lines) == 1  # the scan did not land without approval
    again = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.DISCOUNT_OVER_LIMIT
    )
    view = co.scan(MILK_1L, approval=again)
    assert view.totals.discounts == Money(9500)  # 50 % of 190.00, approved again
    with cashier.db.session() as s:
        actions = [e.action for e in repo.recent_audit(s, 20)]
    assert actions.count("discount_over_limit") == 2


def test_scans_without_a_discount_need_no_approval(cashier: Terminal) -> None:
    co = cashier.checkout
    for _ in range(3):
        co.scan(MILK)
    co.set_order_discount(Discount.of_percent("5"))  # under the limit
    co.scan(MILK_1L)  # grows, but stays under the limit: no approval
    assert co.view().totals.discounts == Money(1600)


def _mpesa_part_payment(cashier: Terminal, amount: Money) -> str:
    """A captured gateway payment on the open sale, as the payment service applies it
    (attempt stored, captured, then applied in the sale's transaction)."""
    from datetime import timedelta

    from pos.domain.receipt import LABEL_DETAIL
    from pos.domain.sale import Payment
    from pos.store import attempts

    sale_id = cashier.checkout.open_sale_id
    assert sale_id is not None
    attempt_id = cashier.ids.new()
    now = cashier.clock.now()
    with cashier.db.session() as s:
        attempts.insert_attempt(
            s,
            attempt_id=attempt_id,
            sale_id=sale_id,
            terminal_id=cashier.ctx.terminal_id,
            method="mpesa",
            amount=amount,
            applied=amount,
            rounding=Money(0),
            rate="",
            payer_masked="2547******78",
            payer_hash="",
            created_by=cashier.auth.require_user().user_id,
            now=now,
        )
        attempts.update_attempt(s, attempt_id, now, state="captured", receipt_ref="SGH7XK2LQP")
    payment = Payment(
        attempt_id,
        "mpesa",
        amount,
        amount,
        Money(0),
        now + timedelta(seconds=1),
        "SGH7XK2LQP",
        ((LABEL_DETAIL, "M-Pesa"),),
    )
    cashier.checkout.apply_payment(
        sale_id,
        payment,
        rounding=Money(0),
        within=lambda s: attempts.update_attempt(s, attempt_id, now, resolution="applied"),
    )
    return attempt_id


def test_voiding_after_a_gateway_part_payment_sends_it_to_the_manager_not_the_drawer(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """Regression: the void told the cashier to hand back the M-Pesa money in cash."""
    co = cashier.checkout
    co.scan(MILK_1L)
    co.pay_cash(Money(2500), partial=True)
    attempt_id = _mpesa_part_payment(cashier, Money(5000))
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.VOID_SALE
    )
    result = co.void("customer changed their mind", approval)
    assert result.cash_to_return == Money(2500)  # only the cash comes out of the drawer
    assert result.for_the_manager == (("M-Pesa", Money(5000)),)
    with cashier.db.session() as s:
        conn = s.connection()
        [(resolution,)] = conn.exec_driver_sql(
            "SELECT resolution FROM payment_attempts WHERE id = ?", (attempt_id,)
        ).all()
        kinds = [k for (k,) in conn.exec_driver_sql("SELECT kind FROM outbox").all()]
    assert resolution == "late"  # in the manager's settlement list (refund or credit)
    assert "payment.late" in kinds


def test_removing_goods_below_a_gateway_payment_is_refused_with_a_way_out(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    co = cashier.checkout
    view = co.scan(MILK_1L)
    co.scan(MILK)
    _mpesa_part_payment(cashier, Money(15000))
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REMOVE_AFTER_TENDER
    )
    with pytest.raises(ServiceError, match=r"cannot be given back from the drawer.*void the sale"):
        co.remove_line(view.lines[0].line_id, approval)
    assert len(co.view().lines) == 2


def test_a_reprint_shows_the_shop_as_it_was_on_the_receipt(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """Regression: a reprint used today's store details instead of the stored document's."""
    from dataclasses import replace

    co = cashier.checkout
    co.scan(MILK)
    sold = co.pay_cash(Money(10000))
    assert sold.receipt is not None
    old_name = cashier.ctx.store.name
    moved = replace(cashier.ctx, store=replace(cashier.ctx.store, name="Duka Jipya Ltd"))
    later = Terminal(cashier.db, moved, cashier.clock)
    later.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    reprint = later.checkout.last_receipt()
    assert reprint is not None
    assert reprint.store.name == old_name
    assert reprint.reprint
