"""GS1 barcodes: check digits, validation, normalisation of scans and minting EAN-13s."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.barcode import (
    canonical_gtin,
    gtin_check_digit,
    is_valid_gtin,
    make_ean13,
    normalize_barcode,
)

#: Published valid codes, one per GTIN length (check digits verified by hand).
VALID = [
    "96385074",  # EAN-8
    "036000291452",  # UPC-A
    "4006381333931",  # EAN-13
    "5901234123457",  # EAN-13
    "6161234567890",  # EAN-13, Kenyan 616 prefix
    "10614141000415",  # GTIN-14
]

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


@pytest.mark.parametrize("code", VALID)
def test_check_digit_of_known_codes(code: str) -> None:
    """The mod-10 check digit of each body is the code's last digit."""
    assert gtin_check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize(("body", "check"), [("0", 0), ("1", 7), ("5", 5), ("99", 4)])
def test_check_digit_small_bodies(body: str, check: int) -> None:
    """Weights start at 3 from the rightmost body digit."""
    assert gtin_check_digit(body) == check


@pytest.mark.parametrize("body", ["", " 123", "12a4", "12.3", "١٢٣", "²"])
def test_check_digit_refuses_non_digits(body: str) -> None:
    """Empty, spaced, non-ASCII or non-digit bodies raise ValueError."""
    with pytest.raises(ValueError, match="non-empty string of digits"):
        gtin_check_digit(body)


@pytest.mark.parametrize("code", VALID)
def test_known_codes_are_valid(code: str) -> None:
    """Real codes of every accepted length validate."""
    assert is_valid_gtin(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "4006381333932",  # wrong check digit
        "400638133393",  # 12 digits, wrong check digit
        "40063813339",  # 11 digits
        "400638133393100",  # 15 digits
        "9638507",  # 7 digits
        " 4006381333931",  # whitespace is not trimmed here
        "4006381333931\n",
        "400638133393l",
        "٤٠٠٦٣٨١٣٣٣٩٣١",  # Arabic-Indic digits
    ],
)
def test_invalid_codes(code: str) -> None:
    """Wrong lengths, wrong check digits and non-ASCII digits are not valid (and never raise)."""
    assert not is_valid_gtin(code)


def test_normalize_strips_scanner_whitespace() -> None:
    """Scanners append newlines/tabs; normalize trims them and nothing else."""
    assert normalize_barcode(" 4006381333931\n") == "4006381333931"
    assert normalize_barcode("\t96385074\r\n") == "96385074"
    assert normalize_barcode("036000291452") == "0036000291452"  # UPC-A -> EAN-13 form
    assert normalize_barcode("00036000291452") == "0036000291452"  # GTIN-14 with a 0
    assert normalize_barcode("0036000291452") == "0036000291452"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Barcode is empty"),
        ("  \n", "Barcode is empty"),
        ("4006381X33931", "contains characters other than digits"),
        ("4006 381333931", "contains characters other than digits"),
        ("12345", "has 5 digits; a barcode has 8, 12, 13 or 14"),
        ("4006381333932", r"wrong check digit \(expected 1\)"),
    ],
)
def test_normalize_explains_what_is_wrong(text: str, message: str) -> None:
    """Each refusal tells the cashier what went wrong and to rescan."""
    with pytest.raises(ValueError, match=message):
        normalize_barcode(text)


def test_make_ean13() -> None:
    """make_ean13 appends the check digit to a 12-digit prefix."""
    assert make_ean13("400638133393") == "4006381333931"
    assert make_ean13("616123456789") == "6161234567890"
    assert make_ean13("200000000000") == "2000000000008"


@pytest.mark.parametrize(
    "prefix", ["", "40063813339", "4006381333931", "40063813339X", "\uff11" * 12]
)
def test_make_ean13_refuses_bad_prefixes(prefix: str) -> None:
    """Only exactly 12 ASCII digits can be turned into an EAN-13."""
    with pytest.raises(ValueError, match="exactly 12 digits"):
        make_ean13(prefix)


@settings(max_examples=150, deadline=None)
@given(prefix=st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_minted_codes_validate(prefix: str) -> None:
    """Every minted EAN-13 is valid, normalises to itself and keeps its prefix."""
    code = make_ean13(prefix)
    assert len(code) == 13
    assert code.startswith(prefix)
    assert is_valid_gtin(code)
    assert normalize_barcode(code) == code


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.text(alphabet="0123456789", min_size=12, max_size=12),
    position=st.integers(min_value=0, max_value=12),
    bump=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_error_is_caught(prefix: str, position: int, bump: int) -> None:
    """Changing any one digit of a valid code makes it invalid (mod-10 guarantee)."""
    code = make_ean13(prefix)
    wrong = str((int(code[position]) + bump) % 10)
    misread = code[:position] + wrong + code[position + 1 :]
    assert not is_valid_gtin(misread)
    with pytest.raises(ValueError, match="check digit"):
        normalize_barcode(misread)


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_zero_padding_keeps_the_check_digit(body: str) -> None:
    """Weighting from the right: an EAN-8/13 padded to GTIN-14 keeps its check digit."""
    assert gtin_check_digit(body) == gtin_check_digit(body.zfill(13))
    assert 0 <= gtin_check_digit(body) <= 9


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=20))
def test_is_valid_gtin_never_raises(text: str) -> None:
    """is_valid_gtin is a safe predicate on arbitrary text and agrees with normalize."""
    valid = is_valid_gtin(text)
    if valid:
        assert normalize_barcode(text) == canonical_gtin(text)
    elif text == text.strip():
        with pytest.raises(ValueError, match="Barcode"):
            normalize_barcode(text)
