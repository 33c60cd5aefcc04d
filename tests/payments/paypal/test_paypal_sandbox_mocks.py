"""``PayPal-Mock-Response`` honoured for every issue the spec documents, and nothing else.

A negative test must never pass by moving money: a documented issue fails the call with
its HTTP status and the operation's own text (each answer checked against the OpenAPI
file) and changes nothing; an issue the operation does not document is refused.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.paypal.client import PayPalClient
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.sandbox import PayPalSandbox, SandboxError
from pos.payments.paypal.sandbox.issues import DESCRIPTIONS, OPERATIONS, OVERRIDES

if TYPE_CHECKING:
    from conftest import Contract

ORDERS = "/v2/checkout/orders"
CAPTURE = "/v2/checkout/orders/{id}/capture"
ORDER = "/v2/checkout/orders/{id}"
REFUND = "/v2/payments/captures/{capture_id}/refund"
GET_CAPTURE = "/v2/payments/captures/{capture_id}"


def documented(op: str) -> list[tuple[str, int]]:
    return sorted((i, s) for s, names in OPERATIONS[op].items() for i in names)


def text_for(op: str, issue: str) -> str:
    return OVERRIDES.get(op, {}).get(issue, DESCRIPTIONS[issue])


def mock(code: str) -> dict[str, str]:
    return {"PayPal-Mock-Response": json.dumps({"mock_application_codes": code})}


class Api:
    def __init__(self, sandbox: PayPalSandbox, client: PayPalClient) -> None:
        self.sandbox = sandbox
        self.base = sandbox.base_url
        self.auth = {"Authorization": f"Bearer {client.access_token()}"}

    def call(
        self, verb: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> requests.Response:
        return requests.request(
            verb, self.base + path, json=body, headers={**self.auth, **(headers or {})}, timeout=5
        )

    def approved_order(self) -> str:
        body = {
            "intent": "CAPTURE",
            "purchase_units": [{"amount": {"currency_code": "USD", "value": "10.00"}}],
        }
        order_id = str(self.call("POST", ORDERS, body).json()["id"])
        self.sandbox.decide(order_id, "approve")
        return order_id

    def captured(self) -> str:
        order_id = self.approved_order()
        answer = self.call("POST", f"{ORDERS}/{order_id}/capture", {})
        return str(answer.json()["purchase_units"][0]["payments"]["captures"][0]["id"])


@pytest.fixture
def api(sandbox: PayPalSandbox, client: PayPalClient) -> Api:
    return Api(sandbox, client)


def check_error(
    contract: Contract, answer: requests.Response, spec: str, template: str, verb: str
) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    contract.check(contract.response_schema(spec, template, verb, answer.status_code), body)
    return body


# -- the two cases the issue report found ----------------------------------------------------


def test_a_capture_mocked_payer_account_restricted_fails_and_takes_no_money(
    api: Api, sandbox: PayPalSandbox, contract: Contract
) -> None:
    order_id = api.approved_order()
    path = f"{ORDERS}/{order_id}/capture"
    refused = api.call("POST", path, {}, mock("PAYER_ACCOUNT_RESTRICTED"))
    body = check_error(contract, refused, "orders", CAPTURE, "POST")
    assert refused.status_code == 422
    assert body["name"] == "UNPROCESSABLE_ENTITY"
    [detail] = body["details"]
    assert detail == {
        "issue": "PAYER_ACCOUNT_RESTRICTED",
        "description": text_for("orders.capture", "PAYER_ACCOUNT_RESTRICTED"),
    }
    assert sandbox.ledger()["captures"] == []
    assert sandbox.order(order_id)["status"] == "APPROVED"  # nothing changed
    assert api.call("POST", path, {}).status_code == 201  # and it can still be captured


def test_a_refund_mocked_insufficient_funds_fails_and_pays_nothing(
    api: Api, sandbox: PayPalSandbox, contract: Contract
) -> None:
    capture_id = api.captured()
    path = f"/v2/payments/captures/{capture_id}/refund"
    refused = api.call("POST", path, {}, mock("REFUND_FAILED_INSUFFICIENT_FUNDS"))
    body = check_error(contract, refused, "payments", REFUND, "POST")
    assert (refused.status_code, body["details"][0]["issue"]) == (
        422,
        "REFUND_FAILED_INSUFFICIENT_FUNDS",
    )
    assert sandbox.ledger()["refunds"] == []
    assert api.call("GET", f"/v2/payments/captures/{capture_id}").json()["status"] == "COMPLETED"


def test_the_till_declines_a_capture_paypal_refuses_and_charges_nothing(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: Any
) -> None:
    request: PaymentRequest = new_request()
    started = method.start(request)
    sandbox.decide(
        started.gateway_ref, "approve", mock_application_codes="PAYER_ACCOUNT_RESTRICTED"
    )
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    result = method.status(ref)
    assert (result.state, result.code) == (AttemptState.DECLINED, "paypal.PAYER_ACCOUNT_RESTRICTED")
    assert sandbox.ledger()["captures"] == []


# -- every documented issue, operation by operation -------------------------------------------


def test_every_issue_documented_for_create_answers_with_its_status(
    api: Api, sandbox: PayPalSandbox, contract: Contract
) -> None:
    body = {
        "intent": "CAPTURE",
        "purchase_units": [{"amount": {"currency_code": "USD", "value": "1.00"}}],
    }
    for issue, status in documented("orders.create"):
        answer = api.call("POST", ORDERS, body, mock(issue))
        got = check_error(contract, answer, "orders", ORDERS, "POST")
        assert (answer.status_code, got["details"][0]["issue"]) == (status, issue)
        assert got["details"][0]["description"] == text_for("orders.create", issue)
    assert sandbox.pending() == []  # no order was made


def test_every_issue_documented_for_capture_answers_with_its_status(
    api: Api, sandbox: PayPalSandbox, contract: Contract
) -> None:
    order_id = api.approved_order()
    path = f"{ORDERS}/{order_id}/capture"
    for issue, status in documented("orders.capture"):
        answer = api.call("POST", path, {}, mock(issue))
        got = check_error(contract, answer, "orders", CAPTURE, "POST")
        assert (answer.status_code, got["details"][0]["issue"]) == (status, issue)
        if issue == "INSTRUMENT_DECLINED":  # the buyer is sent back to choose again
            assert sandbox.order(order_id)["status"] == "CREATED"
            sandbox.decide(order_id, "approve")
    assert sandbox.ledger()["captures"] == []


def test_every_issue_documented_for_refund_answers_with_its_status(
    api: Api, sandbox: PayPalSandbox, contract: Contract
) -> None:
    capture_id = api.captured()
    path = f"/v2/payments/captures/{capture_id}/refund"
    for issue, status in documented("captures.refund"):
        answer = api.call("POST", path, {}, mock(issue))
        got = check_error(contract, answer, "payments", REFUND, "POST")
        assert (answer.status_code, got["details"][0]["issue"]) == (status, issue)
    assert sandbox.ledger()["refunds"] == []


@pytest.mark.parametrize(
    ("op", "template", "spec"),
    [("orders.get", ORDER, "orders"), ("captures.get", GET_CAPTURE, "payments")],
)
def test_reads_honour_their_documented_issues_too(
    api: Api, contract: Contract, op: str, template: str, spec: str
) -> None:
    path = (
        f"{ORDERS}/{api.approved_order()}"
        if op == "orders.get"
        else f"/v2/payments/captures/{api.captured()}"
    )
    for issue, status in documented(op):
        answer = api.call("GET", path, None, mock(issue))
        got = check_error(contract, answer, spec, template, "GET")
        assert (answer.status_code, got["details"][0]["issue"]) == (status, issue)


# -- anything else is refused, never ignored ----------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "NOT_A_PAYPAL_ISSUE",
        "REFUND_FAILED_INSUFFICIENT_FUNDS",  # a refund issue, not a capture one
        "CAPTURE_PENDING ",  # close to a sandbox code is not one
    ],
)
def test_a_capture_with_a_code_it_does_not_document_is_refused(
    api: Api, sandbox: PayPalSandbox, code: str
) -> None:
    order_id = api.approved_order()
    answer = api.call("POST", f"{ORDERS}/{order_id}/capture", {}, mock(code))
    assert answer.status_code == 400
    [detail] = answer.json()["details"]
    assert (detail["field"], detail["location"], detail["value"]) == (
        "PayPal-Mock-Response",
        "header",
        code,
    )
    assert sandbox.ledger()["captures"] == []
    assert sandbox.order(order_id)["status"] == "APPROVED"


def test_a_refund_with_a_capture_only_code_is_refused(api: Api, sandbox: PayPalSandbox) -> None:
    capture_id = api.captured()
    for code in ("INSTRUMENT_DECLINED", "CAPTURE_PENDING"):
        answer = api.call("POST", f"/v2/payments/captures/{capture_id}/refund", {}, mock(code))
        assert answer.status_code == 400, code
    assert sandbox.ledger()["refunds"] == []


@pytest.mark.parametrize("header", ["INSTRUMENT_DECLINED", "{not json", '{"codes": "X"}', "[]"])
def test_a_malformed_mock_header_is_refused(api: Api, sandbox: PayPalSandbox, header: str) -> None:
    order_id = api.approved_order()
    answer = api.call("POST", f"{ORDERS}/{order_id}/capture", {}, {"PayPal-Mock-Response": header})
    assert (answer.status_code, answer.json()["details"][0]["issue"]) == (
        400,
        "INVALID_PARAMETER_SYNTAX",
    )
    assert sandbox.ledger()["captures"] == []


def test_a_scripted_capture_code_must_be_one_capture_documents(
    api: Api, sandbox: PayPalSandbox
) -> None:
    order_id = api.approved_order()
    with pytest.raises(SandboxError, match="not an error PayPal documents"):
        sandbox.decide(order_id, "approve", mock_application_codes="REFUND_NOT_ALLOWED")
    over_http = requests.post(
        f"{sandbox.base_url}/__sandbox__/customer",
        json={"order_id": order_id, "decision": "approve", "mock_application_codes": "NOPE"},
        timeout=5,
    )
    assert over_http.status_code == 400
    assert sandbox.decide(order_id, "approve", mock_application_codes="CAPTURE_PENDING")


def test_the_sandbox_own_capture_codes_still_work(api: Api, sandbox: PayPalSandbox) -> None:
    for code, status in [
        ("CAPTURE_PENDING", "PENDING"),
        ("CAPTURE_DECLINED", "DECLINED"),
        ("CAPTURE_FAILED", "FAILED"),
    ]:
        order_id = api.approved_order()
        answer = api.call("POST", f"{ORDERS}/{order_id}/capture", {}, mock(code))
        assert answer.status_code == 201
        capture = answer.json()["purchase_units"][0]["payments"]["captures"][0]
        assert capture["status"] == status


def test_money_moves_only_without_a_mock(api: Api, client: PayPalClient) -> None:
    capture_id = api.captured()
    assert client.refund_capture(capture_id, Money(100, "USD"), "refund-ok").status == "COMPLETED"
