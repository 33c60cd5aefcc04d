"""GS1 barcode helpers: check digits, validation and normalisation of scanned codes.

Products in a Kenyan shop carry GS1 barcodes (EAN-13 mostly, with the Kenyan
prefix 616 for local goods; EAN-8, UPC-A and GTIN-14 also turn up). Scanners
occasionally misread, and cashiers sometimes type codes by hand, so every code
that reaches the catalogue lookup goes through :func:`normalize_barcode`, which
rejects wrong lengths and wrong check digits with a message the cashier can act
on instead of silently failing to find the product.

This module is pure: standard library only, no I/O.
"""

from __future__ import annotations

from pos.domain.errors import DomainError
from pos.domain.messages import define

GTIN_LENGTHS: frozenset[int] = frozenset({8, 12, 13, 14})
"""Lengths of the GS1 codes accepted: EAN-8, UPC-A, EAN-13 and GTIN-14."""

EMPTY = define("barcode.empty", "Barcode is empty: scan the item or type its barcode.")
NOT_DIGITS = define(
    "barcode.not_digits",
    "Barcode {code} contains characters other than digits: rescan or type it again.",
)
WRONG_LENGTH = define(
    "barcode.wrong_length",
    "Barcode {code} has {digits} digits; a barcode has 8, 12, 13 or 14: rescan or type it again.",
)
WRONG_CHECK_DIGIT = define(
    "barcode.wrong_check_digit",
    "Barcode {code} has a wrong check digit (expected {expected}): rescan or type it again.",
)


class InvalidBarcode(DomainError, ValueError):
    """A scanned or typed code that is no GS1 barcode; the message says what to do.

    A ``ValueError`` too, so callers that catch that keep working; :attr:`msg` carries
    the message code for the cashier's language."""

    code = "invalid_barcode"


def _is_ascii_digits(text: str) -> bool:
    """Return True if ``text`` is non-empty and made only of the ASCII digits 0-9.

    ``str.isdigit`` alone also accepts characters such as ``"²"`` or Arabic-Indic
    digits, which ``int()`` or a barcode database would not treat as intended.
    """
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for ``body`` (a code without its check digit).

    Starting from the rightmost digit of the body, digits are weighted 3, 1, 3, 1, ...
    and the check digit is the amount needed to bring the weighted sum up to the next
    multiple of 10. Weighting from the right makes the same rule work for every GTIN
    length (EAN-8, UPC-A, EAN-13, GTIN-14).

    Raises:
        ValueError: if ``body`` is empty or contains anything other than ASCII digits.
    """
    if not _is_ascii_digits(body):
        raise ValueError(f"GTIN body must be a non-empty string of digits, got {body!r}")
    total = 0
    for position, char in enumerate(reversed(body)):
        weight = 3 if position % 2 == 0 else 1
        total += int(char) * weight
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """Return True if ``code`` is a valid EAN-8, UPC-A, EAN-13 or GTIN-14.

    The code must be exactly 8, 12, 13 or 14 ASCII digits (no surrounding
    whitespace) and its last digit must be the correct check digit. Never raises,
    so it is safe to use as a plain predicate on untrusted input.
    """
    if not _is_ascii_digits(code) or len(code) not in GTIN_LENGTHS:
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


def normalize_barcode(text: str) -> str:
    """Return the barcode digits in ``text`` after checking it is a valid GTIN.

    Surrounding whitespace (scanners often append a newline or tab) is stripped. The
    result is the canonical form used to store and look up products (see
    :func:`canonical_gtin`), so a scanner that sends the 12-digit UPC-A of an item finds
    it under its 13-digit EAN form, and the other way round.

    Raises:
        InvalidBarcode: (a ``ValueError``) with a message meant for the cashier, saying
            whether the code is empty, contains non-digits, has the wrong length or has a
            wrong check digit.
    """
    code = text.strip()
    if not code:
        raise InvalidBarcode(EMPTY())
    if not _is_ascii_digits(code):
        raise InvalidBarcode(NOT_DIGITS(code=code))
    if len(code) not in GTIN_LENGTHS:
        raise InvalidBarcode(WRONG_LENGTH(code=code, digits=str(len(code))))
    expected = gtin_check_digit(code[:-1])
    if expected != int(code[-1]):
        raise InvalidBarcode(WRONG_CHECK_DIGIT(code=code, expected=str(expected)))
    return canonical_gtin(code)


def canonical_gtin(code: str) -> str:
    """One spelling per product: UPC-A (12) and zero-led GTIN-14 become EAN-13.

    ``036000291452`` and ``0036000291452`` are the same item; EAN-8 and other GTIN-14s
    are kept as they are.
    """
    if len(code) == 12:
        return "0" + code
    if len(code) == 14 and code.startswith("0"):
        return code[1:]
    return code


def make_ean13(prefix12: str) -> str:
    """Return the EAN-13 made of ``prefix12`` followed by its check digit.

    Used to mint barcodes for in-store items (e.g. with a GS1 company prefix or
    the restricted in-store range 20-29).

    Raises:
        ValueError: if ``prefix12`` is not exactly 12 ASCII digits.
    """
    if not _is_ascii_digits(prefix12) or len(prefix12) != 12:
        raise ValueError(f"EAN-13 prefix must be exactly 12 digits, got {prefix12!r}")
    return prefix12 + str(gtin_check_digit(prefix12))
