"""Payments v2: captures and refunds (``/v2/payments/…``).

Refunds are full or partial and idempotent by ``PayPal-Request-Id`` (a replay answers the
same refund with 201: the spec documents no 200 here). ``PayPal-Mock-Response`` takes every
issue the spec lists for the call (``captures.refund``: REFUND_FAILED_INSUFFICIENT_FUNDS,
TRANSACTION_DISPUTED, …): the refund fails with it and no money moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pos.payments.paypal.sandbox.checks import parse_amount, parse_object, parse_text
from pos.payments.paypal.sandbox.errors import (
    ApiError,
    debug_id,
    json_response,
    mock_code,
    mock_error,
)
from pos.payments.paypal.sandbox.model import Refund, Request, Response, new_id
from pos.payments.paypal.sandbox.rules import text_value
from pos.payments.paypal.sandbox.views import capture_json, refund_json

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["get_capture", "get_refund", "refund_capture"]


def get_capture(sb: PayPalSandbox, capture_id: str, request: Request) -> Response:
    op = "captures.get"
    mock = mock_code(request.headers, op)
    if mock:
        raise mock_error(op, mock)
    with sb._lock:
        capture = sb._captures.get(capture_id)
        if capture is None:
            raise ApiError(404, "INVALID_RESOURCE_ID", op=op)
        return json_response(200, capture_json(sb, capture, True), debug_id())


def get_refund(sb: PayPalSandbox, refund_id: str, request: Request) -> Response:
    op = "refunds.get"
    mock = mock_code(request.headers, op)
    if mock:
        raise mock_error(op, mock)
    with sb._lock:
        refund = sb._refunds.get(refund_id)
        if refund is None:
            raise ApiError(404, "INVALID_RESOURCE_ID", op=op)
        return json_response(200, refund_json(sb, refund), debug_id())


def refund_capture(sb: PayPalSandbox, capture_id: str, request: Request) -> Response:
    op = "captures.refund"
    request_id = request.headers.get("paypal-request-id", "")
    scope = f"refund:{capture_id}"
    with sb._lock:
        replay = sb._replayed(scope, request_id)
        if replay is not None and replay in sb._refunds:
            return json_response(201, refund_json(sb, sb._refunds[replay]), debug_id())
        capture = sb._captures.get(capture_id)
        if capture is None:
            raise ApiError(404, "INVALID_RESOURCE_ID", op=op)
        body = parse_object(request.body, op=op, empty_ok=True)
        mock = mock_code(request.headers, op)
        if mock:
            raise mock_error(op, mock)
        if capture.status == "PENDING":
            raise ApiError(422, "PENDING_CAPTURE", op=op)
        if capture.status == "REFUNDED":
            raise ApiError(422, "CAPTURE_FULLY_REFUNDED", op=op)
        if capture.status not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            raise ApiError(422, "REFUND_NOT_ALLOWED", op=op)
        left = capture.value - capture.refunded
        raw = body.get("amount")
        if raw is None:
            value = left
        else:
            if (
                isinstance(raw, Mapping)
                and isinstance(raw.get("currency_code"), str)
                and raw["currency_code"] != capture.currency
            ):
                raise ApiError(
                    422, "REFUND_CAPTURE_CURRENCY_MISMATCH", op=op,
                    field_="/amount/currency_code",
                )  # fmt: skip
            _, value = parse_amount(raw, "/amount", op=op)
            if value > left:
                raise ApiError(
                    422, "REFUND_AMOUNT_EXCEEDED", op=op, field_="/amount/value",
                    value=text_value(value, capture.currency),
                )  # fmt: skip
        note = parse_text(body.get("note_to_payer"), "/note_to_payer", 255, op=op)
        capture.refunded += value
        capture.status = "REFUNDED" if capture.refunded == capture.value else "PARTIALLY_REFUNDED"
        capture.update_time = sb._stamp()
        refund = Refund(
            new_id(), capture.id, capture.currency, value, capture.refunded, note, sb._stamp()
        )
        sb._refunds[refund.id] = refund
        sb._remember(scope, request_id, refund.id)
        sb._emit(
            "PAYMENT.CAPTURE.REFUNDED",
            "refund",
            f"A {text_value(value, capture.currency)} {capture.currency} capture was refunded",
            refund_json(sb, refund),
        )
        return json_response(201, refund_json(sb, refund), debug_id())
