"""Secrets never reach a transcript or a log: scrub() and a full flow under caplog."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pos.payments.mpesa.client import (
    DarajaClient,
    DarajaConfig,
    daraja_timestamp,
    parse_stk_callback,
    scrub_text,
    stk_password,
)
from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    MpesaSandbox,
)

PHONE = "254712345678"
PHONE_FORMS = ("254712345678", "0712345678", "712345678")


def _transcript(token: str, password: str) -> str:
    basic = base64.b64encode(f"{DEMO_CONSUMER_KEY}:{DEMO_CONSUMER_SECRET}".encode()).decode()
    push = {
        "BusinessShortCode": "174379",
        "Password": password,
        "Timestamp": "20260302103000",
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 100,
        "PartyA": PHONE,
        "PartyB": "174379",
        "PhoneNumber": int(PHONE),
        "CallBackURL": "https://ho.example.com/cb",
        "AccountReference": "DUKA-1",
        "TransactionDesc": "Groceries",
    }
    return "\n".join(
        [
            "GET /oauth/v1/generate?grant_type=client_credentials",
            f"Authorization: Basic {basic}",
            f'200 {{"access_token": "{token}", "expires_in": "3599"}}',
            "POST /mpesa/stkpush/v1/processrequest",
            f"Authorization: Bearer {token}",
            json.dumps(push),
            f"debug: passkey={DEMO_PASSKEY} consumer_secret: {DEMO_CONSUMER_SECRET}",
            f"config dump: key {DEMO_CONSUMER_KEY} pw {password}",
            'callback: {"Name": "PhoneNumber", "Value": 254712345678}',
            "cashier typed +254 712 345 678, then 0712-345-678",
        ]
    )


def test_scrub_removes_every_secret_from_a_transcript(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    now = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    client = DarajaClient(make_config(), clock=lambda: now)
    push = client.stk_push(100, PHONE, "DUKA-1", "Groceries")
    assert push.checkout_request_id
    [token] = sandbox.tokens_issued
    # the password the push just used (the sandbox accepted it, so it is the real one)
    password = stk_password(DEMO_SHORTCODE, DEMO_PASSKEY, daraja_timestamp(now))
    text = _transcript(token, password)
    for secret in (token, password, DEMO_PASSKEY, DEMO_CONSUMER_SECRET, DEMO_CONSUMER_KEY):
        assert secret in text  # the transcript really contains them ...
    clean = client.scrub(text)
    for secret in (token, password, DEMO_PASSKEY, DEMO_CONSUMER_SECRET, DEMO_CONSUMER_KEY):
        assert secret not in clean  # ... and the scrubbed one does not
    for form in PHONE_FORMS:
        assert form not in clean.replace(" ", "").replace("-", "")
    assert "2547******78" in clean
    assert "174379" in clean
    assert "Groceries" in clean


def test_scrub_without_knowing_the_token_still_removes_it() -> None:
    """A token the client never saw (another process's log) goes by its context."""
    text = 'Authorization: Bearer AbCdEf0123456789xyz {"access_token": "QWERTYUIOP12345"}'
    clean = scrub_text(text)
    assert "AbCdEf0123456789xyz" not in clean
    assert "QWERTYUIOP12345" not in clean


def test_scrub_finds_a_bare_password_by_its_passkey() -> None:
    password = base64.b64encode(f"174379{DEMO_PASSKEY}20260302103000".encode()).decode()
    assert password not in scrub_text(f"pw was {password} !", [DEMO_PASSKEY])


def test_method_scrub_is_the_client_scrub(method: MpesaMethod) -> None:
    assert DEMO_CONSUMER_SECRET not in method.scrub(f"x {DEMO_CONSUMER_SECRET} y")
    assert "0712345678" not in method.scrub("call 0712345678")


def test_nothing_logged_by_a_full_flow_leaks(
    caplog: pytest.LogCaptureFixture,
    method: MpesaMethod,
    sandbox: MpesaSandbox,
    receiver: Any,
    helpers: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    request = helpers.request()
    started = method.start(request)
    ref = helpers.ref(request, started)
    method.status(ref)  # pending
    sandbox.decide(started.gateway_ref, "approve")
    method.status(ref)
    [got] = receiver.wait_for(1)
    method.apply_callback(ref, parse_stk_callback(got.body))
    # error paths log too: refused token, 5xx, a bad phone at Daraja
    sandbox.expire_tokens()
    sandbox.fail_next(503, 1, endpoint="stkquery")
    method.status(ref)
    try:
        method.client.stk_push(10, "254812345678", "R", "D")
    except Exception as exc:
        logging.getLogger("test").warning("push failed: %s", exc)

    logged = caplog.text
    assert "M-Pesa debug" not in logged
    assert "stkpush" in logged or "processrequest" in logged  # the flow really was logged
    assert any(
        r.levelno == logging.DEBUG and "M-Pesa push request" in r.getMessage()
        for r in caplog.records
    )
    for form in PHONE_FORMS:
        assert form not in logged
    assert "254812345678" not in logged
    for token in sandbox.tokens_issued:
        assert token not in logged
    for secret in (DEMO_PASSKEY, DEMO_CONSUMER_SECRET, DEMO_CONSUMER_KEY):
        assert secret not in logged
    basic = base64.b64encode(f"{DEMO_CONSUMER_KEY}:{DEMO_CONSUMER_SECRET}".encode()).decode()
    assert basic not in logged
