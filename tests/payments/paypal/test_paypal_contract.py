"""Contract test: the sandbox's answers and the client's request bodies, checked with
jsonschema against PayPal's own OpenAPI files (Orders v2, Payments v2, Webhooks v1).

If the sandbox drifts from PayPal (a field renamed, a status invented, an error text
changed), or the client sends a body PayPal would not accept, these tests fail. The last
test proves that the checker itself can fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.paypal.client import PayPalClient
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.sandbox import PayPalSandbox

if TYPE_CHECKING:
    from conftest import Contract

ORDERS, CAPTURE, ORDER = (
    "/v2/checkout/orders",
    "/v2/checkout/orders/{id}/capture",
    "/v2/checkout/orders/{id}",
)
REFUND, GET_CAPTURE = (
    "/v2/payments/captures/{capture_id}/refund",
    "/v2/payments/captures/{capture_id}",
)
GET_REFUND = "/v2/payments/refunds/{refund_id}"

#: Concrete request path → (spec, path template).
TEMPLATES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^/v2/checkout/orders$"), "orders", ORDERS),
    (re.compile(r"^/v2/checkout/orders/[A-Z0-9]+$"), "orders", ORDER),
    (re.compile(r"^/v2/checkout/orders/[A-Z0-9]+/capture$"), "orders", CAPTURE),
    (re.compile(r"^/v2/payments/captures/[A-Z0-9]+$"), "payments", GET_CAPTURE),
    (re.compile(r"^/v2/payments/captures/[A-Z0-9]+/refund$"), "payments", REFUND),
    (re.compile(r"^/v2/payments/refunds/[A-Z0-9]+$"), "payments", GET_REFUND),
]


class Api:
    """Raw HTTP to the sandbox with a valid token; every answer is checked against the spec."""

    def __init__(self, sandbox: PayPalSandbox, client: PayPalClient, contract: Contract) -> None:
        self.base = sandbox.base_url
        self.token = client.access_token()
        self.contract = contract
        self.checked: list[tuple[str, str, int]] = []

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> requests.Response:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        response = requests.request(method, self.base + path, data=data, headers=sent, timeout=5)
        spec, template = next((s, t) for rx, s, t in TEMPLATES if rx.match(path.split("?")[0]))
        schema = self.contract.response_schema(spec, template, method, response.status_code)
        self.contract.check(schema, response.json())
        self.checked.append((template, method, response.status_code))
        return response

    def create(self, value: str = "12.50", currency: str = "USD", **headers: str) -> dict[str, Any]:
        body = order_body(value, currency)
        answer = self.call("POST", ORDERS, body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()  # type: ignore[no-any-return]


def order_body(value: str = "12.50", currency: str = "USD") -> dict[str, Any]:
    return {
        "intent": "CAPTURE",
        "purchase_units": [
            {"amount": {"currency_code": currency, "value": value}, "description": "Sale"}
        ],
        "payment_source": {
            "paypal": {
                "experience_context": {
                    "user_action": "PAY_NOW",
                    "shipping_preference": "NO_SHIPPING",
                    "brand_name": "Duka",
                    "return_url": "https://example.com/ok",
                    "cancel_url": "https://example.com/no",
                }
            }
        },
    }


@pytest.fixture
def api(sandbox: PayPalSandbox, client: PayPalClient, contract: Contract) -> Api:
    return Api(sandbox, client, contract)


def issue_of(response: requests.Response) -> str:
    return str(response.json()["details"][0]["issue"])


# -- successful answers -----------------------------------------------------------------------


def test_order_life_cycle_answers_match_the_spec(api: Api, sandbox: PayPalSandbox) -> None:
    minimal = api.create(Prefer="return=minimal")
    assert set(minimal) == {"id", "status", "links"}
    order = api.create(Prefer="return=representation", **{"PayPal-Request-Id": "c-1"})
    replay = api.call("POST", ORDERS, order_body(), headers={"PayPal-Request-Id": "c-1"})
    assert (replay.status_code, replay.json()["id"]) == (200, order["id"])
    legacy = api.call(
        "POST",
        ORDERS,
        {
            "intent": "CAPTURE",
            "purchase_units": [{"amount": {"currency_code": "JPY", "value": "1250"}}],
            "application_context": {"brand_name": "Duka", "user_action": "PAY_NOW"},
        },
    ).json()
    assert legacy["status"] == "CREATED"
    assert {link["rel"] for link in legacy["links"]} == {"self", "approve", "update", "capture"}

    path = f"/v2/checkout/orders/{order['id']}"
    assert api.call("GET", path).json()["status"] == "PAYER_ACTION_REQUIRED"
    sandbox.decide(order["id"], "approve")
    assert api.call("GET", path).json()["status"] == "APPROVED"
    captured = api.call("POST", f"{path}/capture", {}, headers={"PayPal-Request-Id": "k-1"})
    assert captured.status_code == 201
    assert (
        api.call("POST", f"{path}/capture", {}, headers={"PayPal-Request-Id": "k-1"}).status_code
        == 200
    )
    capture = captured.json()["purchase_units"][0]["payments"]["captures"][0]
    assert api.call("GET", f"/v2/payments/captures/{capture['id']}").json()["status"] == "COMPLETED"
    refund = api.call(
        "POST",
        f"/v2/payments/captures/{capture['id']}/refund",
        {"amount": {"currency_code": "USD", "value": "2.50"}, "note_to_payer": "Returned item"},
        headers={"PayPal-Request-Id": "r-1"},
    )
    assert refund.status_code == 201
    assert (
        api.call(
            "POST",
            f"/v2/payments/captures/{capture['id']}/refund",
            {"amount": {"currency_code": "USD", "value": "2.50"}},
            headers={"PayPal-Request-Id": "r-1"},
        ).json()["id"]
        == refund.json()["id"]
    )
    api.call("GET", f"/v2/payments/refunds/{refund.json()['id']}")
    full = api.call("POST", f"/v2/payments/captures/{capture['id']}/refund", {})
    assert full.json()["amount"]["value"] == "10.00"
    after = api.call("GET", path).json()
    assert after["purchase_units"][0]["payments"]["captures"][0]["status"] == "REFUNDED"
    assert len(after["purchase_units"][0]["payments"]["refunds"]) == 2


def test_pending_and_minimal_capture_answers_match_the_spec(
    api: Api, sandbox: PayPalSandbox
) -> None:
    order = api.create()
    sandbox.decide(order["id"], "approve")
    answer = api.call(
        "POST",
        f"/v2/checkout/orders/{order['id']}/capture",
        {},
        headers={
            "PayPal-Mock-Response": '{"mock_application_codes": "CAPTURE_PENDING"}',
            "Prefer": "return=minimal",
        },
    ).json()
    capture = answer["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status_details"] == {"reason": "PENDING_REVIEW"}
    assert "seller_receivable_breakdown" not in capture
    api.call("GET", f"/v2/payments/captures/{capture['id']}")


# -- error answers ----------------------------------------------------------------------------


def test_error_answers_match_the_spec(api: Api, sandbox: PayPalSandbox) -> None:
    # (method, path, JSON body or raw bytes, expected status, expected issue)
    cases: list[tuple[str, str, Any, int, str]] = [
        ("POST", ORDERS, order_body("1000.00", "KES"), 422, "INVALID_CURRENCY_CODE"),
        ("POST", ORDERS, order_body("1.234"), 422, "DECIMAL_PRECISION"),
        ("POST", ORDERS, order_body("10.5", "JPY"), 422, "DECIMAL_PRECISION"),
        ("POST", ORDERS, order_body("0.00"), 422, "CANNOT_BE_ZERO_OR_NEGATIVE"),
        ("POST", ORDERS, order_body("-5.00"), 422, "CANNOT_BE_ZERO_OR_NEGATIVE"),
        ("POST", ORDERS, order_body("1000000000000000.00"), 422, "MAX_VALUE_EXCEEDED"),
        ("POST", ORDERS, order_body("12,50"), 400, "INVALID_PARAMETER_SYNTAX"),
        ("POST", ORDERS, b"{not json", 400, "MALFORMED_REQUEST_JSON"),
        ("POST", ORDERS, {"purchase_units": []}, 400, "MISSING_REQUIRED_PARAMETER"),
        ("POST", ORDERS, {"intent": "CAPTURE", "purchase_units": []}, 400,
         "INVALID_ARRAY_MIN_ITEMS"),
        ("GET", "/v2/checkout/orders/0NOSUCHORDER0000", None, 404, "INVALID_RESOURCE_ID"),
        ("GET", "/v2/payments/captures/0NOSUCHCAPTURE00", None, 404, "INVALID_RESOURCE_ID"),
    ]  # fmt: skip
    for verb, path, body, status, issue in cases:
        if isinstance(body, bytes):
            answer = api.call(verb, path, raw=body)
        else:
            answer = api.call(verb, path, body)
        assert (answer.status_code, issue_of(answer)) == (status, issue), answer.text
        assert answer.headers["Paypal-Debug-Id"] == answer.json()["debug_id"]

    unauthenticated = api.call("GET", "/v2/checkout/orders/0NOSUCHORDER0000", auth=False)
    assert (unauthenticated.status_code, unauthenticated.json()["name"]) == (
        401,
        "AUTHENTICATION_FAILURE",
    )

    waiting = api.create()
    not_approved = api.call("POST", f"/v2/checkout/orders/{waiting['id']}/capture", {})
    assert (not_approved.status_code, issue_of(not_approved)) == (422, "ORDER_NOT_APPROVED")

    for mock in ("INSTRUMENT_DECLINED", "TRANSACTION_REFUSED", "PAYER_CANNOT_PAY"):
        order = api.create()
        sandbox.decide(order["id"], "approve")
        refused = api.call(
            "POST",
            f"/v2/checkout/orders/{order['id']}/capture",
            {},
            headers={"PayPal-Mock-Response": json.dumps({"mock_application_codes": mock})},
        )
        assert (refused.status_code, issue_of(refused)) == (422, mock)
        rels = [link["rel"] for link in refused.json()["links"]]
        expected = (
            ["information_link", "redirect"]
            if mock == "INSTRUMENT_DECLINED"
            else ["information_link"]
        )
        assert rels == expected

    order = api.create()
    sandbox.decide(order["id"], "approve")
    path = f"/v2/checkout/orders/{order['id']}/capture"
    capture = api.call("POST", path, {}).json()["purchase_units"][0]["payments"]["captures"][0]
    again = api.call("POST", path, {}, headers={"PayPal-Request-Id": "another"})
    assert (again.status_code, issue_of(again)) == (422, "ORDER_ALREADY_CAPTURED")

    refund_path = f"/v2/payments/captures/{capture['id']}/refund"
    for body, issue in [
        ({"amount": {"currency_code": "USD", "value": "99.00"}}, "REFUND_AMOUNT_EXCEEDED"),
        ({"amount": {"currency_code": "EUR", "value": "1.00"}}, "REFUND_CAPTURE_CURRENCY_MISMATCH"),
    ]:
        answer = api.call("POST", refund_path, body)
        assert (answer.status_code, issue_of(answer)) == (422, issue)
    api.call("POST", refund_path, {})
    fully = api.call("POST", refund_path, {})
    assert (fully.status_code, issue_of(fully)) == (422, "CAPTURE_FULLY_REFUNDED")

    sandbox.fail_next(1, 503, path="/v2/checkout/orders/")
    busy = api.call("GET", f"/v2/checkout/orders/{order['id']}")  # validated as "default"
    assert busy.json()["name"] == "SERVICE_UNAVAILABLE"


# -- the client's request bodies -------------------------------------------------------------


def test_client_request_bodies_match_the_spec(
    method: PayPalMethod,
    client: PayPalClient,
    sandbox: PayPalSandbox,
    contract: Contract,
    new_request: Callable[..., PaymentRequest],
) -> None:
    request = new_request(2000)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    paid = method.status(ref)
    assert paid.state is AttemptState.CAPTURED
    assert method.refund(ref, Money(500, "USD")).ok
    client.refund_capture(paid.receipt_ref, None, "rest", note="Sorry!")
    client.create_order(Money(1250, "JPY"), "yen", "R" * 300, "D" * 300)  # long texts cut

    checked = set()
    for sent in sandbox.requests:
        if not sent.body or not sent.path.startswith("/v2/"):
            continue
        spec, template = next((s, t) for rx, s, t in TEMPLATES if rx.match(sent.path))
        contract.check(contract.request_schema(spec, template, "POST"), sent.json())
        assert sent.headers["content-type"] == "application/json"
        assert sent.headers["paypal-request-id"]
        checked.add(template)
    assert checked == {ORDERS, CAPTURE, REFUND}


# -- webhooks --------------------------------------------------------------------------------


def test_webhook_envelopes_and_resources_match_the_spec(
    method: PayPalMethod,
    sandbox: PayPalSandbox,
    contract: Contract,
    new_request: Callable[..., PaymentRequest],
) -> None:
    request = new_request(2000)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    method.status(ref)
    method.refund(ref, Money(500, "USD"))
    resource_schema = {
        "checkout-order": contract.schema("orders", "order"),
        "capture": contract.schema("payments", "capture-2"),
        "refund": contract.schema("payments", "refund"),
    }
    seen = set()
    for record in sandbox.webhook_events:
        envelope = json.loads(record.body)
        contract.check(contract.schema("webhooks", "event"), envelope)
        contract.check(resource_schema[envelope["resource_type"]], envelope["resource"])
        seen.add(envelope["event_type"])
    assert seen == {
        "CHECKOUT.ORDER.APPROVED",
        "PAYMENT.CAPTURE.COMPLETED",
        "CHECKOUT.ORDER.COMPLETED",
        "PAYMENT.CAPTURE.REFUNDED",
    }


# -- the checker can fail ------------------------------------------------------------------------


def test_the_contract_checker_rejects_wrong_bodies(contract: Contract) -> None:
    create = contract.request_schema("orders", ORDERS, "POST")
    good = order_body()
    assert contract.errors(create, good) == []

    wrong_type = order_body()
    wrong_type["purchase_units"][0]["amount"]["value"] = 12.5  # a number, not a string
    assert any("12.5 is not of type 'string'" in e for e in contract.errors(create, wrong_type))

    no_intent = {k: v for k, v in good.items() if k != "intent"}
    assert any("'intent' is a required property" in e for e in contract.errors(create, no_intent))

    misspelled = order_body()
    wallet = misspelled["payment_source"]["paypal"]
    wallet["experiance_context"] = wallet.pop("experience_context")
    assert contract.errors(create, misspelled) == [
        "/payment_source/paypal/experiance_context: not defined by the spec"
    ]

    bad_enum = order_body()
    bad_enum["payment_source"]["paypal"]["experience_context"]["user_action"] = "PAY_LATER"
    assert contract.errors(create, bad_enum)

    refund = contract.request_schema("payments", REFUND, "POST")
    assert contract.errors(refund, {"amount": {"currency_code": "USD", "value": "12,50"}})

    order = contract.response_schema("orders", ORDER, "GET", 200)
    assert contract.errors(order, {"id": "5O190127TN364715T", "status": "PAID"})

    capture_422 = contract.response_schema("orders", CAPTURE, "POST", 422)
    wrong_text = {
        "name": "UNPROCESSABLE_ENTITY",
        "message": "The requested action could not be performed, semantically incorrect, or "
        "failed business validation.",
        "details": [{"issue": "ORDER_NOT_APPROVED", "description": "Not approved yet."}],
        "debug_id": "80cb04a5dbea7",
    }
    assert contract.errors(capture_422, wrong_text)
    right_text = {
        **wrong_text,
        "details": [
            {
                "issue": "ORDER_NOT_APPROVED",
                "description": "Payer has not yet approved the Order for payment. Please "
                "redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS "
                "links within the Create Order call or provide a valid `payment_source` in the "
                "request.",
            }
        ],
    }
    assert contract.errors(capture_422, right_text) == []
