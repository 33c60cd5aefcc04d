"""VAT on VAT-inclusive prices.

The rounding rule (documented in docs/money.md): VAT is extracted **once per VAT class per
document**, from the sum of that class's line totals (after discounts):
``vat = round_half_up(gross * rate / (100 + rate))`` and ``net = gross - vat``.
Extracting per class rather than per line means the VAT lines on a receipt always add up
to the total, and the VAT never drifts with the number of lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pos.domain.errors import DomainError
from pos.domain.messages import define, text
from pos.domain.money import Money, round_half_up

UNKNOWN_VAT = define("tax.unknown_vat", "Unknown VAT class {code} (known: {known}).")


@dataclass(frozen=True, slots=True)
class TaxClass:
    """A VAT class: ``code`` is what the catalog stores, ``label`` what receipts print."""

    code: str
    label: str
    rate: Decimal
    exempt: bool = False

    @property
    def rate_text(self) -> str:
        """``16%``, ``0%`` or ``Exempt``."""
        if self.exempt:
            return "Exempt"
        return f"{self.rate.normalize():f}%"

    @property
    def rate_basis_points(self) -> int:
        """The rate in hundredths of a percent (1600 for 16 %), for integer storage."""
        return int(self.rate * 100)


@dataclass(frozen=True, slots=True)
class TaxTable:
    """The VAT classes in force for a store; lookup by code."""

    classes: tuple[TaxClass, ...]

    def __post_init__(self) -> None:
        codes = [c.code for c in self.classes]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate VAT class codes in {codes}")
        for c in self.classes:
            if not c.rate.is_finite() or not 0 <= c.rate <= 100 or (c.exempt and c.rate != 0):
                raise ValueError(f"bad VAT class {c}")

    def get(self, code: str) -> TaxClass:
        for c in self.classes:
            if c.code == code:
                return c
        known = ", ".join(c.code for c in self.classes)
        raise DomainError(UNKNOWN_VAT(code=repr(code), known=known), code="unknown_vat")

    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.classes)

    def overlaid(self, classes: Iterable[TaxClass]) -> TaxTable:
        """This table with ``classes`` in force instead: a class of the same code is
        replaced in place (its label kept when rate and exemption are unchanged, so a
        translated label stays translated), a new code is added after the others. How the
        till puts head office's VAT classes over its configured ones."""
        mine = {c.code: c for c in self.classes}
        theirs = {c.code: c for c in classes}

        def over(c: TaxClass) -> TaxClass:
            new = theirs.get(c.code)
            if new is None:
                return c
            if (new.rate, new.exempt) == (c.rate, c.exempt):
                return TaxClass(c.code, c.label, new.rate, new.exempt)
            return new

        added = tuple(c for code, c in theirs.items() if code not in mine)
        return TaxTable(tuple(over(c) for c in self.classes) + added)

    def to_list(self) -> list[dict[str, str | bool]]:
        """JSON-safe form, stored with each sale so reprints use the rates of the day."""
        return [
            {"code": c.code, "label": c.label, "rate": str(c.rate), "exempt": c.exempt}
            for c in self.classes
        ]

    @classmethod
    def from_list(cls, data: list[dict[str, str | bool]]) -> TaxTable:
        return cls(
            tuple(
                TaxClass(
                    str(d["code"]), str(d["label"]), Decimal(str(d["rate"])), bool(d["exempt"])
                )
                for d in data
            )
        )


#: Kenya: standard 16 %, zero-rated 0 %, exempt (labels marked: screens show them translated).
#: Other countries come from configuration.
KENYA_VAT = TaxTable(
    (
        TaxClass("S", text("VAT 16%"), Decimal(16)),
        TaxClass("Z", text("Zero-rated"), Decimal(0)),
        TaxClass("E", text("Exempt"), Decimal(0), exempt=True),
    )
)


def vat_from_gross(gross: Money, tax_class: TaxClass) -> Money:
    """The VAT contained in a VAT-inclusive amount, by the house rounding rule."""
    if tax_class.exempt or tax_class.rate == 0:
        return Money.zero(gross.currency)
    rate = tax_class.rate
    return Money(round_half_up(Decimal(gross.minor) * rate / (100 + rate)), gross.currency)


@dataclass(frozen=True, slots=True)
class VatLine:
    """One row of a receipt's VAT breakdown."""

    tax_class: TaxClass
    gross: Money
    vat: Money

    @property
    def net(self) -> Money:
        return self.gross - self.vat


def vat_breakdown(
    gross_by_class: Mapping[str, Money] | Iterable[tuple[str, Money]],
    table: TaxTable,
    currency: str,
) -> tuple[VatLine, ...]:
    """Group gross amounts by class and extract VAT per class (order: the table's)."""
    items = gross_by_class.items() if isinstance(gross_by_class, Mapping) else gross_by_class
    sums: dict[str, Money] = {}
    for code, amount in items:
        table.get(code)
        sums[code] = sums.get(code, Money.zero(currency)) + amount
    return tuple(
        VatLine(c, sums[c.code], vat_from_gross(sums[c.code], c))
        for c in table.classes
        if c.code in sums
    )
