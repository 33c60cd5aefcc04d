"""Refunds over a real database file: never more than was sold (any sequence of partial
refunds), money back by the original tenders (cash; PayPal through its sandbox over real
HTTP; M-Pesa by hand with its reference, or cash with a manager's approval), permissions,
returns without a receipt, the outbox event, the audit entry and the refund receipt."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.domain.refund import (
    RefundError,
    TenderHow,
    TenderShare,
    allocate_tenders,
    line_refund,
    render_refund_text,
)
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, PermissionDenied
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from sync.protocol.events import parse_event

MILK = "6168232712628"  # 65.00, zero-rated
MILK_1L = "6168232430898"  # 125.00
UHT = "6168232799285"  # 75.00, VAT 16 %


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def rows(t: Terminal, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def cash_sale(t: Terminal, *scans: tuple[str, int]) -> str:
    for code, qty in scans:
        t.checkout.scan(code, qty)
    result = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert result.receipt is not None
    return result.receipt.sale_id


def as_supervisor(t: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    t.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])


# -- pure arithmetic --------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(0, 10**9),
    sold=st.integers(1, 50),
    cuts=st.lists(st.integers(1, 50), max_size=60),
)
def test_partial_refunds_in_any_sequence_never_give_back_more_than_the_line_cost(
    total: int, sold: int, cuts: list[int]
) -> None:
    refunded_qty = refunded = 0
    for quantity in cuts:
        if refunded_qty + quantity > sold:
            with pytest.raises(RefundError):
                line_refund(total, sold, refunded_qty, refunded, quantity)
            continue
        refunded += line_refund(total, sold, refunded_qty, refunded, quantity)
        refunded_qty += quantity
        assert 0 <= refunded <= total
    if refunded_qty == sold:
        assert refunded == total


@settings(max_examples=200, deadline=None)
@given(
    paid=st.lists(st.tuples(st.sampled_from(["cash", "mpesa", "paypal"]), st.integers(1, 10**6))),
    ask=st.integers(1, 10**6),
)
def test_tenders_never_give_back_more_than_each_one_took(
    paid: list[tuple[str, int]], ask: int
) -> None:
    shares = [
        TenderShare(f"p{i}", m, kes("0") + Money(a), kes("0")) for i, (m, a) in enumerate(paid)
    ]
    if ask > sum(a for _, a in paid):
        with pytest.raises(RefundError):
            allocate_tenders(Money(ask), shares)
        return
    out = allocate_tenders(Money(ask), shares)
    assert sum(m.minor for _, m in out) == ask
    assert all(0 < m.minor <= s.paid.minor for s, m in out)


# -- the service --------------------------------------------------------------------------


def test_a_cashier_needs_a_supervisor_to_refund(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    sale = cash_sale(cashier, (MILK, 2))
    request = RefundRequest(sale, {1: 1}, "changed_mind")
    with pytest.raises(ApprovalRequired) as asked:
        cashier.refunds.refund(request)
    assert asked.value.permissions == (Permission.REFUND.value,)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REFUND
    )
    done = cashier.refunds.refund(request, approval)
    assert done.total == kes("65")
    assert done.cash_out == kes("65")
    assert done.number == "DEMO-T1-900000000001"
    [(approved_by,)] = rows(cashier, "SELECT approved_by FROM refunds")
    assert approved_by == users[Role.SUPERVISOR].user_id


def test_refunds_count_earlier_refunds_and_refuse_more_than_was_sold(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    sale = cash_sale(cashier, (MILK, 3), (UHT, 1))
    as_supervisor(cashier, users, pins)
    cashier.refunds.refund(RefundRequest(sale, {1: 2}, "damaged"))
    with pytest.raises(RefundError, match="Only 1 of the 3"):
        cashier.refunds.refund(RefundRequest(sale, {1: 2}, "damaged"))
    cashier.refunds.refund(RefundRequest(sale, {1: 1, 2: 1}, "damaged"))
    view = cashier.refunds.refundable(sale)
    assert view.fully_refunded
    assert len(view.refunds) == 2
    assert sum(r[0] for r in rows(cashier, "SELECT total_minor FROM refunds")) == 65 * 300 + 7500
    with pytest.raises(RefundError, match="Only 0"):
        cashier.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))


def test_a_refund_writes_its_document_outbox_event_and_audit_entry_together(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    sale = cash_sale(cashier, (UHT, 2), (MILK, 1))
    as_supervisor(cashier, users, pins)
    done = cashier.refunds.refund(RefundRequest(sale, {1: 1, 2: 1}, "wrong_item"))
    [(payload,)] = rows(cashier, "SELECT payload FROM outbox WHERE kind = 'refund.completed'")
    event = parse_event(json.loads(payload))  # the strict head-office reader accepts it
    body: Any = event.body
    assert body.total.minor == 14000
    assert body.original.sale_id == sale
    assert {v.vat_class.code: v.vat.minor for v in body.vat} == {"S": 1034, "Z": 0}
    [(detail,)] = rows(cashier, "SELECT detail FROM audit_log WHERE action = 'refund'")
    assert json.loads(detail)["number"] == done.number
    text = "\n".join(render_refund_text(done.receipt))
    assert "*** REFUND ***" in text
    assert "-140.00" in text
    again = cashier.refunds.receipt(done.refund_id, reprint=True)
    assert again.reprint
    assert (again.total, again.lines) == (done.total, done.receipt.lines)


def test_refund_rows_are_append_only(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    sale = cash_sale(cashier, (MILK, 1))
    as_supervisor(cashier, users, pins)
    cashier.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    conn = sqlite3.connect(cashier.db.path)
    try:
        for sql in (
            "UPDATE refunds SET total_minor = 1",
            "DELETE FROM refund_lines",
            "UPDATE refund_tenders SET amount_minor = 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()


def test_a_voided_sale_cannot_be_refunded_and_a_reason_is_required(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    sale = cash_sale(cashier, (MILK, 1))
    as_supervisor(cashier, users, pins)
    with pytest.raises(RefundError, match="reason"):
        cashier.refunds.refund(RefundRequest(sale, {1: 1}, "because"))
    with pytest.raises(RefundError, match="why"):
        cashier.refunds.refund(RefundRequest(sale, {1: 1}, "other", " "))
    with pytest.raises(RefundError, match="Choose the items"):
        cashier.refunds.refund(RefundRequest(sale, {}, "damaged"))
    assert rows(cashier, "SELECT count(*) FROM refunds") == [(0,)]


def test_return_without_a_receipt_is_for_a_manager_with_a_reason(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    as_supervisor(cashier, users, pins)
    with pytest.raises(ApprovalRequired) as asked:
        cashier.refunds.return_without_receipt([(MILK, 2)], "damaged", "sour on opening")
    assert Permission.RETURN_WITHOUT_RECEIPT.value in asked.value.permissions
    with pytest.raises(RefundError, match="reason"):
        cashier.refunds.return_without_receipt([(MILK, 2)], "damaged", "")
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    cashier.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change for refunds")
    done = cashier.refunds.return_without_receipt([(MILK, 2)], "damaged", "sour on opening")
    assert done.cash_out == kes("130")
    assert done.receipt.original_number == ""
    [(action,)] = rows(
        cashier, f"SELECT action FROM audit_log WHERE document_id = '{done.refund_id}'"
    )
    assert action == "return_without_receipt"


def test_a_cashier_approval_for_refunds_does_not_cover_cash_for_a_gateway_tender(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    with pytest.raises(PermissionDenied):
        cashier.auth.approve(
            users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REFUND_TO_CASH
        )


def test_a_split_tender_sale_refunds_paypal_through_paypal_then_mpesa_by_hand(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """KES 125 paid by PayPal (in USD) and the rest in cash; a partial refund goes back to
    PayPal first (a real capture refund against the sandbox), in USD."""
    box = PayPalSandbox().start()
    try:
        method = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": box.base_url})
        )
        payments = cashier.enable_payments({"paypal": method})
        cashier.checkout.scan(MILK_1L, 2)
        started = payments.start("paypal", kes("125"))
        [order] = box.pending()
        box.decide(order["id"], "approve")
        view = payments.poll(started.attempt_id)
        assert view.final
        result = cashier.checkout.pay_cash(kes("125"))
        assert result.receipt is not None
        sale = result.receipt.sale_id
        as_supervisor(cashier, users, pins)
        quote = cashier.refunds.quote(RefundRequest(sale, {1: 1}, "changed_mind"))
        [paypal] = quote.tenders
        assert (paypal.method, paypal.how, paypal.amount) == (
            "paypal",
            TenderHow.METHOD,
            kes("125"),
        )
        done = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "changed_mind"))
        [refund] = box.ledger()["refunds"]
        assert paypal.foreign is not None
        assert refund["amount"]["value"] == paypal.foreign.amount_text()
        assert done.cash_out == kes("0")
        [(reference,)] = rows(cashier, "SELECT reference FROM refund_tenders")
        assert reference == refund["id"]
        # the second unit: PayPal has nothing left, so it is cash from the drawer
        done = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "changed_mind"))
        assert done.cash_out == kes("125")
    finally:
        box.stop()


def test_mpesa_money_goes_back_by_hand_with_its_reference_or_as_cash_with_a_manager(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """An M-Pesa tender (recorded here as the payment service records it) cannot be
    refunded from the till: a reversal with its reference, or cash with approval."""
    from datetime import UTC, datetime

    from pos.domain.sale import Payment

    cashier.checkout.scan(MILK_1L, 2)
    sale_id = cashier.checkout.open_sale_id
    assert sale_id is not None
    payment = Payment(
        "mpesa-1", "mpesa", kes("250"), kes("250"), kes("0"), datetime.now(UTC), "SGH7XYZ123"
    )
    outcome = cashier.checkout.apply_payment(
        sale_id, payment, rounding=kes("0"), within=lambda _s: None
    )
    assert outcome.receipt is not None
    as_supervisor(cashier, users, pins)
    with pytest.raises(RefundError, match="reversal"):
        cashier.refunds.refund(RefundRequest(sale_id, {1: 1}, "damaged"))
    done = cashier.refunds.refund(
        RefundRequest(sale_id, {1: 1}, "damaged", references={"mpesa-1": "RVS12345"})
    )
    assert done.cash_out == kes("0")
    assert rows(cashier, "SELECT method, by_hand, reference FROM refund_tenders") == [
        ("mpesa", 1, "RVS12345")
    ]
    cash = RefundRequest(sale_id, {1: 1}, "damaged", how={"mpesa-1": TenderHow.CASH})
    cashier.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change for refunds")
    with pytest.raises(ApprovalRequired) as asked:
        cashier.refunds.refund(cash)
    assert Permission.REFUND_TO_CASH.value in asked.value.permissions
    approval = cashier.auth.approve(
        users[Role.MANAGER].user_id,
        pins[Role.MANAGER],
        [Permission(p) for p in asked.value.permissions],
    )
    assert cashier.refunds.refund(cash, approval).cash_out == kes("125")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.tuples(st.integers(1, 2), st.integers(1, 3)), min_size=1, max_size=6))
def test_any_sequence_of_partial_refunds_stops_at_what_was_sold(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    cuts: list[tuple[int, int]],
) -> None:
    cashier.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    sale = cash_sale(cashier, (MILK, 3), (UHT, 2))
    as_supervisor(cashier, users, pins)
    sold = {1: 3, 2: 2}
    back = {1: 0, 2: 0}
    for line, qty in cuts:
        request = RefundRequest(sale, {line: qty}, "changed_mind")
        if back[line] + qty > sold[line]:
            with pytest.raises(RefundError):
                cashier.refunds.refund(request)
        else:
            cashier.refunds.refund(request)
            back[line] += qty
    [(total,)] = rows(
        cashier,
        f"SELECT coalesce(sum(total_minor), 0) FROM refunds WHERE original_sale_id = '{sale}'",
    )
    assert total <= 65 * 300 + 75 * 200
    if back == sold:
        assert total == 65 * 300 + 75 * 200
