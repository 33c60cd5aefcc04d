"""The STK callback parser: the reference shapes parse; anything else says precisely why not."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pos.domain.money import Money
from pos.payments.mpesa.callback import MalformedCallback, parse_stk_callback

#: gateways.md A6, verbatim (Amount written as 1.00).
SUCCESS = (
    '{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1",'
    '"CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":0,'
    '"ResultDesc":"The service request is processed successfully.",'
    '"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.00},'
    '{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},{"Name":"Balance"},'
    '{"Name":"TransactionDate","Value":20191219102115},'
    '{"Name":"PhoneNumber","Value":254708374149}]}}}}'
)
FAILURE = (
    '{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1",'
    '"CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":1032,'
    '"ResultDesc":"Request cancelled by user"}}}'
)


def test_reference_success_callback() -> None:
    cb = parse_stk_callback(SUCCESS.encode())
    assert cb.checkout_request_id == "ws_CO_191220191020363925"
    assert cb.merchant_request_id == "29115-34620561-1"
    assert cb.result_code == "0"
    assert cb.paid
    assert cb.amount == Money(100, "KES")
    assert cb.receipt == "NLJ7RT61SV"
    assert cb.phone == "254708374149"
    assert cb.transaction_date == "20191219102115"


def test_reference_failure_callback() -> None:
    cb = parse_stk_callback(FAILURE)
    assert (cb.result_code, cb.desc, cb.paid) == ("1032", "Request cancelled by user", False)
    assert cb.amount is None
    assert cb.receipt is None
    assert cb.phone is None


def test_string_result_codes_and_string_values() -> None:
    data = json.loads(SUCCESS)
    data["Body"]["stkCallback"]["ResultCode"] = "0"
    for item in data["Body"]["stkCallback"]["CallbackMetadata"]["Item"]:
        if "Value" in item:
            item["Value"] = str(item["Value"])
    cb = parse_stk_callback(data)
    assert (cb.result_code, cb.amount, cb.phone) == ("0", Money(100, "KES"), "254708374149")
    sfc = json.loads(FAILURE)
    sfc["Body"]["stkCallback"]["ResultCode"] = "SFC_IC0003"
    assert parse_stk_callback(sfc).result_code == "SFC_IC0003"


def _success() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SUCCESS)
    return data


def _without_item(name: str) -> dict[str, Any]:
    data = _success()
    meta = data["Body"]["stkCallback"]["CallbackMetadata"]
    meta["Item"] = [i for i in meta["Item"] if i["Name"] != name]
    return data


def _with_item(name: str, value: object) -> dict[str, Any]:
    data = _success()
    for item in data["Body"]["stkCallback"]["CallbackMetadata"]["Item"]:
        if item["Name"] == name:
            item["Value"] = value
    return data


def _with(path: list[str], value: object) -> dict[str, Any]:
    data = _success()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _without(path: list[str]) -> dict[str, Any]:
    data = _success()
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


CB = ["Body", "stkCallback"]

MALFORMED: list[tuple[str, Any, str]] = [
    ("empty body", b"", "body is empty"),
    ("not utf-8", b"\xff\xfe{", "not UTF-8"),
    ("not json", "{Body: ", "not JSON"),
    ("a list", "[1, 2]", "must be a JSON object, not list"),
    ("a number", "42", "must be a JSON object, not int"),
    ("no Body", {"body": {}}, "Body is missing"),
    ("Body a string", {"Body": "x"}, "Body must be an object"),
    ("no stkCallback", {"Body": {}}, "Body.stkCallback is missing"),
    ("stkCallback a list", {"Body": {"stkCallback": []}}, "Body.stkCallback must be an object"),
    ("no CheckoutRequestID", _without([*CB, "CheckoutRequestID"]), "CheckoutRequestID is missing"),
    (
        "numeric CheckoutRequestID",
        _with([*CB, "CheckoutRequestID"], 5),
        "must be a string, not int",
    ),
    (
        "blank CheckoutRequestID",
        _with([*CB, "CheckoutRequestID"], " "),
        "CheckoutRequestID is empty",
    ),
    ("no MerchantRequestID", _without([*CB, "MerchantRequestID"]), "MerchantRequestID is missing"),
    ("no ResultCode", _without([*CB, "ResultCode"]), "ResultCode is missing"),
    (
        "bool ResultCode",
        _with([*CB, "ResultCode"], True),
        "ResultCode must be a number or a string",
    ),
    (
        "float ResultCode",
        _with([*CB, "ResultCode"], 0.0),
        "ResultCode must be a number or a string",
    ),
    (
        "null ResultCode",
        _with([*CB, "ResultCode"], None),
        "ResultCode must be a number or a string",
    ),
    ("no ResultDesc", _without([*CB, "ResultDesc"]), "ResultDesc is missing"),
    ("success without metadata", _without([*CB, "CallbackMetadata"]), "missing on a successful"),
    ("metadata a list", _with([*CB, "CallbackMetadata"], []), "CallbackMetadata must be an object"),
    ("Item not a list", _with([*CB, "CallbackMetadata"], {"Item": {}}), "Item must be a list"),
    (
        "Item without Name",
        _with([*CB, "CallbackMetadata"], {"Item": [{"Value": 1}]}),
        "Item[0] must be an object with a Name",
    ),
    ("no Amount", _without_item("Amount"), "has no Amount"),
    ("no receipt", _without_item("MpesaReceiptNumber"), "has no MpesaReceiptNumber"),
    ("no phone", _without_item("PhoneNumber"), "has no PhoneNumber"),
    ("text Amount", _with_item("Amount", "ten"), "is not a number"),
    ("zero Amount", _with_item("Amount", 0), "not a positive amount"),
    ("fractional cents", _with_item("Amount", 1.005), "more than 2 decimals"),
    ("bool Amount", _with_item("Amount", True), "Amount must be a number"),
    ("receipt a number", _with_item("MpesaReceiptNumber", 12), "must be a non-empty string"),
    ("short phone", _with_item("PhoneNumber", 2547083741), "is not a 254"),
    ("phone a list", _with_item("PhoneNumber", [254708374149]), "PhoneNumber must be a number"),
    ("bad date", _with_item("TransactionDate", 2019121910), "is not YYYYMMDDHHmmss"),
]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(raw, reason) for _, raw, reason in MALFORMED],
    ids=[m[0] for m in MALFORMED],
)
def test_malformed_callbacks_say_why(raw: Any, reason: str) -> None:
    with pytest.raises(MalformedCallback) as err:
        parse_stk_callback(copy.deepcopy(raw))
    assert reason in err.value.reason
    assert isinstance(err.value, ValueError)


def test_failure_needs_no_metadata_but_ignores_it_if_present() -> None:
    data = json.loads(FAILURE)
    data["Body"]["stkCallback"]["CallbackMetadata"] = "garbage"
    assert parse_stk_callback(data).result_code == "1032"


def test_malformed_reason_does_not_echo_full_phone() -> None:
    with pytest.raises(MalformedCallback) as err:
        parse_stk_callback(_with_item("PhoneNumber", 25470837414))
    assert "25470837414" not in str(err.value)
