"""``callback_ack_p99_ms`` for ``kaunta bench headoffice``: how fast head office answers a
gateway's callback while 200 of them arrive every second.

Everything real on this machine: ``kaunta-hq serve`` (gunicorn, the product's default number
of workers and threads) and one ``kaunta-hq worker`` draining the queue at the same time, on
the database ``kaunta bench headoffice`` migrated (a throwaway PostgreSQL cluster with
durable commits by default; see :mod:`pos.bench.headoffice`). The load is open-loop:
callback *i* of a round is due at ``start + i / rate`` and its time is counted from that
moment, not from when a sender got round to it, so a server that falls behind shows it (no
coordinated omission). Sixteen sender threads with keep-alive connections send them.

Two kinds, each ``--ack-rounds`` rounds of ``--ack-seconds`` seconds:

- ``callback_ack_*``: M-Pesa STK callbacks (Daraja's body, the CallBackURL with its HMAC
  token, amount and phone checked against the registered push, stored, task enqueued);
- ``paypal_webhook_ack_*``: PayPal webhooks signed by the PayPal sandbox, verified offline
  (the certificate fetched once per server process, then the chain and the RSA signature
  checked on every request), stored, task enqueued.

The figure is the median over rounds of each round's 99th percentile; the rounds' lowest and
highest p99 give the spread, ``*_p99_rounds_ms`` lists every round's, and
``*_p99_pooled_ms`` is the 99th percentile of every answer of every round taken together
(a round that a burst of other work on the machine slowed counts in it in full).
``callback_backlog_at_end``: the STK callbacks stored but not yet decided by the worker when
the last STK round's answers are in (whether processing keeps up with the acknowledgements).
Every answer must be a 200 acceptance: anything else is counted in ``*_errors`` (and the
figure is not to be trusted if that is not 0).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["run_callback_ack"]

ROOT = Path(__file__).resolve().parents[2]
SENDERS = 16
PHONE = "254708374149"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _stk_body(checkout: str, amount: int) -> bytes:
    return json.dumps(
        {
            "Body": {
                "stkCallback": {
                    "MerchantRequestID": "29115-34620561-1",
                    "CheckoutRequestID": checkout,
                    "ResultCode": 0,
                    "ResultDesc": "The service request is processed successfully.",
                    "CallbackMetadata": {
                        "Item": [
                            {"Name": "Amount", "Value": amount},
                            {"Name": "MpesaReceiptNumber", "Value": checkout[-10:].upper()},
                            {"Name": "TransactionDate", "Value": 20260302103000},
                            {"Name": "PhoneNumber", "Value": int(PHONE)},
                        ]
                    },
                }
            }
        }
    ).encode()


def _paypal_body(n: int) -> bytes:
    event = {
        "id": f"WH-BENCH{n:09d}-{secrets.token_hex(6).upper()}",
        "event_version": "1.0",
        "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resource_type": "capture",
        "resource_version": "2.0",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "summary": "Payment completed for 5.00 USD",
        "resource": {
            "id": secrets.token_hex(8).upper()[:17],
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "5.00"},
            "supplementary_data": {"related_ids": {"order_id": f"BENCH{n:012d}"}},
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


class _Server:
    """``kaunta-hq serve`` and one ``kaunta-hq worker`` in their own process groups."""

    def __init__(self, database_url: str, folder: Path, extra_env: dict[str, str]) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            **extra_env,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "DATABASE_URL": database_url,
            "KAUNTA_HQ_DATA_DIR": str(folder),
            "KAUNTA_HQ_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for args in (
            ["serve", "--bind", f"127.0.0.1:{self.port}"],
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
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                if time.monotonic() > end:
                    raise RuntimeError("the head office did not become ready") from None
                time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _fire(
    port: int, requests: list[tuple[str, bytes, dict[str, str]]], rate: float, ok: bytes
) -> tuple[list[float], int, float]:
    """Send ``requests`` open-loop at ``rate``/s; latencies (ms) from each one's due time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = itertools.count()
    start = time.perf_counter() + 0.2

    def sender() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            i = next(counter)
            if i >= len(requests):
                break
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            path, body, headers = requests[i]
            try:
                conn.request("POST", path, body, {"Content-Type": "application/json", **headers})
                answer = conn.getresponse()
                content = answer.read()
                good = answer.status == 200 and ok in content
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                good = False
            took = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(took)
                errors += 0 if good else 1
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return latencies, errors, len(requests) / elapsed if elapsed > 0 else 0.0


def _summary(prefix: str, rounds: list[tuple[list[float], int, float]]) -> dict[str, Any]:
    p99s = [_percentile(lat, 0.99) for lat, _, _ in rounds]
    every = [x for lat, _, _ in rounds for x in lat]
    return {
        f"{prefix}_p99_ms": round(statistics.median(p99s), 1),
        f"{prefix}_p99_min_ms": round(min(p99s), 1),
        f"{prefix}_p99_max_ms": round(max(p99s), 1),
        f"{prefix}_p99_rounds_ms": [round(p, 1) for p in p99s],
        f"{prefix}_p99_pooled_ms": round(_percentile(every, 0.99), 1),
        f"{prefix}_p50_ms": round(statistics.median(every), 1),
        f"{prefix}_max_ms": round(max(every), 1),
        f"{prefix}_rate_per_s": round(statistics.median(r for _, _, r in rounds), 1),
        f"{prefix}_count": len(every),
        f"{prefix}_errors": sum(e for _, e, _ in rounds),
    }


def _waiting(terminal: Any) -> int:
    """This bench's stored STK callbacks the worker has not decided yet."""
    from sync.server.callbacks.models import StkCallbackRecord

    return int(
        StkCallbackRecord.objects.filter(attempt__terminal=terminal, state="received").count()
    )


def run_callback_ack(
    database_url: str, rate: float = 200.0, seconds: float = 5.0, rounds: int = 3
) -> dict[str, Any]:
    """Both figures with their spread; Django must be set up on ``database_url`` already."""
    from django.db import connections

    from pos.payments.paypal.sandbox import PayPalSandbox
    from sync.server.callbacks.models import PushAttempt
    from sync.server.callbacks.tokens import phone_hash, token_for
    from sync.server.terminals.models import Organisation, Store, Terminal

    per_round = int(rate * seconds)
    secret = secrets.token_hex(32)
    os.environ["KAUNTA_HQ_CALLBACK_SECRET"] = secret  # the tokens made here are the server's
    org = Organisation.objects.create(name=f"Ack bench {secrets.token_hex(3)}")
    store = Store.objects.create(organisation=org, code="ACK" + secrets.token_hex(3).upper())
    terminal = Terminal.objects.create(
        store=store, code="T1", name="Bench till", token_hash=secrets.token_hex(32)
    )
    attempts = [
        PushAttempt(
            attempt_id=f"ack-{secrets.token_hex(12)}",
            terminal=terminal,
            amount_minor=65000,
            phone_hash=phone_hash(PHONE),
        )
        for _ in range(per_round * rounds)
    ]
    PushAttempt.objects.bulk_create(attempts, batch_size=500)
    stk: list[tuple[str, bytes, dict[str, str]]] = [
        (
            f"/hooks/stk/{a.attempt_id}/{token_for(a.attempt_id)}",
            _stk_body(f"ws_CO_{a.attempt_id[-12:]}", 650),
            {},
        )
        for a in attempts
    ]
    with tempfile.TemporaryDirectory(prefix="kaunta-bench-ack-") as tmp, PayPalSandbox() as sb:
        trust = Path(tmp) / "paypal-trust.pem"
        trust.write_bytes(sb.signer.ca_pem)
        server = _Server(
            database_url,
            Path(tmp),
            {
                "KAUNTA_HQ_SECRET_KEY": "bench-only-" + "y" * 40,
                "KAUNTA_HQ_CALLBACK_SECRET": secret,
                "KAUNTA_HQ_PAYPAL_WEBHOOK_ID": sb.webhook_id,
                "KAUNTA_HQ_PAYPAL_CERT_HOSTS": "127.0.0.1",
                "KAUNTA_HQ_PAYPAL_TRUST_STORE": str(trust),
                "KAUNTA_HQ_PAYPAL_CERT_INSECURE": "1",
                # all the load comes from one address here; Daraja and PayPal send from
                # several, and the product's 6000/min per address is below 200/s from one
                "KAUNTA_HQ_THROTTLE_ADDRESS": "1000000/min",
            },
        )
        connections.close_all()  # the server processes write this database now
        server.start()
        try:
            stk_rounds = [
                _fire(
                    server.port, stk[r * per_round : (r + 1) * per_round], rate, b'"ResultCode":0'
                )
                for r in range(rounds)
            ]
            backlog = _waiting(terminal)
            connections.close_all()
            paypal_rounds = []
            for r in range(rounds):
                # signed just before the round: the transmission time is checked against now
                requests = []
                for n in range(per_round):
                    body = _paypal_body(r * per_round + n)
                    headers = sb.signer.headers(body, sb.webhook_id, sb.cert_url, datetime.now(UTC))
                    requests.append(("/hooks/paypal/webhook", body, headers))
                paypal_rounds.append(_fire(server.port, requests, rate, b'"accepted"'))
        finally:
            server.stop()
    out = {"callback_ack_target_rate_per_s": rate, "callback_ack_rounds": rounds}
    out.update(_summary("callback_ack", stk_rounds))
    # stored but not yet decided by the worker when the last STK answer came: whether
    # processing keeps up with the rate (0 or a batch's worth) or falls behind
    out["callback_backlog_at_end"] = backlog
    out.update(_summary("paypal_webhook_ack", paypal_rounds))
    return out
