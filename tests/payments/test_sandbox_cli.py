"""`kaunta sandbox mpesa|paypal`: the simulators as standalone tools for integrators,
driven end to end over HTTP by any client, the scripted customer included."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
)


def start(gateway: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pos.cli", "sandbox", gateway, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"running at (http://127\.0\.0\.1:\d+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise AssertionError("the sandbox did not print its URL")


@pytest.fixture
def mpesa() -> Iterator[str]:
    proc, url = start("mpesa")
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0  # Ctrl+C ends it cleanly


def test_mpesa_sandbox_full_flow_over_http(mpesa: str) -> None:
    basic = base64.b64encode(f"{DEMO_CONSUMER_KEY}:{DEMO_CONSUMER_SECRET}".encode()).decode()
    token = requests.get(
        f"{mpesa}/oauth/v1/generate?grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    ).json()
    assert isinstance(token["expires_in"], str)  # as Daraja sends it
    stamp = datetime.now(ZoneInfo("Africa/Nairobi")).strftime("%Y%m%d%H%M%S")
    password = base64.b64encode(f"{DEMO_SHORTCODE}{DEMO_PASSKEY}{stamp}".encode()).decode()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    push = requests.post(
        f"{mpesa}/mpesa/stkpush/v1/processrequest",
        headers=auth,
        json={
            "BusinessShortCode": DEMO_SHORTCODE,
            "Password": password,
            "Timestamp": stamp,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": 10,
            "PartyA": "254712345678",
            "PartyB": DEMO_SHORTCODE,
            "PhoneNumber": "254712345678",
            "CallBackURL": "https://example.invalid/cb",
            "AccountReference": "DEMO",
            "TransactionDesc": "Test",
        },
        timeout=5,
    ).json()
    checkout = push["CheckoutRequestID"]
    query = {
        "BusinessShortCode": DEMO_SHORTCODE,
        "Password": password,
        "Timestamp": stamp,
        "CheckoutRequestID": checkout,
    }
    pending = requests.post(
        f"{mpesa}/mpesa/stkpushquery/v1/query", headers=auth, json=query, timeout=5
    )
    assert pending.status_code == 500
    assert pending.json()["errorCode"] == "500.001.1001"
    waiting = requests.get(f"{mpesa}/__sandbox__/pending", timeout=5).json()
    assert [p["checkout_request_id"] for p in waiting["pending"]] == [checkout]
    decided = requests.post(
        f"{mpesa}/__sandbox__/customer",
        json={"checkout_request_id": checkout, "decision": "approve"},
        timeout=5,
    )
    assert decided.status_code == 200
    final = requests.post(
        f"{mpesa}/mpesa/stkpushquery/v1/query", headers=auth, json=query, timeout=5
    ).json()
    assert (final["ResultCode"], final["ResponseCode"]) == ("0", "0")


def test_paypal_sandbox_starts_and_serves_tokens() -> None:
    proc, url = start("paypal")
    try:
        from pos.payments.paypal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

        token = requests.post(
            f"{url}/v1/oauth2/token",
            auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
            timeout=5,
        ).json()
        assert token["token_type"] == "Bearer"
        assert isinstance(token["expires_in"], int)
        assert requests.get(f"{url}/__sandbox__/pending", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
