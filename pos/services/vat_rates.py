"""The VAT rates in force on this till, for the manager: the configured classes overlaid
by head office's (``pos.store.vat_classes``), each saying where its rate comes from (the
till's configuration, or head office with the class's version and when it arrived). The
rates shown are the ones a basket opened now is rung up with; an open basket keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pos.services.context import TerminalContext
from pos.store import vat_classes
from pos.store.db import Database


@dataclass(frozen=True, slots=True)
class VatRateView:
    """One class in force. ``version``/``applied_at`` are None for a configured class
    head office has not sent."""

    code: str
    label: str
    rate: Decimal
    exempt: bool
    active: bool = True
    version: int | None = None
    applied_at: datetime | None = None

    @property
    def from_head_office(self) -> bool:
        return self.version is not None


def vat_rates(db: Database, ctx: TerminalContext) -> list[VatRateView]:
    """Every class in force now, in the table's order."""
    with db.read_session() as s:
        table = vat_classes.tax_table_in_force(s, ctx.tax_table)
        sent = {c.code: c for c in vat_classes.head_office_classes(s)}
    out: list[VatRateView] = []
    for c in table.classes:
        hq = sent.get(c.code)
        out.append(
            VatRateView(
                c.code,
                c.label,
                c.rate,
                c.exempt,
                active=hq.active if hq is not None else True,
                version=hq.version if hq is not None else None,
                applied_at=hq.applied_at if hq is not None else None,
            )
        )
    return out
