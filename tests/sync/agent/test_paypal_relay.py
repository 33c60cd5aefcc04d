"""PayPal through head office, the till's side, against the product's head office in real
processes (``kaunta-hq serve`` and ``kaunta-hq worker``, tests/e2e/paypal_head_office.py)
and the PayPal sandbox over HTTP delivering its signed webhooks there.

The path: the till creates an order, its registration goes from the registrar's own thread
(the payment never waits), the capture's answer is lost to the till (the capture is made
with the till's own request id, as a retried capture would be, but the till never records
it), PayPal's COMPLETED webhook reaches head office, and the till's puller applies the
result once, through the same compare-and-set path as its own polling.

The bad paths: head office down while registering (retried when it is back, the payment
unaffected), a result for an order the till does not know (logged, ignored, the cursor moves
on), the same result twice (applied once), a paid result whose amount or currency is not the
attempt's (never applied: flagged for the manager), and a result for a sale that moved on
(the late-payment flow).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from pos.domain.catalog import CatalogItem
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.relay import OrderRelay
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.push_relay import (
    PushResultApplier,
    attach_paypal_registrar,
    detach_paypal_registrar,
    inline,
    result_pullers,
)
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal
from sync.agent.paypal_results import PayPalOrderRegistrar, PayPalResultPuller
from sync.agent.push_results import ResultPullers
from tests.e2e.paypal_head_office import PayPalHeadOffice, capture_completed, paypal_head_office
from tests.shift_open import ensure_shift


@pytest.fixture(scope="module")
def sandbox() -> Iterator[PayPalSandbox]:
    box = PayPalSandbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="module")
def office(
    tmp_path_factory: pytest.TempPathFactory, sandbox: PayPalSandbox
) -> Iterator[PayPalHeadOffice]:
    with paypal_head_office(tmp_path_factory.mktemp("hq"), sandbox) as running:
        yield running


@dataclass
class PayPalTill:
    """A till enrolled with ``office``, PayPal against the sandbox, its order relay's
    registrar and the agent's pulls wired as ``pos.sync_link`` wires them."""

    terminal: Terminal
    payments: PaymentService
    method: PayPalMethod
    pullers: ResultPullers
    registrar: PayPalOrderRegistrar
    relay: OrderRelay
    token: str
    told: list[AttemptView] = field(default_factory=list)  # what the window was told

    @property
    def puller(self) -> PayPalResultPuller:
        puller = self.pullers.pullers[1]
        assert isinstance(puller, PayPalResultPuller)
        return puller

    def sell(self, product: CatalogItem) -> AttemptView:
        """Ring up ``product`` and ask PayPal for the whole amount (a QR code)."""
        assert product.barcode is not None
        ensure_shift(self.terminal)
        self.terminal.checkout.scan(product.barcode)
        due = self.terminal.checkout.view().totals.due
        return self.payments.start("paypal", due)

    def order_of(self, attempt_id: str) -> str:
        [(ref,)] = self.rows("SELECT gateway_ref FROM payment_attempts WHERE id = ?", attempt_id)
        return str(ref)

    def registered(self, order_id: str, timeout: float = 20.0) -> str:
        """What became of ``order_id``'s registration once something did."""
        end = time.monotonic() + timeout
        while True:
            for seen, outcome in self.registrar.outcomes:
                if seen == order_id and outcome != "retry":
                    return outcome
            if time.monotonic() > end:
                raise AssertionError(f"{order_id}: {self.registrar.outcomes}")
            time.sleep(0.05)

    def capture_behind_its_back(self, attempt_id: str, order_id: str) -> str:
        """Capture as the till's poll would (its request id), the answer lost; capture id."""
        order = self.method.client.capture_order(order_id, f"{attempt_id}-capture")
        assert order.status == "COMPLETED", order
        return order.captures[-1].id

    def rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(f"file:{self.terminal.db.path}?mode=ro", uri=True)
        try:
            return [tuple(r) for r in conn.execute(sql, args).fetchall()]
        finally:
            conn.close()


@pytest.fixture
def till(
    cashier: Terminal, office: PayPalHeadOffice, sandbox: PayPalSandbox
) -> Iterator[PayPalTill]:
    token = office.enroll()
    relay = OrderRelay()
    registrar = attach_paypal_registrar(relay, office.url, token, None)
    assert registrar is not None
    registrar.skip_s = 0.5  # a test does not wait 30 s for head office to come back
    method = create_paypal(
        MethodContext(
            training=True,
            currency="KES",
            settings={"base_url": sandbox.base_url, "order_relay": relay},
        )
    )
    assert isinstance(method, PayPalMethod)
    payments = cashier.enable_payments({"paypal": method})
    client = office.client(token)
    applier = PushResultApplier(lambda: payments, inline)
    pullers = result_pullers(cashier.db, client, applier)
    made = PayPalTill(cashier, payments, method, pullers, registrar, relay, token)
    applier.on_applied = made.told.append  # the window's hook (sig_payment_relayed)
    try:
        yield made
    finally:
        detach_paypal_registrar(relay, registrar)
        client.close()


# -- the path itself -----------------------------------------------------------------------


def test_a_capture_whose_answer_the_till_lost_reaches_it_through_head_office_once(
    till: PayPalTill, office: PayPalHeadOffice, sandbox: PayPalSandbox, product: CatalogItem
) -> None:
    started = till.sell(product)
    assert started.state.value == "pending"
    order_id = till.order_of(started.attempt_id)
    assert till.registered(order_id) == "registered"
    registered = office.order(order_id)
    assert registered is not None
    assert (registered["amount_minor"], registered["currency"]) == (
        started.tender.minor,
        started.tender.currency,
    )
    sandbox.decide(order_id, "approve")
    capture_id = till.capture_behind_its_back(started.attempt_id, order_id)
    assert sandbox.flush_webhooks()
    [result] = office.wait_results(till.token, order_id)
    assert (result["state"], result["capture_id"]) == ("paid", capture_id)

    [mpesa, paypal] = till.pullers.pull()

    assert mpesa.seen == 0  # the M-Pesa pull beside it had nothing
    assert (paypal.applied, paypal.ignored, paypal.cursor) == (1, 0, result["seq"])
    assert till.puller.outcomes[-1][0] == order_id
    assert till.puller.outcomes[-1][1].startswith("applied (")
    assert till.rows(
        "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?",
        started.attempt_id,
    ) == [("captured", "applied", capture_id)]
    assert till.rows("SELECT id, method FROM payments") == [(started.attempt_id, "paypal")]
    assert till.rows("SELECT status FROM sales") == [("completed",)]
    assert [v.attempt_id for v in till.told] == [started.attempt_id]  # the window learns
    assert till.told[0].receipt is not None
    # the till's own polling after that finds it final: nothing changes
    assert till.payments.poll(started.attempt_id).state.value == "captured"
    # the same result twice (the cursor lost): applied once
    with sqlite3.connect(till.terminal.db.path) as rw:
        rw.execute("DELETE FROM sync_state WHERE name = 'paypal_results.after'")
    again = till.puller.pull()
    assert (again.applied, again.cursor) == (1, result["seq"])
    assert till.puller.outcomes[-1] == (order_id, "captured")
    assert till.rows("SELECT id, method FROM payments") == [(started.attempt_id, "paypal")]
    assert till.rows("SELECT count(*) FROM sales") == [(1,)]
    assert till.puller.pull().seen == 0  # the cursor kept: nothing handed over
    # PayPal's capture was made once, with the till's request id
    assert len(sandbox.order(order_id)["purchase_units"][0]["payments"]["captures"]) == 1


def test_a_result_for_a_sale_that_moved_on_goes_to_the_late_payment_flow(
    till: PayPalTill, office: PayPalHeadOffice, sandbox: PayPalSandbox, product: CatalogItem
) -> None:
    started = till.sell(product)
    order_id = till.order_of(started.attempt_id)
    assert till.registered(order_id) == "registered"
    # the customer also paid cash while the QR code was up: the sale is done
    till.terminal.checkout.pay_cash(till.terminal.checkout.view().cash_due)
    sandbox.decide(order_id, "approve")
    capture_id = till.capture_behind_its_back(started.attempt_id, order_id)
    assert sandbox.flush_webhooks()
    office.wait_results(till.token, order_id)

    report = till.puller.pull()

    assert report.applied == 1
    assert till.puller.outcomes[-1] == (order_id, "late")
    assert till.rows(
        "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?",
        started.attempt_id,
    ) == [("captured", "late", capture_id)]
    assert till.rows("SELECT method FROM payments") == [("cash",)]
    assert [v.attempt_id for v in till.payments.late_payments()] == [started.attempt_id]
    assert [v.late for v in till.told] == [True]  # the window shows the late alert


# -- bad paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["amount", "currency"])
def test_a_paid_result_of_another_amount_or_currency_is_flagged_and_never_applied(
    what: str,
    till: PayPalTill,
    office: PayPalHeadOffice,
    product: CatalogItem,
) -> None:
    started = till.sell(product)
    order_id = till.order_of(started.attempt_id)
    assert till.registered(order_id) == "registered"
    asked = started.tender
    amount, currency = (
        (asked.minor + 100, asked.currency)
        if what == "amount"
        else (
            asked.minor,
            "EUR",
        )
    )
    office.set_order(order_id, amount, currency)  # head office's word differs from the till's
    value = f"{amount // 100}.{amount % 100:02d}"
    event = capture_completed(order_id, "CAPTURE" + what.upper(), value, currency)
    assert office.deliver(event) == 200
    [result] = office.wait_results(till.token, order_id)
    assert (result["amount_minor"], result["currency"]) == (amount, currency)
    due_before = till.terminal.checkout.view().totals.due

    report = till.puller.pull()

    assert report.applied == 1
    assert till.rows("SELECT count(*) FROM payments") == [(0,)]
    assert till.terminal.checkout.view().totals.due == due_before  # still owed
    [(state, resolution, code)] = till.rows(
        "SELECT state, resolution, code FROM payment_attempts WHERE id = ?", started.attempt_id
    )
    if what == "currency":
        # money the books cannot hold for this attempt: left open, the manager told, and
        # the till's own check of the order at PayPal decides (it is still unpaid there)
        assert till.puller.outcomes[-1] == (order_id, "pending")
        assert (state, resolution, code) == ("pending", "", "paypal.mismatch")
        assert till.payments.poll(started.attempt_id).state.value == "pending"
        assert till.rows("SELECT count(*) FROM outbox WHERE kind = 'payment.late'") == [(0,)]
        return
    assert till.puller.outcomes[-1] == (order_id, "late")
    assert (state, resolution, code) == ("captured", "late", "paypal.mismatch")
    late = till.rows(
        "SELECT payload FROM outbox WHERE kind = 'payment.late' AND aggregate_id = ?",
        started.attempt_id,
    )
    assert len(late) == 1
    assert "amount_mismatch" in str(late[0][0])
    assert [v.attempt_id for v in till.payments.late_payments()] == [started.attempt_id]


def test_a_result_for_an_unknown_order_is_logged_ignored_and_the_cursor_moves_on(
    till: PayPalTill, office: PayPalHeadOffice, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = secrets.token_hex(9).upper()[:17]  # registered under this till's token only
    client = office.client(till.token)
    try:
        assert client.register_paypal_order(stranger, 1250, "USD")["registered"] is True
    finally:
        client.close()
    assert office.deliver(capture_completed(stranger, "CAPTURESTRANGER", "12.50")) == 200
    [result] = office.wait_results(till.token, stranger)
    caplog.set_level(logging.WARNING, "sync.agent.push_results")

    report = till.puller.pull()

    assert (report.seen, report.applied, report.ignored) == (1, 0, 1)
    assert report.cursor == result["seq"] == till.puller.cursor()
    assert f"order {stranger} not applied" in caplog.text
    assert till.rows("SELECT count(*) FROM payment_attempts") == [(0,)]
    assert till.rows("SELECT count(*) FROM payments") == [(0,)]
    assert till.puller.pull().seen == 0


def test_head_office_down_while_registering_never_holds_the_payment_and_is_retried(
    till: PayPalTill,
    office: PayPalHeadOffice,
    sandbox: PayPalSandbox,
    product: CatalogItem,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "sync.agent.paypal_results")
    office.hq.kill()  # head office is down
    try:
        started = till.sell(product)
        # the start returned before any registration was tried to its end
        assert started.state.value == "pending"
        order_id = till.order_of(started.attempt_id)
        end = time.monotonic() + 20
        while ("retry" not in {o for _, o in till.registrar.outcomes}) and time.monotonic() < end:
            time.sleep(0.05)
        assert (order_id, "retry") in till.registrar.outcomes
        assert "not registered with head office" in caplog.text
        # meanwhile the till's own polling settles the payment, as without head office
        sandbox.decide(order_id, "approve")
        assert till.payments.poll(started.attempt_id).state.value == "captured"
        assert till.rows("SELECT status FROM sales") == [("completed",)]
    finally:
        office.hq.start()  # back
    assert till.registered(order_id) == "registered"  # tried again once it was back
    assert office.order(order_id) is not None
    # the capture's webhook (delivered while head office was down: PayPal sends it again;
    # here once more by hand) becomes a result, found applied already
    capture_id = str(till.rows("SELECT receipt_ref FROM payment_attempts")[0][0])
    value = started.tender.amount_text()
    assert office.deliver(capture_completed(order_id, capture_id, value)) == 200
    office.wait_results(till.token, order_id)
    report = till.puller.pull()
    assert report.applied == 1
    assert till.puller.outcomes[-1] == (order_id, "captured")
    assert till.rows("SELECT count(*) FROM payments") == [(1,)]


def test_the_registrar_drops_orders_too_old_to_be_paid(office: PayPalHeadOffice) -> None:
    from pos.domain.money import Money

    registrar = PayPalOrderRegistrar.for_head_office("http://127.0.0.1:9", "token")
    registrar.skip_s, registrar.max_age_s = 0.05, 0.3
    try:
        registrar("OLDORDER000000001", Money(1250, "USD"))
        end = time.monotonic() + 10
        while ("OLDORDER000000001", "expired") not in registrar.outcomes:
            assert time.monotonic() < end, registrar.outcomes
            time.sleep(0.05)
        assert registrar.outcomes[0] == ("OLDORDER000000001", "retry")
    finally:
        registrar.close()
