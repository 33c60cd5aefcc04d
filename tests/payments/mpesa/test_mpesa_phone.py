"""Phone numbers: every way a cashier types a Safaricom number gives the same MSISDN."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.payments.mpesa.phone import InvalidPhone, normalize_msisdn, phone_hint

MSISDN_RE = re.compile(r"^254[17][0-9]{8}$")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0712345678", "254712345678"),
        ("0712 345 678", "254712345678"),
        ("0712-345-678", "254712345678"),
        (" 07 12 34 56 78 ", "254712345678"),
        ("0112345678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("+254 712 345 678", "254712345678"),
        ("254712345678", "254712345678"),
        ("254 112 345 678", "254112345678"),
        ("0708.374.149", "254708374149"),
    ],
)
def test_accepted_forms(typed: str, expected: str) -> None:
    assert normalize_msisdn(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "0712 34 567",  # too short
        "07123456789",  # too long
        "0812345678",  # not 07/01
        "0212345678",
        "+255712345678",  # Tanzania
        "712345678",  # no prefix at all
        "2540712345678",  # 254 and 0
        "+0712345678",
        "07l2345678",  # letter l
        "٠٧١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not accepted
        "0712345678x",
    ],
)
def test_rejected_forms(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_msisdn(typed)


def test_message_is_for_the_cashier() -> None:
    with pytest.raises(InvalidPhone) as err:
        normalize_msisdn("0712 34 567")
    assert str(err.value) == (
        "0712 34 567 is not a Safaricom number: type 07XX XXX XXX or 01XX XXX XXX"
    )
    with pytest.raises(InvalidPhone, match="Type the customer's M-Pesa number"):
        normalize_msisdn("   ")


def test_invalid_phone_is_a_value_error() -> None:
    assert issubclass(InvalidPhone, ValueError)


@pytest.mark.parametrize(
    "typed", ["", "0", "07", "0712", "0712 345 67", "+", "+2", "+2547", "2541", "254 7"]
)
def test_hint_is_silent_while_still_plausible(typed: str) -> None:
    assert phone_hint(typed) is None


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("08", "is not a Safaricom number"),
        ("+255", "is not a Safaricom number"),
        ("2550", "is not a Safaricom number"),
        ("07a", "Only digits"),
        ("0712 345 6789", "Too many digits"),
        ("+254 712 345 6789", "Too many digits"),
    ],
)
def test_hint_speaks_once_it_cannot_become_valid(typed: str, fragment: str) -> None:
    hint = phone_hint(typed)
    assert hint is not None
    assert fragment in str(hint)  # a message with a code; str() is its English


def test_hint_is_silent_for_valid_numbers() -> None:
    assert phone_hint("0712 345 678") is None
    assert phone_hint("+254112345678") is None


# -- properties ------------------------------------------------------------------------

nsn = st.builds(
    lambda first, rest: first + "".join(rest),
    st.sampled_from("17"),
    st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8),
)
separator = st.sampled_from(["", "", "", " ", "-", "  ", " - ", "."])


@st.composite
def typed_forms(draw: st.DrawFn, number: str) -> str:
    prefix = draw(st.sampled_from(["0", "+254", "254"]))
    chars = list(prefix + number)
    text = chars[0]
    for ch in chars[1:]:
        text += draw(separator) + ch
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " "]))


@settings(max_examples=200, deadline=None)
@given(st.data(), nsn)
def test_every_typed_form_normalises_to_the_same_msisdn(data: st.DataObject, number: str) -> None:
    first = data.draw(typed_forms(number))
    second = data.draw(typed_forms(number))
    assert normalize_msisdn(first) == normalize_msisdn(second) == "254" + number
    assert phone_hint(first) is None


@settings(max_examples=100, deadline=None)
@given(st.data(), nsn)
def test_every_prefix_of_a_typed_number_is_plausible(data: st.DataObject, number: str) -> None:
    typed = data.draw(typed_forms(number))
    for end in range(len(typed) + 1):
        assert phone_hint(typed[:end]) is None, typed[:end]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_garbage_is_rejected_never_crashes(text: str) -> None:
    try:
        msisdn: str | None = normalize_msisdn(text)
    except InvalidPhone as exc:
        msisdn, message = None, str(exc)
    hint = phone_hint(text)  # must not crash either
    if msisdn is None:
        assert "07XX XXX XXX" in message
        if hint is None:  # silent only for something that is merely incomplete
            assert len(re.sub(r"[\s\-.]", "", text)) < 13
    else:
        assert MSISDN_RE.match(msisdn)
        assert msisdn[-9:] in re.sub(r"\D", "", text)
        assert hint is None


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["0", "+254", "254"]),
    st.sampled_from("0234568"),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)
def test_wrong_operator_prefix_is_rejected(prefix: str, first: str, rest: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_msisdn(prefix + first + rest)
    assert phone_hint(prefix + first + rest) is not None
