"""Training mode's PayPal sandbox sends its signed webhooks to the training head office.

The whole demo as the app wires it (``pos.app.start_payments`` and ``start_sync``): the PayPal
sandbox in the till's process, the training head office as a real child process
(``pos.training_hq``) verifying the sandbox's webhooks offline, and the till's sync agent
pulling the PayPal results. The till never polls PayPal here: the capture's answer is lost
to it (made with the till's own request id, as its poll would make it), so only the relay
can complete the sale. A webhook signed by another certificate chain is refused there and
changes nothing. :class:`pos.payments.paypal.training_hq_link.PayPalWebhookLink` joins the
two in either order.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pos.app import open_terminal, start_payments, start_sync
from pos.config import load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import DEMO_WEBHOOK_ID, PayPalSandbox
from pos.payments.paypal.training_hq_link import (
    PAYPAL_TRUST_FILE,
    PAYPAL_WEBHOOKS,
    PayPalWebhookLink,
    paypal_env,
)
from pos.payments.registry import MethodContext
from pos.push_relay import inline
from pos.training_hq import TrainingHeadOffice, _FileSecrets
from sync.agent import ClientSettings, HeadOfficeClient
from sync.agent.enroll import load
from tests.shift_open import ensure_shift

WAIT_S = 180.0  # the training head office migrates first: slow on a loaded machine


def _attempt(db: Path, attempt_id: str) -> tuple[str, str, str, str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT state, resolution, gateway_ref, receipt_ref FROM payment_attempts WHERE id = ?",
            (attempt_id,),
        ).fetchone()
    finally:
        conn.close()
    return (str(row[0]), str(row[1]), str(row[2]), str(row[3]))


def _wait(what: str, check: Any) -> Any:
    end = time.monotonic() + WAIT_S
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < end, f"{what} not within {WAIT_S}s"
        time.sleep(0.1)


def _post_signed(url: str, event: dict[str, Any], forger: PayPalSandbox) -> int:
    """POST ``event`` signed by ``forger``'s own chain (served by it on 127.0.0.1)."""
    body = json.dumps(event, separators=(",", ":")).encode()
    headers = forger.signer.headers(body, forger.webhook_id, forger.cert_url, datetime.now(UTC))
    request = urllib.request.Request(url, body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_training_till_gets_its_paypal_result_through_its_own_head_office(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text("[terminal]\ntraining = true\n[sync]\npoll_seconds = 1\n", encoding="utf-8")
    config = load_config(path, data_dir=tmp_path / "data", env={})
    terminal, lock = open_terminal(config)
    payments = start_payments(config, terminal)
    link = start_sync(
        config,
        terminal,
        background=False,
        relay=payments.relay,
        paypal_relay=payments.paypal_relay,
    )
    forger = PayPalSandbox().start()  # another chain, same webhook id: not the trusted one
    try:
        link.run_on_till = inline  # this test's thread does no till work meanwhile
        hq = link.training_hq
        assert hq is not None, terminal.headoffice.view()
        paypal_url = payments.urls["paypal"]
        assert (hq.paypal_webhook_url, paypal_url) in PAYPAL_WEBHOOKS.joined
        trust = (hq.folder / PAYPAL_TRUST_FILE).read_bytes()
        assert b"BEGIN CERTIFICATE" in trust
        assert payments.paypal_relay.attached

        name, _role, pin = next(u for u in DEMO_USERS if u[1] == "cashier")
        user = next(u for u in terminal.auth.users() if u.name == name)
        terminal.auth.login(user.user_id, pin)
        ensure_shift(terminal)
        with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
            barcode = next(r["barcode"] for r in csv.DictReader(f) if r["barcode"])
        terminal.checkout.scan(barcode)
        service = terminal.payments
        assert service is not None
        started = service.start("paypal", terminal.checkout.view().totals.due)
        assert started.state.value == "pending"
        order_id = _attempt(config.database_path, started.attempt_id)[2]
        creds = load(_FileSecrets(hq.till_file))  # the training token, kept beside it
        assert creds is not None
        token = creds.token
        client = HeadOfficeClient(ClientSettings(hq.url), token=token)

        def results() -> list[dict[str, Any]]:
            return [r for r in client.paypal_results(0)["results"] if r["order_id"] == order_id]

        # the order reaches head office from the registrar's thread
        registrar = link._paypal_registrar
        assert registrar is not None
        _wait("registration", lambda: (order_id, "registered") in registrar.outcomes)

        # a webhook for it signed by a chain the training head office does not trust is
        # refused and makes no result
        tender = started.tender
        value = tender.amount_text()
        forged = {
            "id": "WH-FORGED000000000-000000000000000000",
            "event_version": "1.0",
            "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resource_type": "capture",
            "event_type": "PAYMENT.CAPTURE.COMPLETED",
            "resource": {
                "id": "FORGEDCAPTURE0001",
                "status": "COMPLETED",
                "amount": {"currency_code": tender.currency, "value": value},
                "supplementary_data": {"related_ids": {"order_id": order_id}},
            },
        }
        assert forger.webhook_id == DEMO_WEBHOOK_ID
        assert _post_signed(hq.paypal_webhook_url, forged, forger) in (400, 401, 403)

        # the customer approves; the till's capture is made but its answer lost
        box_client = create_paypal(
            MethodContext(training=True, currency="KES", settings={"base_url": paypal_url})
        )
        assert isinstance(box_client, PayPalMethod)
        request = urllib.request.Request(
            paypal_url + "/__sandbox__/customer",
            json.dumps({"order_id": order_id, "decision": "approve"}).encode(),
            {"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        captured = box_client.client.capture_order(order_id, f"{started.attempt_id}-capture")
        assert captured.status == "COMPLETED"
        capture_id = captured.captures[-1].id

        applied = _wait(
            "the relayed result applied",
            lambda: (
                _attempt(config.database_path, started.attempt_id)[:2] == ("captured", "applied")
            ),
        )
        assert applied
        assert _attempt(config.database_path, started.attempt_id)[3] == capture_id
        assert terminal.checkout.view().is_empty  # the relayed payment completed the sale
        [result] = results()  # the forged event made none
        assert (result["state"], result["capture_id"]) == ("paid", capture_id)
        with urllib.request.urlopen(paypal_url + "/__sandbox__/webhooks", timeout=10) as r:
            events = json.loads(r.read())["events"]
        completed = [e for e in events if e["event_type"] == "PAYMENT.CAPTURE.COMPLETED"]
        assert [d["status"] for e in completed for d in e["deliveries"]] == [200]
        assert completed[0]["deliveries"][0]["url"] == hq.paypal_webhook_url
        client.close()
        # the head office stops with the sync link: the sandbox no longer sends to it
        link.stop()
        with urllib.request.urlopen(paypal_url + "/__sandbox__/webhooks", timeout=10) as r:
            assert hq.paypal_webhook_url not in json.loads(r.read())["listeners"]
    finally:
        link.stop()
        payments.close()
        terminal.close()
        lock.release()
        forger.stop()


def test_the_link_joins_sandbox_and_head_office_in_either_order(tmp_path: Path) -> None:
    first = PayPalSandbox().start()
    other = PayPalSandbox(webhook_id="SOMEOTHERWEBHOOK").start()
    try:
        # the head office first (its port known, as after start), then the sandbox
        link = PayPalWebhookLink()
        office = TrainingHeadOffice(tmp_path / "a", "DEMO", "Demo")
        office.folder.mkdir()
        office.port = 45678
        link.offer_head_office(office)
        assert link.joined == []
        assert not (office.folder / PAYPAL_TRUST_FILE).exists()
        link.offer_sandbox(first)
        assert link.joined == [(office.paypal_webhook_url, first.base_url)]
        assert (office.folder / PAYPAL_TRUST_FILE).read_bytes() == first.signer.ca_pem
        assert first.webhook_urls == [office.paypal_webhook_url]
        trust_setting = paypal_env(office.folder)["KAUNTA_HQ_PAYPAL_TRUST_STORE"]
        assert Path(trust_setting) == (office.folder / PAYPAL_TRUST_FILE).resolve()
        # the head office stops: no more deliveries to it
        link.withdraw_head_office(office)
        assert first.webhook_urls == []

        # the sandbox first, then the head office
        later = TrainingHeadOffice(tmp_path / "b", "DEMO", "Demo")
        later.folder.mkdir()
        later.port = 45679
        link.offer_head_office(later)
        assert first.webhook_urls == [later.paypal_webhook_url]
        assert (later.folder / PAYPAL_TRUST_FILE).read_bytes() == first.signer.ca_pem

        # a sandbox that signs for another webhook id is not joined (its webhooks would
        # all be refused there)
        link.offer_sandbox(other)
        assert other.webhook_urls == []
        assert (later.folder / PAYPAL_TRUST_FILE).read_bytes() == first.signer.ca_pem
        # a stopped sandbox is forgotten, never joined
        first.stop()
        link.offer_sandbox(first)
        third = TrainingHeadOffice(tmp_path / "c", "DEMO", "Demo")
        third.folder.mkdir()
        third.port = 45680
        link.offer_head_office(third)
        assert not (third.folder / PAYPAL_TRUST_FILE).exists()
    finally:
        first.stop()
        other.stop()
