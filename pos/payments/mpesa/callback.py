"""The M-Pesa STK callback: what Daraja POSTs to the CallBackURL, read and checked.

Pure: the standard library, :mod:`pos.domain` and :mod:`pos.payments.mpesa.codes` only,
with no HTTP client behind it, so the head office can import this module alone to
validate callbacks before relaying them to the till (and the till reuses it for callbacks
relayed to it).

:func:`parse_stk_callback` accepts what Daraja sends (ResultCode a number, or a string such
as ``"SFC_IC0003"``; Amount a number; PhoneNumber a number, possibly partly masked by
Safaricom) and refuses anything else with a :class:`MalformedCallback` whose ``reason`` says
precisely what is wrong, without echoing the payer's phone number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.payments.mpesa.codes import result_key

__all__ = ["MalformedCallback", "StkCallback", "parse_stk_callback"]


@dataclass(frozen=True, slots=True)
class StkCallback:
    """The customer's answer as Daraja POSTs it to the CallBackURL."""

    merchant_request_id: str
    checkout_request_id: str
    result_code: str  # folded to a string like the query's ("0", "1032", "SFC_IC0003")
    desc: str
    amount: Money | None = None  # success only
    receipt: str | None = None  # MpesaReceiptNumber, success only
    phone: str | None = None  # PhoneNumber as digits (may be partly masked by Safaricom)
    transaction_date: str | None = None  # YYYYMMDDHHmmss, Nairobi time

    @property
    def paid(self) -> bool:
        return self.result_code == "0"


class MalformedCallback(ValueError):
    """A callback body that is not what Daraja sends; ``reason`` says precisely why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Malformed M-Pesa callback: {reason}")
        self.reason = reason


_PHONE_VALUE = re.compile(r"^254[0-9*]{9}$")
_DATE_VALUE = re.compile(r"^\d{14}$")


def _require_str(container: Mapping[str, Any], key: str, where: str) -> str:
    if key not in container:
        raise MalformedCallback(f"{where}.{key} is missing")
    value = container[key]
    if not isinstance(value, str):
        raise MalformedCallback(f"{where}.{key} must be a string, not {type(value).__name__}")
    return value


def _callback_amount(value: object) -> Money:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedCallback(f"Amount must be a number, not {type(value).__name__}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MalformedCallback(f"Amount {value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise MalformedCallback(f"Amount {value!r} is not a positive amount")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise MalformedCallback(f"Amount {value!r} has more than 2 decimals")
    try:
        return Money(int(minor), "KES")
    except DomainError as exc:
        raise MalformedCallback(f"Amount {value!r} is out of range") from exc


def _callback_phone(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedCallback(f"PhoneNumber must be a number, not {type(value).__name__}")
    text = str(value).strip()
    if not _PHONE_VALUE.match(text):
        # the value itself stays out of the reason: it is (part of) someone's number
        raise MalformedCallback(
            f"PhoneNumber ({len(text)} characters) is not a 254… MSISDN of 12 digits"
        )
    return text


def _callback_date(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedCallback(f"TransactionDate must be a number, not {type(value).__name__}")
    text = str(value).strip()
    if not _DATE_VALUE.match(text):
        raise MalformedCallback(f"TransactionDate {text!r} is not YYYYMMDDHHmmss")
    return text


def _metadata(callback: Mapping[str, Any]) -> dict[str, object]:
    where = "Body.stkCallback.CallbackMetadata"
    if "CallbackMetadata" not in callback:
        raise MalformedCallback(f"{where} is missing on a successful payment")
    meta = callback["CallbackMetadata"]
    if not isinstance(meta, dict):
        raise MalformedCallback(f"{where} must be an object")
    items = meta.get("Item")
    if not isinstance(items, list):
        raise MalformedCallback(f"{where}.Item must be a list")
    values: dict[str, object] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise MalformedCallback(f"{where}.Item[{index}] must be an object with a Name")
        if "Value" in item:  # "Balance" usually comes without a Value
            values[item["Name"]] = item["Value"]
    for name in ("Amount", "MpesaReceiptNumber", "PhoneNumber"):
        if name not in values:
            raise MalformedCallback(f"{where} has no {name} on a successful payment")
    return values


def parse_stk_callback(raw: bytes | str | Mapping[str, Any]) -> StkCallback:
    """Validate and read an STK callback body; :class:`MalformedCallback` says what is wrong.

    Accepts the raw body (bytes or text) or an already decoded JSON object. ResultCode may be
    a number (as Daraja sends it) or a string (``"SFC_IC0003"``); it is returned as a string.
    A successful callback must carry Amount, MpesaReceiptNumber and PhoneNumber.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCallback("body is not UTF-8 text") from None
    if isinstance(raw, str):
        if not raw.strip():
            raise MalformedCallback("body is empty")
        try:
            data: object = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise MalformedCallback(f"body is not JSON ({exc.msg})") from None
    else:
        data = raw
    if not isinstance(data, Mapping):
        raise MalformedCallback(f"body must be a JSON object, not {type(data).__name__}")
    body = data.get("Body")
    if body is None:
        raise MalformedCallback("Body is missing")
    if not isinstance(body, Mapping):
        raise MalformedCallback("Body must be an object")
    callback = body.get("stkCallback")
    if callback is None:
        raise MalformedCallback("Body.stkCallback is missing")
    if not isinstance(callback, Mapping):
        raise MalformedCallback("Body.stkCallback must be an object")
    where = "Body.stkCallback"
    merchant = _require_str(callback, "MerchantRequestID", where)
    checkout = _require_str(callback, "CheckoutRequestID", where)
    if not checkout.strip():
        raise MalformedCallback(f"{where}.CheckoutRequestID is empty")
    if "ResultCode" not in callback:
        raise MalformedCallback(f"{where}.ResultCode is missing")
    try:
        code = result_key(callback["ResultCode"])
    except TypeError as exc:
        raise MalformedCallback(f"{where}.{exc}") from None
    desc = _require_str(callback, "ResultDesc", where)
    if code != "0":
        return StkCallback(merchant, checkout, code, desc)
    values = _metadata(callback)
    receipt = values["MpesaReceiptNumber"]
    if not isinstance(receipt, str) or not receipt.strip():
        raise MalformedCallback("MpesaReceiptNumber must be a non-empty string")
    return StkCallback(
        merchant_request_id=merchant,
        checkout_request_id=checkout,
        result_code=code,
        desc=desc,
        amount=_callback_amount(values["Amount"]),
        receipt=receipt.strip(),
        phone=_callback_phone(values["PhoneNumber"]),
        transaction_date=(
            _callback_date(values["TransactionDate"]) if "TransactionDate" in values else None
        ),
    )
