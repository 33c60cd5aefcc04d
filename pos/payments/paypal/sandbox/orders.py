"""Orders v2: create, show and capture (``/v2/checkout/orders…``).

Every handler honours ``PayPal-Mock-Response`` with the issues the spec documents for its
operation (:func:`.errors.mock_code`): the call fails with that issue, its HTTP status and
its text, and nothing changes, except INSTRUMENT_DECLINED on capture, which sends the order
back to the customer with a ``redirect`` link, as PayPal does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pos.payments.paypal.sandbox.checks import parse_amount, parse_object, parse_text
from pos.payments.paypal.sandbox.errors import (
    KAUNTA_CAPTURE_MOCKS,
    ApiError,
    debug_id,
    json_response,
    mock_code,
    mock_error,
    unit_pointer,
)
from pos.payments.paypal.sandbox.model import Capture, Order, Request, Response, new_id
from pos.payments.paypal.sandbox.rules import RESOURCE_ID, text_value
from pos.payments.paypal.sandbox.views import approve_url, capture_json, order_json

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["capture_order", "create_order", "find_order", "get_order", "wants_full"]

_ENUMS: dict[str, tuple[str, ...]] = {
    "user_action": ("CONTINUE", "PAY_NOW"),
    "shipping_preference": ("GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"),
    "landing_page": ("LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE"),
    "payment_method_preference": ("UNRESTRICTED", "IMMEDIATE_PAYMENT_REQUIRED"),
}


def wants_full(request: Request) -> bool:
    return "return=representation" in request.headers.get("prefer", "")


def find_order(sb: PayPalSandbox, order_id: str, op: str) -> Order:
    """An open order (time applied first), or 404 INVALID_RESOURCE_ID. Lock held."""
    order = sb._orders.get(order_id) if RESOURCE_ID.match(order_id) else None
    if order is not None:
        sb._tick(order)
    if order is None or order.expired:
        raise ApiError(404, "INVALID_RESOURCE_ID", op=op)
    return order


def get_order(sb: PayPalSandbox, order_id: str, request: Request) -> Response:
    op = "orders.get"
    mock = mock_code(request.headers, op)
    if mock:
        raise mock_error(op, mock)
    with sb._lock:
        order = find_order(sb, order_id, op)
        return json_response(200, order_json(sb, order, full=True), debug_id())


def create_order(sb: PayPalSandbox, request: Request) -> Response:
    op = "orders.create"
    request_id = request.headers.get("paypal-request-id", "")
    with sb._lock:
        replay = sb._replayed("create", request_id)
        if replay is not None and replay in sb._orders:
            order = sb._orders[replay]
            sb._tick(order)
            return json_response(200, order_json(sb, order, full=True), debug_id())
    mock = mock_code(request.headers, op)
    if mock:
        raise mock_error(op, mock)
    body = parse_object(request.body, op=op, empty_ok=False)
    intent = body.get("intent")
    if intent is None:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=op, field_="/intent")
    if intent not in ("CAPTURE", "AUTHORIZE"):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", op=op, field_="/intent", value=str(intent))
    if intent == "AUTHORIZE":
        raise ApiError(400, "NOT_SUPPORTED", op=op, field_="/intent", value="AUTHORIZE")
    units = body.get("purchase_units")
    if units is None:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=op, field_="/purchase_units")
    if not isinstance(units, list) or not units:
        raise ApiError(400, "INVALID_ARRAY_MIN_ITEMS", op=op, field_="/purchase_units")
    if len(units) > 10:
        raise ApiError(400, "INVALID_ARRAY_MAX_ITEMS", op=op, field_="/purchase_units")
    if len(units) > 1:
        raise ApiError(400, "NOT_SUPPORTED", op=op, field_="/purchase_units")
    unit = units[0]
    if not isinstance(unit, dict):
        raise ApiError(400, "INVALID_PARAMETER_SYNTAX", op=op, field_="/purchase_units/0")
    given_ref = unit.get("reference_id")
    at = unit_pointer(given_ref if isinstance(given_ref, str) and given_ref else "default")
    reference_id = parse_text(given_ref, f"{at}/reference_id", 256, op=op)
    currency, value = parse_amount(unit.get("amount"), f"{at}/amount", op=op)
    texts = {
        key: parse_text(unit.get(key), f"{at}/{key}", 127, op=op)
        for key in ("description", "custom_id", "invoice_id")
    }
    soft = parse_text(unit.get("soft_descriptor"), f"{at}/soft_descriptor", 22, op=op)
    context, experience = _experience(body)
    with sb._lock:
        now = sb._stamp()
        order = Order(
            id=new_id(),
            currency=currency,
            value=value,
            description=texts["description"],
            custom_id=texts["custom_id"],
            invoice_id=texts["invoice_id"],
            reference_id=reference_id or "default",
            brand_name=str(context.get("brand_name", "")),
            return_url=str(context.get("return_url", "")),
            cancel_url=str(context.get("cancel_url", "")),
            experience=experience,
            status="PAYER_ACTION_REQUIRED" if experience else "CREATED",
            created_at=sb._now(),
            create_time=now,
            update_time=now,
            soft_descriptor=soft,
        )
        replay = sb._replayed("create", request_id)  # a twin may have won the race
        if replay is not None and replay in sb._orders:
            return json_response(200, order_json(sb, sb._orders[replay], full=True), debug_id())
        sb._orders[order.id] = order
        sb._remember("create", request_id, order.id)
        return json_response(201, order_json(sb, order, full=wants_full(request)), debug_id())


def _experience(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    op = "orders.create"
    source = body.get("payment_source")
    if source is not None:
        if not isinstance(source, dict) or set(source) - {"paypal"}:
            raise ApiError(400, "NOT_SUPPORTED", op=op, field_="/payment_source")
        wallet = source.get("paypal")
        context = wallet.get("experience_context", {}) if isinstance(wallet, dict) else None
        if not isinstance(context, dict):
            raise ApiError(400, "INVALID_PARAMETER_SYNTAX", op=op, field_="/payment_source/paypal")
        pointer = "/payment_source/paypal/experience_context"
        for key, allowed in _ENUMS.items():
            if key in context and context[key] not in allowed:
                raise ApiError(
                    400, "INVALID_PARAMETER_VALUE", op=op, field_=f"{pointer}/{key}",
                    value=str(context[key]),
                )  # fmt: skip
        parse_text(context.get("brand_name"), f"{pointer}/brand_name", 127, op=op)
        return context, True
    legacy = body.get("application_context")  # deprecated, still accepted by PayPal
    return (legacy if isinstance(legacy, dict) else {}), False


def capture_order(sb: PayPalSandbox, order_id: str, request: Request) -> Response:
    op = "orders.capture"
    request_id = request.headers.get("paypal-request-id", "")
    scope = f"capture:{order_id}"
    with sb._lock:
        replay = sb._replayed(scope, request_id)
        if replay is not None and replay in sb._orders:
            order = sb._orders[replay]
            return json_response(200, order_json(sb, order, full=True), debug_id())
        body = parse_object(request.body, op=op, empty_ok=True)
        order = find_order(sb, order_id, op)
        if "payment_source" in body:
            raise ApiError(400, "NOT_SUPPORTED", op=op, field_="/payment_source")
        header = mock_code(request.headers, op, extra=tuple(KAUNTA_CAPTURE_MOCKS))
        mock, order.mock = (header or order.mock), ""
        if mock == "INSTRUMENT_DECLINED" and order.status == "APPROVED":
            order.status = "PAYER_ACTION_REQUIRED" if order.experience else "CREATED"
            order.payer, order.decision = None, None
            order.update_time = sb._stamp()
            redirect = {"href": approve_url(sb, order), "rel": "redirect", "method": "GET"}
            raise mock_error(op, mock, links=[redirect])
        if mock and mock not in KAUNTA_CAPTURE_MOCKS:
            raise mock_error(op, mock)
        if order.status == "COMPLETED":
            raise ApiError(422, "ORDER_ALREADY_CAPTURED", op=op)
        if order.status != "APPROVED":
            raise ApiError(422, "ORDER_NOT_APPROVED", op=op)
        status, reason = KAUNTA_CAPTURE_MOCKS.get(mock, ("COMPLETED", ""))
        now = sb._stamp()
        capture = Capture(
            new_id(), order.id, order.currency, order.value, status, reason,
            order.custom_id, now, now,
        )  # fmt: skip
        sb._captures[capture.id] = capture
        order.capture_ids.append(capture.id)
        order.status, order.update_time = "COMPLETED", now
        sb._remember(scope, request_id, order.id)
        _emit_capture(sb, order, capture)
        return json_response(201, _capture_answer(sb, order, request), debug_id())


def _capture_answer(sb: PayPalSandbox, order: Order, request: Request) -> dict[str, Any]:
    full = order_json(sb, order, full=True)
    if wants_full(request):
        return full
    # return=minimal still carries the captures: it is what the caller asked for.
    unit = full["purchase_units"][0]
    minimal: dict[str, Any] = {"id": order.id, "status": order.status}
    if "payment_source" in full:
        minimal["payment_source"] = full["payment_source"]
    minimal["purchase_units"] = [
        {"reference_id": unit["reference_id"], "payments": unit["payments"]}
    ]
    minimal["links"] = full["links"]
    return minimal


def _emit_capture(sb: PayPalSandbox, order: Order, capture: Capture) -> None:
    status = capture.status
    amount = f"{text_value(order.value, order.currency)} {order.currency}"
    event = {"COMPLETED": "PAYMENT.CAPTURE.COMPLETED", "PENDING": "PAYMENT.CAPTURE.PENDING"}
    sb._emit(
        event.get(status, "PAYMENT.CAPTURE.DECLINED"),
        "capture",
        f"Payment {status.lower()} for {amount}",
        capture_json(sb, capture, True),
    )
    if status == "COMPLETED":
        sb._emit(
            "CHECKOUT.ORDER.COMPLETED",
            "checkout-order",
            "Checkout Order Completed",
            order_json(sb, order, full=True),
        )
