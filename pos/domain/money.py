"""Money as an integer count of minor units plus an ISO 4217 code.

Never ``float``: a shilling that is 0.1 + 0.2 cents off is a till that does not balance.
``Decimal`` is used only when parsing text and inside rate arithmetic (see ``tax``), and
every conversion back to minor units goes through one named rounding rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pos.domain.errors import CurrencyMismatch, InvalidAmount
from pos.domain.messages import define

#: Minor-unit exponent per ISO 4217 code; extend by configuration as countries are added.
CURRENCY_EXPONENTS: dict[str, int] = {
    "KES": 2,
    "UGX": 0,
    "TZS": 2,
    "RWF": 0,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
}

#: Largest amount a single money value may hold (10^13 minor units = 100 billion KES):
#: far beyond any till, small enough that SQLite's 64-bit integers never overflow on sums.
MAX_MINOR = 10**13

UNKNOWN_CURRENCY = define("money.unknown_currency", "Unknown currency {currency}.")
NOT_AN_AMOUNT_HINT = define(
    "money.not_an_amount_hint", "{text} is not an amount. Type digits, e.g. 1250.50."
)
NOT_AN_AMOUNT = define("money.not_an_amount", "{text} is not an amount.")
TOO_MANY_DECIMALS = define(
    "money.too_many_decimals", "{currency} amounts have at most {digits} decimals: {text}."
)
MIXED = define("money.mixed", "Cannot combine {first} and {second} amounts.")

_AMOUNT_RE = re.compile(r"^\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?\s*$")


def exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency``; unknown codes are an error."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise InvalidAmount(
            UNKNOWN_CURRENCY(currency=repr(currency)), code="unknown_currency"
        ) from None


def round_half_up(value: Decimal) -> int:
    """The house rounding rule: to the nearest integer, halves away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency in minor units (cents for KES)."""

    minor: int
    currency: str = "KES"

    def __post_init__(self) -> None:
        # A sale makes a hundred or so of these per commit: the common case (a plain int,
        # a known currency) is checked first, cheaply.
        minor = self.minor
        if type(minor) is not int and (not isinstance(minor, int) or isinstance(minor, bool)):
            raise TypeError(f"Money.minor must be int, got {type(minor).__name__}")
        if not -MAX_MINOR <= minor <= MAX_MINOR:
            raise InvalidAmount("That amount is too large.", code="amount_too_large")
        if self.currency not in CURRENCY_EXPONENTS:
            exponent(self.currency)  # raises: unknown currency

    # -- construction -------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str = "KES") -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "KES") -> Money:
        """Parse what a person types: ``"1,250"``, ``"1250.5"``, ``"0.50"``.

        More decimals than the currency has is an error, not a silent rounding.
        """
        match = _AMOUNT_RE.match(text)
        if not match or (match.group(2) is None and not match.group(3)):
            raise InvalidAmount(NOT_AN_AMOUNT_HINT(text=repr(text.strip())))
        sign, whole, frac = match.group(1), match.group(2) or "0", match.group(3) or ""
        digits = exponent(currency)
        if len(frac) > digits:
            raise InvalidAmount(
                TOO_MANY_DECIMALS(currency=currency, digits=digits, text=repr(text.strip()))
            )
        try:
            minor = int(whole.replace(",", "")) * 10**digits + int(frac.ljust(digits, "0") or 0)
        except (ValueError, InvalidOperation):  # pragma: no cover - regex guarantees digits
            raise InvalidAmount(NOT_AN_AMOUNT(text=repr(text.strip()))) from None
        return cls(-minor if sign else minor, currency)

    @classmethod
    def from_decimal(cls, value: Decimal, currency: str = "KES") -> Money:
        """Major units as Decimal → Money, rounded half-up to the minor unit."""
        return cls(round_half_up(value * (10 ** exponent(currency))), currency)

    # -- arithmetic -----------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(MIXED(first=self.currency, second=other.currency))

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)  # raises with the reason
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an int; use tax/discount rules")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    # -- presentation ---------------------------------------------------------------
    def amount_text(self) -> str:
        """``1,250.00`` — grouped, with the currency's decimals, no code."""
        digits = exponent(self.currency)
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**digits)
        text = f"{whole:,}"
        if digits:
            text += f".{frac:0{digits}d}"
        return sign + text

    def __str__(self) -> str:
        return f"{self.currency} {self.amount_text()}"


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units over ``weights`` proportionally, losing nothing.

    Largest-remainder method: each share is floored, then the leftover units go one by
    one to the largest fractional remainders (ties to the earliest). The shares always sum
    to ``total`` exactly; used for order discounts spread over lines.
    """
    if total < 0:
        return [-share for share in allocate(-total, weights)]
    weight_sum = sum(weights)
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    if weight_sum == 0:
        if total:
            raise ValueError("cannot allocate a non-zero total over zero weights")
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = [(total * w) % weight_sum for w in weights]
    leftover = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares


def convert(amount: Money, rate: Decimal, currency: str) -> Money:
    """``amount`` in another currency at ``rate`` (units of ``amount``'s currency per one
    unit of ``currency``), rounded half-up once to ``currency``'s minor unit.

    Example: KES 1,000.00 at 129.50 KES/USD is USD 7.72 (7.7220...).
    """
    if rate <= 0:
        raise InvalidAmount("An exchange rate must be more than zero.", code="bad_rate")
    major = amount.to_decimal() / rate
    return Money.from_decimal(major, currency)
