"""The till against M-Pesa callbacks as they really arrive: late, twice, or never.

A real sandbox on 127.0.0.1 is scripted through its control path (``/__sandbox__/
callback-mode``) and posts its callbacks to a local receiver standing in for the head
office, which relays each one to the till (``PaymentService.apply_gateway_event``) while
the till also polls, over a real SQLite file. Whatever the order, the sale ends with
exactly one payment applied; a callback that never comes is made up for by polling.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
from pos.payments.mpesa.sandbox_control import SandboxCustomer
from pos.payments.registry import MethodContext
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00
PHONE = "0712 345 678"
CALLBACK_PATH = "/mpesa/callback/"


@dataclass(frozen=True)
class Relayed:
    """One callback as the head office received it."""

    attempt_id: str
    body: bytes


class HeadOffice:
    """Receives Daraja's callbacks (answering 200 at once, as the head office does)."""

    def __init__(self) -> None:
        self.received: list[Relayed] = []
        self._cond = threading.Condition()
        office = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                attempt = unquote(self.path.removeprefix(CALLBACK_PATH))
                with office._cond:
                    office.received.append(Relayed(attempt, body))
                    office._cond.notify_all()
                answer = b'{"ResultCode": 0, "ResultDesc": "Accepted"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def callback_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}{{attempt_id}}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Relayed]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2.0)


@pytest.fixture
def office() -> Iterator[HeadOffice]:
    head = HeadOffice()
    try:
        yield head
    finally:
        head.stop()


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    # local_callbacks: the head office stand-in listens on plain http on this machine
    box = MpesaSandbox(prompt_timeout=5.0, local_callbacks=True).start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def control(sandbox: MpesaSandbox) -> Iterator[SandboxCustomer]:
    client = SandboxCustomer(sandbox.base_url, timeout=2.0)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def payments(cashier: Terminal, sandbox: MpesaSandbox, office: HeadOffice) -> PaymentService:
    settings = {"base_url": sandbox.base_url, "callback_url": office.callback_url}
    method = create_mpesa(MethodContext(training=True, currency="KES", settings=settings))
    return cashier.enable_payments({"mpesa": method})


def rows(terminal: Terminal, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def relay(payments: PaymentService, relayed: Relayed) -> AttemptView:
    """What the head office does with a callback: hand it to the till, routed by attempt."""
    return payments.apply_gateway_event("mpesa", relayed.body, attempt_id=relayed.attempt_id)


def poll_until_final(payments: PaymentService, attempt_id: str) -> AttemptView:
    end = time.monotonic() + 5.0
    while True:
        view = payments.poll(attempt_id)
        if view.final or time.monotonic() > end:
            return view
        time.sleep(0.05)


def start_and_approve(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox
) -> AttemptView:
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", Money(6500, "KES"), PHONE)
    assert started.state is AttemptState.PENDING
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, Decision.APPROVE)
    return started


def assert_paid_once(cashier: Terminal, sandbox: MpesaSandbox) -> None:
    assert rows(cashier, "SELECT method, amount_minor FROM payments") == [("mpesa", 6500)]
    assert rows(cashier, "SELECT state, resolution FROM payment_attempts") == [
        ("captured", "applied")
    ]
    assert rows(cashier, "SELECT count(*) FROM sales") == [(1,)]
    assert sandbox.request_count("stkpush") == 1


def test_a_prompt_callback_settles_the_sale_and_the_poll_after_it_changes_nothing(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, office: HeadOffice,
    control: SandboxCustomer,
) -> None:  # fmt: skip
    control.set_callback_mode("prompt")
    started = start_and_approve(cashier, payments, sandbox)
    [callback] = office.wait_for(1)
    assert callback.attempt_id == started.attempt_id
    settled = relay(payments, callback)
    assert (settled.state, settled.receipt is not None) == (AttemptState.CAPTURED, True)
    assert payments.poll(started.attempt_id).receipt is None
    assert_paid_once(cashier, sandbox)


def test_a_late_callback_after_the_poll_settled_the_sale_changes_nothing(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, office: HeadOffice,
    control: SandboxCustomer,
) -> None:  # fmt: skip
    control.set_callback_mode("delay", delay=1.0)
    started = start_and_approve(cashier, payments, sandbox)
    assert office.wait_for(1, timeout=0.3) == []  # the callback is late ...
    done = poll_until_final(payments, started.attempt_id)  # ... the poll settles the sale
    assert (done.state, done.receipt is not None) == (AttemptState.CAPTURED, True)
    [late] = office.wait_for(1)
    again = relay(payments, late)
    assert (again.state, again.receipt) == (AttemptState.CAPTURED, None)
    assert_paid_once(cashier, sandbox)


def test_a_callback_sent_twice_is_applied_once(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, office: HeadOffice,
    control: SandboxCustomer,
) -> None:  # fmt: skip
    control.set_callback_mode("duplicate", copies=2)
    started = start_and_approve(cashier, payments, sandbox)
    first, second = office.wait_for(2)
    assert first.body == second.body
    views = [relay(payments, first), relay(payments, second)]
    assert [v.state for v in views] == [AttemptState.CAPTURED, AttemptState.CAPTURED]
    assert [v.receipt is not None for v in views] == [True, False]
    assert payments.poll(started.attempt_id).receipt is None
    assert_paid_once(cashier, sandbox)


def test_a_callback_that_never_comes_is_made_up_for_by_polling(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, office: HeadOffice,
    control: SandboxCustomer,
) -> None:  # fmt: skip
    control.set_callback_mode("drop")
    started = start_and_approve(cashier, payments, sandbox)
    [record] = sandbox.wait_for_callbacks(1)
    assert record.dropped
    assert office.wait_for(1, timeout=0.5) == []
    # after a restart (or on the 30 s tick) the till asks about its open attempts
    [view] = payments.resolve_unfinished()
    assert (view.attempt_id, view.state) == (started.attempt_id, AttemptState.CAPTURED)
    assert view.receipt is not None
    assert payments.resolve_unfinished() == []
    assert_paid_once(cashier, sandbox)


def test_a_refusal_sent_twice_and_late_leaves_the_sale_unpaid_once(
    cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox, office: HeadOffice,
    control: SandboxCustomer,
) -> None:  # fmt: skip
    control.set_callback_mode("duplicate", copies=2, delay=0.3)
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", Money(6500, "KES"), PHONE)
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, Decision.CANCEL)
    refused = poll_until_final(payments, started.attempt_id)
    assert refused.state is AttemptState.CANCELLED  # the customer cancelled on the phone
    for callback in office.wait_for(2):
        assert relay(payments, callback).state is AttemptState.CANCELLED
    assert rows(cashier, "SELECT count(*) FROM payments") == [(0,)]
    assert rows(cashier, "SELECT state FROM payment_attempts") == [("cancelled",)]
    assert cashier.checkout.view().totals.due == Money(6500, "KES")
