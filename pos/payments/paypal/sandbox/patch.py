"""``PATCH /v2/checkout/orders/{id}``: JSON Patch on the fields PayPal lets a merchant change.

PayPal's table (spec ``orders.patch``) names what may be patched and how; the sandbox
serves the fields it models, with PayPal's rules:

=========================================================  ======================
``/intent``                                                replace
``/purchase_units/@reference_id=='<id>'/description``      add, replace, remove
``…/custom_id``, ``…/invoice_id``                          add, replace, remove
``…/soft_descriptor``                                      replace, remove
``…/amount``                                               replace
=========================================================  ======================

Answers: 204 No Content; 404 INVALID_RESOURCE_ID for an unknown or lapsed order; 422
ORDER_ALREADY_COMPLETED once captured; 400 FIELD_NOT_PATCHABLE for a field outside the
table; 400 INVALID_PATCH_OPERATION for an op the field does not take, ``add`` of a field
already there, or ``remove``/``replace`` of one that is not ("Cannot add a property that's
already present, use replace", as the spec words it); 422 PATCH_PATH_REQUIRED /
PATCH_VALUE_REQUIRED / INVALID_JSON_POINTER_FORMAT / REFERENCE_ID_NOT_FOUND. The whole
patch applies or nothing does.

GUESS or sandbox limits (not documented): fields PayPal allows that the sandbox does not
model (``payer``, shipping, items, payment instructions, supplementary data, the whole
purchase unit) answer 422 UNSUPPORTED_PATCH_PARAMETER_VALUE; ``/intent`` AUTHORIZE gets the
same (the sandbox serves CAPTURE only); changing the amount of an APPROVED order is refused
with 422 AMOUNT_CHANGE_NOT_ALLOWED; ``move``, ``copy`` and ``test`` are
INVALID_PATCH_OPERATION; a PAYER_ACTION_REQUIRED order may be patched like a CREATED one;
a VOIDED one answers ORDER_ALREADY_COMPLETED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pos.payments.paypal.sandbox.checks import parse_amount, parse_json, parse_text
from pos.payments.paypal.sandbox.errors import (
    ApiError,
    debug_id,
    mock_code,
    mock_error,
)
from pos.payments.paypal.sandbox.model import Order, Request, Response
from pos.payments.paypal.sandbox.orders import find_order

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["patch_order"]

OP = "orders.patch"

_UNIT = re.compile(r"\A/purchase_units/@reference_id=='(?P<ref>[^']*)'(?:/(?P<rest>.+))?\Z")

#: Unit fields the sandbox models → (the ops PayPal allows on them, maximum length).
_TEXT_FIELDS: dict[str, tuple[frozenset[str], int]] = {
    "description": (frozenset({"add", "replace", "remove"}), 127),
    "custom_id": (frozenset({"add", "replace", "remove"}), 127),
    "invoice_id": (frozenset({"add", "replace", "remove"}), 127),
    "soft_descriptor": (frozenset({"replace", "remove"}), 22),
}
#: Patchable at PayPal (spec table) but not modelled here.
_UNMODELLED_UNIT = frozenset(
    {
        "payee/email", "payee/email_address", "shipping/name", "shipping/address",
        "shipping/type", "items", "payment_instruction", "payment_instruction/disbursement_mode",
        "payment_instruction/platform_fees", "supplementary_data/airline",
        "supplementary_data/card",
    }
)  # fmt: skip
_UNMODELLED_TOP = frozenset(
    {"/payer", "/purchase_units", "/application_context/client_configuration"}
)
_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})


@dataclass
class _Draft:
    """The order's patchable fields, changed on a copy until the whole patch is valid."""

    texts: dict[str, str]
    currency: str
    value: Decimal


def patch_order(sb: PayPalSandbox, order_id: str, request: Request) -> Response:
    """Apply a JSON Patch to an open order (see the module doc); 204 or the error."""
    mock = mock_code(request.headers, OP)
    if mock:
        raise mock_error(OP, mock)
    operations = parse_json(request.body, op=OP, empty_ok=False)
    if not isinstance(operations, list) or not all(isinstance(o, dict) for o in operations):
        raise ApiError(400, "MALFORMED_REQUEST_JSON", op=OP)
    with sb._lock:
        order = find_order(sb, order_id, OP)
        if order.status not in ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED"):
            raise ApiError(422, "ORDER_ALREADY_COMPLETED", op=OP)
        draft = _Draft(
            {key: str(getattr(order, key)) for key in _TEXT_FIELDS}, order.currency, order.value
        )
        for index, operation in enumerate(operations):
            _apply(draft, order, index, operation)
        for key, text in draft.texts.items():
            setattr(order, key, text)
        order.currency, order.value = draft.currency, draft.value
        order.update_time = sb._stamp()
    return Response(204, b"", {"Paypal-Debug-Id": debug_id()})


def _apply(draft: _Draft, order: Order, index: int, operation: dict[str, Any]) -> None:
    op, path = operation.get("op"), operation.get("path")
    if op is None:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=OP, field_=f"/{index}/op")
    if op not in _OPS:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", op=OP, field_=f"/{index}/op", value=str(op))
    if not isinstance(path, str) or not path:
        raise ApiError(422, "PATCH_PATH_REQUIRED", op=OP, field_=f"/{index}/path")
    if not path.startswith("/"):
        raise ApiError(422, "INVALID_JSON_POINTER_FORMAT", op=OP, field_=path)
    if op in ("move", "copy", "test"):
        raise ApiError(400, "INVALID_PATCH_OPERATION", op=OP, field_=path, value=op)
    if op != "remove" and "value" not in operation:
        raise ApiError(422, "PATCH_VALUE_REQUIRED", op=OP, field_=path)
    value = operation.get("value")
    if path == "/intent":
        _intent(op, value, path)
        return
    if path in _UNMODELLED_TOP:
        raise ApiError(422, "UNSUPPORTED_PATCH_PARAMETER_VALUE", op=OP, field_=path)
    unit = _UNIT.match(path)
    if unit is None:
        if path.startswith("/purchase_units/"):
            raise ApiError(422, "INVALID_JSON_POINTER_FORMAT", op=OP, field_=path)
        raise ApiError(400, "FIELD_NOT_PATCHABLE", op=OP, field_=path)
    if unit["ref"] != order.reference_id:
        raise ApiError(422, "REFERENCE_ID_NOT_FOUND", op=OP, field_=path, value=unit["ref"])
    rest = unit["rest"] or ""
    if rest in _TEXT_FIELDS:
        _text(draft, rest, op, value, path)
    elif rest == "amount":
        _amount(draft, order, op, value, path)
    elif rest in _UNMODELLED_UNIT or not rest:
        raise ApiError(422, "UNSUPPORTED_PATCH_PARAMETER_VALUE", op=OP, field_=path)
    else:
        raise ApiError(400, "FIELD_NOT_PATCHABLE", op=OP, field_=path)


def _intent(op: str, value: object, path: str) -> None:
    if op != "replace":
        raise ApiError(400, "INVALID_PATCH_OPERATION", op=OP, field_=path, value=op)
    if value not in ("CAPTURE", "AUTHORIZE"):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", op=OP, field_=path, value=str(value))
    if value == "AUTHORIZE":
        raise ApiError(422, "UNSUPPORTED_PATCH_PARAMETER_VALUE", op=OP, field_=path, value=value)


def _text(draft: _Draft, key: str, op: str, value: object, path: str) -> None:
    allowed, limit = _TEXT_FIELDS[key]
    present = bool(draft.texts[key])
    misplaced = (op == "add" and present) or (op in ("replace", "remove") and not present)
    if op not in allowed or misplaced:
        raise ApiError(400, "INVALID_PATCH_OPERATION", op=OP, field_=path, value=op)
    if op == "remove":
        draft.texts[key] = ""
        return
    if value is None:
        raise ApiError(422, "PATCH_VALUE_REQUIRED", op=OP, field_=path)
    draft.texts[key] = parse_text(value, path, limit, op=OP)


def _amount(draft: _Draft, order: Order, op: str, value: object, path: str) -> None:
    if op != "replace":
        raise ApiError(400, "INVALID_PATCH_OPERATION", op=OP, field_=path, value=op)
    currency, number = parse_amount(value, path, op=OP)
    if order.status == "APPROVED" and (currency, number) != (order.currency, order.value):
        raise ApiError(422, "AMOUNT_CHANGE_NOT_ALLOWED", op=OP, field_=path)
    draft.currency, draft.value = currency, number
