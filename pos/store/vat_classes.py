"""Head office's VAT classes on the till (``hq_vat_classes``) and the tax table in force.

The sync agent writes the classes of a page of changes with :func:`apply_vat_classes`, in
the page's own transaction. :func:`tax_table_in_force` is what a new basket is rung up
with: the configured table (``TerminalContext.tax_table``) overlaid by head office's
classes, code for code. A basket keeps the table it was opened with (saved in its draft,
:func:`draft_tax_table`), so a rate that changes while it is open changes nothing in it;
every completed sale's document keeps its own rates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as Session  # for sync.agent

from pos.domain.tax import KENYA_VAT as KENYA_VAT  # for sync.agent
from pos.domain.tax import TaxClass
from pos.domain.tax import TaxTable as TaxTable  # for sync.agent
from pos.store.models import Draft, HqVatClass

_TABLE: Table = HqVatClass.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class VatClassChange:
    """A VAT class as head office has it now (already checked: 0 <= rate <= 100, an
    exempt class at 0)."""

    code: str
    name: str
    rate: Decimal
    exempt: bool
    active: bool
    version: int

    def tax_class(self) -> TaxClass:
        return TaxClass(self.code, self.name, self.rate, self.exempt)


@dataclass(frozen=True, slots=True)
class HeadOfficeVatClass(VatClassChange):
    """A class head office sent, as the manager's screen shows it: the change, and when
    this till applied it."""

    applied_at: datetime


def apply_vat_classes(session: Session, changes: Iterable[VatClassChange], now: datetime) -> int:
    """Insert or update head office's classes by code inside the caller's transaction
    (the page's). Returns how many were written."""
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "rate": str(c.rate),
            "exempt": c.exempt,
            "active": c.active,
            "version": c.version,
            "updated_at": now,
        }
        for c in {c.code: c for c in changes}.values()  # a code twice: its last state
    ]
    if not rows:
        return 0
    stmt = sqlite_insert(_TABLE)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[_TABLE.c.code],
            set_={
                k: stmt.excluded[k]
                for k in ("name", "rate", "exempt", "active", "version", "updated_at")
            },
        ),
        rows,
    )
    return len(rows)


def head_office_classes(session: Session) -> list[HeadOfficeVatClass]:
    """Every class head office sent, by code."""
    return [
        HeadOfficeVatClass(
            r.code, r.name, Decimal(r.rate), r.exempt, r.active, r.version, r.updated_at
        )
        for r in session.scalars(select(HqVatClass).order_by(HqVatClass.code))
    ]


def known_codes(session: Session) -> set[str]:
    """The codes of head office's classes this till holds."""
    return set(session.scalars(select(HqVatClass.code)))


def tax_table_in_force(session: Session, configured: TaxTable) -> TaxTable:
    """The table for a basket opened now: ``configured`` overlaid by head office's classes
    (inactive ones too: products that still name one keep selling at its rate)."""
    rows = session.execute(
        select(HqVatClass.code, HqVatClass.name, HqVatClass.rate, HqVatClass.exempt)
    ).all()
    if not rows:
        return configured
    return configured.overlaid(TaxClass(c, n, Decimal(r), e) for c, n, r, e in rows)


#: the key of a draft's JSON (beside the sale's own snapshot) that holds its tax table
DRAFT_TABLE_KEY = "vat_table"


def draft_tax_table(session: Session, sale_id: str) -> TaxTable | None:
    """The table a basket was opened with, as its draft keeps it; None for a draft
    written before tables were kept (it takes the table in force)."""
    data = session.execute(select(Draft.data).where(Draft.id == sale_id)).scalar()
    if not data:
        return None
    kept = json.loads(data).get(DRAFT_TABLE_KEY)
    return TaxTable.from_list(kept) if isinstance(kept, list) else None
