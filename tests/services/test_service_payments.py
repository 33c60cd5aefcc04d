"""Payment orchestration against the real M-Pesa sandbox over HTTP on 127.0.0.1.

Attempts are stored before the gateway is called, resolved exactly once, applied to the
right sale in the same transaction that marks them applied, and money that arrives after
the sale moved on is flagged for the manager, never applied to another sale or lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.payments.base import AttemptState
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, NotFound, ServiceError
from pos.services.payments import AttemptView, PaymentService, PaymentSettings, PhoneCheck
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00
PHONE = "0712 345 678"


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(prompt_timeout=5.0, slow_delay=0.3)
    box.start()
    try:
        yield box
    finally:
        box.stop()


def payments_for(terminal: Terminal, sandbox: MpesaSandbox, **settings: object) -> PaymentService:
    method = create_mpesa(
        MethodContext(training=True, currency="KES", settings={"base_url": sandbox.base_url})
    )
    return PaymentService(
        terminal.db,
        terminal.ctx,
        terminal.clock,
        terminal.ids,
        terminal.auth,
        terminal.checkout,
        {"mpesa": method},
        replace(PaymentSettings(), **settings) if settings else PaymentSettings(),
    )


@pytest.fixture
def payments(cashier: Terminal, sandbox: MpesaSandbox) -> PaymentService:
    return payments_for(cashier, sandbox)


def wait_final(payments: PaymentService, attempt_id: str, timeout: float = 5.0) -> AttemptView:
    """Poll as the dialog does until the attempt is final."""
    end = time.monotonic() + timeout
    while True:
        view = payments.poll(attempt_id)
        if view.final or time.monotonic() > end:
            return view
        time.sleep(0.05)


def only_push(sandbox: MpesaSandbox) -> str:
    [push] = sandbox.pending()
    return push.checkout_request_id


def rows(terminal: Terminal, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_mpesa_payment_completes_the_sale(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK_1L)
    started = payments.start("mpesa", kes("125"), PHONE)
    assert started.state is AttemptState.PENDING
    assert started.payer == "2547******78"
    # stored before the gateway answered, with the push's reference
    [(state, ref)] = rows(cashier, "SELECT state, gateway_ref FROM payment_attempts")
    assert (state, ref) == ("pending", only_push(sandbox))
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    done = wait_final(payments, started.attempt_id)
    assert done.state is AttemptState.CAPTURED
    assert done.receipt is not None
    assert done.receipt.number == "DEMO-T1-000001"
    [payment] = done.receipt.payments
    assert (payment.method, payment.amount) == ("mpesa", kes("125"))
    assert dict(payment.details)["payer"] == "2547******78"
    assert rows(cashier, "SELECT method, amount_minor FROM payments") == [("mpesa", 12500)]
    assert rows(cashier, "SELECT resolution FROM payment_attempts") == [("applied",)]
    states = rows(cashier, "SELECT to_state FROM payment_attempt_events ORDER BY seq")
    assert states == [("created",), ("pending",), ("captured",)]
    # asking again changes nothing: applied exactly once
    again = payments.poll(started.attempt_id)
    assert again.receipt is None
    assert rows(cashier, "SELECT count(*) FROM payments") == [(1,)]


def test_split_tender_mpesa_then_cash(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK_1L)
    cashier.checkout.scan(MILK)  # 190.00
    started = payments.start("mpesa", kes("100"), PHONE)
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    part = wait_final(payments, started.attempt_id)
    assert part.receipt is None
    assert part.sale_view is not None
    assert part.sale_view.totals.due == kes("90")
    done = cashier.checkout.pay_cash(kes("100"))
    assert done.receipt is not None
    assert [p.method for p in done.receipt.payments] == ["mpesa", "cash"]
    assert done.change == kes("10")


def test_cents_are_rounded_up_to_whole_shillings_and_shown(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    view = cashier.checkout.scan(MILK)
    cashier.checkout.set_line_discount(view.lines[0].line_id, Discount.of_percent("10"))  # 58.50
    quote = payments.quote("mpesa", kes("58.50"))
    assert (quote.tender, quote.rounding) == (kes("59"), kes("0.50"))
    assert "rounding" in quote.describe()
    started = payments.start("mpesa", kes("58.50"), PHONE)
    assert sandbox.pending()[0].amount == 59
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    done = wait_final(payments, started.attempt_id)
    assert done.receipt is not None
    assert done.receipt.rounding == kes("0.50")
    assert done.receipt.payments[0].amount == kes("59")


@pytest.mark.parametrize(
    ("decision", "state", "code"),
    [
        (Decision.CANCEL, AttemptState.CANCELLED, "mpesa.1032"),
        (Decision.WRONG_PIN, AttemptState.DECLINED, "mpesa.2001"),
        (Decision.INSUFFICIENT, AttemptState.DECLINED, "mpesa.1"),
    ],
)
def test_customer_refusals_leave_the_sale_open_and_allow_a_retry(
    cashier: Terminal,
    payments: PaymentService,
    sandbox: MpesaSandbox,
    decision: Decision,
    state: AttemptState,
    code: str,
) -> None:
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    sandbox.decide(only_push(sandbox), decision)
    done = wait_final(payments, started.attempt_id)
    assert (done.state, done.code, done.retry_allowed) == (state, code, True)
    assert done.message
    assert cashier.checkout.view().totals.due == kes("65")
    retry = payments.start("mpesa", kes("65"), PHONE)  # a new attempt is allowed
    assert retry.state is AttemptState.PENDING


def test_a_second_push_waits_for_the_first(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    payments.start("mpesa", kes("65"), PHONE)
    with pytest.raises(ServiceError, match="still waiting"):
        payments.start("mpesa", kes("65"), PHONE)
    assert len(sandbox.pending()) == 1  # the customer's phone got one prompt, not two


def test_bad_phone_and_amount_are_refused_before_anything_is_stored(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    with pytest.raises(ServiceError, match="Safaricom"):
        payments.start("mpesa", kes("65"), "0812 345 678")
    with pytest.raises(ServiceError, match="more than the"):
        payments.start("mpesa", kes("70"), PHONE)
    assert rows(cashier, "SELECT count(*) FROM payment_attempts") == [(0,)]
    assert sandbox.pending() == []
    assert payments.check_phone("mpesa", "0712 345 678") == PhoneCheck(None, complete=True)
    assert payments.check_phone("mpesa", "0712 34") == PhoneCheck(None, complete=False)
    problem = payments.check_phone("mpesa", "0812 345 678").problem
    assert problem is not None
    assert "Safaricom" in str(problem)


def test_paid_after_the_cashier_gave_up_is_flagged_not_lost(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    stopped = payments.cancel(started.attempt_id)
    assert not stopped.final
    assert "checked in the background" in stopped.message
    cashier.checkout.pay_cash(kes("100"))  # the customer paid cash instead; sale done
    sandbox.decide(only_push(sandbox), Decision.APPROVE)  # ...and then approved anyway
    [late] = [v for v in payments.resolve_unfinished() if v.attempt_id == started.attempt_id]
    assert late.state is AttemptState.CAPTURED
    assert late.late
    assert [v.attempt_id for v in payments.late_payments()] == [started.attempt_id]
    assert rows(cashier, "SELECT method FROM payments") == [("cash",)]  # not applied
    actions = {r[0] for r in rows(cashier, "SELECT action FROM audit_log")}
    assert {"payment_abandoned", "payment_late"} <= actions


def test_a_restart_between_push_and_answer_resolves_exactly_once(
    cashier: Terminal,
    sandbox: MpesaSandbox,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    cashier.checkout.scan(MILK)
    first = payments_for(cashier, sandbox).start("mpesa", kes("65"), PHONE)
    # the till dies here; the customer approves while it is down
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    again = Terminal.open(cashier.db.path, cashier.ctx, cashier.clock)
    try:
        again.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
        service = payments_for(again, sandbox)
        resolved = service.resolve_unfinished()
        assert [(v.attempt_id, v.state) for v in resolved] == [
            (first.attempt_id, AttemptState.CAPTURED)
        ]
        assert resolved[0].receipt is not None
        assert service.resolve_unfinished() == []  # nothing left: no double application
        assert rows(again, "SELECT count(*) FROM sales") == [(1,)]
        assert rows(again, "SELECT count(*) FROM payments") == [(1,)]
    finally:
        again.close()


def test_an_unanswered_push_expires_within_its_deadline(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    payments = payments_for(cashier, sandbox, deadline_seconds={"mpesa": 120})
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    assert payments.poll(started.attempt_id).state is AttemptState.PENDING
    cashier.clock.advance(seconds=121)  # type: ignore[attr-defined]
    done = payments.poll(started.attempt_id)
    assert (done.state, done.code, done.retry_allowed) == (
        AttemptState.EXPIRED,
        "mpesa.timeout",
        True,
    )


def test_gateway_down_keeps_the_attempt_and_says_so(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    sandbox.stop()
    started = payments.start("mpesa", kes("65"), PHONE)
    # nothing reached the customer (the login to Daraja failed): a clear, retryable refusal
    assert (started.state, started.code, started.retry_allowed) == (
        AttemptState.DECLINED,
        "mpesa.unreachable",
        True,
    )
    assert started.message
    assert rows(cashier, "SELECT state FROM payment_attempts") == [("declined",)]
    assert cashier.checkout.view().totals.due == kes("65")


# -- callbacks relayed by the head office: the seam beside polling -----------------------


def callback_body(sandbox: MpesaSandbox, checkout_id: str) -> bytes:
    """The exact callback JSON the sandbox sent for a push (what head office relays)."""
    [record] = [c for c in sandbox.wait_for_callbacks(1) if c.checkout_request_id == checkout_id]
    return record.body.encode()


def test_a_relayed_callback_settles_the_attempt_before_any_poll(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    checkout_id = only_push(sandbox)
    sandbox.decide(checkout_id, Decision.APPROVE)
    body = callback_body(sandbox, checkout_id)
    view = payments.apply_gateway_event("mpesa", body)
    assert view.state is AttemptState.CAPTURED
    assert view.receipt is not None
    assert view.receipt_ref  # the M-Pesa receipt number comes with the callback
    # the poll that comes later, and a duplicate callback, change nothing
    assert payments.poll(started.attempt_id).receipt is None
    assert payments.apply_gateway_event("mpesa", body).receipt is None
    assert rows(cashier, "SELECT count(*) FROM payments") == [(1,)]


def test_a_callback_after_the_poll_settled_it_changes_nothing(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    checkout_id = only_push(sandbox)
    sandbox.decide(checkout_id, Decision.APPROVE)
    assert wait_final(payments, started.attempt_id).receipt is not None
    late = payments.apply_gateway_event("mpesa", callback_body(sandbox, checkout_id))
    assert (late.state, late.receipt) == (AttemptState.CAPTURED, None)
    assert rows(cashier, "SELECT count(*) FROM sales") == [(1,)]


def test_a_callback_with_another_amount_is_never_applied(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    payments.start("mpesa", kes("65"), PHONE)
    checkout_id = only_push(sandbox)
    sandbox.decide(checkout_id, Decision.APPROVE)
    body = callback_body(sandbox, checkout_id).replace(b'"Value": 65', b'"Value": 6')
    body = body.replace(b'"Value":65', b'"Value":6')
    assert b"65" not in body.split(b"Amount")[1][:20]  # the tampering took effect
    view = payments.apply_gateway_event("mpesa", body)
    assert view.state is not AttemptState.CAPTURED or view.late
    assert view.code == "mpesa.mismatch"
    assert cashier.checkout.view().totals.due == kes("65")


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b'{"Body": {}}', b'{"Body": {"stkCallback": {"ResultCode": 0}}}'],
)
def test_malformed_callbacks_are_refused_with_a_reason(
    cashier: Terminal, payments: PaymentService, raw: bytes
) -> None:
    with pytest.raises(ServiceError, match="Malformed M-Pesa callback"):
        payments.apply_gateway_event("mpesa", raw)


def test_a_callback_for_an_unknown_push_is_reported(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    cashier.checkout.scan(MILK)
    payments.start("mpesa", kes("65"), PHONE)
    checkout_id = only_push(sandbox)
    sandbox.decide(checkout_id, Decision.APPROVE)
    body = callback_body(sandbox, checkout_id).replace(checkout_id.encode(), b"ws_CO_nope")
    with pytest.raises(ServiceError, match="ws_CO_nope"):
        payments.apply_gateway_event("mpesa", body)


def test_paid_after_the_cashier_stopped_waiting_but_sale_still_open_is_applied(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> None:
    """The customer paid a little late; the sale is still on the till: no second payment."""
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    payments.cancel(started.attempt_id)
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    [view] = payments.resolve_unfinished()
    assert (view.state, view.late) == (AttemptState.CAPTURED, False)
    assert view.receipt is not None
    assert payments.late_payments() == []


def test_a_lost_push_answer_is_settled_by_a_callback_routed_by_attempt_id(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    """The push reached the phone but its answer never reached the till (timeout): only
    the callback, addressed with the attempt id, can tell. It settles the attempt."""
    payments = payments_for(cashier, sandbox)
    method = payments._methods["mpesa"]
    method.client._http.settings = replace(  # type: ignore[attr-defined]
        method.client._http.settings,
        read_timeout=0.3,
        retries=0,  # type: ignore[attr-defined]
    )
    sandbox.set_delay(1.0, "stkpush")
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    assert not started.final
    [(gateway_ref,)] = rows(cashier, "SELECT gateway_ref FROM payment_attempts")
    assert gateway_ref == ""  # the till never learnt the CheckoutRequestID
    sandbox.set_delay(0.0, "stkpush")
    end = time.monotonic() + 5
    while not sandbox.pending() and time.monotonic() < end:
        time.sleep(0.05)  # the slow push reaches the phone after the till gave up on it
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, Decision.APPROVE)
    body = callback_body(sandbox, push.checkout_request_id)
    with pytest.raises(ServiceError, match="No M-Pesa payment"):
        payments.apply_gateway_event("mpesa", body)  # by reference alone: unknown
    view = payments.apply_gateway_event("mpesa", body, attempt_id=started.attempt_id)
    assert view.state is AttemptState.CAPTURED
    assert view.receipt is not None
    assert rows(cashier, "SELECT count(*) FROM payments") == [(1,)]


# -- late payments: the manager accounts for every shilling --------------------------------


def late_mpesa(cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox) -> str:
    """An M-Pesa payment that arrived after the customer paid cash instead."""
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", kes("65"), PHONE)
    payments.cancel(started.attempt_id)
    cashier.checkout.pay_cash(kes("100"))
    sandbox.decide(only_push(sandbox), Decision.APPROVE)
    [late] = payments.resolve_unfinished()
    assert late.late
    return started.attempt_id


def test_a_late_mpesa_payment_is_settled_by_a_manager(
    cashier: Terminal,
    payments: PaymentService,
    sandbox: MpesaSandbox,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    attempt_id = late_mpesa(cashier, payments, sandbox)
    with pytest.raises(ApprovalRequired):
        payments.settle_late(attempt_id, "credit", "Mama Wanjiku 0712")
    approval = cashier.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS
    )
    with pytest.raises(ServiceError, match="by hand"):
        payments.settle_late(attempt_id, "refund", "", approval)
    approval = cashier.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS
    )
    view = payments.settle_late(attempt_id, "refund", "KES 65 cash from drawer", approval)
    assert not view.late
    assert payments.late_payments() == []
    assert rows(cashier, "SELECT resolution FROM payment_attempts") == [("refunded_by_hand",)]
    [(_kind, payload)] = rows(
        cashier, "SELECT kind, payload FROM outbox WHERE kind = 'payment.late_settled'"
    )
    assert '"note":"KES 65 cash from drawer"' in str(payload)
    with pytest.raises(NotFound):
        payments.settle_late(attempt_id, "credit", "again")


def test_a_late_paypal_payment_is_refunded_through_paypal(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    box = PayPalSandbox().start()
    try:
        method = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": box.base_url})
        )
        payments = PaymentService(
            cashier.db,
            cashier.ctx,
            cashier.clock,
            cashier.ids,
            cashier.auth,
            cashier.checkout,
            {"paypal": method},
        )
        cashier.checkout.scan(MILK_1L)
        started = payments.start("paypal", kes("125"))
        [order] = box.pending()
        box.decide(order["id"], "approve")  # approved, not yet captured by the till...
        cashier.checkout.pay_cash(kes("125"))  # ...while the customer also paid cash
        [late] = payments.resolve_unfinished()
        assert (late.state, late.late) == (AttemptState.CAPTURED, True)
        cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
        view = payments.settle_late(started.attempt_id, "refund", "")
        assert not view.late
        [refund] = box.ledger()["refunds"]
        assert refund["amount"]["value"] == late.tender.amount_text()
        assert rows(cashier, "SELECT resolution FROM payment_attempts") == [("refunded",)]
    finally:
        box.stop()
