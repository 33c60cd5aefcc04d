"""The drawer's arithmetic, with no I/O: counts by denomination and expected cash.

Expected cash = opening float + cash sales - cash refunds + cash paid in - cash paid out,
where cash sales are what the drawer kept (cash tendered - change). A count is a number
of each note and coin; its total is their sum. A difference is counted - expected: a
shortage is negative. The same rule is checked by ``sync.protocol.shifts`` on the head
office side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pos.domain.messages import define
from pos.domain.money import Money
from pos.services.errors import ServiceError

#: Notes and coins the till counts, largest first, in minor units. Kenya: notes 1000,
#: 500, 200, 100, 50; coins 20, 10, 5, 1 shillings.
DENOMINATIONS: dict[str, tuple[int, ...]] = {
    "KES": (100000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 100),
    # the other currencies the set-up wizard offers (a shift, so a sale, needs them):
    # UGX notes 50,000-1,000, coins 500-50; TZS notes 10,000-500, coins 200-50;
    # RWF notes 5,000-500, coins 100-1; USD notes $100-$1, coins 25c-1c.
    "UGX": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50),
    "TZS": (1000000, 500000, 200000, 100000, 50000, 20000, 10000, 5000),
    "RWF": (5000, 2000, 1000, 500, 100, 50, 20, 10, 5, 1),
    "USD": (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1),
}
#: Of those, the smallest note: below it are coins (the count screen groups them).
SMALLEST_NOTE: dict[str, int] = {
    "KES": 5000,
    "UGX": 1000,
    "TZS": 50000,
    "RWF": 500,
    "USD": 100,
}

MAX_PIECES = 1_000_000  # per denomination: a typo guard, far above any drawer

BAD_DENOMINATION = define(
    "cashup_bad_denomination", "{value} is not a note or coin the till counts in {currency}."
)
BAD_COUNT = define(
    "cashup_bad_count", "The count of {value} must be a whole number from 0 to {maximum}."
)
NO_DENOMINATIONS = define(
    "cashup_no_denominations", "The till has no notes and coins for {currency}: it cannot count."
)


def denominations(currency: str) -> tuple[int, ...]:
    values = DENOMINATIONS.get(currency)
    if not values:
        raise ServiceError(NO_DENOMINATIONS(currency=currency))
    return values


@dataclass(frozen=True, slots=True)
class CashCount:
    """How many of each note and coin (every denomination listed, zeros included)."""

    currency: str
    counts: tuple[tuple[int, int], ...]  # (value in minor units, pieces), largest first

    @property
    def total(self) -> Money:
        return Money(sum(v * c for v, c in self.counts), self.currency)

    @classmethod
    def of(cls, pieces: Mapping[int, int], currency: str) -> CashCount:
        """A count from ``{value: pieces}``; unknown values and bad counts are refused
        with a message naming them, so nothing typed is silently dropped."""
        values = denominations(currency)
        for value, count in pieces.items():
            if value not in values:
                raise ServiceError(
                    BAD_DENOMINATION(value=Money(int(value), currency), currency=currency)
                )
            if (
                isinstance(count, bool)
                or not isinstance(count, int)
                or not (0 <= count <= MAX_PIECES)
            ):
                raise ServiceError(BAD_COUNT(value=Money(value, currency), maximum=MAX_PIECES))
        return cls(currency, tuple((v, int(pieces.get(v, 0))) for v in values))

    @classmethod
    def zero(cls, currency: str) -> CashCount:
        return cls.of({}, currency)


@dataclass(frozen=True, slots=True)
class CashSummary:
    """The drawer over a shift (or several): where the expected cash comes from."""

    opening_float: Money
    sales: Money  # cash kept from sales: tendered - change
    refunds: Money  # cash given back from the drawer
    paid_in: Money
    paid_out: Money

    @property
    def expected(self) -> Money:
        return self.opening_float + self.sales - self.refunds + self.paid_in - self.paid_out

    def __add__(self, other: CashSummary) -> CashSummary:
        return CashSummary(
            self.opening_float + other.opening_float,
            self.sales + other.sales,
            self.refunds + other.refunds,
            self.paid_in + other.paid_in,
            self.paid_out + other.paid_out,
        )

    @classmethod
    def zero(cls, currency: str) -> CashSummary:
        z = Money.zero(currency)
        return cls(z, z, z, z, z)


def expected_cash(
    opening_float: int, cash_sales: int, cash_refunds: int, cash_in: int, cash_out: int
) -> int:
    """The rule in minor units (what the property tests state independently)."""
    return opening_float + cash_sales - cash_refunds + cash_in - cash_out


def needs_approval(difference: Money, limit: Money) -> bool:
    """A close whose difference (short or over) is beyond ``limit`` needs a manager."""
    return abs(difference.minor) > limit.minor
