"""Kaunta's integer amounts as KRA's per-line and per-band figures.

Kaunta's lines carry their VAT-inclusive total (after discounts) and the VAT inside it,
in minor units. KRA wants, per line, ``prc``/``splyAmt``/``dcAmt``/``taxblAmt``/
``taxAmt``/``totAmt`` to two decimals, and on the header the fifteen band fields A-E.
Which meaning ``taxblAmt`` has is unconfirmed (reference 3.5), so both conventions are
here (:class:`AmountConvention`); in both, each band's sums are exactly the sums of its
lines and ``totAmt`` is the money the customer paid for the goods.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sync.etims.settings import AmountConvention, LineTax, RateStyle

BANDS = ("A", "B", "C", "D", "E")
CENT = Decimal("0.01")


class MappingError(ValueError):
    """A Kaunta document cannot become a KRA invoice; the message says why and what to do."""


def money(minor: int) -> Decimal:
    """Minor units (KES cents) as a two-decimal amount."""
    return Decimal(minor).scaleb(-2).quantize(CENT)


def half_up(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def vat_inside(total_minor: int, rate: Decimal) -> int:
    """VAT inside a VAT-inclusive amount, round half up (reference 3.5)."""
    if rate == 0:
        return 0
    return half_up(Decimal(total_minor) * rate / (100 + rate))


@dataclass(frozen=True, slots=True)
class LineIn:
    """What the mapping needs from one Kaunta line (sale or refund), in minor units."""

    quantity: int
    unit_price: int  #: VAT included, before discounts
    total: int  #: VAT included, after every discount
    vat: int  #: the VAT the receipt printed for the line
    band: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class LineOut:
    """A line's amounts as KRA receives them: money in minor units (cents), turned into
    two-decimal amounts by :meth:`fields`; the band sums add the cents exactly."""

    band: str
    prc: int
    sply_amt: int
    dc_rt: Decimal
    dc_amt: int
    taxbl_amt: int
    tax_amt: int
    tot_amt: int

    def fields(self) -> dict[str, Decimal | str]:
        return {
            "prc": money(self.prc),
            "splyAmt": money(self.sply_amt),
            "dcRt": self.dc_rt,
            "dcAmt": money(self.dc_amt),
            "taxTyCd": self.band,
            "taxblAmt": money(self.taxbl_amt),
            "taxAmt": money(self.tax_amt),
            "totAmt": money(self.tot_amt),
        }


_NO_DISCOUNT = Decimal(0)


def _rate_of(discount: int, base: int) -> Decimal:
    if base <= 0 or discount <= 0:
        return _NO_DISCOUNT
    return (Decimal(discount) * 100 / Decimal(base)).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(line: LineIn, convention: AmountConvention, line_tax: LineTax) -> LineOut:
    """One line by the chosen convention."""
    return amounts_of(
        line.quantity,
        line.unit_price,
        line.total,
        line.vat,
        line.band,
        line.rate,
        convention,
        line_tax,
    )


def amounts_of(
    quantity: int,
    unit_price: int,
    total: int,
    vat: int,
    band: str,
    rate: Decimal,
    convention: AmountConvention,
    line_tax: LineTax,
) -> LineOut:
    """:func:`line_amounts` without the :class:`LineIn` (the mapping's per-line call)."""
    gross = unit_price * quantity
    if total > gross or total < 0:
        raise MappingError("a line's total is more than its quantity x price")
    tax = vat if line_tax is LineTax.RECEIPT else vat_inside(total, rate)
    if convention is AmountConvention.INCLUSIVE:
        discount = gross - total
        return LineOut(
            band, unit_price, gross, _rate_of(discount, gross), discount, total, tax, total
        )
    taxable = total - tax
    if total == gross:
        discount = 0
    else:
        gross_ex = gross - vat_inside(gross, rate)
        discount = max(0, gross_ex - taxable)
    supply = taxable + discount
    price = (Decimal(supply) / quantity).to_integral_value(rounding=ROUND_HALF_UP)
    return LineOut(
        band, int(price), supply, _rate_of(discount, supply), discount, taxable, tax, total
    )


#: the fifteen band fields' names, in the order they are sent
_BAND_KEYS = tuple((b, f"taxblAmt{b}", f"taxRt{b}", f"taxAmt{b}") for b in BANDS)


def band_fields(
    lines: list[LineOut], rates: dict[str, Decimal], style: RateStyle
) -> dict[str, Decimal]:
    """The fifteen ``taxblAmtX``/``taxRtX``/``taxAmtX`` fields and the header totals:
    every band present (0 when unused), each the exact sum of its lines."""
    taxable: dict[str, int] = {}
    tax: dict[str, int] = {}
    all_taxable = all_tax = all_total = 0
    for ln in lines:
        taxable[ln.band] = taxable.get(ln.band, 0) + ln.taxbl_amt
        tax[ln.band] = tax.get(ln.band, 0) + ln.tax_amt
        all_taxable += ln.taxbl_amt
        all_tax += ln.tax_amt
        all_total += ln.tot_amt
    every = style is RateStyle.ALL
    out: dict[str, Decimal] = {}
    for band, taxbl_key, rate_key, tax_key in _BAND_KEYS:
        used = band in taxable
        out[taxbl_key] = money(taxable[band]) if used else money(0)
        out[rate_key] = rates.get(band, Decimal(0)) if (every or used) else Decimal(0)
        out[tax_key] = money(tax[band]) if used else money(0)
    out["totTaxblAmt"] = money(all_taxable)
    out["totTaxAmt"] = money(all_tax)
    out["totAmt"] = money(all_total)
    return out


def band_for(
    code: str,
    rate: Decimal,
    exempt: bool,
    rates: dict[str, Decimal],
    by_code: dict[str, str],
) -> str:
    """The KRA band of a Kaunta VAT class. The code list's rate for the band must be the
    class's rate: a receipt may not print a rate KRA does not hold."""
    band = by_code.get(code)
    if band is None:
        if exempt:
            band = "A"
        elif rate == 0:
            band = "C"
        else:
            matches = [b for b in ("B", "E", *BANDS) if rates.get(b) == rate and b in "BE"]
            if not matches:
                raise MappingError(
                    f"VAT class {code} at {rate}% has no KRA tax band with that rate in the "
                    "code list; refresh the code lists or set etims.band_by_vat_code"
                )
            band = matches[0]
    if band not in rates:
        raise MappingError(f"KRA's code list has no tax band {band}; refresh the code lists")
    if rates[band] != rate:
        raise MappingError(
            f"VAT class {code} is {rate}% but KRA's band {band} is {rates[band]}%: update "
            "the VAT table to KRA's rate before selling"
        )
    return band
