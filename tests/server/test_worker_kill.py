"""Workers killed mid-task: every callback is still processed exactly once.

Real processes throughout: ``kaunta-hq serve`` (gunicorn) receives M-Pesa STK callbacks
over real HTTP and PayPal webhooks that the PayPal sandbox signs and delivers itself (orders
created, approved and captured through its real API); ``kaunta-hq worker`` processes (the
``stk`` queue's wake-up tasks deciding stored callbacks in batches, beside the default
queue's tasks, both run by django-tasks' database worker) are SIGKILLed while they work.

- PostgreSQL, deterministic, mid-batch: the test holds a row lock on the 8th STK
  callback's attempt, so the STK wake-up task claims its batch (every stored record, locked in
  one transaction) and blocks while it locks the batch's attempts; then it is killed. The
  batch's transaction was never committed: every record is waiting again, no attempt
  decided; the next worker (lease 0 s, for a PayPal task the kill may have left RUNNING)
  claims them again, and everything ends processed once.
- SQLite: a worker is killed at random moments five times over, then one runs to the end.

"Exactly once" is read from the results: each attempt decided once with its own result
number, each capture one PayPal result, the till's pulls listing each once, no task left
RUNNING.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos.payments.paypal.sandbox import PayPalSandbox
from sync.server.callbacks.tokens import wire_phone_hash
from sync.server.devcluster import free_port
from tests.server.factory import new_id
from tests.server.test_callbacks import PHONE, body

ROOT = Path(__file__).resolve().parents[2]
N_STK = 16
N_PAYPAL = 12


def call(
    url: str, method: str = "GET", payload: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def shell(env: dict[str, str], code: str) -> str:
    script = "import django; django.setup()\n" + code
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def worker(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "worker", "--interval", "0.05", *extra],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


class HeadOffice:
    """A migrated head office served by gunicorn, one enrolled till, a PayPal sandbox."""

    def __init__(self, database_url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.sandbox = PayPalSandbox().start()
        trust = tmp / "paypal-trust.pem"
        trust.write_bytes(self.sandbox.signer.ca_pem)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "DATABASE_URL": database_url,
            "KAUNTA_HQ_DATA_DIR": str(tmp),
            "KAUNTA_HQ_SECRET_KEY": "test-only-" + "k" * 40,
            "KAUNTA_HQ_PAYPAL_WEBHOOK_ID": self.sandbox.webhook_id,
            "KAUNTA_HQ_PAYPAL_CERT_HOSTS": "127.0.0.1",
            "KAUNTA_HQ_PAYPAL_TRUST_STORE": str(trust),
            "KAUNTA_HQ_PAYPAL_CERT_INSECURE": "1",
            "PYTHONPATH": str(ROOT),
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "sync.server.cli", "migrate"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=180,
        )
        assert migrate.returncode == 0, migrate.stderr
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env["KAUNTA_HQ_PUBLIC_URL"] = self.url  # where the CallBackURLs point
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "server.log").open("wb"),
        )
        for _ in range(400):
            try:
                if call(self.url + "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the head office did not become ready")
        code = shell(
            self.env,
            "from sync.server.terminals.models import Organisation, Store, EnrollmentCode\n"
            "org = Organisation.objects.create(name='Kill Chain')\n"
            "store = Store.objects.create(organisation=org, code='NBO9', name='Nairobi 9',"
            " kra_pin='P051234567X')\n"
            "print(EnrollmentCode.make(store)[1])",
        )
        status, enrolled = call(
            self.url + "/api/v1/enroll", "POST", {"code": code, "terminal_name": "Till 1"}
        )
        assert status == 201, enrolled
        self.auth = {"Authorization": f"Token {enrolled['token']}"}
        self.sandbox.add_webhook_listener(self.url + "/hooks/paypal/webhook")

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)
        self.sandbox.stop()

    # -- traffic --------------------------------------------------------------------------
    def stk_callbacks(self, n: int) -> list[str]:
        attempts = []
        for i in range(n):
            attempt = new_id()
            status, answer = call(
                self.url + "/api/v1/pushes",
                "POST",
                {
                    "attempt_id": attempt,
                    "amount_minor": 65000,
                    "phone_hash": wire_phone_hash(PHONE),
                },
                self.auth,
            )
            assert status == 200, answer
            status, ack = call(answer["callback_url"], "POST", body(f"ws_CO_kill_{i}"))
            assert (status, ack["ResultCode"]) == (200, 0), ack
            attempts.append(attempt)
        return attempts

    def paypal_captures(self, n: int) -> list[str]:
        sb = self.sandbox.base_url
        token_request = urllib.request.Request(
            sb + "/v1/oauth2/token", data=b"grant_type=client_credentials", method="POST"
        )
        basic = base64.b64encode(
            f"{self.sandbox.client_id}:{self.sandbox.client_secret}".encode()
        ).decode()
        token_request.add_header("Authorization", f"Basic {basic}")
        with urllib.request.urlopen(token_request, timeout=10) as answer:
            bearer = {"Authorization": "Bearer " + json.loads(answer.read())["access_token"]}
        orders = []
        for i in range(n):
            value = f"5.{i + 10:02d}"
            status, order = call(
                sb + "/v2/checkout/orders",
                "POST",
                {
                    "intent": "CAPTURE",
                    "purchase_units": [{"amount": {"currency_code": "USD", "value": value}}],
                },
                {**bearer, "PayPal-Request-Id": str(uuid.uuid4())},
            )
            assert status == 201, order
            status, registered = call(
                self.url + "/api/v1/paypal-orders",
                "POST",
                {"order_id": order["id"], "amount_minor": 500 + i + 10, "currency": "USD"},
                self.auth,
            )
            assert status == 200, registered
            call(
                sb + "/__sandbox__/customer",
                "POST",
                {"order_id": order["id"], "decision": "approve"},
            )
            status, captured = call(
                sb + f"/v2/checkout/orders/{order['id']}/capture",
                "POST",
                {},
                {**bearer, "PayPal-Request-Id": str(uuid.uuid4())},
            )
            assert status == 201, captured
            orders.append(order["id"])
        assert self.sandbox.flush_webhooks(timeout=60)
        delivered = [d for r in self.sandbox.webhook_events for d in r.deliveries]
        assert delivered
        assert all(d.get("status") == 200 for d in delivered), delivered
        return orders

    def counts(self) -> dict[str, Any]:
        return dict(
            json.loads(
                shell(
                    self.env,
                    "import json\n"
                    "from django_tasks_db.models import DBTaskResult\n"
                    "from sync.server.callbacks.models import PushAttempt, StkCallbackRecord\n"
                    "from sync.server.callbacks.paypal_models import PayPalResult,"
                    " PayPalWebhookEvent\n"
                    "from django.db.models import Count\n"
                    "print(json.dumps({\n"
                    " 'tasks': {r['status']: r['n'] for r in"
                    "  DBTaskResult.objects.values('status').annotate(n=Count('pk'))},\n"
                    " 'stk': {r['state']: r['n'] for r in"
                    "  StkCallbackRecord.objects.values('state').annotate(n=Count('pk'))},\n"
                    " 'events': {r['state']: r['n'] for r in"
                    "  PayPalWebhookEvent.objects.values('state').annotate(n=Count('pk'))},\n"
                    " 'seqs': list(PushAttempt.objects.exclude(result_seq=0)"
                    ".values_list('result_seq', flat=True)),\n"
                    " 'paypal_results': PayPalResult.objects.count(),\n"
                    "}))",
                )
            )
        )

    def pulled(self) -> tuple[list[str], list[str]]:
        status, pushes = call(self.url + "/api/v1/push-results?after=0", headers=self.auth)
        assert status == 200
        status, paypal = call(self.url + "/api/v1/paypal-results?after=0", headers=self.auth)
        assert status == 200
        return (
            [r["attempt_id"] for r in pushes["results"]],
            [r["order_id"] for r in paypal["results"]],
        )


def check_exactly_once(hq: HeadOffice, attempts: list[str], orders: list[str]) -> None:
    got = hq.counts()
    assert got["stk"] == {"done": len(attempts)}, got
    # + CHECKOUT.ORDER.APPROVED and CHECKOUT.ORDER.COMPLETED for each, stored and ignored
    assert got["events"] == {"done": len(orders), "ignored": 2 * len(orders)}, got
    assert sorted(got["seqs"]) == list(range(1, len(attempts) + 1))  # each decided once
    assert got["paypal_results"] == len(orders)
    assert "RUNNING" not in got["tasks"], got
    pushes, paypal = hq.pulled()
    assert sorted(pushes) == sorted(attempts)
    assert sorted(paypal) == sorted(orders)


def processed(db: sqlite3.Connection) -> int:
    """Stored callbacks and events a worker has finished with (read straight from SQLite)."""
    (n,) = db.execute(
        "SELECT (SELECT count(*) FROM hq_callbacks_stkcallbackrecord WHERE state != 'received')"
        " + (SELECT count(*) FROM hq_callbacks_paypalwebhookevent WHERE state != 'received')"
    ).fetchone()
    return int(n)


def running_tasks(db: sqlite3.Connection) -> int:
    (n,) = db.execute(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    ).fetchone()
    return int(n)


@pytest.fixture
def pg_hq(pg_url: str, tmp_path: Path) -> Iterator[tuple[HeadOffice, str]]:
    import psycopg

    name = "kill_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    hq = HeadOffice(url, tmp_path)
    try:
        yield hq, url
    finally:
        hq.close()


@contextlib.contextmanager
def _stuck_mid_batch(
    hq: HeadOffice, url: str, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker (started with ``env``) stuck inside its STK batch: the test holds the 8th
    callback's attempt, so the wake-up claims its batch (all the records, locked in one
    transaction) and waits inside it for that attempt's row lock. Yields the worker while
    it waits; the lock is let go when the block ends."""
    import psycopg

    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watch:
        (eighth,) = holder.execute(
            "SELECT attempt_id FROM hq_callbacks_stkcallbackrecord ORDER BY id OFFSET 7 LIMIT 1"
        ).fetchone() or (None,)
        holder.execute(
            "SELECT id FROM hq_callbacks_pushattempt WHERE id = %s FOR UPDATE", (eighth,)
        )
        stuck = worker(env, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (waiting,) = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                ("%hq_callbacks_pushattempt%",),
            ).fetchone() or (0,)
            if waiting:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the worker never got stuck in its batch: {hq.counts()}")
        yield stuck
        holder.rollback()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_leaves_every_callback_processed_once_postgresql(
    pg_hq: tuple[HeadOffice, str], tmp_path: Path
) -> None:
    hq, url = pg_hq
    attempts = hq.stk_callbacks(N_STK)
    orders = hq.paypal_captures(N_PAYPAL)
    log = tmp_path / "workers.log"
    with _stuck_mid_batch(hq, url, hq.env, log) as first:
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    left = hq.counts()
    # the killed batch's transaction (every record claimed) was rolled back whole: nothing
    # half done, every record waiting again
    assert left["stk"] == {"received": N_STK}, left
    assert not left["seqs"], left
    # a new worker (0 s lease for a PayPal task the kill may have left RUNNING): the
    # batch is claimed again and everything ends processed once
    second = worker({**hq.env, "KAUNTA_HQ_TASK_LEASE_S": "0"}, log, "--batch")
    assert second.wait(timeout=120) == 0, log.read_text()[-3000:]
    check_exactly_once(hq, attempts, orders)
    assert "Re-enqueued" in log.read_text()


@pytest.mark.slow
def test_a_worker_frozen_mid_batch_holds_no_callback_back_for_long_postgresql(
    pg_hq: tuple[HeadOffice, str], tmp_path: Path
) -> None:
    """A worker that stops mid-batch without dying (a lost VM, SIGSTOP: its socket stays
    open) would keep its claimed records locked, and SKIP LOCKED would make every other
    worker pass them by; the session's idle-in-transaction timeout ends it (3 s here,
    60 s by default), and a live worker decides them."""
    hq, url = pg_hq
    env = {**hq.env, "KAUNTA_HQ_PG_IDLE_TX_TIMEOUT_S": "3"}
    attempts = hq.stk_callbacks(N_STK)
    log = tmp_path / "workers.log"
    with _stuck_mid_batch(hq, url, env, log) as frozen:
        frozen.send_signal(signal.SIGSTOP)  # its batch holds every record it claimed
    # the batch's statement finishes once the lock is let go; the frozen client never commits
    live = worker(env, log)
    try:
        deadline = time.monotonic() + 90
        while hq.counts()["stk"] != {"done": N_STK} and time.monotonic() < deadline:
            time.sleep(0.5)
        assert hq.counts()["stk"] == {"done": N_STK}, (hq.counts(), log.read_text()[-3000:])
    finally:
        live.send_signal(signal.SIGTERM)
        frozen.send_signal(signal.SIGKILL)
        frozen.wait(timeout=10)
        live.wait(timeout=60)
    assert len(set(hq.counts()["seqs"])) == N_STK  # each decided once, its own number
    assert len(attempts) == N_STK


@pytest.mark.slow
def test_workers_killed_at_random_moments_leave_every_callback_processed_once_sqlite(
    tmp_path: Path,
) -> None:
    hq = HeadOffice(f"sqlite:///{tmp_path / 'hq.sqlite3'}", tmp_path)
    try:
        attempts = hq.stk_callbacks(N_STK)
        orders = hq.paypal_captures(N_PAYPAL)
        log = tmp_path / "workers.log"
        db = sqlite3.connect(tmp_path / "hq.sqlite3", timeout=30)
        total = N_STK + 3 * N_PAYPAL  # each capture: APPROVED, COMPLETED, ORDER.COMPLETED
        # kill each worker once the queue has gone past a random point (so it is working)
        marks = sorted(random.Random(20261203).sample(range(1, total - 1), 5))
        left_running = 0
        for mark in marks:
            proc = worker(hq.env, log)
            while processed(db) < mark and proc.poll() is None:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            left_running = running_tasks(db)  # claims that no worker will finish
        assert processed(db) < total  # the last kill still left work to do
        db.close()
        last = worker({**hq.env, "KAUNTA_HQ_TASK_LEASE_S": "0"}, log, "--batch")
        assert last.wait(timeout=180) == 0, log.read_text()[-3000:]
        check_exactly_once(hq, attempts, orders)
        print(
            f"\nkills at {marks} of {total}; tasks RUNNING after the last kill "
            f"(released by the lease): {left_running}"
        )
    finally:
        hq.close()
