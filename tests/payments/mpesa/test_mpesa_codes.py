"""The code table: every ResultCode and errorCode from the reference has a meaning."""

from __future__ import annotations

import pytest

from pos.payments.base import AttemptState
from pos.payments.mpesa.codes import (
    ERROR_CODES,
    RESULT_CODES,
    Phase,
    error_field,
    is_processing,
    outcome_for_error,
    outcome_for_result,
    result_key,
)

A = AttemptState

#: gateways.md A5, with the state each must map to.
REFERENCE_RESULTS = {
    "0": A.CAPTURED,
    "1": A.DECLINED,
    "1032": A.CANCELLED,
    "1037": A.EXPIRED,
    "2001": A.DECLINED,
    "1019": A.EXPIRED,
    "1001": A.DECLINED,
    "1025": A.DECLINED,
    "9999": A.DECLINED,
    "17": A.DECLINED,
    "26": A.DECLINED,
    "SFC_IC0003": A.DECLINED,
}


def test_every_reference_result_code_is_in_the_table() -> None:
    assert set(RESULT_CODES) == set(REFERENCE_RESULTS)
    for key, state in REFERENCE_RESULTS.items():
        outcome = outcome_for_result(key)
        assert outcome.state is state, key
        assert outcome.code == f"mpesa.{key}"
        assert outcome.message.endswith(".")


@pytest.mark.parametrize(
    ("sent", "key"), [(1032, "1032"), ("1032", "1032"), (" 0 ", "0"), (0, "0")]
)
def test_numbers_and_strings_are_the_same_code(sent: object, key: str) -> None:
    assert result_key(sent) == key
    assert outcome_for_result(sent) == RESULT_CODES[key]


@pytest.mark.parametrize("bad", [True, 1.0, None, [], {}, ""])
def test_non_codes_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError):
        result_key(bad)


def test_cashier_messages_say_what_to_do() -> None:
    assert outcome_for_result(1032).message == (
        "The customer cancelled on their phone. Ask them to try again or pay another way."
    )
    assert outcome_for_result("1032").retry_allowed
    assert not outcome_for_result("SFC_IC0003").retry_allowed  # a setup problem
    assert "manager" in outcome_for_result("SFC_IC0003").message
    assert outcome_for_result(17).retry_allowed  # conflicting sources: retryable


def test_unknown_result_codes_are_not_paid_and_keep_their_code() -> None:
    outcome = outcome_for_result("4242")
    assert outcome.state is A.DECLINED
    assert outcome.code == "mpesa.4242"
    assert "manager" in outcome.message
    assert outcome_for_result("weird code!").code == "mpesa.unknown"


def test_every_reference_error_code_is_in_the_table() -> None:
    assert set(ERROR_CODES) >= {
        "400.002.02",
        "404.001.03",
        "401.003.01",
        "500.001.1001",
        "500.003.02",
        "500.003.03",
        "500.003.1001",
        "400.008.01",
        "400.008.02",
    }


@pytest.mark.parametrize(
    ("message", "code", "retry"),
    [
        ("Bad Request - Invalid PhoneNumber", "mpesa.400.002.02.PhoneNumber", True),
        ("Bad Request - Invalid Amount", "mpesa.400.002.02.Amount", True),
        ("Bad Request - Invalid Timestamp", "mpesa.400.002.02.Timestamp", False),
        ("Bad Request - Invalid BusinessShortCode", "mpesa.400.002.02.BusinessShortCode", False),
        ("Bad Request", "mpesa.400.002.02", False),
    ],
)
def test_invalid_field_keeps_its_suffix(message: str, code: str, retry: bool) -> None:
    outcome = outcome_for_error("400.002.02", message, phase=Phase.PUSH)
    assert outcome.state is A.DECLINED
    assert outcome.code == code
    assert outcome.retry_allowed is retry


def test_500_001_1001_means_two_things() -> None:
    processing = outcome_for_error(
        "500.001.1001", "The transaction is being processed", phase=Phase.QUERY
    )
    assert processing.state is A.PENDING
    assert is_processing("500.001.1001", "The transaction is being processed")
    wrong = outcome_for_error(
        "500.001.1001", "[MerchantValidate] - Wrong credentials", phase=Phase.PUSH
    )
    assert wrong.state is A.DECLINED
    assert not wrong.retry_allowed
    assert not is_processing("500.001.1001", "[MerchantValidate] - Wrong credentials")
    on_query = outcome_for_error("500.001.1001", "Wrong credentials", phase=Phase.QUERY)
    assert on_query.state is A.UNKNOWN
    assert "manager" in on_query.message


@pytest.mark.parametrize(
    ("code", "state", "retry"),
    [
        ("500.003.02", A.DECLINED, True),  # spike arrest: nothing sent, wait and retry
        ("500.003.03", A.DECLINED, True),  # quota
        ("500.003.1001", A.UNKNOWN, False),  # internal error: nobody knows
        ("404.001.03", A.DECLINED, True),
        ("401.003.01", A.DECLINED, True),
        ("400.008.01", A.DECLINED, False),
        ("400.008.02", A.DECLINED, False),
        ("http.400", A.DECLINED, True),
        ("http.502", A.UNKNOWN, False),
        ("999.999.99", A.UNKNOWN, False),
    ],
)
def test_push_errors(code: str, state: AttemptState, retry: bool) -> None:
    outcome = outcome_for_error(code, "x", phase=Phase.PUSH)
    assert outcome.state is state
    assert outcome.retry_allowed is retry
    assert outcome.code == f"mpesa.{code}"


@pytest.mark.parametrize("code", ["500.003.02", "400.002.02", "404.001.03", "http.503"])
def test_query_errors_say_nothing_about_the_money(code: str) -> None:
    outcome = outcome_for_error(code, "Bad Request - Invalid CheckoutRequestID", phase=Phase.QUERY)
    assert outcome.state is A.UNKNOWN
    assert not outcome.retry_allowed


def test_error_field() -> None:
    assert error_field("Bad Request - Invalid CallBackURL") == "CallBackURL"
    assert error_field("Something else") == ""
