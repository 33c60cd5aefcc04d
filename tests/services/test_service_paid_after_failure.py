"""Money that comes after the till was told the customer did not pay: M-Pesa said the
customer cancelled (1032) or the payment was declined (wrong PIN, too little balance), the
till's attempt is final, and then head office relays a paid result for the same push (a
paid callback after a failed one, ``paid_after_failure`` at head office).

The money is the customer's and must never vanish: once the sale has moved on it goes to
the manager's late payments, once (the same result again changes nothing), audited, and the
sale is not changed; while the sale is still open and still needs it, it is applied to it,
as money after ``expired`` is. A real M-Pesa sandbox on 127.0.0.1 decides the push, the till
polls it over HTTP into a real SQLite file; the relayed result is the document the sync
agent's applier hands the payment service (``relay_document``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.relay import relay_document
from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
from pos.payments.registry import MethodContext
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00
PHONE = "0712 345 678"


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(prompt_timeout=5.0, local_callbacks=True).start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def payments(cashier: Terminal, sandbox: MpesaSandbox) -> PaymentService:
    # the callback goes nowhere that answers: the till learns by polling and by the relay
    settings = {
        "base_url": sandbox.base_url,
        "callback_url": "http://127.0.0.1:9/mpesa/callback/{attempt_id}",
    }
    method = create_mpesa(MethodContext(training=True, currency="KES", settings=settings))
    return cashier.enable_payments({"mpesa": method})


def rows(terminal: Terminal, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def refused(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, decision: Decision
) -> tuple[AttemptView, str]:
    """A push the customer refuses (``decision``), polled until the till has it final;
    returns the final view and the CheckoutRequestID."""
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", Money(6500, "KES"), PHONE)
    assert started.state is AttemptState.PENDING
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, decision)
    end = time.monotonic() + 5.0
    view = payments.poll(started.attempt_id)
    while not view.final and time.monotonic() < end:
        time.sleep(0.05)
        view = payments.poll(started.attempt_id)
    return view, push.checkout_request_id


def paid_later(attempt_id: str, checkout: str, seq: int = 7) -> bytes:
    """The result head office relays for a paid callback after a failed one."""
    return relay_document(
        {
            "seq": seq,
            "attempt_id": attempt_id,
            "state": "paid",
            "checkout_request_id": checkout,
            "result_code": "0",
            "result_desc": "The service request is processed successfully.",
            "receipt": "SLATEPAID7",
            "amount_minor": 6500,
            "currency": "KES",
        }
    )


def audit_actions(terminal: Terminal, attempt_id: str) -> list[str]:
    return [
        str(action)
        for action, detail in rows(terminal, "SELECT action, detail FROM audit_log ORDER BY seq")
        if attempt_id in str(detail)
    ]


@pytest.mark.parametrize(
    ("decision", "state"),
    [
        (Decision.CANCEL, AttemptState.CANCELLED),
        (Decision.WRONG_PIN, AttemptState.DECLINED),
        (Decision.INSUFFICIENT, AttemptState.DECLINED),
    ],
)
def test_money_after_a_cancel_or_decline_reaches_the_managers_late_payments_once(
    cashier: Terminal,
    payments: PaymentService,
    sandbox: MpesaSandbox,
    decision: Decision,
    state: AttemptState,
) -> None:
    view, checkout = refused(cashier, payments, sandbox, decision)
    assert view.state is state
    attempt = view.attempt_id
    # the cashier takes cash instead: the sale is complete, its receipt printed
    sale = cashier.checkout.pay_cash(cashier.checkout.view().cash_due)
    assert sale.receipt is not None

    late = payments.apply_gateway_event("mpesa", paid_later(attempt, checkout), attempt_id=attempt)

    assert (late.state, late.late, late.receipt, late.sale_view) == (
        AttemptState.CAPTURED,
        True,
        None,
        None,
    )
    assert rows(
        cashier,
        "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?",
        attempt,
    ) == [("captured", "late", "SLATEPAID7")]
    assert [v.attempt_id for v in payments.late_payments()] == [attempt]
    history = rows(
        cashier,
        "SELECT from_state, to_state FROM payment_attempt_events WHERE attempt_id = ? ORDER BY seq",
        attempt,
    )
    assert history[-1] == (state.value, "captured")
    # the sale that moved on is not changed: cash only, one sale, nothing more due
    assert rows(cashier, "SELECT method, amount_minor FROM payments") == [("cash", 6500)]
    assert rows(cashier, "SELECT count(*) FROM sales") == [(1,)]
    # audited, and head office is told once
    assert audit_actions(cashier, attempt)[-2:] == ["payment_paid_after_failure", "payment_late"]
    [(detail,)] = rows(
        cashier, "SELECT detail FROM audit_log WHERE action = 'payment_paid_after_failure'"
    )
    said = json.loads(str(detail))
    assert (said["was"], said["receipt"], said["amount"]) == (state.value, "SLATEPAID7", 6500)
    outbox = "SELECT kind FROM outbox WHERE aggregate_id = ? AND kind LIKE 'payment.%' ORDER BY seq"
    events = rows(cashier, outbox, attempt)
    assert events[-2:] == [("payment.resolved",), ("payment.late",)]

    # the same result again (a repeat pull, a crash before the cursor was stored): nothing
    again = payments.apply_gateway_event("mpesa", paid_later(attempt, checkout), attempt_id=attempt)
    assert (again.state, again.late, again.receipt) == (AttemptState.CAPTURED, True, None)
    assert rows(cashier, outbox, attempt) == events
    assert audit_actions(cashier, attempt).count("payment_late") == 1
    assert audit_actions(cashier, attempt).count("payment_paid_after_failure") == 1
    assert [v.attempt_id for v in payments.late_payments()] == [attempt]
    assert rows(cashier, "SELECT method, amount_minor FROM payments") == [("cash", 6500)]


def test_money_after_a_decline_is_applied_while_its_sale_still_needs_it(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    view, checkout = refused(cashier, payments, sandbox, Decision.WRONG_PIN)
    assert view.state is AttemptState.DECLINED
    assert cashier.checkout.view().totals.due == Money(6500, "KES")

    paid = payments.apply_gateway_event(
        "mpesa", paid_later(view.attempt_id, checkout), attempt_id=view.attempt_id
    )

    assert (paid.state, paid.late, paid.receipt is not None) == (
        AttemptState.CAPTURED,
        False,
        True,
    )
    assert rows(cashier, "SELECT method, amount_minor FROM payments") == [("mpesa", 6500)]
    assert rows(cashier, "SELECT state, resolution FROM payment_attempts") == [
        ("captured", "applied")
    ]
    assert payments.late_payments() == []


def test_a_failed_result_after_a_decline_changes_nothing(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    view, checkout = refused(cashier, payments, sandbox, Decision.CANCEL)
    failed = json.loads(paid_later(view.attempt_id, checkout))
    failed.update(state="failed", result_code="1032", receipt="")
    again = payments.apply_gateway_event(
        "mpesa", json.dumps(failed).encode(), attempt_id=view.attempt_id
    )
    assert again.state is AttemptState.CANCELLED
    assert rows(cashier, "SELECT state, resolution FROM payment_attempts") == [("cancelled", "")]
    assert payments.late_payments() == []
