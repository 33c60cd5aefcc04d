"""Daraja's wire shapes: error envelopes, the number forms it accepts, callback JSON."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

__all__ = [
    "Reply",
    "amount_of",
    "callback_body",
    "digits_of",
    "envelope",
    "failure_reply",
    "invalid",
    "json_body",
    "merchant_request_id",
]


class Reply(Exception):
    """Raised inside request handling to answer at once with ``status`` and ``body``."""

    def __init__(self, status: int, body: Mapping[str, Any] | str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def merchant_request_id() -> str:
    """Shaped like Daraja's (``29115-34620561-1``)."""
    return f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(9 * 10**7) + 10**7}-1"


def envelope(status: int, code: str, message: str) -> Reply:
    """Daraja's synchronous error: ``{"requestId", "errorCode", "errorMessage"}`` (A3)."""
    return Reply(
        status, {"requestId": merchant_request_id(), "errorCode": code, "errorMessage": message}
    )


def invalid(field: str) -> Reply:
    """``400.002.02`` "Bad Request - Invalid <Field>": the text names the field (A3)."""
    return envelope(400, "400.002.02", f"Bad Request - Invalid {field}")


def digits_of(value: object) -> str | None:
    """A JSON number or string of digits → the digits (both appear in the wild)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return value.strip()
    return None


def amount_of(value: object) -> int | None:
    """Whole shillings as a JSON integer, an integral float or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    digits = digits_of(value)
    return int(digits) if digits is not None else None


def failure_reply(status: int) -> Reply:
    """What an injected failure looks like: Daraja's 500 envelope, or a proxy's HTML page."""
    if status == 500:
        return envelope(500, "500.003.1001", "Internal Server Error")
    reasons = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    reason = reasons.get(status, "Error")
    return Reply(status, f"<html><body><h1>{status} {reason}</h1></body></html>")


def json_body(raw: bytes) -> Mapping[str, Any]:
    """The request's JSON object, or 400.002.05 "Invalid Payload" (GUESS at the code)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise envelope(400, "400.002.05", "Invalid Payload") from None
    if not isinstance(data, dict):
        raise envelope(400, "400.002.05", "Invalid Payload")
    return data


_AMOUNT_MARK = "__kaunta_amount__"


def callback_body(
    *,
    merchant_request_id: str,
    checkout_request_id: str,
    result_code: str,
    result_desc: str,
    amount: int,
    receipt: str,
    transaction_date: str,
    phone: str,
) -> str:
    """The callback JSON text exactly as Daraja shapes it (gateways.md A6): ResultCode a
    number (the string ``"SFC_IC0003"`` stays text), CallbackMetadata on success only."""
    code: int | str = int(result_code) if result_code.isdigit() else result_code
    callback: dict[str, Any] = {
        "MerchantRequestID": merchant_request_id,
        "CheckoutRequestID": checkout_request_id,
        "ResultCode": code,
        "ResultDesc": result_desc,
    }
    if result_code == "0":
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": _AMOUNT_MARK},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(transaction_date)},
                {"Name": "PhoneNumber", "Value": int(phone)},
            ]
        }
    text = json.dumps({"Body": {"stkCallback": callback}})
    # Daraja writes the amount as 1.00 (two decimals), which json.dumps cannot produce.
    return text.replace(f'"{_AMOUNT_MARK}"', f"{amount}.00")
