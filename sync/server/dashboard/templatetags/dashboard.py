"""Template filters of the dashboard: money from minor units."""

from __future__ import annotations

from django import template

from pos.domain.errors import DomainError
from pos.domain.money import exponent

register = template.Library()


def money_text(minor: int | None, currency: str = "KES") -> str:
    """``KES 1,234.50`` from minor units (empty for None; raw figure for an unknown code)."""
    if minor is None:
        return ""
    try:
        digits = exponent(currency or "KES")
    except DomainError:
        return f"{currency} {minor}"
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**digits)
    tail = f".{frac:0{digits}d}" if digits else ""
    return f"{currency} {sign}{whole:,}{tail}"


@register.filter
def money(minor: int | None, currency: str = "KES") -> str:
    return money_text(minor, currency)
