"""PATCH of orders (the ``update`` link the sandbox advertises is served) and PayPal's
``details[].field`` pointers (``/purchase_units/@reference_id=='default'/...``).

Every error body is checked against the spec's schema for that operation and status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from pos.payments.paypal.client import PayPalClient
from pos.payments.paypal.sandbox import PayPalSandbox

if TYPE_CHECKING:
    from conftest import Contract

ORDERS = "/v2/checkout/orders"
ORDER = "/v2/checkout/orders/{id}"
DEFAULT = "/purchase_units/@reference_id=='default'"


class Api:
    def __init__(self, sandbox: PayPalSandbox, client: PayPalClient, contract: Contract) -> None:
        self.sandbox = sandbox
        self.base = sandbox.base_url
        self.auth = {"Authorization": f"Bearer {client.access_token()}"}
        self.contract = contract

    def call(self, verb: str, url: str, body: Any = None) -> requests.Response:
        url = url if url.startswith("http") else self.base + url
        return requests.request(verb, url, json=body, headers=self.auth, timeout=5)

    def create(self, **unit: Any) -> dict[str, Any]:
        unit.setdefault("amount", {"currency_code": "USD", "value": "10.00"})
        answer = self.call("POST", ORDERS, {"intent": "CAPTURE", "purchase_units": [unit]})
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def patch(self, order_id: str, ops: Any) -> requests.Response:
        return self.call("PATCH", f"{ORDERS}/{order_id}", ops)

    def refused(self, answer: requests.Response, status: int, issue: str, op: str) -> str:
        """Check an error answer against the spec; returns its ``details[0].field``."""
        spec, template, verb = {
            "patch": ("orders", ORDER, "PATCH"),
            "create": ("orders", ORDERS, "POST"),
        }[op]
        body = answer.json()
        self.contract.check(self.contract.response_schema(spec, template, verb, status), body)
        assert (answer.status_code, body["details"][0]["issue"]) == (status, issue), answer.text
        return str(body["details"][0].get("field", ""))

    def unit(self, order_id: str) -> dict[str, Any]:
        return self.call("GET", f"{ORDERS}/{order_id}").json()["purchase_units"][0]  # type: ignore[no-any-return]


@pytest.fixture
def api(sandbox: PayPalSandbox, client: PayPalClient, contract: Contract) -> Api:
    return Api(sandbox, client, contract)


# -- the update link is served -------------------------------------------------------------


def test_the_advertised_update_link_patches_the_order(api: Api) -> None:
    order = api.create(description="Two sodas")
    [update] = [link for link in order["links"] if link["rel"] == "update"]
    assert update["method"] == "PATCH"
    answer = api.call(
        "PATCH",
        update["href"],
        [
            {"op": "replace", "path": f"{DEFAULT}/description", "value": "Three sodas"},
            {"op": "add", "path": f"{DEFAULT}/invoice_id", "value": "INV-7"},
            {"op": "replace", "path": f"{DEFAULT}/amount",
             "value": {"currency_code": "USD", "value": "15.00"}},
            {"op": "replace", "path": "/intent", "value": "CAPTURE"},
        ],
    )  # fmt: skip
    assert (answer.status_code, answer.content) == (204, b"")
    assert answer.headers["Paypal-Debug-Id"]
    unit = api.unit(order["id"])
    assert (unit["description"], unit["invoice_id"], unit["amount"]["value"]) == (
        "Three sodas",
        "INV-7",
        "15.00",
    )
    api.contract.check(
        api.contract.response_schema("orders", ORDER, "GET", 200),
        api.call("GET", f"{ORDERS}/{order['id']}").json(),
    )


def test_a_patched_amount_is_what_gets_captured(api: Api, sandbox: PayPalSandbox) -> None:
    order = api.create()
    assert api.patch(order["id"], [
        {"op": "replace", "path": f"{DEFAULT}/amount",
         "value": {"currency_code": "USD", "value": "7.25"}},
    ]).status_code == 204  # fmt: skip
    sandbox.decide(order["id"], "approve")
    captured = api.call("POST", f"{ORDERS}/{order['id']}/capture", {}).json()
    capture = captured["purchase_units"][0]["payments"]["captures"][0]
    assert capture["amount"] == {"currency_code": "USD", "value": "7.25"}


def test_remove_then_add_follow_paypal_rules(api: Api) -> None:
    order = api.create(custom_id="C-1")
    assert (
        api.patch(order["id"], [{"op": "remove", "path": f"{DEFAULT}/custom_id"}]).status_code
        == 204
    )
    assert "custom_id" not in api.unit(order["id"])
    # removing what is not there, or adding what is, is refused
    api.refused(
        api.patch(order["id"], [{"op": "remove", "path": f"{DEFAULT}/custom_id"}]),
        400, "INVALID_PATCH_OPERATION", "patch",
    )  # fmt: skip
    api.refused(
        api.patch(order["id"], [{"op": "replace", "path": f"{DEFAULT}/custom_id", "value": "x"}]),
        400, "INVALID_PATCH_OPERATION", "patch",
    )  # fmt: skip
    assert (
        api.patch(
            order["id"], [{"op": "add", "path": f"{DEFAULT}/custom_id", "value": "C-2"}]
        ).status_code
        == 204
    )
    api.refused(
        api.patch(order["id"], [{"op": "add", "path": f"{DEFAULT}/custom_id", "value": "C-3"}]),
        400, "INVALID_PATCH_OPERATION", "patch",
    )  # fmt: skip
    assert api.unit(order["id"])["custom_id"] == "C-2"


def test_a_patch_applies_whole_or_not_at_all(api: Api) -> None:
    order = api.create(description="Before")
    answer = api.patch(order["id"], [
        {"op": "replace", "path": f"{DEFAULT}/description", "value": "After"},
        {"op": "replace", "path": "/status", "value": "APPROVED"},
    ])  # fmt: skip
    field = api.refused(answer, 400, "FIELD_NOT_PATCHABLE", "patch")
    assert field == "/status"
    assert api.unit(order["id"])["description"] == "Before"


@pytest.mark.parametrize(
    ("ops", "status", "issue"),
    [
        ([{"op": "add", "path": f"{DEFAULT}/amount",
           "value": {"currency_code": "USD", "value": "1.00"}}], 400, "INVALID_PATCH_OPERATION"),
        ([{"op": "replace", "path": f"{DEFAULT}/reference_id", "value": "x"}], 400,
         "FIELD_NOT_PATCHABLE"),
        ([{"op": "replace", "path": "/id", "value": "x"}], 400, "FIELD_NOT_PATCHABLE"),
        ([{"op": "move", "from": "/intent", "path": "/x"}], 400, "INVALID_PATCH_OPERATION"),
        ([{"op": "sideways", "path": "/intent"}], 400, "INVALID_PARAMETER_VALUE"),
        ([{"path": "/intent", "value": "CAPTURE"}], 400, "MISSING_REQUIRED_PARAMETER"),
        ([{"op": "replace", "value": "CAPTURE"}], 422, "PATCH_PATH_REQUIRED"),
        ([{"op": "replace", "path": "/intent"}], 422, "PATCH_VALUE_REQUIRED"),
        ([{"op": "replace", "path": "intent", "value": "CAPTURE"}], 422,
         "INVALID_JSON_POINTER_FORMAT"),
        ([{"op": "replace", "path": "/purchase_units/0/description", "value": "x"}], 422,
         "INVALID_JSON_POINTER_FORMAT"),
        ([{"op": "replace", "path": "/purchase_units/@reference_id=='other'/description",
           "value": "x"}], 422, "REFERENCE_ID_NOT_FOUND"),
        ([{"op": "replace", "path": f"{DEFAULT}/amount",
           "value": {"currency_code": "USD", "value": "1.234"}}], 422, "DECIMAL_PRECISION"),
        ([{"op": "replace", "path": f"{DEFAULT}/amount",
           "value": {"currency_code": "KES", "value": "100.00"}}], 422, "INVALID_CURRENCY_CODE"),
        ([{"op": "add", "path": f"{DEFAULT}/description", "value": "d" * 128}], 400,
         "INVALID_STRING_LENGTH"),
        ([{"op": "replace", "path": "/intent", "value": "AUTHORIZE"}], 422,
         "UNSUPPORTED_PATCH_PARAMETER_VALUE"),
        ([{"op": "add", "path": f"{DEFAULT}/items", "value": []}], 422,
         "UNSUPPORTED_PATCH_PARAMETER_VALUE"),
        ({"op": "replace"}, 400, "MALFORMED_REQUEST_JSON"),
    ],
)  # fmt: skip
def test_patch_errors_are_paypal_errors(api: Api, ops: Any, status: int, issue: str) -> None:
    order = api.create()
    api.refused(api.patch(order["id"], ops), status, issue, "patch")


def test_patch_refuses_orders_it_may_not_change(api: Api, sandbox: PayPalSandbox) -> None:
    ops = [{"op": "add", "path": f"{DEFAULT}/invoice_id", "value": "INV-1"}]
    api.refused(api.patch("0NOSUCHORDER0000", ops), 404, "INVALID_RESOURCE_ID", "patch")
    order = api.create()
    sandbox.decide(order["id"], "approve")
    change = [{"op": "replace", "path": f"{DEFAULT}/amount",
               "value": {"currency_code": "USD", "value": "99.00"}}]  # fmt: skip
    api.refused(api.patch(order["id"], change), 422, "AMOUNT_CHANGE_NOT_ALLOWED", "patch")
    assert api.patch(order["id"], ops).status_code == 204  # an approved order takes the rest
    api.call("POST", f"{ORDERS}/{order['id']}/capture", {})
    api.refused(api.patch(order["id"], ops), 422, "ORDER_ALREADY_COMPLETED", "patch")
    lapsed = api.create()
    sandbox.advance(sandbox.approval_window + 1)
    api.refused(api.patch(lapsed["id"], ops), 404, "INVALID_RESOURCE_ID", "patch")


# -- details[].field points at purchase units by reference id ---------------------------------


@pytest.mark.parametrize(
    ("unit", "status", "issue", "field"),
    [
        ({"amount": {"currency_code": "USD", "value": "1.234"}}, 422, "DECIMAL_PRECISION",
         f"{DEFAULT}/amount/value"),
        ({"amount": {"currency_code": "KES", "value": "100.00"}}, 422, "INVALID_CURRENCY_CODE",
         f"{DEFAULT}/amount/currency_code"),
        ({"amount": {"currency_code": "USD"}}, 400, "MISSING_REQUIRED_PARAMETER",
         f"{DEFAULT}/amount/value"),
        ({"amount": {"currency_code": "USD", "value": "1.00"}, "description": "d" * 128}, 400,
         "INVALID_STRING_LENGTH", f"{DEFAULT}/description"),
        ({"reference_id": "shop-1", "amount": {"currency_code": "USD", "value": "0.00"}}, 422,
         "CANNOT_BE_ZERO_OR_NEGATIVE", "/purchase_units/@reference_id=='shop-1'/amount/value"),
    ],
)  # fmt: skip
def test_create_errors_point_at_the_unit_by_reference_id(
    api: Api, unit: dict[str, Any], status: int, issue: str, field: str
) -> None:
    answer = api.call("POST", ORDERS, {"intent": "CAPTURE", "purchase_units": [unit]})
    assert api.refused(answer, status, issue, "create") == field
    assert "/purchase_units/0" not in answer.text


def test_a_reference_id_set_at_create_is_the_one_to_patch(api: Api) -> None:
    order = api.create(reference_id="shop-1")
    path = "/purchase_units/@reference_id=='shop-1'/description"
    assert api.patch(order["id"], [{"op": "add", "path": path, "value": "x"}]).status_code == 204
    field = api.refused(
        api.patch(order["id"], [{"op": "add", "path": f"{DEFAULT}/invoice_id", "value": "x"}]),
        422, "REFERENCE_ID_NOT_FOUND", "patch",
    )  # fmt: skip
    assert field == f"{DEFAULT}/invoice_id"
