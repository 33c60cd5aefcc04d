"""A till taking PayPal through its head office until it is killed mid-capture.

Run as ``python tests/crash/paypal_relay_worker.py DB_PATH MPESA_URL PAYPAL_URL SCENARIO``
with ``KAUNTA_PAY_HQ_URL`` and ``KAUNTA_PAY_HQ_TOKEN`` in the environment (the head office
the till is enrolled with) and the repository root on ``PYTHONPATH``. The gateways' sandboxes
and the head office live outside this process (they outlive it); it opens the till as
``payment_worker.py`` does (instance lock, migrations, demo seed, the demo cashier signed in)
and wires head office as the app does (``pos.push_relay``): the PayPal method's
:class:`~pos.payments.paypal.relay.OrderRelay` with a registrar for that head office, and a
sync agent whose payment-result pulls (M-Pesa's and PayPal's) apply on this one thread.

Scenarios:

``capture-and-die``
    ring up a basket, start ONE PayPal payment (the order is registered with head office
    from the registrar's thread; the worker waits for it), then poll as the payment dialog
    does. The first poll that sees the order APPROVED captures it; the till SIGKILLs itself
    right after PayPal answered the capture, before it recorded the answer.
``relay-first``
    the restarted till: sync-agent rounds first (the PayPal result pull), until the pull
    reported something or nothing is open, then a resolve pass (``resolve_unfinished``);
    ``IDLE``. The result can only have come through head office.
``resolve-first``
    the restarted till asks PayPal about its open attempt first (as the app does at start),
    then runs agent rounds until the PayPal pull reported; ``IDLE``.
``cash-then-relay``
    the restarted till (started with a PayPal URL where nothing answers: it cannot ask
    PayPal) stops waiting for the open attempt, the customer pays the basket in cash, and
    only then do the agent rounds run: the relayed capture is for a sale that moved on
    (the late-payment flow); ``IDLE``.

What it prints, one flushed line each, only AFTER the call it reports returned (the words
``payment_worker.py`` prints, plus):

``REGISTERED <order_id>``                   head office acknowledged the order
``DYING <attempt_id> captured``             PayPal captured; about to SIGKILL itself
``RELAYED <order_id> <outcome>``            a PayPal result from head office handed to the
                                            payment service (``applied``, ``captured``:
                                            applied before, ``late``, ``pending``...)
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.payments.base import PaymentMethod
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.relay import OrderRelay
from pos.payments.registry import MethodContext
from pos.push_relay import PushResultApplier, attach_paypal_registrar, inline, result_pullers
from pos.services.payments import PaymentService
from pos.services.terminal import Terminal
from pos.store import attempts as attempt_store
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent, SyncError
from sync.agent.paypal_results import PayPalOrderRegistrar, PayPalResultPuller
from tests.crash.harness import open_till, say
from tests.crash.payment_worker import (
    build_payments,
    pay_cash,
    products,
    ring_up,
    say_resolved,
    start,
)

LIMIT_S = 30.0
POLL_S = 0.1


class RelayLink:
    """Head office as the app wires it for PayPal, from the environment."""

    def __init__(self, terminal: Terminal) -> None:
        self.url = os.environ["KAUNTA_PAY_HQ_URL"]
        token = os.environ["KAUNTA_PAY_HQ_TOKEN"]
        self.relay = OrderRelay()
        registrar = attach_paypal_registrar(self.relay, self.url, token, None)
        assert registrar is not None
        self.registrar: PayPalOrderRegistrar = registrar
        self.payments: PaymentService | None = None
        applier = PushResultApplier(lambda: self.payments, inline)
        client = HeadOfficeClient(ClientSettings(self.url, read_timeout_s=10), token=token)
        self.pullers = result_pullers(terminal.db, client, applier)
        paypal = self.pullers.pullers[1]
        assert isinstance(paypal, PayPalResultPuller)
        self.paypal: PayPalResultPuller = paypal
        self.agent = SyncAgent(
            terminal.db,
            client,
            store_id=terminal.ctx.store.store_id,
            terminal_id=terminal.ctx.terminal_id,
            settings=AgentSettings(training=True, app_version="crash-test"),
            push_results=self.pullers,
        )
        self._reported = 0

    def round(self) -> int:
        """One agent round; prints what the PayPal pull handed over; how many it printed."""
        try:
            self.agent.run_once()
        except SyncError as exc:
            print(f"sync round: {exc}", file=sys.stderr, flush=True)
        outcomes = self.paypal.outcomes
        for order_id, outcome in outcomes[self._reported :]:
            say(f"RELAYED {order_id} {outcome.split()[0]}")
        new = len(outcomes) - self._reported
        self._reported = len(outcomes)
        return new

    def wait_registered(self, order_id: str) -> None:
        end = time.monotonic() + LIMIT_S
        while (order_id, "registered") not in self.registrar.outcomes:
            if time.monotonic() > end:
                raise RuntimeError(f"{order_id} never registered: {self.registrar.outcomes}")
            time.sleep(0.02)
        say(f"REGISTERED {order_id}")


def build_methods(mpesa_url: str, paypal_url: str, relay: OrderRelay) -> dict[str, PaymentMethod]:
    """Both methods as the crash till has them; PayPal announces its orders to ``relay``."""
    mpesa = create_mpesa(
        MethodContext(training=True, currency="KES", settings={"base_url": mpesa_url})
    )
    settings: dict[str, object] = {"base_url": paypal_url, "order_relay": relay}
    paypal = create_paypal(MethodContext(training=True, currency="KES", settings=settings))
    return {"mpesa": mpesa, "paypal": paypal}


def die_after_capture(method: PaymentMethod, attempt_of: dict[str, str]) -> None:
    """Make the PayPal client SIGKILL the process once PayPal answered a capture."""
    assert isinstance(method, PayPalMethod)
    client = method.client
    real = client.capture_order

    def capture_order(order_id: str, request_id: str, **kwargs: Any) -> Any:
        order = real(order_id, request_id, **kwargs)
        say(f"DYING {attempt_of.get(order_id, '?')} captured")
        os.kill(os.getpid(), signal.SIGKILL)
        return order  # never reached

    setattr(client, "capture_order", capture_order)  # noqa: B010 - on the instance, on purpose


def open_attempts(terminal: Terminal) -> list[str]:
    with terminal.db.session() as s:
        return [a.id for a in attempt_store.open_attempts(s, terminal.ctx.terminal_id)]


def capture_and_die(
    terminal: Terminal, payments: PaymentService, link: RelayLink, paypal: PaymentMethod
) -> int:
    attempt_of: dict[str, str] = {}
    die_after_capture(paypal, attempt_of)
    ring_up(terminal, random.Random(11), products(terminal), 2)
    started = start(payments, terminal, "paypal")
    if started is None:
        return 3
    with terminal.db.session() as s:
        record = attempt_store.get_attempt(s, started.attempt_id)
        assert record is not None
        order_id = record.gateway_ref
    attempt_of[order_id] = started.attempt_id
    link.wait_registered(order_id)
    end = time.monotonic() + LIMIT_S
    while time.monotonic() < end:  # the payment dialog's polling, until the capture kills it
        payments.poll(started.attempt_id)
        time.sleep(POLL_S)
    return 4


def relay_first(terminal: Terminal, payments: PaymentService, link: RelayLink) -> None:
    end = time.monotonic() + LIMIT_S
    while time.monotonic() < end:
        if link.round() or not open_attempts(terminal):
            break
        time.sleep(POLL_S)
    else:
        raise RuntimeError(f"no PayPal result in {LIMIT_S}s; open: {open_attempts(terminal)}")
    say_resolved(payments.resolve_unfinished())
    if open_attempts(terminal):
        raise RuntimeError(f"still open: {open_attempts(terminal)}")
    say("IDLE")


def resolve_first(terminal: Terminal, payments: PaymentService, link: RelayLink) -> None:
    say_resolved(payments.resolve_unfinished())
    end = time.monotonic() + LIMIT_S
    while not link.round():
        if time.monotonic() > end:
            raise RuntimeError(f"the PayPal pull reported nothing in {LIMIT_S}s")
        time.sleep(POLL_S)
    if open_attempts(terminal):
        raise RuntimeError(f"still open: {open_attempts(terminal)}")
    say("IDLE")


def cash_then_relay(terminal: Terminal, payments: PaymentService, link: RelayLink) -> None:
    for attempt_id in open_attempts(terminal):
        view = payments.cancel(attempt_id)  # PayPal cannot be asked: it stays open, abandoned
        if view.final:
            raise RuntimeError(f"{attempt_id} settled on cancel: {view.state}")
        say(f"CANCELLED {attempt_id}")
    pay_cash(terminal)
    end = time.monotonic() + LIMIT_S
    while not link.round():
        if time.monotonic() > end:
            raise RuntimeError(f"the PayPal pull reported nothing in {LIMIT_S}s")
        time.sleep(POLL_S)
    if open_attempts(terminal):
        raise RuntimeError(f"still open: {open_attempts(terminal)}")
    say("IDLE")


def main(argv: list[str]) -> int:
    db_path, mpesa_url, paypal_url, scenario = Path(argv[1]), argv[2], argv[3], argv[4]
    terminal, _lock = open_till(db_path)
    terminal.checkout.restore()
    link = RelayLink(terminal)
    methods = build_methods(mpesa_url, paypal_url, link.relay)
    payments = build_payments(terminal, methods)
    link.payments = payments
    try:
        if scenario == "capture-and-die":
            say("READY")
            return capture_and_die(terminal, payments, link, methods["paypal"])
        if scenario == "relay-first":
            say("READY")
            relay_first(terminal, payments, link)
            return 0
        if scenario == "resolve-first":
            say("READY")
            resolve_first(terminal, payments, link)
            return 0
        if scenario == "cash-then-relay":
            say("READY")
            cash_then_relay(terminal, payments, link)
            return 0
        raise SystemExit(f"unknown scenario {scenario!r}")
    finally:
        link.registrar.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
