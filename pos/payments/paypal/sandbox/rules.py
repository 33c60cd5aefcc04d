"""PayPal's rules the sandbox checks, written here on purpose.

The client (:mod:`pos.payments.paypal.client`) keeps its own currency table and value
format. The sandbox must not borrow them, or a mistake shared by both sides would pass
every test; a test parses the sandbox's imports and fails if it reaches into the client
or the method. Sources: ``gateways.md`` B2 and B7, and the OpenAPI ``money`` schema.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "CURRENCIES",
    "MAX_WHOLE_DIGITS",
    "RESOURCE_ID",
    "VALUE_MAX_LENGTH",
    "VALUE_PATTERN",
    "decimals",
    "money",
    "text_value",
]

#: PayPal's currency codes (developer.paypal.com/api/codes/currency.md, gateways.md B7).
#: BRL, CNY and MYR work for in-country accounts only; KES is not on the list.
CURRENCIES: frozenset[str] = frozenset(
    {
        "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS",
        "JPY", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RUB", "SEK", "SGD", "THB", "TWD",
        "USD",
    }
)  # fmt: skip

#: "If you pass a decimal amount, an error occurs" for these (gateways.md B7).
_WHOLE_UNITS: frozenset[str] = frozenset({"HUF", "JPY", "TWD"})

#: The spec's ``money.value``: ``^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$``, at most 32 chars,
#: "up to 15 digits preceding the decimal" (gateways.md B2).
VALUE_PATTERN = re.compile(r"\A(-?\d+|-?\d*\.\d+)\Z", re.ASCII)
VALUE_MAX_LENGTH = 32
MAX_WHOLE_DIGITS = 15

#: Order, capture and refund ids: ``^[A-Z0-9]+$``, at most 36 characters (spec).
RESOURCE_ID = re.compile(r"\A[A-Z0-9]{1,36}\Z", re.ASCII)


def decimals(currency: str) -> int:
    """Decimal places PayPal takes in ``currency``: 0 for HUF, JPY and TWD, else 2."""
    return 0 if currency in _WHOLE_UNITS else 2


def text_value(value: Decimal, currency: str) -> str:
    """``value`` written as PayPal writes amounts of ``currency`` (``"12.50"``, ``"1250"``)."""
    places = decimals(currency)
    step = Decimal(10) ** -places
    return f"{value.quantize(step):.{places}f}"


def money(value: Decimal, currency: str) -> dict[str, str]:
    """A ``money`` object: ``{"currency_code", "value"}``."""
    return {"currency_code": currency, "value": text_value(value, currency)}
