"""``callback_to_till_p50_s`` for ``kaunta bench headoffice``: how long an M-Pesa result
takes from Daraja's callback reaching head office to the payment applied on the till.

Everything real, on this machine: the product's head office as processes of its own
(``kaunta-hq serve``, gunicorn, and ``kaunta-hq worker`` deciding callbacks from its
database queue; a SQLite file in a temporary folder), the M-Pesa sandbox calling back over
HTTP, and a till (SQLite, the demo store) whose sync agent runs on its own thread and
applies relayed results on a till worker, wired as the app wires them (``pos.push_relay``).

Each round rings up a product, starts an M-Pesa payment (registered with head office
first, so Daraja's CallBackURL is head office's), approves it on the simulated phone after
0 to 1.5 s (the customer typing the PIN; seeded) and waits for the till to apply it. The
till itself does not poll the gateway: the figure is the relay alone. Start: the
``received_at`` head office stored with the callback; end: the moment the payment service
returned on the till worker (one clock: the same machine).

Where the time goes (measured on the 2-core build machine): head office decides a callback
in about 0.06 s; the agent pulls every ``push_poll_s`` (1 s) while a registered push
waits, so a result waits 0 to about 1.1 s for the next pull (each empty pull costs ~0.1 s);
the pull and the apply (the sale completed, journal sealed) take about 0.2 s.

``paypal_webhook_to_till_p50_s`` (:func:`run_paypal_webhook_to_till`) is the same path for
PayPal: head office also verifies the PayPal sandbox's signed webhooks offline (its root in
the trust store, its certificate URL on 127.0.0.1), the sandbox delivers them over HTTP, and
the till's PayPal method announces each order to head office (``OrderRelay`` and
``PayPalOrderRegistrar``, from its own thread) while its agent pulls PayPal results beside
M-Pesa's (``pos.push_relay.result_pullers``). Each round sells one product by PayPal, the
customer approves after 0 to 1.5 s, and the capture is made with the till's own request id
(as its poll would make it) but its answer is not given to the till: the sale can only be
completed by the relayed result. Start: the ``received_at`` head office stored with the
verified ``PAYMENT.CAPTURE.COMPLETED`` webhook; end: the payment service returned on the
till worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.relay import CallbackRelay
from pos.payments.mpesa.sandbox import DEMO_PHONE, Decision, MpesaSandbox
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.relay import OrderRelay
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.push_relay import (
    PushResultApplier,
    attach_paypal_registrar,
    attach_registrar,
    result_pullers,
)
from pos.services.auth import Role
from pos.services.context import TerminalContext
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import DemoUser, Terminal
from pos.services.workers import Worker
from pos.store.models import Product
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.paypal_results import PayPalOrderRegistrar
from sync.agent.push_results import PushRegistrar, PushResultPuller

__all__ = ["run_callback_to_till", "run_callbacks", "run_paypal_webhook_to_till"]

ROUNDS = 15
PIN_DELAY_S = 1.5
ROUND_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[2]
PAYPAL_WEBHOOK_PATH = "/hooks/paypal/webhook"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _HeadOffice:
    """``kaunta-hq`` in child processes (their own process groups), SQLite in ``folder``."""

    def __init__(self, folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = folder / "hq.sqlite3"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "DATABASE_URL": f"sqlite:///{self.db}",
            "KAUNTA_HQ_SECRET_KEY": "bench-only-" + "x" * 40,
            "KAUNTA_HQ_DATA_DIR": str(folder),
            "KAUNTA_HQ_PUBLIC_URL": self.url,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            **(extra_env or {}),
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def _run(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"kaunta-hq {args[-1][:40]} failed: {out.stderr[-2000:]}")
        return out.stdout.strip()

    def start(self) -> str:
        """Migrate, make the demo store's enrollment code, serve and work; the code."""
        self._run("-m", "sync.server.cli", "migrate")
        code = self._run(
            "-c",
            "import django; django.setup()\n"
            "from sync.server.terminals.models import Organisation, Store, EnrollmentCode\n"
            "org, _ = Organisation.objects.get_or_create(name='Bench')\n"
            "store, _ = Store.objects.get_or_create(organisation=org, code='DEMO',"
            " defaults={'name': 'Bench store'})\n"
            "print(EnrollmentCode.make(store)[1])",
        )
        for args in (
            ["serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            ["worker", "--interval", "0.05"],
        ):
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "sync.server.cli", *args],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        end = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return code.splitlines()[-1]
            except OSError:
                if time.monotonic() > end:
                    raise RuntimeError("the head office did not become ready") from None
                time.sleep(0.1)

    def received_and_decided(self, attempt_id: str) -> tuple[float, float]:
        """When head office stored the (first) accepted callback of ``attempt_id``, and
        when its worker decided the push (epoch seconds)."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT min(r.received_at), a.decided_at FROM hq_callbacks_stkcallbackrecord r "
                "JOIN hq_callbacks_pushattempt a ON a.id = r.attempt_id WHERE a.attempt_id = ?",
                (attempt_id,),
            ).fetchone()
        finally:
            conn.close()
        if row is None or row[0] is None or row[1] is None:
            raise RuntimeError(f"head office has no decided callback for {attempt_id}")
        return _epoch(str(row[0])), _epoch(str(row[1]))

    def webhook_received_and_decided(self, order_id: str) -> tuple[float, float]:
        """When head office stored the (first) verified capture webhook of ``order_id``,
        and when its worker made the till's result from it (epoch seconds)."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            received = conn.execute(
                "SELECT min(received_at) FROM hq_callbacks_paypalwebhookevent "
                "WHERE order_id = ? AND event_type = 'PAYMENT.CAPTURE.COMPLETED'",
                (order_id,),
            ).fetchone()
            decided = conn.execute(
                "SELECT min(r.decided_at) FROM hq_callbacks_paypalresult r "
                "JOIN hq_callbacks_paypalorder o ON o.id = r.order_id WHERE o.order_id = ?",
                (order_id,),
            ).fetchone()
        finally:
            conn.close()
        if received is None or received[0] is None or decided is None or decided[0] is None:
            raise RuntimeError(f"head office has no decided webhook for order {order_id}")
        return _epoch(str(received[0])), _epoch(str(decided[0]))

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _epoch(stored: str) -> float:
    when = datetime.fromisoformat(stored)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


@contextlib.contextmanager
def _head_office(
    folder: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[_HeadOffice, str]]:
    office = _HeadOffice(folder, extra_env)
    try:
        code = office.start()
        yield office, code
    finally:
        office.stop()


@dataclass
class _RelayTill:
    """The bench's till: demo store, cashier signed in, M-Pesa against the sandbox, its
    sync agent (own thread) applying relayed results on ``worker`` (the till worker)."""

    terminal: Terminal
    payments: PaymentService
    worker: Worker
    agent: SyncAgent
    registrar: PushRegistrar | None
    barcode: str
    applied: dict[str, float] = field(default_factory=dict)
    done: threading.Condition = field(default_factory=threading.Condition)

    def heard(self, view: AttemptView) -> None:
        with self.done:
            self.applied.setdefault(view.attempt_id, time.time())
            self.done.notify_all()

    def sell(self) -> AttemptView:
        """Ring up one product and ask M-Pesa for it (on the till worker)."""

        def start() -> AttemptView:
            self.terminal.checkout.scan(self.barcode)
            due = self.terminal.checkout.view().totals.due
            return self.payments.start(
                "mpesa", self.payments.quote("mpesa", due).tender, DEMO_PHONE
            )

        return self.worker.submit(start).result(ROUND_TIMEOUT_S)

    def wait_applied(self, attempt_id: str) -> float:
        with self.done:
            if not self.done.wait_for(lambda: attempt_id in self.applied, ROUND_TIMEOUT_S):
                raise RuntimeError(f"{attempt_id} never reached the till")
            return self.applied[attempt_id]

    def close(self) -> None:
        self.agent.stop()
        if self.registrar is not None:
            self.registrar.close()
        self.worker.shutdown(timeout=10)
        self.terminal.close()


def _selling_terminal(folder: Path) -> tuple[Terminal, str]:
    """A training terminal over ``folder``'s demo database, the demo cashier at the sale
    screen with a shift open; and the barcode of a product that sells."""
    ctx = TerminalContext(StoreInfo("DEMO", "Bench store"), "T1", training=True)
    terminal = Terminal.open(folder / "kaunta.sqlite", ctx)
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
    terminal.auth.login(cashier.user_id, next(p for _n, r, p in DEMO_USERS if r == "cashier"))
    if terminal.shifts.current() is None:
        terminal.shifts.open({})
    with terminal.db.session() as s:
        found = s.query(Product.barcode).filter(Product.active, Product.price_minor > 0)
        barcode = next(str(b) for (b,) in found if b)
    return terminal, barcode


def _relay_till(folder: Path, url: str, token: str, sandbox_url: str) -> _RelayTill:
    terminal, barcode = _selling_terminal(folder)
    relay = CallbackRelay()
    settings = {"base_url": sandbox_url, "callback_relay": relay}
    mpesa = create_mpesa(MethodContext(training=True, currency="KES", settings=settings))
    payments = terminal.enable_payments({"mpesa": mpesa})
    worker = Worker("bench-till")
    applier = PushResultApplier(
        lambda: payments, lambda fn: worker.submit(fn).result(ROUND_TIMEOUT_S)
    )
    client = HeadOfficeClient(ClientSettings(url, read_timeout_s=10), token=token)
    agent = SyncAgent(
        terminal.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(training=True, app_version="bench"),
        push_results=PushResultPuller(terminal.db, client, applier),
    )
    registrar = attach_registrar(relay, url, token, None, agent.expect_push_result)
    till = _RelayTill(terminal, payments, worker, agent, registrar, barcode)
    applier.on_applied = till.heard
    agent.start()
    return till


def run_callback_to_till(rounds: int = ROUNDS) -> dict[str, Any]:
    """``callback_to_till_p50_s`` and its spread over ``rounds`` relayed payments."""
    lags: list[float] = []
    deciding: list[float] = []  # of which head office's worker took this long
    rng = random.Random(20261203)
    with tempfile.TemporaryDirectory(prefix="kaunta-bench-relay-") as tmp:
        folder = Path(tmp)
        (folder / "hq").mkdir()
        with _head_office(folder / "hq") as (office, code):
            enroll = HeadOfficeClient(ClientSettings(office.url))
            token = enroll.enroll(code, "Bench till").token
            enroll.close()
            sandbox = MpesaSandbox(local_callbacks=True).start()
            till = _relay_till(folder / "till", office.url, token, sandbox.base_url)
            try:
                for _ in range(rounds):
                    started = till.sell()
                    [push] = sandbox.pending()
                    # the customer takes a moment to type the PIN: callbacks land at any
                    # point of the agent's pull cycle, not just after the last result
                    time.sleep(rng.uniform(0.0, PIN_DELAY_S))
                    sandbox.decide(push.checkout_request_id, Decision.APPROVE)
                    at_till = till.wait_applied(started.attempt_id)
                    received, decided = office.received_and_decided(started.attempt_id)
                    lags.append(at_till - received)
                    deciding.append(decided - received)
                    if not till.terminal.checkout.view().is_empty:
                        raise RuntimeError("a relayed payment did not complete its sale")
            finally:
                till.close()
                sandbox.stop()
    lags.sort()
    return {
        "callback_to_till_p50_s": round(statistics.median(lags), 3),
        "callback_to_till_min_s": round(lags[0], 3),
        "callback_to_till_p90_s": round(lags[max(0, int(len(lags) * 0.9) - 1)], 3),
        "callback_to_till_max_s": round(lags[-1], 3),
        "callback_to_till_rounds": len(lags),
        # the part head office's worker took (stored -> decided), to read an outlier by
        "callback_decided_p50_s": round(statistics.median(deciding), 3),
        "callback_decided_max_s": round(max(deciding), 3),
    }


@dataclass
class _PayPalTill:
    """The bench's PayPal till: as :class:`_RelayTill`, with PayPal against the sandbox,
    its orders announced to head office, and the agent pulling PayPal results too."""

    terminal: Terminal
    payments: PaymentService
    method: PayPalMethod
    worker: Worker
    agent: SyncAgent
    registrar: PayPalOrderRegistrar
    barcode: str
    applied: dict[str, float] = field(default_factory=dict)
    done: threading.Condition = field(default_factory=threading.Condition)

    def heard(self, view: AttemptView) -> None:
        with self.done:
            self.applied.setdefault(view.attempt_id, time.time())
            self.done.notify_all()

    def sell(self) -> tuple[AttemptView, str]:
        """Ring up one product and ask PayPal for it (on the till worker); the order id."""

        def start() -> tuple[AttemptView, str]:
            self.terminal.checkout.scan(self.barcode)
            due = self.terminal.checkout.view().totals.due
            view = self.payments.start("paypal", due)  # asked in USD at the rate
            conn = sqlite3.connect(f"file:{self.terminal.db.path}?mode=ro", uri=True)
            try:
                row = conn.execute(
                    "SELECT gateway_ref FROM payment_attempts WHERE id = ?", (view.attempt_id,)
                ).fetchone()
            finally:
                conn.close()
            return view, str(row[0])

        return self.worker.submit(start).result(ROUND_TIMEOUT_S)

    def wait_registered(self, order_id: str) -> None:
        end = time.monotonic() + ROUND_TIMEOUT_S
        while (order_id, "registered") not in self.registrar.outcomes:
            if time.monotonic() > end:
                raise RuntimeError(f"order {order_id} never registered with head office")
            time.sleep(0.01)

    def wait_applied(self, attempt_id: str) -> float:
        with self.done:
            if not self.done.wait_for(lambda: attempt_id in self.applied, ROUND_TIMEOUT_S):
                raise RuntimeError(f"{attempt_id} never reached the till")
            return self.applied[attempt_id]

    def close(self) -> None:
        self.agent.stop()
        self.registrar.close()
        self.worker.shutdown(timeout=10)
        self.terminal.close()


def _paypal_till(folder: Path, url: str, token: str, sandbox_url: str) -> _PayPalTill:
    terminal, barcode = _selling_terminal(folder)
    relay = OrderRelay()
    settings = {"base_url": sandbox_url, "order_relay": relay}
    method = create_paypal(MethodContext(training=True, currency="KES", settings=settings))
    assert isinstance(method, PayPalMethod)
    payments = terminal.enable_payments({"paypal": method})
    worker = Worker("bench-till")
    applier = PushResultApplier(
        lambda: payments, lambda fn: worker.submit(fn).result(ROUND_TIMEOUT_S)
    )
    client = HeadOfficeClient(ClientSettings(url, read_timeout_s=10), token=token)
    agent = SyncAgent(
        terminal.db,
        client,
        store_id="DEMO",
        terminal_id="T1",
        settings=AgentSettings(training=True, app_version="bench"),
        push_results=result_pullers(terminal.db, client, applier),
    )
    registrar = attach_paypal_registrar(relay, url, token, None, agent.expect_push_result)
    assert registrar is not None
    till = _PayPalTill(terminal, payments, method, worker, agent, registrar, barcode)
    applier.on_applied = till.heard
    agent.start()
    return till


def run_paypal_webhook_to_till(rounds: int = ROUNDS) -> dict[str, Any]:
    """``paypal_webhook_to_till_p50_s`` and its spread over ``rounds`` relayed payments."""
    lags: list[float] = []
    deciding: list[float] = []  # of which head office's worker took this long
    rng = random.Random(20261204)
    with (
        tempfile.TemporaryDirectory(prefix="kaunta-bench-paypal-relay-") as tmp,
        PayPalSandbox() as sandbox,
    ):
        folder = Path(tmp)
        (folder / "hq").mkdir()
        trust = folder / "hq" / "paypal-trust.pem"
        trust.write_bytes(sandbox.signer.ca_pem)
        paypal_env = {
            "KAUNTA_HQ_PAYPAL_WEBHOOK_ID": sandbox.webhook_id,
            "KAUNTA_HQ_PAYPAL_VERIFY": "offline",
            "KAUNTA_HQ_PAYPAL_CERT_HOSTS": "127.0.0.1",
            "KAUNTA_HQ_PAYPAL_TRUST_STORE": str(trust),
            "KAUNTA_HQ_PAYPAL_CERT_INSECURE": "1",
        }
        with _head_office(folder / "hq", paypal_env) as (office, code):
            enroll = HeadOfficeClient(ClientSettings(office.url))
            token = enroll.enroll(code, "Bench PayPal till").token
            enroll.close()
            sandbox.add_webhook_listener(office.url + PAYPAL_WEBHOOK_PATH)
            till = _paypal_till(folder / "till", office.url, token, sandbox.base_url)
            try:
                for _ in range(rounds):
                    started, order_id = till.sell()
                    till.wait_registered(order_id)
                    # the customer scans the code and approves: webhooks land at any point
                    # of the agent's pull cycle
                    time.sleep(rng.uniform(0.0, PIN_DELAY_S))
                    sandbox.decide(order_id, "approve")
                    # the till's capture (its own request id), whose answer it never gets
                    captured = till.method.client.capture_order(
                        order_id, f"{started.attempt_id}-capture"
                    )
                    if captured.status != "COMPLETED":
                        raise RuntimeError(f"order {order_id} was not captured: {captured}")
                    at_till = till.wait_applied(started.attempt_id)
                    received, decided = office.webhook_received_and_decided(order_id)
                    lags.append(at_till - received)
                    deciding.append(decided - received)
                    if not till.terminal.checkout.view().is_empty:
                        raise RuntimeError("a relayed PayPal payment did not complete its sale")
            finally:
                till.close()
    lags.sort()
    return {
        "paypal_webhook_to_till_p50_s": round(statistics.median(lags), 3),
        "paypal_webhook_to_till_min_s": round(lags[0], 3),
        "paypal_webhook_to_till_p90_s": round(lags[max(0, int(len(lags) * 0.9) - 1)], 3),
        "paypal_webhook_to_till_max_s": round(lags[-1], 3),
        "paypal_webhook_to_till_rounds": len(lags),
        "paypal_webhook_decided_p50_s": round(statistics.median(deciding), 3),
        "paypal_webhook_decided_max_s": round(max(deciding), 3),
    }


def run_callbacks(args: argparse.Namespace) -> dict[str, Any]:
    """What ``pos.bench.headoffice`` asks of this module (``--json`` figures): M-Pesa's
    callback-to-till figure, then PayPal's webhook-to-till figure."""
    out = run_callback_to_till(int(getattr(args, "callback_rounds", ROUNDS)))
    paypal_rounds = int(getattr(args, "paypal_rounds", ROUNDS))
    if paypal_rounds > 0:
        out.update(run_paypal_webhook_to_till(paypal_rounds))
    return out


if __name__ == "__main__":  # a quick look: python -m pos.bench.callbacks [paypal]
    if sys.argv[1:] == ["paypal"]:
        print(json.dumps(run_paypal_webhook_to_till()))
    else:
        print(json.dumps(run_callback_to_till()))
