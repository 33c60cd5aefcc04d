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
    """A line's amounts as KRA receives them."""

    band: str
    prc: Decimal
    sply_amt: Decimal
    dc_rt: Decimal
    dc_amt: Decimal
    taxbl_amt: Decimal
    tax_amt: Decimal
    tot_amt: Decimal

    def fields(self) -> dict[str, Decimal | str]:
        return {
            "prc": self.prc,
            "splyAmt": self.sply_amt,
            "dcRt": self.dc_rt,
            "dcAmt": self.dc_amt,
            "taxTyCd": self.band,
            "taxblAmt": self.taxbl_amt,
            "taxAmt": self.tax_amt,
            "totAmt": self.tot_amt,
        }


def _rate_of(discount: int, base: int) -> Decimal:
    if base <= 0 or discount <= 0:
        return Decimal(0)
    return (Decimal(discount) * 100 / Decimal(base)).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(line: LineIn, convention: AmountConvention, line_tax: LineTax) -> LineOut:
    """One line by the chosen convention."""
    gross = line.unit_price * line.quantity
    if line.total > gross or line.total < 0:
        raise MappingError("a line's total is more than its quantity x price")
    tax = line.vat if line_tax is LineTax.RECEIPT else vat_inside(line.total, line.rate)
    if convention is AmountConvention.INCLUSIVE:
        discount = gross - line.total
        return LineOut(
            line.band,
            money(line.unit_price),
            money(gross),
            _rate_of(discount, gross),
            money(discount),
            money(line.total),
            money(tax),
            money(line.total),
        )
    taxable = line.total - tax
    if line.total == gross:
        discount = 0
    else:
        gross_ex = gross - vat_inside(gross, line.rate)
        discount = max(0, gross_ex - taxable)
    supply = taxable + discount
    price = (Decimal(supply) / line.quantity).to_integral_value(rounding=ROUND_HALF_UP)
    return LineOut(
        line.band,
        money(int(price)),
        money(supply),
        _rate_of(discount, supply),
        money(discount),
        money(taxable),
        money(tax),
        money(line.total),
    )


def band_fields(
    lines: list[LineOut], rates: dict[str, Decimal], style: RateStyle
) -> dict[str, Decimal]:
    """The fifteen ``taxblAmtX``/``taxRtX``/``taxAmtX`` fields and the header totals:
    every band present (0 when unused), each the exact sum of its lines."""
    out: dict[str, Decimal] = {}
    used = {ln.band for ln in lines}
    for band in BANDS:
        mine = [ln for ln in lines if ln.band == band]
        out[f"taxblAmt{band}"] = sum((ln.taxbl_amt for ln in mine), Decimal("0.00"))
        rate = rates.get(band, Decimal(0))
        out[f"taxRt{band}"] = rate if (style is RateStyle.ALL or band in used) else Decimal(0)
        out[f"taxAmt{band}"] = sum((ln.tax_amt for ln in mine), Decimal("0.00"))
    out["totTaxblAmt"] = sum((ln.taxbl_amt for ln in lines), Decimal("0.00"))
    out["totTaxAmt"] = sum((ln.tax_amt for ln in lines), Decimal("0.00"))
    out["totAmt"] = sum((ln.tot_amt for ln in lines), Decimal("0.00"))
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
