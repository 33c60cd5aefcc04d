"""Reading request bodies the way PayPal validates them (spec schemas, gateways.md B2)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pos.payments.paypal.sandbox.errors import ApiError
from pos.payments.paypal.sandbox.rules import (
    CURRENCIES,
    MAX_WHOLE_DIGITS,
    VALUE_MAX_LENGTH,
    VALUE_PATTERN,
    decimals,
)

__all__ = ["parse_amount", "parse_json", "parse_object", "parse_text"]


def parse_json(body: bytes, *, op: str, empty_ok: bool) -> Any:
    """The body as JSON (an object, or anything when ``empty_ok`` is False and the caller
    checks the type), or 400 MALFORMED_REQUEST_JSON."""
    if not body.strip() and empty_ok:
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "MALFORMED_REQUEST_JSON", op=op) from None


def parse_object(body: bytes, *, op: str, empty_ok: bool) -> dict[str, Any]:
    value = parse_json(body, op=op, empty_ok=empty_ok)
    if not isinstance(value, dict):
        raise ApiError(400, "MALFORMED_REQUEST_JSON", op=op)
    return value


def parse_text(value: object, pointer: str, limit: int, *, op: str) -> str:
    """An optional string field of 1..``limit`` characters ("" when absent)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "INVALID_PARAMETER_SYNTAX", op=op, field_=pointer)
    if not 1 <= len(value) <= limit:
        raise ApiError(400, "INVALID_STRING_LENGTH", op=op, field_=pointer, value=value[:40])
    return value


def parse_amount(amount: object, pointer: str, *, op: str) -> tuple[str, Decimal]:
    """Validate a ``money`` object the way PayPal does; (currency, value) or ApiError."""
    if not isinstance(amount, Mapping):
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=op, field_=pointer)
    currency, value = amount.get("currency_code"), amount.get("value")
    if currency is None:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=op, field_=f"{pointer}/currency_code")
    if value is None:
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op=op, field_=f"{pointer}/value")
    if not isinstance(currency, str) or len(currency) != 3:
        raise ApiError(400, "INVALID_STRING_LENGTH", op=op, field_=f"{pointer}/currency_code")
    if currency not in CURRENCIES:
        raise ApiError(
            422, "INVALID_CURRENCY_CODE", op=op, field_=f"{pointer}/currency_code", value=currency
        )
    if (
        not isinstance(value, str)
        or len(value) > VALUE_MAX_LENGTH
        or not VALUE_PATTERN.match(value)
    ):
        raise ApiError(
            400, "INVALID_PARAMETER_SYNTAX", op=op, field_=f"{pointer}/value", value=str(value)[:40]
        )
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ApiError(400, "INVALID_PARAMETER_SYNTAX", op=op, field_=f"{pointer}/value") from None
    if number <= 0:
        raise ApiError(
            422, "CANNOT_BE_ZERO_OR_NEGATIVE", op=op, field_=f"{pointer}/value", value=value
        )
    places = len(value.partition(".")[2])
    if places > decimals(currency):
        raise ApiError(422, "DECIMAL_PRECISION", op=op, field_=f"{pointer}/value", value=value)
    if len(value.lstrip("-").partition(".")[0].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ApiError(422, "MAX_VALUE_EXCEEDED", op=op, field_=f"{pointer}/value", value=value)
    return currency, number
