"""The training till as the app wires it (``pos.app.start_payments`` and ``start_sync``):
its M-Pesa pushes are registered with its own local head office (the product's, a real
child process), the training sandbox calls that head office back over loopback, the head
office's task worker decides the push, and the till's sync agent applies the result. The
till never polls M-Pesa here: only the relay can complete the sale."""

from __future__ import annotations

import csv
import json
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Any

from pos.app import open_terminal, start_payments, start_sync
from pos.config import load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.payments.mpesa.sandbox import DEMO_PHONE
from pos.push_relay import inline
from tests.shift_open import ensure_shift

WAIT_S = 180.0  # the training head office migrates first: slow on a loaded machine


def _sandbox(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path,
        data,
        {"Content-Type": "application/json"},
        method="GET" if data is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _attempt(db: Path, attempt_id: str) -> tuple[str, str, str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT state, resolution, gateway_ref FROM payment_attempts WHERE id = ?",
            (attempt_id,),
        ).fetchone()
    finally:
        conn.close()
    return (str(row[0]), str(row[1]), str(row[2]))


def test_a_training_till_gets_its_mpesa_result_through_its_own_head_office(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text("[terminal]\ntraining = true\n[sync]\npoll_seconds = 1\n", encoding="utf-8")
    config = load_config(path, data_dir=tmp_path / "data", env={})
    terminal, lock = open_terminal(config)
    payments = start_payments(config, terminal)
    link = start_sync(config, terminal, background=False, relay=payments.relay)
    try:
        link.run_on_till = inline  # this test's thread does no till work meanwhile
        assert link.training_hq is not None, terminal.headoffice.view()
        assert payments.relay.attached
        name, _role, pin = next(u for u in DEMO_USERS if u[1] == "cashier")
        user = next(u for u in terminal.auth.users() if u.name == name)
        terminal.auth.login(user.user_id, pin)
        ensure_shift(terminal)
        with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
            barcode = next(r["barcode"] for r in csv.DictReader(f) if r["barcode"])
        terminal.checkout.scan(barcode)
        service = terminal.payments
        assert service is not None
        due = terminal.checkout.view().totals.due
        started = service.start("mpesa", service.quote("mpesa", due).tender, DEMO_PHONE)
        assert started.state.value == "pending"
        checkout = _attempt(config.database_path, started.attempt_id)[2]
        mpesa = payments.urls["mpesa"]
        _sandbox(
            mpesa, "/__sandbox__/customer", {"checkout_request_id": checkout, "decision": "approve"}
        )

        end = time.monotonic() + WAIT_S
        while _attempt(config.database_path, started.attempt_id)[:2] != ("captured", "applied"):
            assert time.monotonic() < end, _attempt(config.database_path, started.attempt_id)
            time.sleep(0.2)

        [callback] = _sandbox(mpesa, "/__sandbox__/callbacks")["callbacks"]
        assert callback["url"].startswith(f"{link.training_hq.url}/hooks/stk/{started.attempt_id}/")
        assert callback["status"] == 200
        assert terminal.checkout.view().is_empty  # the relayed payment completed the sale
    finally:
        link.stop()
        payments.close()
        terminal.close()
        lock.release()
