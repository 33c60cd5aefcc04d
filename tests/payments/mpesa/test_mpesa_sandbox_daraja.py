"""The M-Pesa sandbox against Daraja's documented behaviour, over raw HTTP on 127.0.0.1.

No Kaunta client here: the requests are written out by hand from ``gateways.md`` (with
Safaricom's published reference Password), so a bug shared with the client cannot hide.
Covered: scripted callback modes (late, twice, never), one prompt per phone at a time
(ResultCode 1001), and CallBackURLs Daraja refuses.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    CallbackMode,
    MpesaSandbox,
)
from pos.payments.mpesa.sandbox_control import SandboxControlError, SandboxCustomer

#: gateways.md A2: base64("174379" + sandbox passkey + "20160216165627"), as Safaricom
#: publishes it. The sandbox must accept it without any help from Kaunta's client.
REFERENCE_TIMESTAMP = "20160216165627"
REFERENCE_PASSWORD = (
    "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQy"
    "YzkxOTIwMTYwMjE2MTY1NjI3"
)
PHONE = "254712345678"
OTHER_PHONE = "254722000111"


class Daraja:
    """Hand-written Daraja calls against one sandbox."""

    def __init__(self, sandbox: MpesaSandbox, callback_url: str) -> None:
        self.base = sandbox.base_url
        self.callback_url = callback_url
        basic = base64.b64encode(f"{DEMO_CONSUMER_KEY}:{DEMO_CONSUMER_SECRET}".encode()).decode()
        answer = requests.get(
            f"{self.base}/oauth/v1/generate?grant_type=client_credentials",
            headers={"Authorization": f"Basic {basic}"},
            timeout=5,
        )
        answer.raise_for_status()
        self.token = str(answer.json()["access_token"])

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(
            self.base + path,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=5,
        )

    def push(self, phone: str = PHONE, **changes: Any) -> requests.Response:
        body: dict[str, Any] = {
            "BusinessShortCode": DEMO_SHORTCODE,
            "Password": REFERENCE_PASSWORD,
            "Timestamp": REFERENCE_TIMESTAMP,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": 65,
            "PartyA": phone,
            "PartyB": DEMO_SHORTCODE,
            "PhoneNumber": phone,
            "CallBackURL": self.callback_url,
            "AccountReference": "DUKA-T1",
            "TransactionDesc": "Groceries",
        }
        body.update(changes)
        return self._post("/mpesa/stkpush/v1/processrequest", body)

    def pushed(self, phone: str = PHONE) -> str:
        answer = self.push(phone)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["CheckoutRequestID"])

    def query(self, checkout: str) -> requests.Response:
        return self._post(
            "/mpesa/stkpushquery/v1/query",
            {
                "BusinessShortCode": DEMO_SHORTCODE,
                "Password": REFERENCE_PASSWORD,
                "Timestamp": REFERENCE_TIMESTAMP,
                "CheckoutRequestID": checkout,
            },
        )


@pytest.fixture
def daraja(sandbox: MpesaSandbox, receiver: Any) -> Daraja:
    return Daraja(sandbox, receiver.url + "/cb")


@pytest.fixture
def customer(sandbox: MpesaSandbox) -> Iterator[SandboxCustomer]:
    phone = SandboxCustomer(sandbox.base_url, timeout=2.0)
    try:
        yield phone
    finally:
        phone.close()


def result_code(received: Any) -> Any:
    return json.loads(received.body)["Body"]["stkCallback"]["ResultCode"]


# -- the sandbox's own checks, against Safaricom's published values ------------------------


def test_the_published_reference_password_is_accepted_and_a_wrong_one_refused(
    daraja: Daraja,
) -> None:
    assert daraja.push().status_code == 200
    wrong = base64.b64encode(f"{DEMO_SHORTCODE}{DEMO_PASSKEY}20160216165628".encode()).decode()
    refused = daraja.push(Password=wrong)
    assert (refused.status_code, refused.json()["errorMessage"]) == (
        500,
        "[MerchantValidate] - Wrong credentials",
    )


@pytest.mark.parametrize("stamp", ["20230231120000", "20230101246000", "2023010112000", "x" * 14])
def test_timestamps_that_name_no_real_moment_are_invalid(daraja: Daraja, stamp: str) -> None:
    answer = daraja.push(Timestamp=stamp)
    assert (answer.status_code, answer.json()["errorCode"], answer.json()["errorMessage"]) == (
        400,
        "400.002.02",
        "Bad Request - Invalid Timestamp",
    )


def test_a_callback_transaction_date_is_nairobi_wall_clock(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any
) -> None:
    checkout = daraja.pushed()
    sandbox.decide(checkout, "approve")
    [got] = receiver.wait_for(1)
    items = json.loads(got.body)["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    stamp = str(next(i["Value"] for i in items if i["Name"] == "TransactionDate"))
    [record] = sandbox.wait_for_callbacks(1)
    local = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=ZoneInfo("Africa/Nairobi"))
    assert abs((local - record.sent_at).total_seconds()) < 120  # UTC would be 3 h off


# -- one prompt per phone ----------------------------------------------------------------------


def test_a_second_push_to_a_phone_with_an_open_prompt_ends_in_1001(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any
) -> None:
    first = daraja.pushed()
    second = daraja.push()
    assert second.status_code == 200  # accepted, as Daraja does ...
    assert second.json()["ResponseCode"] == "0"
    second_id = second.json()["CheckoutRequestID"]
    answer = daraja.query(second_id).json()  # ... then fails: the subscriber is locked
    assert answer["ResultCode"] == "1001"
    assert answer["ResultDesc"].startswith("Unable to lock subscriber")
    [got] = receiver.wait_for(1)
    assert (json.loads(got.body)["Body"]["stkCallback"]["CheckoutRequestID"], result_code(got)) == (
        second_id,
        1001,
    )
    # the first prompt is untouched and can still be paid
    assert [p.checkout_request_id for p in sandbox.pending()] == [first]
    assert daraja.query(first).json()["errorMessage"] == "The transaction is being processed"
    sandbox.decide(first, "approve")
    assert daraja.query(first).json()["ResultCode"] == "0"


def test_another_phone_or_a_finished_prompt_does_not_lock(
    daraja: Daraja, sandbox: MpesaSandbox
) -> None:
    first = daraja.pushed()
    other = daraja.pushed(OTHER_PHONE)
    assert {p.checkout_request_id for p in sandbox.pending()} == {first, other}
    sandbox.decide(first, "cancel")
    again = daraja.pushed()
    assert again in {p.checkout_request_id for p in sandbox.pending()}


# -- CallBackURL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://ho.example.com/mpesa/call back",  # a space
        "https://ho.example.com/mpesa/callback\t",
        "http://ho.example.com/mpesa/callback",  # not https
        "ftp://ho.example.com/mpesa/callback",
        "https:///no-host",
        "mpesa/callback",
        "",
        None,
    ],
)
def test_callback_urls_daraja_refuses(make_sandbox: Any, url: str | None) -> None:
    box = make_sandbox(local_callbacks=False)
    answer = Daraja(box, "").push(CallBackURL=url)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "400.002.02"
    assert answer.json()["errorMessage"] == "Bad Request - Invalid CallBackURL"
    assert box.pending() == []


def test_plain_http_to_this_machine_needs_the_local_callbacks_mode(make_sandbox: Any) -> None:
    strict = Daraja(make_sandbox(local_callbacks=False), "")
    permissive = Daraja(make_sandbox(local_callbacks=True), "")
    for url in ("http://127.0.0.1:9/cb", "http://localhost:9/cb", "http://[::1]:9/cb"):
        refused = strict.push(CallBackURL=url)
        assert refused.json()["errorMessage"] == "Bad Request - Invalid CallBackURL", url
        assert permissive.push(CallBackURL=url).status_code == 200, url
    # even the permissive mode never takes plain http to another machine
    other = permissive.push(CallBackURL="http://ho.example.com/cb")
    assert other.json()["errorMessage"] == "Bad Request - Invalid CallBackURL"


def test_https_callbacks_are_accepted_in_both_modes(make_sandbox: Any) -> None:
    for local in (False, True):
        box = make_sandbox(local_callbacks=local)
        answer = Daraja(box, "https://kaunta.invalid/mpesa/callback/att-1").push()
        assert answer.status_code == 200, answer.text


def test_the_default_sandbox_is_strict_about_callbacks() -> None:
    with MpesaSandbox() as box:
        assert not box.local_callbacks
        refused = Daraja(box, "http://127.0.0.1:9/cb").push()
        assert refused.json()["errorMessage"] == "Bad Request - Invalid CallBackURL"


# -- callback modes ------------------------------------------------------------------------------


def test_a_delayed_callback_arrives_late_and_once(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any, customer: SandboxCustomer
) -> None:
    customer.set_callback_mode("delay", delay=1.5)
    checkout = daraja.pushed()
    sandbox.decide(checkout, "approve")
    assert daraja.query(checkout).json()["ResultCode"] == "0"  # final before the callback
    assert receiver.wait_for(1, timeout=0.5) == []  # not yet
    [got] = receiver.wait_for(1, timeout=5.0)
    assert result_code(got) == 0
    assert receiver.wait_for(2, timeout=0.5) == [got]  # and only once


def test_a_duplicated_callback_arrives_the_given_number_of_times(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any, customer: SandboxCustomer
) -> None:
    customer.set_callback_mode("duplicate", copies=3)
    checkout = daraja.pushed()
    sandbox.decide(checkout, "approve")
    got = receiver.wait_for(3)
    assert len(got) == 3
    assert len({g.body for g in got}) == 1  # the very same callback, byte for byte
    assert [c.delivered for c in sandbox.wait_for_callbacks(3)] == [True, True, True]


def test_a_dropped_callback_never_arrives_but_the_query_answers(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any, customer: SandboxCustomer
) -> None:
    customer.set_callback_mode(CallbackMode.DROP)
    checkout = daraja.pushed()
    sandbox.decide(checkout, "approve")
    assert daraja.query(checkout).json()["ResultCode"] == "0"
    [record] = sandbox.wait_for_callbacks(1)
    assert (record.dropped, record.delivered, record.status) == (True, False, None)
    assert receiver.wait_for(1, timeout=0.5) == []
    listed = requests.get(sandbox.base_url + "/__sandbox__/callbacks", timeout=2).json()
    assert [c["dropped"] for c in listed["callbacks"]] == [True]


def test_a_mode_for_one_push_leaves_the_others_prompt(
    daraja: Daraja, sandbox: MpesaSandbox, receiver: Any, customer: SandboxCustomer
) -> None:
    dropped = daraja.pushed()
    kept = daraja.pushed(OTHER_PHONE)
    customer.set_callback_mode("drop", checkout_request_id=dropped)
    sandbox.decide(dropped, "approve")
    sandbox.decide(kept, "approve")
    [got] = receiver.wait_for(1)
    assert json.loads(got.body)["Body"]["stkCallback"]["CheckoutRequestID"] == kept
    assert customer.callback_mode().mode is CallbackMode.PROMPT


def test_callback_mode_control_refuses_what_it_cannot_do(
    daraja: Daraja, sandbox: MpesaSandbox, customer: SandboxCustomer
) -> None:
    url = sandbox.base_url + "/__sandbox__/callback-mode"
    for body in (
        {},
        {"mode": "sometimes"},
        {"mode": "delay", "delay": -1},
        {"mode": "duplicate", "copies": 1},
    ):
        assert requests.post(url, json=body, timeout=2).status_code == 400, body
    assert (
        requests.post(
            url, json={"mode": "drop", "checkout_request_id": "ws_CO_nope"}, timeout=2
        ).status_code
        == 404
    )
    checkout = daraja.pushed()
    sandbox.decide(checkout, "cancel")
    with pytest.raises(SandboxControlError, match="already answered"):
        customer.set_callback_mode("drop", checkout_request_id=checkout)
    with pytest.raises(ValueError, match="sometimes"):
        customer.set_callback_mode("sometimes")  # refused before anything is sent
    assert requests.get(url, timeout=2).json() == {
        "callback_mode": {"mode": "prompt", "delay": 0.0, "copies": 2}
    }
