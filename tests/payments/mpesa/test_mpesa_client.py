"""The Daraja client over real HTTP against the sandbox: tokens, retries, timeouts, errors,
field validation, and the password/timestamp rules."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from pos.payments.base import GatewayUnavailable
from pos.payments.mpesa.client import (
    DarajaClient,
    DarajaConfig,
    DarajaError,
    daraja_timestamp,
    stk_password,
)
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    DEMO_TILL,
    MpesaSandbox,
)

MSISDN = "254712345678"

#: gateways.md A2: computed from the public sandbox shortcode, passkey and timestamp.
REFERENCE_PASSWORD = (
    "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQy"
    "YzkxOTIwMTYwMjE2MTY1NjI3"
)


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


def test_password_matches_the_reference_vector() -> None:
    assert stk_password("174379", DEMO_PASSKEY, "20160216165627") == REFERENCE_PASSWORD


def test_timestamp_is_nairobi_time() -> None:
    assert daraja_timestamp(datetime(2026, 3, 2, 21, 30, 5, tzinfo=UTC)) == "20260303003005"
    with pytest.raises(ValueError, match="timezone-aware"):
        daraja_timestamp(datetime(2026, 3, 2, 21, 30))


def test_config_rules_and_secret_free_repr(make_config: Callable[..., DarajaConfig]) -> None:
    config = make_config()
    assert config.transaction_type == "CustomerPayBillOnline"
    assert config.party_b == DEMO_SHORTCODE
    till = replace(config, mode="till", till_number=DEMO_TILL)
    assert till.transaction_type == "CustomerBuyGoodsOnline"
    assert till.party_b == DEMO_TILL
    for secret in (DEMO_CONSUMER_SECRET, DEMO_PASSKEY, DEMO_CONSUMER_KEY):
        assert secret not in repr(config)
    with pytest.raises(ValueError, match="till_number"):
        replace(config, mode="till")
    with pytest.raises(ValueError, match="mode"):
        replace(config, mode="bank")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shortcode"):
        replace(config, shortcode="12")


def test_push_then_query(sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]) -> None:
    client = DarajaClient(make_config())
    push = client.stk_push(100, MSISDN, "DUKA-T1-42", "Groceries")
    assert push.checkout_request_id.startswith("ws_CO_")
    assert push.response_code == "0"
    assert push.customer_message == "Success. Request accepted for processing"
    with pytest.raises(DarajaError) as pending:
        client.stk_query(push.checkout_request_id)
    assert pending.value.processing
    assert pending.value.http_status == 500
    sandbox.decide(push.checkout_request_id, "cancel")
    answer = client.stk_query(push.checkout_request_id)
    assert answer.result_code == "1032"
    assert answer.result_desc == "Request cancelled by user"
    assert answer.response_description == "The service request has been accepted successsfully"
    assert sandbox.request_count("oauth") == 1  # the token was cached


def test_token_is_refreshed_before_it_expires(
    make_sandbox: Callable[..., MpesaSandbox], make_config: Callable[..., DarajaConfig]
) -> None:
    box = make_sandbox(token_ttl=120)  # expires_in "120" on the wire, a string
    clock = StepClock()
    client = DarajaClient(make_config(box), clock=clock)
    push = client.stk_push(10, MSISDN, "R", "D")
    box.decide(push.checkout_request_id, "approve")
    clock.advance(30)
    client.stk_query(push.checkout_request_id)
    assert box.request_count("oauth") == 1
    clock.advance(31)  # 61 s: inside the margin (min(60, ttl/2)) of a 120 s token
    client.stk_query(push.checkout_request_id)
    assert box.request_count("oauth") == 2
    assert box.request_count("stkquery") == 2  # refreshed ahead: no refused call


def test_token_expired_mid_flow_is_refreshed_once(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    push = client.stk_push(10, MSISDN, "R", "D")
    sandbox.decide(push.checkout_request_id, "approve")
    assert sandbox.request_count("oauth") == 1
    sandbox.expire_tokens()
    answer = client.stk_query(push.checkout_request_id)
    assert answer.result_code == "0"
    assert sandbox.request_count("oauth") == 2  # exactly one extra token request
    assert sandbox.request_count("stkquery") == 2  # refused once, then answered


def test_a_token_refused_twice_is_an_error(
    make_sandbox: Callable[..., MpesaSandbox], make_config: Callable[..., DarajaConfig]
) -> None:
    box = make_sandbox(token_ttl=0)  # every token is dead on arrival
    client = DarajaClient(make_config(box))
    with pytest.raises(DarajaError) as err:
        client.stk_push(10, MSISDN, "R", "D")
    assert err.value.code == "404.001.03"
    assert err.value.invalid_token
    assert box.request_count("stkpush") == 2  # one resend with a fresh token, no more
    assert box.request_count("oauth") == 2


def test_query_is_retried_on_5xx(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    push = client.stk_push(10, MSISDN, "R", "D")
    sandbox.decide(push.checkout_request_id, "approve")
    sandbox.fail_next(503, 2, endpoint="stkquery")
    assert client.stk_query(push.checkout_request_id).result_code == "0"
    assert sandbox.request_count("stkquery") == 3


def test_query_gives_up_after_its_retries(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    push = client.stk_push(10, MSISDN, "R", "D")
    sandbox.fail_next(503, 3, endpoint="stkquery")
    with pytest.raises(GatewayUnavailable):
        client.stk_query(push.checkout_request_id)
    assert sandbox.request_count("stkquery") == 3


def test_push_is_never_retried(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    client.access_token()
    sandbox.fail_next(503, 1, endpoint="stkpush")
    with pytest.raises(GatewayUnavailable, match="not known whether the customer's phone"):
        client.stk_push(10, MSISDN, "R", "D")
    assert sandbox.request_count("stkpush") == 1
    assert sandbox.pending() == []  # this failure happened before processing


def test_token_request_is_retried_on_5xx(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    sandbox.fail_next(502, 2, endpoint="oauth")
    client = DarajaClient(make_config())
    assert client.access_token() in sandbox.tokens_issued
    assert sandbox.request_count("oauth") == 3


def test_slow_gateway_times_out_quickly(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config(read_timeout=0.3))
    client.access_token()
    sandbox.set_delay(3.0, "stkpush")
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match="did not answer in time"):
        client.stk_push(10, MSISDN, "R", "D")
    assert time.monotonic() - started < 1.5
    assert sandbox.request_count("stkpush") == 1


def test_wrong_consumer_secret(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config(consumer_secret="not-the-secret"))
    with pytest.raises(DarajaError) as err:
        client.stk_push(10, MSISDN, "R", "D")
    assert err.value.code == "400.008.01"
    assert err.value.operation == "token"
    assert sandbox.request_count("stkpush") == 0


def test_wrong_passkey(sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]) -> None:
    client = DarajaClient(make_config(passkey="0" * 64))
    with pytest.raises(DarajaError) as err:
        client.stk_push(10, MSISDN, "R", "D")
    assert (err.value.code, err.value.message) == (
        "500.001.1001",
        "[MerchantValidate] - Wrong credentials",
    )
    assert not err.value.processing


def test_invalid_phone_comes_back_as_a_field_error(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    with pytest.raises(DarajaError) as err:
        client.stk_push(10, "254812345678", "R", "D")
    assert err.value.code == "400.002.02"
    assert err.value.field == "PartyA"
    assert err.value.http_status == 400


def test_client_refuses_non_integer_amounts(make_config: Callable[..., DarajaConfig]) -> None:
    client = DarajaClient(make_config())
    for bad in (0, -5, 1.5, True):
        with pytest.raises(ValueError, match="whole number"):
            client.stk_push(bad, MSISDN, "R", "D")  # type: ignore[arg-type]


def test_spike_arrest(
    make_sandbox: Callable[..., MpesaSandbox], make_config: Callable[..., DarajaConfig]
) -> None:
    box = make_sandbox(rate_limit=3)
    client = DarajaClient(make_config(box))
    client.stk_push(10, MSISDN, "R", "D")  # oauth + push: 2
    client.stk_push(10, MSISDN, "R", "D")  # 3
    with pytest.raises(DarajaError) as err:
        client.stk_push(10, MSISDN, "R", "D")
    assert (err.value.code, err.value.message) == ("500.003.02", "Spike Arrest Violation")
    time.sleep(1.05)  # the window rolls on
    client.stk_push(10, MSISDN, "R", "D")


def test_naive_clock_is_refused(make_config: Callable[..., DarajaConfig]) -> None:
    client = DarajaClient(make_config(), clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        client.access_token()


# -- the sandbox's field validation, over raw HTTP ----------------------------------------


def _valid_body(box: MpesaSandbox, callback: str) -> dict[str, Any]:
    timestamp = "20260302103000"
    return {
        "BusinessShortCode": 174379,
        "Password": stk_password(DEMO_SHORTCODE, DEMO_PASSKEY, timestamp),
        "Timestamp": timestamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1,
        "PartyA": 254712345678,
        "PartyB": 174379,
        "PhoneNumber": 254712345678,
        "CallBackURL": callback,
        "AccountReference": "DUKA-1",
        "TransactionDesc": "Groceries",
    }


def _raw_push(box: MpesaSandbox, body: Any, token: str) -> requests.Response:
    return requests.post(
        box.base_url + "/mpesa/stkpush/v1/processrequest",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


@pytest.fixture
def token(sandbox: MpesaSandbox) -> str:
    answer = requests.get(
        sandbox.base_url + "/oauth/v1/generate",
        params={"grant_type": "client_credentials"},
        auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET),
        timeout=5,
    )
    assert answer.status_code == 200
    data = answer.json()
    assert data["expires_in"] == "3599"  # a string, as on the wire
    assert isinstance(data["access_token"], str)
    return str(data["access_token"])


def test_portal_sample_shapes_are_accepted(sandbox: MpesaSandbox, token: str) -> None:
    answer = _raw_push(sandbox, _valid_body(sandbox, "https://example.invalid/cb"), token)
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == {
        "MerchantRequestID",
        "CheckoutRequestID",
        "ResponseCode",
        "ResponseDescription",
        "CustomerMessage",
    }
    assert data["ResponseCode"] == "0"
    assert data["ResponseDescription"] == "Success. Request accepted for processing"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Amount", "100"),
        ("Amount", 100.0),
        ("BusinessShortCode", "174379"),
        ("PartyA", "254112345678"),
        ("PartyB", "174379"),
    ],
)
def test_numbers_or_strings_both_accepted(
    sandbox: MpesaSandbox, token: str, field: str, value: object
) -> None:
    body = _valid_body(sandbox, "https://example.invalid/cb")
    body[field] = value
    assert _raw_push(sandbox, body, token).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("BusinessShortCode", "17"),
        ("BusinessShortCode", None),
        ("Password", "not base64!"),
        ("Password", ""),
        ("Timestamp", "2026030210"),
        ("Timestamp", "20261399103000"),
        ("TransactionType", "CustomerPayBill"),
        ("Amount", 0),
        ("Amount", 1.5),
        ("Amount", "10.50"),
        ("Amount", True),
        ("Amount", 250_001),
        ("PartyA", "254812345678"),
        ("PartyA", "0712345678"),
        ("PartyB", "1"),
        ("PartyB", "600000"),  # paybill: PartyB must be the shortcode
        ("PhoneNumber", "25471234567"),
        ("PhoneNumber", 254212345678),
        ("CallBackURL", "not a url"),
        ("CallBackURL", "ftp://example.com/cb"),
        ("AccountReference", ""),
        ("AccountReference", "THIRTEEN-CHAR"),
        ("TransactionDesc", ""),
        ("TransactionDesc", None),
    ],
)
def test_each_field_is_validated(
    sandbox: MpesaSandbox, token: str, field: str, value: object
) -> None:
    body = _valid_body(sandbox, "https://example.invalid/cb")
    body[field] = value
    answer = _raw_push(sandbox, body, token)
    assert answer.status_code == 400
    data = answer.json()
    assert data["errorCode"] == "400.002.02"
    assert data["errorMessage"] == f"Bad Request - Invalid {field}"
    assert data["requestId"]


def test_wrong_password_and_unknown_merchant(sandbox: MpesaSandbox, token: str) -> None:
    body = _valid_body(sandbox, "https://example.invalid/cb")
    body["Timestamp"] = "20260302103001"  # no longer the password's timestamp
    answer = _raw_push(sandbox, body, token)
    assert answer.status_code == 500
    assert answer.json()["errorMessage"] == "[MerchantValidate] - Wrong credentials"
    body = _valid_body(sandbox, "https://example.invalid/cb")
    body["BusinessShortCode"] = body["PartyB"] = "600000"
    answer = _raw_push(sandbox, body, token)
    assert answer.json()["errorMessage"] == "Merchant does not exist"


def test_bearer_and_payload_checks(sandbox: MpesaSandbox, token: str) -> None:
    body = _valid_body(sandbox, "https://example.invalid/cb")
    answer = _raw_push(sandbox, body, "wrong-token")
    assert (answer.status_code, answer.json()["errorCode"]) == (404, "404.001.03")
    assert answer.json()["errorMessage"] == "Invalid Access Token"
    answer = requests.post(
        sandbox.base_url + "/mpesa/stkpush/v1/processrequest",
        data=b"{not json",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.json()["errorCode"] == "400.002.05"
    assert _raw_push(sandbox, [body], token).json()["errorCode"] == "400.002.05"


def test_oauth_errors(sandbox: MpesaSandbox) -> None:
    url = sandbox.base_url + "/oauth/v1/generate"
    wrong_grant = requests.get(
        url,
        params={"grant_type": "password"},
        auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET),
        timeout=5,
    )
    assert (wrong_grant.status_code, wrong_grant.json()["errorCode"]) == (400, "400.008.02")
    no_auth = requests.get(url, params={"grant_type": "client_credentials"}, timeout=5)
    assert no_auth.json()["errorCode"] == "400.008.01"
    garbage = requests.get(
        url,
        params={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()},
        timeout=5,
    )
    assert garbage.json()["errorCode"] == "400.008.01"


def test_query_of_an_unknown_checkout_id(sandbox: MpesaSandbox, token: str) -> None:
    timestamp = "20260302103000"
    answer = requests.post(
        sandbox.base_url + "/mpesa/stkpushquery/v1/query",
        json={
            "BusinessShortCode": DEMO_SHORTCODE,
            "Password": stk_password(DEMO_SHORTCODE, DEMO_PASSKEY, timestamp),
            "Timestamp": timestamp,
            "CheckoutRequestID": "ws_CO_000",
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["errorMessage"] == "Bad Request - Invalid CheckoutRequestID"


def test_threads_sharing_a_client_share_one_token(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    pushes: list[str] = []
    start = threading.Barrier(5)

    def push() -> None:
        start.wait()
        pushes.append(client.stk_push(10, MSISDN, "R", "D").checkout_request_id)

    threads = [threading.Thread(target=push) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(set(pushes)) == 5
    assert sandbox.request_count("oauth") == 1


def test_a_closed_client_refuses_calls_without_reaching_daraja(
    sandbox: MpesaSandbox, make_config: Callable[..., DarajaConfig]
) -> None:
    client = DarajaClient(make_config())
    client.access_token()
    client.close()
    with pytest.raises(GatewayUnavailable, match="closing"):
        client.stk_push(10, MSISDN, "R", "D")
    assert sandbox.request_count("stkpush") == 0
