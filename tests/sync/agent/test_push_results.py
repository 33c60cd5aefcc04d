"""M-Pesa pushes through head office, the till's side, against the product's head office in
real processes (``kaunta-hq serve`` and ``kaunta-hq worker``, tests/e2e/relay_head_office.py)
and the M-Pesa sandbox calling back over HTTP: the push is registered before it is sent,
Daraja's callback reaches head office, and the till's puller applies the result once.

The bad paths: head office down or silent at register time (the configured CallBackURL goes,
in time), a result for an attempt the till does not know (logged, ignored, the cursor moves
on), the same result twice (applied once), and a paid result whose amount is not the
attempt's (never applied as paid: flagged for the manager).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.payments.mpesa.method import TRAINING_CALLBACK_URL
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.relay import CallbackRelay, phone_sha256
from pos.payments.mpesa.sandbox import DEMO_PHONE, Decision, MpesaSandbox
from pos.payments.registry import MethodContext
from pos.push_relay import PushResultApplier, attach_registrar, inline
from pos.services.auth import Role, UserSummary
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.push_results import REGISTER_READ_S, PushRegistrar, PushResult, PushResultPuller
from tests.conftest import FakeClock
from tests.e2e.relay_head_office import RelayHeadOffice, post_json, relay_head_office, stk_callback
from tests.shift_open import ensure_shift
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayHeadOffice]:
    with relay_head_office(tmp_path_factory.mktemp("hq")) as running:
        yield running


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(local_callbacks=True).start()
    try:
        yield box
    finally:
        box.stop()


@dataclass
class RelayTill:
    """A till enrolled with ``office`` (a terminal of its own), M-Pesa against the sandbox,
    the relay's registrar and the agent's puller wired as ``pos.sync_link`` wires them."""

    terminal: Terminal
    payments: PaymentService
    puller: PushResultPuller
    registrar: PushRegistrar | None
    token: str

    def sell(self, product: CatalogItem) -> AttemptView:
        """Ring up ``product`` and ask M-Pesa for the whole amount."""
        assert product.barcode is not None
        ensure_shift(self.terminal)
        self.terminal.checkout.scan(product.barcode)
        due = self.terminal.checkout.view().totals.due
        return self.payments.start("mpesa", self.payments.quote("mpesa", due).tender, DEMO_PHONE)

    def rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(f"file:{self.terminal.db.path}?mode=ro", uri=True)
        try:
            return [tuple(r) for r in conn.execute(sql, args).fetchall()]
        finally:
            conn.close()


def relay_till(
    terminal: Terminal, office: RelayHeadOffice, sandbox: MpesaSandbox, register_at: str = ""
) -> RelayTill:
    token = office.enroll()
    relay = CallbackRelay()
    registrar = attach_registrar(relay, register_at or office.url, token, None)
    mpesa = create_mpesa(
        MethodContext(
            training=True,
            currency="KES",
            settings={"base_url": sandbox.base_url, "callback_relay": relay},
        )
    )
    payments = terminal.enable_payments({"mpesa": mpesa})
    client = HeadOfficeClient(ClientSettings(office.url, read_timeout_s=10), token=token)
    puller = PushResultPuller(terminal.db, client, PushResultApplier(lambda: payments, inline))
    return RelayTill(terminal, payments, puller, registrar, token)


def the_callback_url(sandbox: MpesaSandbox, checkout: str) -> str:
    [record] = [r for r in sandbox.wait_for_callbacks(1) if r.checkout_request_id == checkout]
    return record.url


def gateway_ref(till: RelayTill, attempt_id: str) -> str:
    [(ref,)] = till.rows("SELECT gateway_ref FROM payment_attempts WHERE id = ?", attempt_id)
    return str(ref)


# -- the path itself -----------------------------------------------------------------------


def test_a_push_goes_with_head_offices_callback_url_and_its_result_is_applied_once(
    cashier: Terminal, office: RelayHeadOffice, sandbox: MpesaSandbox, product: CatalogItem
) -> None:
    till = relay_till(cashier, office, sandbox)
    started = till.sell(product)
    assert started.state.value == "pending"
    checkout = gateway_ref(till, started.attempt_id)
    sandbox.decide(checkout, Decision.APPROVE)
    url = the_callback_url(sandbox, checkout)
    assert url.startswith(f"{office.url}/hooks/stk/{started.attempt_id}/")
    result = office.wait_result(till.token, started.attempt_id)
    assert (result["state"], result["checkout_request_id"]) == ("paid", checkout)

    report = till.puller.pull()

    assert (report.applied, report.ignored, report.cursor) == (1, 0, result["seq"])
    assert till.puller.outcomes[-1][0] == started.attempt_id
    assert till.puller.outcomes[-1][1].startswith("applied (")
    assert till.rows(
        "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?",
        started.attempt_id,
    ) == [("captured", "applied", result["receipt"])]
    assert till.rows("SELECT id, method FROM payments") == [(started.attempt_id, "mpesa")]
    assert till.rows("SELECT status FROM sales") == [("completed",)]

    # the same result twice (the cursor lost, or head office sends it again): applied once
    with sqlite3.connect(cashier.db.path) as rw:
        rw.execute("DELETE FROM sync_state WHERE name = 'push_results.after'")
    again = till.puller.pull()
    assert (again.applied, again.cursor) == (1, result["seq"])
    assert till.puller.outcomes[-1] == (started.attempt_id, "captured")
    assert till.rows("SELECT id, method FROM payments") == [(started.attempt_id, "mpesa")]
    assert till.rows("SELECT count(*) FROM sales") == [(1,)]
    # and with the cursor kept, nothing is handed over at all
    assert till.puller.pull().seen == 0


def test_a_result_waits_while_nobody_is_signed_in_and_is_applied_after_login(
    cashier: Terminal,
    office: RelayHeadOffice,
    sandbox: MpesaSandbox,
    product: CatalogItem,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    till = relay_till(cashier, office, sandbox)
    started = till.sell(product)
    checkout = gateway_ref(till, started.attempt_id)
    sandbox.decide(checkout, Decision.APPROVE)
    result = office.wait_result(till.token, started.attempt_id)
    cashier.auth.logout()  # the cashier signed out before head office relayed it

    waiting = till.puller.pull()

    assert (waiting.deferred, waiting.applied, waiting.cursor) == (True, 0, 0)
    assert till.puller.cursor() == 0  # asked again
    assert till.rows("SELECT count(*) FROM payments") == [(0,)]
    cashier.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    done = till.puller.pull()
    assert (done.deferred, done.applied, done.cursor) == (False, 1, result["seq"])
    assert till.rows("SELECT status FROM sales") == [("completed",)]
    assert till.rows("SELECT count(*) FROM payments") == [(1,)]


# -- bad paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["down", "silent"])
def test_head_office_down_at_register_time_falls_back_to_the_configured_url_in_time(
    how: str,
    cashier: Terminal,
    office: RelayHeadOffice,
    sandbox: MpesaSandbox,
    product: CatalogItem,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # "down": nothing listens (refused at once); "silent": it accepts and never answers
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if how == "silent":
        sock.listen(8)
    try:
        till = relay_till(cashier, office, sandbox, f"http://127.0.0.1:{sock.getsockname()[1]}")
        caplog.set_level(logging.INFO, "sync.agent.push_results")
        began = time.monotonic()
        started = till.sell(product)
        took = time.monotonic() - began
    finally:
        sock.close()
    assert started.state.value == "pending"  # the push went all the same
    assert took < REGISTER_READ_S + 2.0, f"the payment waited {took:.1f}s for head office"
    assert "not registered with head office" in caplog.text
    checkout = gateway_ref(till, started.attempt_id)
    sandbox.decide(checkout, Decision.APPROVE)
    configured = TRAINING_CALLBACK_URL.replace("{attempt_id}", started.attempt_id)
    assert the_callback_url(sandbox, checkout) == configured
    # the till's own polling settles it, as before head office relayed anything
    assert till.payments.poll(started.attempt_id).state.value == "captured"
    assert till.rows("SELECT status FROM sales") == [("completed",)]
    # the next push does not wait for head office again: it is skipped while offline
    began = time.monotonic()
    second = till.sell(product)
    assert time.monotonic() - began < 1.0
    assert second.state.value == "pending"
    assert "head office unreachable lately" in caplog.text


def test_a_result_for_an_unknown_attempt_is_logged_ignored_and_the_cursor_moves_on(
    cashier: Terminal,
    office: RelayHeadOffice,
    sandbox: MpesaSandbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    till = relay_till(cashier, office, sandbox)
    stranger = str(uuid.uuid4())  # registered under this till's token, unknown to its store
    client = HeadOfficeClient(ClientSettings(office.url), token=till.token)
    try:
        url = client.register_push(stranger, 50_000, "KES", phone_sha256(DEMO_PHONE))[
            "callback_url"
        ]
    finally:
        client.close()
    assert post_json(url, stk_callback("ws_CO_STRANGER", 500, DEMO_PHONE, "SXX1STRNGR")) == 200
    result = office.wait_result(till.token, stranger)
    caplog.set_level(logging.WARNING, "sync.agent.push_results")

    report = till.puller.pull()

    assert (report.seen, report.applied, report.ignored) == (1, 0, 1)
    assert report.cursor == result["seq"]
    assert till.puller.cursor() == result["seq"]  # stored: not asked again
    assert f"attempt {stranger} not applied" in caplog.text
    assert till.rows("SELECT count(*) FROM payment_attempts") == [(0,)]
    assert till.rows("SELECT count(*) FROM payments") == [(0,)]
    assert till.puller.pull().seen == 0


def test_a_paid_result_of_another_amount_is_flagged_and_never_applied(
    cashier: Terminal, office: RelayHeadOffice, sandbox: MpesaSandbox, product: CatalogItem
) -> None:
    till = relay_till(cashier, office, sandbox)
    started = till.sell(product)
    checkout = gateway_ref(till, started.attempt_id)
    asked = started.tender.minor
    other = asked + 10_000  # 100 KES more
    office.set_amount(started.attempt_id, other)  # head office's word differs from the till's
    sandbox.decide(checkout, Decision.APPROVE)
    url = the_callback_url(sandbox, checkout)
    # head office refuses the real callback (its amount is not the registered one) ...
    assert office.results(till.token) == []
    # ... and accepts one for its registered amount
    assert post_json(url, stk_callback(checkout, other // 100, DEMO_PHONE, "SXX2AMOUNT")) == 200
    result = office.wait_result(till.token, started.attempt_id)
    assert result["amount_minor"] == other
    due_before = cashier.checkout.view().totals.due

    report = till.puller.pull()

    assert report.applied == 1
    assert till.puller.outcomes[-1] == (started.attempt_id, "late")
    [(state, resolution, code)] = till.rows(
        "SELECT state, resolution, code FROM payment_attempts WHERE id = ?", started.attempt_id
    )
    assert (state, resolution, code) == ("captured", "late", "mpesa.mismatch")
    assert till.rows("SELECT count(*) FROM payments") == [(0,)]
    assert cashier.checkout.view().totals.due == due_before  # still owed: nothing applied
    late = till.rows(
        "SELECT payload FROM outbox WHERE kind = 'payment.late' AND aggregate_id = ?",
        started.attempt_id,
    )
    assert len(late) == 1
    assert "amount_mismatch" in str(late[0][0])
    assert [v.attempt_id for v in till.payments.late_payments()] == [started.attempt_id]


def _agent_applying_nothing(
    cashier: Terminal, ho: HeadOffice, ho_url: str, clock: FakeClock, **settings: Any
) -> SyncAgent:
    """An agent whose push-result puller expects no result at all (one would fail)."""
    client = HeadOfficeClient(ClientSettings(ho_url, read_timeout_s=10), token=ho.token)

    def nothing(result: PushResult) -> str:
        raise AssertionError(f"nothing to apply, got {result}")

    return SyncAgent(
        cashier.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(app_version="test", training=True, **settings),
        clock=clock.now,
        push_results=PushResultPuller(cashier.db, client, nothing),
    )


def test_a_head_office_that_does_not_relay_never_holds_up_the_drain(
    cashier: Terminal,
    product: CatalogItem,
    ho: HeadOffice,
    ho_url: str,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The agents' test head office has no ``/push-results`` (an older head office): the
    pull is logged and passed over, and the outbox drain of the same round goes on."""
    ensure_shift(cashier)
    sell(cashier, product, 2)
    agent = _agent_applying_nothing(cashier, ho, ho_url, clock)
    caplog.set_level(logging.WARNING, "sync.agent.push_results")
    try:
        agent.run_once()
    finally:
        agent.stop()
    assert "GET /api/v1/push-results" in ho.requests
    assert "bad push results" in caplog.text
    assert agent.status().waiting == 0
    assert len(ho.ledger) >= 2


def test_a_revoked_till_stops_asking_for_push_results_between_rounds(
    cashier: Terminal, ho: HeadOffice, ho_url: str, clock: FakeClock
) -> None:
    """After a push the agent asks for its result every ``push_poll_s`` for three minutes;
    a head office that refuses the till (revoked) is asked once, not every 50 ms."""
    ho.revoked = True
    agent = _agent_applying_nothing(cashier, ho, ho_url, clock, push_poll_s=0.05)
    try:
        agent.expect_push_result(180)
        agent._wait(1.0)
    finally:
        agent.stop()
    asked = [r for r in ho.requests if r.startswith("GET /api/v1/push-results")]
    assert len(asked) == 1, asked
