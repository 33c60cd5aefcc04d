"""MpesaMethod end to end over real HTTP: sandbox as Daraja, a local receiver as the head
office's callback endpoint."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from pos.domain.money import Money
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    GatewayUnavailable,
    PaymentMethod,
)
from pos.payments.mpesa.client import parse_stk_callback
from pos.payments.mpesa.method import (
    PAYER_HASH_DETAIL,
    RECEIPT_DETAIL,
    MpesaMethod,
    create,
    payer_hash,
)
from pos.payments.mpesa.sandbox import (
    DEMO_TILL,
    Decision,
    MpesaSandbox,
)
from pos.payments.registry import MethodContext

A = AttemptState


def test_declares_what_it_can_do(method: MpesaMethod) -> None:
    assert isinstance(method, PaymentMethod)
    assert (method.code, method.label) == ("mpesa", "M-Pesa")
    assert method.currencies == frozenset({"KES"})
    assert method.capabilities == frozenset({Capability.CUSTOMER_DEVICE})
    assert not method.can(Capability.CANCEL)
    assert not method.can(Capability.REFUND)


def test_happy_path_push_approve_query_and_callback(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    request = helpers.request(amount_kes=250)
    started = method.start(request)
    assert started.state is A.PENDING
    assert started.gateway_ref.startswith("ws_CO_")
    assert started.payer == "2547******78"
    assert helpers.msisdn not in started.message
    ref = helpers.ref(request, started)

    [prompt] = sandbox.pending()
    assert (prompt.checkout_request_id, prompt.amount, prompt.phone) == (
        started.gateway_ref,
        250,
        helpers.msisdn,
    )
    assert prompt.account_reference == "DUKA-T1-42"
    assert method.status(ref).state is A.PENDING  # "being processed"

    sandbox.decide(started.gateway_ref, Decision.APPROVE, pin="1234")
    done = method.status(ref)
    assert done.state is A.CAPTURED
    assert done.code == "mpesa.0"
    assert done.captured == Money(25000, "KES")
    assert done.receipt_ref == ""  # the query carries no receipt

    [got] = receiver.wait_for(1)
    assert got.path == "/mpesa/callback/att-1"  # the attempt id rides in the URL
    assert got.content_type == "application/json"
    raw = got.body.decode()
    assert '"Value": 250.00' in raw  # Daraja writes the amount with two decimals
    body = json.loads(raw)
    assert list(body) == ["Body"]
    assert list(body["Body"]) == ["stkCallback"]
    cb = body["Body"]["stkCallback"]
    assert list(cb) == [
        "MerchantRequestID",
        "CheckoutRequestID",
        "ResultCode",
        "ResultDesc",
        "CallbackMetadata",
    ]
    assert cb["CheckoutRequestID"] == started.gateway_ref
    assert cb["MerchantRequestID"] == started.details["merchant_request_id"]
    assert cb["ResultCode"] == 0
    assert type(cb["ResultCode"]) is int
    assert cb["ResultDesc"] == "The service request is processed successfully."
    items = cb["CallbackMetadata"]["Item"]
    assert [i["Name"] for i in items] == [
        "Amount",
        "MpesaReceiptNumber",
        "Balance",
        "TransactionDate",
        "PhoneNumber",
    ]
    values = {i["Name"]: i.get("Value", "<none>") for i in items}
    assert values["Balance"] == "<none>"
    assert type(values["PhoneNumber"]) is int
    assert values["PhoneNumber"] == 254712345678
    assert type(values["TransactionDate"]) is int
    assert re.fullmatch(r"\d{14}", str(values["TransactionDate"]))
    assert re.fullmatch(r"[A-Z0-9]{10}", values["MpesaReceiptNumber"])

    settled = method.apply_callback(ref, parse_stk_callback(got.body))
    assert settled.state is A.CAPTURED
    assert settled.receipt_ref == values["MpesaReceiptNumber"]
    assert settled.captured == Money(25000, "KES")
    # once the service keeps the receipt, status answers carry it too
    later = method.status(replace(ref, details={RECEIPT_DETAIL: settled.receipt_ref}))
    assert later.receipt_ref == settled.receipt_ref


@pytest.mark.parametrize(
    ("decision", "pin", "state", "code", "retry"),
    [
        ("approve", None, A.CAPTURED, "mpesa.0", False),
        ("approve", "9999", A.DECLINED, "mpesa.2001", True),  # wrong PIN typed
        ("cancel", None, A.CANCELLED, "mpesa.1032", True),
        ("wrong_pin", None, A.DECLINED, "mpesa.2001", True),
        ("insufficient", None, A.DECLINED, "mpesa.1", True),
        ("no_answer", None, A.EXPIRED, "mpesa.1037", True),
        ("slow", None, A.CAPTURED, "mpesa.0", False),
    ],
)
def test_every_customer_decision(
    method: MpesaMethod,
    sandbox: MpesaSandbox,
    receiver: Any,
    helpers: Any,
    decision: str,
    pin: str | None,
    state: AttemptState,
    code: str,
    retry: bool,
) -> None:
    request = helpers.request()
    started = method.start(request)
    ref = helpers.ref(request, started)
    sandbox.decide(started.gateway_ref, decision, pin=pin)
    if decision in ("slow", "no_answer"):
        assert method.status(ref).state is A.PENDING
    result = helpers.final(method, ref)
    assert (result.state, result.code, result.retry_allowed) == (state, code, retry)
    [got] = receiver.wait_for(1)
    cb = json.loads(got.body)["Body"]["stkCallback"]
    assert cb["ResultCode"] == int(code.split(".")[1])
    assert ("CallbackMetadata" in cb) is (state is A.CAPTURED)
    from_callback = method.apply_callback(ref, parse_stk_callback(got.body))
    assert (from_callback.state, from_callback.code) == (state, code)


def test_default_decision_applies_to_new_prompts(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    sandbox.set_default("cancel")
    request = helpers.request()
    started = method.start(request)
    assert method.status(helpers.ref(request, started)).state is A.CANCELLED
    assert sandbox.pending() == []


def test_unknown_till_is_reported_as_sfc_ic0003(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    method = make_method(mode="till", till_number="999999")
    request = helpers.request()
    started = method.start(request)
    assert started.state is A.PENDING  # Daraja accepts it; the failure comes later
    result = method.status(helpers.ref(request, started))
    assert (result.state, result.code, result.retry_allowed) == (
        A.DECLINED,
        "mpesa.SFC_IC0003",
        False,
    )
    [got] = receiver.wait_for(1)
    assert json.loads(got.body)["Body"]["stkCallback"]["ResultCode"] == "SFC_IC0003"
    assert parse_stk_callback(got.body).result_code == "SFC_IC0003"


def test_till_mode_pays_the_till(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    sandbox.set_default("approve")
    method = make_method(mode="till", till_number=DEMO_TILL)
    request = helpers.request()
    started = method.start(request)
    # had PartyB been the shortcode (not a till the sandbox knows), this would be SFC_IC0003
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED


def test_too_long_description_ends_in_1025(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(max_description_len=500)
    request = replace(helpers.request(), description="x" * 200)
    started = method.start(request)
    result = method.status(helpers.ref(request, started))
    assert (result.state, result.code) == (A.DECLINED, "mpesa.1025")


def test_description_is_cut_to_the_portal_limit_by_default(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    request = replace(helpers.request(), description="x" * 200)
    method.start(request)
    [prompt] = sandbox.pending()
    assert prompt.description == "x" * 13


# -- validation before anything is sent --------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "phone", "fragment"),
    [
        (Money(10000), "0812 345 678", "is not a Safaricom number"),
        (Money(10000), None, "Type the customer's M-Pesa number"),
        (Money(10050), "0712345678", "whole shillings"),
        (Money(50), "0712345678", "at least KES 1.00"),
        (Money(30_000_000), "0712345678", "Split the payment"),
        (Money(10000, "USD"), "0712345678", "cannot take USD"),
        (Money(0), "0712345678", "more than zero"),
    ],
)
def test_validate_and_start_refuse_bad_requests(
    method: MpesaMethod,
    sandbox: MpesaSandbox,
    helpers: Any,
    amount: Money,
    phone: str | None,
    fragment: str,
) -> None:
    request = replace(helpers.request(), amount=amount, phone=phone)
    problem = method.validate(request)
    assert problem is not None
    assert fragment in str(problem)
    result = method.start(request)
    assert (result.state, result.code) == (A.DECLINED, "mpesa.invalid_request")
    assert fragment in result.message
    assert sandbox.request_count("stkpush") == 0


def test_max_amount_is_configurable(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(max_kes=1000)
    assert method.validate(helpers.request(amount_kes=1000)) is None
    problem = method.validate(helpers.request(amount_kes=1001))
    assert problem is not None
    assert "KES 1,000.00" in str(problem)


# -- transport and gateway errors ----------------------------------------------------------


def test_push_5xx_is_not_retried_and_outcome_unknown(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    method.client.access_token()
    sandbox.fail_next(503, 1, endpoint="stkpush")
    with pytest.raises(GatewayUnavailable):
        method.start(helpers.request())
    assert sandbox.request_count("stkpush") == 1


def test_lost_push_answer_is_why_push_is_never_resent(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    method.client.access_token()
    sandbox.fail_next(503, 1, endpoint="stkpush", after_processing=True)
    with pytest.raises(GatewayUnavailable):
        method.start(helpers.request())
    assert sandbox.request_count("stkpush") == 1
    assert len(sandbox.pending()) == 1  # the phone WAS prompted: a resend would prompt twice


def test_push_timeout_is_gateway_unavailable_quickly(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(read_timeout=0.3)
    method.client.access_token()
    sandbox.set_delay(3.0, "stkpush")
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        method.start(helpers.request())
    assert time.monotonic() - started < 1.5


def test_query_timeout_is_gateway_unavailable(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(read_timeout=0.2)
    request = helpers.request()
    started = method.start(request)
    sandbox.set_delay(3.0, "stkquery")
    t0 = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        method.status(helpers.ref(request, started))
    assert time.monotonic() - t0 < 2.0
    assert sandbox.request_count("stkquery") == 3  # safe to repeat: retried


def test_query_5xx_retried_then_answers(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    request = helpers.request()
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    sandbox.fail_next(503, 2)
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED
    assert sandbox.request_count("stkquery") == 3


def test_gateway_unreachable_before_push_is_a_clean_decline(
    make_method: Callable[..., MpesaMethod], sandbox: MpesaSandbox, helpers: Any
) -> None:
    method = make_method(base_url="http://127.0.0.1:9", connect_timeout=0.3, retries=0)
    result = method.start(helpers.request())
    assert (result.state, result.code, result.retry_allowed) == (
        A.DECLINED,
        "mpesa.unreachable",
        True,
    )


def test_spike_arrest_result(
    make_sandbox: Callable[..., MpesaSandbox],
    make_method: Callable[..., MpesaMethod],
    helpers: Any,
) -> None:
    box = make_sandbox(rate_limit=3)
    method = make_method(box)
    assert method.start(helpers.request(attempt="a1")).state is A.PENDING  # oauth + push
    assert method.start(helpers.request(attempt="a2")).state is A.PENDING
    result = method.start(helpers.request(attempt="a3"))
    assert (result.state, result.code, result.retry_allowed) == (
        A.DECLINED,
        "mpesa.500.003.02",
        True,
    )
    assert "Wait a few seconds" in result.message


def test_token_expiry_mid_flow(method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any) -> None:
    request = helpers.request()
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    sandbox.expire_tokens()
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED
    assert sandbox.request_count("oauth") == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"consumer_secret": "wrong"}, "mpesa.400.008.01"),
        ({"consumer_key": "wrong"}, "mpesa.400.008.01"),
        ({"passkey": "f" * 64}, "mpesa.500.001.1001"),
        ({"shortcode": "600000"}, "mpesa.500.001.1001"),
    ],
)
def test_invalid_credentials(
    make_method: Callable[..., MpesaMethod],
    sandbox: MpesaSandbox,
    helpers: Any,
    changes: dict[str, str],
    code: str,
) -> None:
    result = make_method(**changes).start(helpers.request())
    assert (result.state, result.code, result.retry_allowed) == (A.DECLINED, code, False)
    assert "manager" in result.message
    assert sandbox.pending() == []


def test_query_errors_are_unknown_not_final(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    request = helpers.request()
    started = method.start(request)
    ref = replace(helpers.ref(request, started), gateway_ref="ws_CO_does_not_exist")
    result = method.status(ref)
    assert (result.state, result.code) == (A.UNKNOWN, "mpesa.400.002.02")


def test_cancel_and_refund_are_honest(
    method: MpesaMethod, sandbox: MpesaSandbox, helpers: Any
) -> None:
    request = helpers.request()
    started = method.start(request)
    ref = helpers.ref(request, started)
    cancelled = method.cancel(ref)
    assert cancelled.state is A.UNKNOWN
    assert cancelled.code == "cancel_unsupported"
    assert len(sandbox.pending()) == 1  # nothing was withdrawn at the gateway
    refund = method.refund(ref, Money(100))
    assert not refund.ok


# -- callbacks -----------------------------------------------------------------------------


def _approved_callback(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> tuple[AttemptRef, bytes]:
    request = helpers.request()
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    [got] = receiver.wait_for(1)
    return helpers.ref(request, started), got.body


def test_duplicate_and_late_callbacks_are_idempotent(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    first = method.apply_callback(ref, parse_stk_callback(raw))
    second = method.apply_callback(ref, parse_stk_callback(raw))
    assert first == second
    assert first.state is A.CAPTURED
    # late: after the till already settled by query, and even with the sandbox gone
    assert method.status(ref).state is A.CAPTURED
    sandbox.stop()
    assert method.apply_callback(ref, parse_stk_callback(raw.decode())) == first
    assert method.apply_callback(ref, parse_stk_callback(json.loads(raw))) == first


@pytest.mark.parametrize(
    ("item", "value", "reason"),
    [
        ("Amount", "99.00", "amount KES 99.00 instead of KES 100.00"),
        ("Amount", "1000.00", "amount KES 1,000.00 instead of KES 100.00"),
        ("PhoneNumber", "254799999999", "phone 2547******99 instead of 2547******78"),
    ],
)
def test_mismatched_callback_is_not_captured(
    method: MpesaMethod,
    sandbox: MpesaSandbox,
    receiver: Any,
    helpers: Any,
    item: str,
    value: str,
    reason: str,
) -> None:
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    text = raw.decode()
    text = re.sub(rf'("Name": "{item}", "Value": )[0-9.]+', rf"\g<1>{value}", text)
    assert text != raw.decode()
    result = method.apply_callback(ref, parse_stk_callback(text))
    assert (result.state, result.code, result.captured) == (A.UNKNOWN, "mpesa.mismatch", None)
    assert reason in result.message
    assert "manager" in result.message
    assert not result.retry_allowed
    assert helpers.msisdn not in result.message
    assert "254799999999" not in result.message


def test_callback_for_another_attempt_is_not_captured(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    other = replace(ref, gateway_ref="ws_CO_someone_else")
    result = method.apply_callback(other, parse_stk_callback(raw))
    assert (result.state, result.code) == (A.UNKNOWN, "mpesa.mismatch")


def test_callback_without_attempt_phone_is_not_captured(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    result = method.apply_callback(replace(ref, phone=None), parse_stk_callback(raw))
    assert result.code == "mpesa.mismatch"


def test_callback_phone_checked_against_the_payer_hash(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    """The service keeps only a keyed hash of the number; the check still works."""
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    stored = payer_hash(method.payer_key(), ref.attempt_id, helpers.msisdn)
    hashed = replace(ref, phone=None, details={PAYER_HASH_DETAIL: stored})
    assert method.apply_callback(hashed, parse_stk_callback(raw)).state is A.CAPTURED
    other = raw.decode().replace(helpers.msisdn, "254799999999")
    result = method.apply_callback(hashed, parse_stk_callback(other))
    assert result.code == "mpesa.mismatch"
    assert "not the number the prompt went to" in result.message
    masked = raw.decode().replace(helpers.msisdn, '"2547****5678"')
    result = method.apply_callback(hashed, parse_stk_callback(masked))
    assert result.code == "mpesa.mismatch"
    assert "cannot be checked" in result.message
    salted = replace(hashed, attempt_id="another-attempt")
    assert method.apply_callback(salted, parse_stk_callback(raw)).code == "mpesa.mismatch"


def test_phone_helpers_for_the_service(method: MpesaMethod) -> None:
    assert method.normalize_phone("+254 712-345-678") == "254712345678"
    assert method.phone_hint("0712") is None
    assert method.phone_hint("0812") is not None


def test_masked_callback_phone_still_matches(
    method: MpesaMethod, sandbox: MpesaSandbox, receiver: Any, helpers: Any
) -> None:
    ref, raw = _approved_callback(method, sandbox, receiver, helpers)
    data = json.loads(raw)
    items = data["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    for entry in items:
        if entry["Name"] == "PhoneNumber":
            entry["Value"] = "2547****5678"
    assert method.apply_callback(ref, parse_stk_callback(data)).state is A.CAPTURED
    for entry in items:
        if entry["Name"] == "PhoneNumber":
            entry["Value"] = "2547****9999"
    assert method.apply_callback(ref, parse_stk_callback(data)).code == "mpesa.mismatch"


# -- factory -------------------------------------------------------------------------------


class Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def test_training_factory_uses_the_sandbox_demo_credentials(
    sandbox: MpesaSandbox, helpers: Any
) -> None:
    sandbox.set_default("approve")
    method = create(MethodContext(True, "KES", settings={"base_url": sandbox.base_url}))
    request = helpers.request()
    started = method.start(request)
    assert started.state is A.PENDING
    assert method.status(helpers.ref(request, started)).state is A.CAPTURED
    [record] = sandbox.wait_for_callbacks(1)
    assert not record.delivered  # training callbacks go nowhere
    assert "att-1" in record.url


def test_training_factory_never_uses_keyring_or_production() -> None:
    real = Secrets(
        {"mpesa.consumer_key": "REAL", "mpesa.consumer_secret": "REAL", "mpesa.passkey": "REAL"}
    )
    with pytest.raises(ValueError, match="base_url"):
        create(MethodContext(True, "KES", secrets=real))
    with pytest.raises(ValueError, match="production"):
        create(
            MethodContext(True, "KES", {"base_url": "https://api.safaricom.co.ke"}, secrets=real)
        )
    method = create(MethodContext(True, "KES", {"base_url": "http://127.0.0.1:1"}, secrets=real))
    assert method.client.config.consumer_key != "REAL"


def test_live_factory_reads_settings_and_secrets() -> None:
    secrets = Secrets(
        {"mpesa.consumer_key": "ck", "mpesa.consumer_secret": "cs", "mpesa.passkey": "pk"}
    )
    settings = {
        "shortcode": "600100",
        "mode": "till",
        "till_number": "600200",
        "callback_url": "https://ho.example.com/cb/{attempt_id}",
        "max_amount": 150000,
        "account_reference": "DUKA",
    }
    method = create(MethodContext(False, "KES", settings, secrets=secrets))
    config = method.client.config
    assert config.base_url == "https://api.safaricom.co.ke"
    assert (config.consumer_key, config.consumer_secret, config.passkey) == ("ck", "cs", "pk")
    assert (config.shortcode, config.party_b, config.transaction_type) == (
        "600100",
        "600200",
        "CustomerBuyGoodsOnline",
    )
    assert config.account_reference == "DUKA"
    assert method.max_kes == 150000
    with pytest.raises(ValueError, match=r"mpesa\.passkey missing"):
        create(
            MethodContext(
                False,
                "KES",
                settings,
                secrets=Secrets({"mpesa.consumer_key": "ck", "mpesa.consumer_secret": "cs"}),
            )
        )
    with pytest.raises(ValueError, match="callback_url"):
        create(MethodContext(False, "KES", {"shortcode": "600100"}, secrets=secrets))
    with pytest.raises(ValueError, match="mode"):
        create(MethodContext(False, "KES", {**settings, "mode": "bank"}, secrets=secrets))
