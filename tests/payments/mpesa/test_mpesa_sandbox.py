"""The sandbox's own surface: lifecycle, the /__sandbox__/ control API over HTTP (through
SandboxCustomer and raw requests) and serve()."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from pos.payments.base import AttemptState
from pos.payments.mpesa import sandbox as sandbox_module
from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    DEMO_TILL,
    MpesaSandbox,
    PendingPush,
)
from pos.payments.mpesa.sandbox import cli as sandbox_cli
from pos.payments.mpesa.sandbox_control import SandboxControlError, SandboxCustomer

A = AttemptState


@pytest.fixture
def customer(sandbox: MpesaSandbox) -> Any:
    phone = SandboxCustomer(sandbox.base_url, timeout=2.0)
    try:
        yield phone
    finally:
        phone.close()


def test_context_manager_binds_loopback_and_stops() -> None:
    with MpesaSandbox() as box:
        url = box.base_url
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        assert requests.get(url + "/__sandbox__/pending", timeout=2).json() == {"pending": []}
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/__sandbox__/pending", timeout=2)
    with pytest.raises(RuntimeError, match="not running"):
        _ = box.base_url


def test_demo_credentials_are_published() -> None:
    assert DEMO_SHORTCODE == "174379"
    assert DEMO_PASSKEY == "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
    assert DEMO_CONSUMER_KEY
    assert DEMO_CONSUMER_SECRET
    assert DEMO_TILL.isdigit()


def test_customer_window_sees_and_answers_prompts(
    method: MpesaMethod, sandbox: MpesaSandbox, customer: SandboxCustomer, helpers: Any
) -> None:
    request = helpers.request(amount_kes=1250)
    started = method.start(request)
    [prompt] = customer.pending()
    assert isinstance(prompt, PendingPush)
    assert prompt == sandbox.pending()[0]  # same data over HTTP as in-process
    assert (prompt.checkout_request_id, prompt.amount, prompt.phone) == (
        started.gateway_ref,
        1250,
        helpers.msisdn,
    )
    assert prompt.shop_name == "Kaunta Demo Duka"
    assert "Ksh1,250.00" in prompt.prompt
    assert "DUKA-T1-42" in prompt.prompt
    customer.decide(prompt.checkout_request_id, "approve", pin="1234")
    assert customer.pending() == []
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED


def test_wrong_pin_over_http(
    method: MpesaMethod, sandbox: MpesaSandbox, customer: SandboxCustomer, helpers: Any
) -> None:
    request = helpers.request()
    started = method.start(request)
    customer.decide(started.gateway_ref, "approve", pin="0000")
    result = method.status(helpers.ref(request, started))
    assert (result.state, result.code) == (A.DECLINED, "mpesa.2001")


def test_default_over_http(
    method: MpesaMethod, sandbox: MpesaSandbox, customer: SandboxCustomer, helpers: Any
) -> None:
    customer.set_default("insufficient")
    request = helpers.request()
    started = method.start(request)
    assert method.status(helpers.ref(request, started)).code == "mpesa.1"


def test_control_errors(
    method: MpesaMethod, sandbox: MpesaSandbox, customer: SandboxCustomer, helpers: Any
) -> None:
    with pytest.raises(SandboxControlError, match="no STK push"):
        customer.decide("ws_CO_nope", "approve")
    with pytest.raises(ValueError, match="maybe"):
        customer.decide("ws_CO_nope", "maybe")  # refused before anything is sent
    started = method.start(helpers.request())
    customer.decide(started.gateway_ref, "cancel")
    with pytest.raises(SandboxControlError, match="already answered"):
        customer.decide(started.gateway_ref, "approve")
    raw = requests.post(
        sandbox.base_url + "/__sandbox__/customer",
        json={"checkout_request_id": started.gateway_ref, "decision": "maybe"},
        timeout=2,
    )
    assert raw.status_code == 400
    assert requests.get(sandbox.base_url + "/__sandbox__/nothing", timeout=2).status_code == 404
    bad = requests.post(sandbox.base_url + "/__sandbox__/customer", data=b"[", timeout=2)
    assert bad.status_code == 400


def test_unreachable_sandbox_is_a_control_error() -> None:
    with pytest.raises(SandboxControlError, match="could not be reached"):
        SandboxCustomer("http://127.0.0.1:9", timeout=0.5).pending()


def test_fail_next_and_expire_tokens_over_http(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    base = sandbox.base_url + "/__sandbox__/"
    request = helpers.request()
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    assert requests.post(base + "expire-tokens", timeout=2).json() == {"expired": 1}
    answer = requests.post(
        base + "fail-next", json={"status": 503, "count": 2, "endpoint": "stkquery"}, timeout=2
    )
    assert answer.status_code == 200
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED
    stats = requests.get(base + "stats", timeout=2).json()["requests"]
    assert stats == {"oauth": 2, "stkpush": 1, "stkquery": 4}  # 2x503, 1 refused, 1 answered
    bad = requests.post(base + "fail-next", json={"endpoint": "nope"}, timeout=2)
    assert bad.status_code == 400


def test_callbacks_over_http(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    started = method.start(helpers.request())
    sandbox.decide(started.gateway_ref, "cancel")
    [record] = sandbox.wait_for_callbacks(1)
    assert record.delivered
    assert record.status == 200
    listed = requests.get(sandbox.base_url + "/__sandbox__/callbacks", timeout=2).json()
    [item] = listed["callbacks"]
    assert item["checkout_request_id"] == started.gateway_ref
    assert item["body"]["Body"]["stkCallback"]["ResultCode"] == 1032
    assert item["url"] == receiver.url + "/mpesa/callback/att-1"
    assert item["status"] == 200


def test_undeliverable_callback_is_recorded(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(callback_url="http://127.0.0.1:9/cb")
    started = method.start(helpers.request())
    sandbox.decide(started.gateway_ref, "approve")
    [record] = sandbox.wait_for_callbacks(1)
    assert not record.delivered
    assert record.status is None
    assert record.error


def test_no_answer_times_out_on_its_own(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    """Nobody queries: the deadline thread still ends the prompt and sends the callback."""
    started = method.start(helpers.request())
    [got] = receiver.wait_for(1, timeout=3.0)
    assert b'"ResultCode": 1037' in got.body
    assert sandbox.result(started.gateway_ref) == ("1037", "DS timeout user cannot be reached")


def test_wrong_http_method_and_unknown_path(sandbox: MpesaSandbox) -> None:
    answer = requests.post(sandbox.base_url + "/oauth/v1/generate", timeout=2)
    assert answer.json()["errorCode"] == "404.001.04"
    answer = requests.get(sandbox.base_url + "/mpesa/stkpush/v1/processrequest", timeout=2)
    assert answer.json()["errorCode"] == "404.001.04"
    answer = requests.post(sandbox.base_url + "/mpesa/b2c/v1/paymentrequest", timeout=2)
    assert (answer.status_code, answer.json()["errorCode"]) == (404, "404.003.01")


def test_serve_prints_url_and_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def interrupt() -> None:
        out = capsys.readouterr().out
        seen.append(out)
        url = out.split("running at ", 1)[1].split()[0]
        assert requests.get(url + "/__sandbox__/pending", timeout=2).status_code == 200
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_cli, "_block_forever", interrupt)
    sandbox_module.serve("127.0.0.1", 0)
    [out] = seen
    assert "http://127.0.0.1:" in out
    for value in (DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, DEMO_PASSKEY, DEMO_SHORTCODE):
        assert value in out
    assert not [t for t in threading.enumerate() if t.name == "mpesa-sandbox-http"]
