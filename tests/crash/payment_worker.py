"""A till that takes M-Pesa and PayPal payments until it is killed: the payment crash subject.

Run as ``python tests/crash/payment_worker.py DB_PATH MPESA_URL PAYPAL_URL SCENARIO`` (with
the repository root on ``PYTHONPATH``, for ``tests.crash.harness``). The sandboxes live in
the parent (they must outlive this process); their base URLs come in on the command line.
The worker opens the terminal the way the app does (instance lock, migrations, demo seed in
training mode), logs the demo cashier in, builds the PaymentService with both methods
(M-Pesa in KES, PayPal in USD at the default rate), and first asks about every unfinished
attempt (``resolve_unfinished``).

Scenarios:

``resolve``
    resolve, print, exit 0.
``drain``
    resolve again and again until no attempt is open, then exit 0 (``IDLE``).
``mpesa-hold`` / ``paypal-hold``
    ring up a basket, start ONE payment, print STARTED and then never poll: the parent
    plays the customer and kills the till between the start and the result.
``<method>-die-before`` / ``<method>-die-after``
    the same, but the till SIGKILLs itself inside that start: after the attempt row was
    committed and just before the gateway is called, or just after the gateway did its
    work but before the till recorded the answer.
``mpesa-again``
    after the resolve pass, wait until the file ``go`` appears next to the database, then
    ask M-Pesa again for the open basket (the cashier presses "M-Pesa" once more).
``relay-drain``
    the till is enrolled with a real head office (``KAUNTA_PAY_HQ_URL`` and
    ``KAUNTA_PAY_HQ_TOKEN``; with them every scenario registers its M-Pesa pushes there):
    resolve, then run sync-agent rounds (outbox drain and push-results pull) and resolve
    passes until no attempt is open, printing ``RELAYED`` per result handed over, then
    ``IDLE``.
``random:SEED``
    sell forever: ask about what is open (also after each sale) and finish it, ring up 1-3
    products, pay by M-Pesa or PayPal (chosen at random; the other one when start refuses
    because that method still waits for this sale), poll until final; sometimes the
    cashier stops waiting and takes cash instead (a later payment must then be flagged
    ``late``), and sometimes the till SIGKILLs itself inside the gateway call, just before
    or just after the gateway did its work (``DYING`` line first).

What it prints, one flushed line each, only AFTER the call it reports returned:

``RESOLVED <attempt_id> <state> <receipt number|->``   one per attempt a
                                                      ``resolve_unfinished`` pass asked about
``READY``                                             after the first resolve pass
``STARTED <attempt_id> <method> <gateway_ref|->``     ``start`` returned
``DONE <attempt_id> <state> <receipt number|->``      the attempt became final
``CANCELLED <attempt_id>``                            the cashier stopped waiting
``CASH <sale_id> <receipt number>``                   the rest was paid in cash
``REFUSED <method> <sale_id>``                        ``start`` refused (ServiceError)
``DYING <attempt_id> before|after``                   about to SIGKILL itself
``IDLE``                                              ``drain`` found nothing open
``RELAYED <attempt_id> <outcome>``                    a head-office push result was handed
                                                      to the payment service
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.payments.base import AttemptState, PaymentMethod, PaymentRequest, PaymentResult
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.relay import CallbackRelay
from pos.payments.mpesa.sandbox import DEMO_PHONE
from pos.payments.paypal.method import create as create_paypal
from pos.payments.registry import MethodContext
from pos.push_relay import PushResultApplier, attach_registrar, inline
from pos.services.errors import ServiceError
from pos.services.payments import AttemptView, PaymentService, PaymentSettings
from pos.services.terminal import Terminal
from pos.store import attempts as attempt_store
from pos.store.models import Product
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent, SyncError
from sync.agent.push_results import PushResultPuller
from tests.crash.harness import open_till, say

#: Short deadlines so a crash loop does not wait two minutes for a lost M-Pesa answer; the
#: parent's M-Pesa sandbox times prompts out sooner (the till never gives up on a prompt
#: the customer can still answer).
MPESA_DEADLINE_S = int(os.environ.get("KAUNTA_PAY_MPESA_DEADLINE_S", "3"))
PAYPAL_DEADLINE_S = 60
POLL_S = 0.1
#: How long a ``random`` run waits for one attempt before it stops waiting (cash instead).
FOLLOW_LIMIT_S = 3.0
#: How long a ``random`` run waits, after a restart, for what the last run left open.
RESUME_LIMIT_S = 0.5
DRAIN_LIMIT_S = 30.0


def receipt_of(view: AttemptView) -> str:
    return view.receipt.number if view.receipt is not None else "-"


def say_resolved(views: list[AttemptView]) -> None:
    for view in views:
        say(f"RESOLVED {view.attempt_id} {view.state.value} {receipt_of(view)}")


def products(terminal: Terminal) -> list[int]:
    """Ids of the active demo products that cost something."""
    with terminal.db.session() as s:
        rows = s.query(Product.id).filter(Product.active, Product.price_minor > 0).all()
    return [int(pid) for (pid,) in rows]


def build_methods(
    mpesa_url: str, paypal_url: str, relay: CallbackRelay | None = None
) -> dict[str, PaymentMethod]:
    mpesa_settings: dict[str, object] = {"base_url": mpesa_url}
    if relay is not None:
        mpesa_settings["callback_relay"] = relay
    mpesa = create_mpesa(MethodContext(training=True, currency="KES", settings=mpesa_settings))
    paypal = create_paypal(
        MethodContext(training=True, currency="KES", settings={"base_url": paypal_url})
    )
    return {"mpesa": mpesa, "paypal": paypal}


def build_payments(terminal: Terminal, methods: dict[str, PaymentMethod]) -> PaymentService:
    settings = replace(
        PaymentSettings(),
        deadline_seconds={"mpesa": MPESA_DEADLINE_S, "paypal": PAYPAL_DEADLINE_S},
    )
    return terminal.enable_payments(methods, settings)


def ring_up(terminal: Terminal, rng: random.Random, catalog: list[int], n: int) -> None:
    for _ in range(n):
        terminal.checkout.add_product(rng.choice(catalog), rng.choice((1, 1, 2, 3)))


def start(payments: PaymentService, terminal: Terminal, method: str) -> AttemptView | None:
    view = terminal.checkout.view()
    phone = DEMO_PHONE if method == "mpesa" else None
    try:
        started = payments.start(method, view.totals.due, phone)
    except ServiceError:
        say(f"REFUSED {method} {view.sale_id}")
        return None
    say(f"STARTED {started.attempt_id} {method} {started_ref(terminal, started)}")
    return started


def started_ref(terminal: Terminal, view: AttemptView) -> str:
    """The gateway reference the start recorded (the view does not carry it)."""
    with terminal.db.session() as s:
        record = attempt_store.get_attempt(s, view.attempt_id)
    return (record.gateway_ref if record is not None else "") or "-"


def follow(payments: PaymentService, attempt_id: str, limit: float) -> AttemptView:
    """Poll as the payment dialog does until final (or ``limit`` seconds)."""
    end = time.monotonic() + limit
    while True:
        view = payments.poll(attempt_id)
        if view.final:
            say(f"DONE {view.attempt_id} {view.state.value} {receipt_of(view)}")
            return view
        if time.monotonic() > end:
            return view
        time.sleep(POLL_S)


class Saboteur:
    """Wraps ``method.start`` so the till can SIGKILL itself inside the gateway call."""

    def __init__(self) -> None:
        self.plan: str | None = None  # "before" | "after" | None: for the next start only

    def wrap(self, method: PaymentMethod) -> None:
        real = method.start

        def start(request: PaymentRequest) -> PaymentResult:
            plan, self.plan = self.plan, None
            if plan == "before":  # the attempt row is committed, the gateway not called
                say(f"DYING {request.attempt_id} before")
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(request)
            if plan == "after":  # the gateway did its work; the till never hears of it
                say(f"DYING {request.attempt_id} after")
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        setattr(method, "start", start)  # noqa: B010 - an instance attribute, on purpose


def sell_randomly(
    terminal: Terminal, payments: PaymentService, saboteur: Saboteur, seed: int
) -> None:
    rng = random.Random(seed)
    catalog = products(terminal)
    while True:
        # ask about whatever the last run (or the last sale) left open and give it a moment,
        # as the payment dialog would after a restart
        resolved = payments.resolve_unfinished()
        say_resolved(resolved)
        for view in resolved:
            if not view.final:
                follow(payments, view.attempt_id, RESUME_LIMIT_S)
        basket = terminal.checkout.view()
        if basket.is_empty:
            ring_up(terminal, rng, catalog, rng.randint(1, 3))
        elif rng.random() < 0.3:
            ring_up(terminal, rng, catalog, 1)
        first = rng.choice(("mpesa", "paypal"))
        roll = rng.random()
        saboteur.plan = "before" if roll < 0.07 else "after" if roll < 0.14 else None
        started = start(payments, terminal, first)
        if started is None:  # that method is still waiting for this sale: the other one
            started = start(payments, terminal, "paypal" if first == "mpesa" else "mpesa")
        saboteur.plan = None
        if started is None:
            pay_cash(terminal)
            continue
        if started.final:
            say(f"DONE {started.attempt_id} {started.state.value} {receipt_of(started)}")
            continue
        if rng.random() < 0.12:  # the cashier stops waiting and takes cash
            time.sleep(rng.uniform(0.0, 0.3))
            view = payments.cancel(started.attempt_id)
            if view.final:
                say(f"DONE {view.attempt_id} {view.state.value} {receipt_of(view)}")
                if view.state is AttemptState.CAPTURED:  # paid after all: applied
                    continue
            say(f"CANCELLED {started.attempt_id}")
            pay_cash(terminal)
            continue
        view = follow(payments, started.attempt_id, FOLLOW_LIMIT_S)
        if not view.final:
            payments.cancel(view.attempt_id)
            say(f"CANCELLED {view.attempt_id}")
            pay_cash(terminal)


def pay_cash(terminal: Terminal) -> None:
    view = terminal.checkout.view()
    if view.is_empty:
        return
    result = terminal.checkout.pay_cash(view.cash_due)
    if result.receipt is None:
        raise RuntimeError(f"cash of {view.cash_due} did not complete {view.sale_id}")
    say(f"CASH {result.receipt.sale_id} {result.receipt.number}")


def drain(payments: PaymentService, terminal: Terminal) -> None:
    end = time.monotonic() + DRAIN_LIMIT_S
    while time.monotonic() < end:
        with terminal.db.session() as s:
            # expired ones are given up on but still watched (a late capture counts)
            still_open = [
                a
                for a in attempt_store.open_attempts(s, terminal.ctx.terminal_id)
                if a.state != "expired"
            ]
        if not still_open:
            say("IDLE")
            return
        time.sleep(0.2)
        say_resolved(payments.resolve_unfinished())
    raise RuntimeError(f"attempts still open after {DRAIN_LIMIT_S}s")


class HeadOfficeLink:
    """The till's head-office side as the app wires it (``pos.push_relay``), from the
    environment: the relay's registrar and a sync agent with its push-results puller."""

    def __init__(self, terminal: Terminal) -> None:
        self.url = os.environ.get("KAUNTA_PAY_HQ_URL", "")
        token = os.environ.get("KAUNTA_PAY_HQ_TOKEN", "")
        self.relay = CallbackRelay() if self.url else None
        self.registrar = attach_registrar(self.relay, self.url, token, None)  # no agent thread
        self.payments: PaymentService | None = None
        self.applier = PushResultApplier(lambda: self.payments, inline)
        self.agent: SyncAgent | None = None
        if self.url:
            client = HeadOfficeClient(ClientSettings(self.url, read_timeout_s=10), token=token)
            self.agent = SyncAgent(
                terminal.db,
                client,
                store_id=terminal.ctx.store.store_id,
                terminal_id=terminal.ctx.terminal_id,
                settings=AgentSettings(training=True, app_version="crash-test"),
                push_results=PushResultPuller(terminal.db, client, self.applier),
            )


def relay_drain(payments: PaymentService, terminal: Terminal, link: HeadOfficeLink) -> None:
    """Agent rounds and resolve passes until nothing is open (expired ones included)."""
    agent = link.agent
    if agent is None or agent.push_results is None:
        raise SystemExit("relay-drain needs KAUNTA_PAY_HQ_URL and KAUNTA_PAY_HQ_TOKEN")
    end = time.monotonic() + DRAIN_LIMIT_S
    reported = 0
    while time.monotonic() < end:
        try:
            agent.run_once()
        except SyncError as exc:
            print(f"sync round: {exc}", file=sys.stderr, flush=True)
        outcomes = agent.push_results.outcomes
        for attempt_id, outcome in outcomes[reported:]:
            say(f"RELAYED {attempt_id} {outcome.split()[0]}")
        reported = len(outcomes)
        say_resolved(payments.resolve_unfinished())
        with terminal.db.session() as s:
            still_open = [
                a
                for a in attempt_store.open_attempts(s, terminal.ctx.terminal_id)
                if a.method == "mpesa"
            ]
        if not still_open:
            say("IDLE")
            return
        time.sleep(0.1)
    raise RuntimeError(f"attempts still open after {DRAIN_LIMIT_S}s")


def wait_for_go(path: Path, limit: float = 20.0) -> None:
    end = time.monotonic() + limit
    while not path.exists():
        if time.monotonic() > end:
            raise RuntimeError(f"{path} never appeared")
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    db_path, mpesa_url, paypal_url, scenario = Path(argv[1]), argv[2], argv[3], argv[4]
    terminal, _lock = open_till(db_path)
    terminal.checkout.restore()
    link = HeadOfficeLink(terminal)
    methods = build_methods(mpesa_url, paypal_url, link.relay)
    saboteur = Saboteur()
    for gateway in methods.values():
        saboteur.wrap(gateway)
    payments = build_payments(terminal, methods)
    link.payments = payments
    say_resolved(payments.resolve_unfinished())
    say("READY")
    if scenario == "resolve":
        return 0
    if scenario == "drain":
        drain(payments, terminal)
        return 0
    if scenario == "relay-drain":
        relay_drain(payments, terminal, link)
        return 0
    if scenario == "mpesa-again":
        wait_for_go(db_path.parent / "go")
        start(payments, terminal, "mpesa")
        return 0
    method, _, action = scenario.partition("-")
    if method in ("mpesa", "paypal") and action in ("hold", "die-before", "die-after"):
        ring_up(terminal, random.Random(7), products(terminal), 2)
        saboteur.plan = action.removeprefix("die-") if action != "hold" else None
        if start(payments, terminal, method) is None:
            return 3
        while True:  # never poll: wait to be killed
            time.sleep(1.0)
    if scenario.startswith("random:"):
        sell_randomly(terminal, payments, saboteur, int(scenario.split(":", 1)[1]))
    raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
