"""Finding receipts in the journal: by receipt number, amount, payment reference or day.

Read-only queries for the receipt browser, meant for ``Database.read_session()`` so a
search never holds (or waits for) the write lock. Each query is bounded by ``limit`` and
served by an index, so its cost does not grow with a year of sales:

- a receipt number or its prefix: the unique index on ``sales.number`` (a range scan);
- a receipt's trailing digits (its sequence number): ``ix_sales_seq``;
- the newest paid sale: ``ix_sales_seq`` read backwards;
- a day's receipts, and an amount on a day: ``ix_sales_day`` (``business_date`` first);
- a payment reference: ``payments.reference`` (see :func:`sales_by_reference`).

Rows come back as :class:`JournalRow`: the header columns plus each tender's method,
printed label and reference, read from the stored sale document (only for the rows
returned, never for the rows searched).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, FromClause, Select, Table, literal_column, or_, select
from sqlalchemy.orm import Session

from pos.domain.money import Money
from pos.domain.receipt import LABEL_DETAIL
from pos.domain.sale import SaleStatus
from pos.store.models import PaymentRecord, SaleRecord

_SALES = cast(Table, SaleRecord.__table__)
_PAYMENTS = cast(Table, PaymentRecord.__table__)

#: the columns a result row needs (the document only for the tenders' printed labels)
_ROW_COLUMNS = (
    _SALES.c.id,
    _SALES.c.number,
    _SALES.c.seq,
    _SALES.c.terminal_id,
    _SALES.c.status,
    _SALES.c.closed_at,
    _SALES.c.business_date,
    _SALES.c.currency,
    _SALES.c.total_minor,
    _SALES.c.rounding_minor,
    _SALES.c.item_count,
    _SALES.c.cashier_name,
    _SALES.c.training,
    _SALES.c.document,
)

#: a receipt number is text of the form ``STORE-TERMINAL-SEQ``; ranges end below this
_PREFIX_END = "\uffff"


@dataclass(frozen=True, slots=True)
class TenderRow:
    """One payment of a journalled sale as the receipt prints it."""

    method: str
    label: str
    amount: Money
    reference: str


@dataclass(frozen=True, slots=True)
class JournalRow:
    """A finished (completed or voided) sale as a search lists it."""

    sale_id: str
    number: str
    seq: int
    terminal_id: str
    status: SaleStatus
    closed_at: datetime  # aware, UTC
    business_date: str
    total: Money
    rounding: Money
    item_count: int
    cashier_name: str
    training: bool
    tenders: tuple[TenderRow, ...]


def _closed_at(value: Any) -> datetime:
    """``closed_at`` as an aware UTC datetime, whether the driver gave text or a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tenders(document: str, currency: str) -> tuple[TenderRow, ...]:
    """The tenders of a stored sale document, with the label each printed under.

    A payment stored without a label (older sales, sales loaded in bulk) prints under its
    method code made readable, as ``render_text`` does.
    """
    sale = json.loads(document).get("sale", {})
    out: list[TenderRow] = []
    for p in sale.get("payments", ()):
        method = str(p.get("method", ""))
        details = {str(k): str(v) for k, v in p.get("details", ())}
        amount = p.get("amount") or {}
        out.append(
            TenderRow(
                method=method,
                label=details.get(LABEL_DETAIL) or method.replace("_", " ").title(),
                amount=Money(int(amount.get("minor", 0)), str(amount.get("currency", currency))),
                reference=str(p.get("reference", "")),
            )
        )
    return tuple(out)


def _row(r: Any) -> JournalRow:
    return JournalRow(
        sale_id=r.id,
        number=r.number,
        seq=int(r.seq),
        terminal_id=r.terminal_id,
        status=SaleStatus(r.status),
        closed_at=_closed_at(r.closed_at),
        business_date=r.business_date,
        total=Money(int(r.total_minor), r.currency),
        rounding=Money(int(r.rounding_minor), r.currency),
        item_count=int(r.item_count),
        cashier_name=r.cashier_name,
        training=bool(r.training),
        tenders=_tenders(r.document, r.currency),
    )


def _rows(session: Session, stmt: Select[Any]) -> list[JournalRow]:
    return [_row(r) for r in session.connection().execute(stmt)]


def latest_completed(session: Session, terminal_id: str) -> JournalRow | None:
    """The newest completed sale of ``terminal_id``: never a voided one (a voided receipt
    is not a proof of payment). Reads ``ix_sales_seq`` backwards."""
    rows = _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(
            _SALES.c.terminal_id == terminal_id,
            _SALES.c.status == SaleStatus.COMPLETED.value,
        )
        .order_by(_SALES.c.seq.desc())
        .limit(1),
    )
    return rows[0] if rows else None


def row_by_id(session: Session, sale_id: str) -> JournalRow | None:
    """One journalled sale by its id (the primary key)."""
    rows = _rows(session, select(*_ROW_COLUMNS).where(_SALES.c.id == sale_id))
    return rows[0] if rows else None


def newest(session: Session, terminal_id: str, limit: int) -> list[JournalRow]:
    """The newest ``limit`` finished sales of ``terminal_id`` (``ix_sales_seq`` backwards)."""
    return _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(_SALES.c.terminal_id == terminal_id)
        .order_by(_SALES.c.seq.desc())
        .limit(limit),
    )


def sales_of_day(session: Session, business_date: str, limit: int) -> list[JournalRow]:
    """The newest ``limit`` finished sales of one business day, newest first.

    ``ix_sales_day`` finds the day's sales (a few thousand on a busy till); only they are
    sorted. No terminal condition: it would let SQLite walk ``ix_sales_seq`` backwards
    through the whole year instead (every sale in this file is this till's journal).
    """
    return _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(_SALES.c.business_date == business_date)
        .order_by(_SALES.c.seq.desc())
        .limit(limit),
    )


def sales_by_number(session: Session, prefix: str, limit: int) -> list[JournalRow]:
    """Sales whose receipt number is ``prefix`` or starts with it (a range scan of the
    unique index on ``number``: typing ``DEMO-T1-00004`` lists ``...000040`` to ``49``)."""
    if not prefix:
        return []
    return _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(_SALES.c.number >= prefix, _SALES.c.number < prefix + _PREFIX_END)
        .order_by(_SALES.c.number.desc())
        .limit(limit),
    )


def sale_by_seq(session: Session, terminal_id: str, seq: int) -> JournalRow | None:
    """The sale numbered ``seq`` on ``terminal_id`` (a receipt's trailing digits)."""
    rows = _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(_SALES.c.terminal_id == terminal_id, _SALES.c.seq == seq)
        .limit(1),
    )
    return rows[0] if rows else None


def sales_by_amount(
    session: Session, amount_minor: int, limit: int, business_date: str | None = None
) -> list[JournalRow]:
    """Sales whose total, or what was to pay after rounding, equals ``amount_minor``.

    On a day, ``ix_sales_day`` (which holds total and rounding) finds the candidates and
    only the matches are read from the table: well under a millisecond. Without a day
    the matches are picked from a scan of that covering index alone (about 80 ms for a
    million sales) rather than of the table; an index on ``total_minor`` would not help
    the rounded match, and as-you-type search always passes a day.
    """
    if business_date is not None:
        return _rows(
            session,
            select(*_ROW_COLUMNS)
            .where(_SALES.c.business_date == business_date, _matches_amount(_SALES, amount_minor))
            .order_by(_SALES.c.seq.desc())
            .limit(limit),
        )
    candidates = _SALES.alias("candidates")
    matching: Select[Any] = select(literal_column("candidates.rowid")).where(
        _matches_amount(candidates, amount_minor)
    )
    return _rows(
        session,
        select(*_ROW_COLUMNS)
        .where(literal_column("sales.rowid").in_(matching))
        .order_by(_SALES.c.seq.desc())
        .limit(limit),
    )


def _matches_amount(table: FromClause, amount_minor: int) -> ColumnElement[bool]:
    return or_(
        table.c.total_minor == amount_minor,
        table.c.total_minor + table.c.rounding_minor == amount_minor,
    )


def sale_ids_by_reference(session: Session, references: Iterable[str], limit: int) -> list[str]:
    """Ids of sales with a payment whose reference is one of ``references`` or starts with
    it (M-Pesa receipt number, PayPal capture id, card approval code).

    One range query per reference on the index ``ix_payments_reference`` (schema 0004),
    so the cost grows with the matches, not with a year of payments
    (``tests/store/test_store_reference_index.py`` checks the plan).
    """
    ids: dict[str, None] = {}
    for ref in dict.fromkeys(references):
        if not ref or len(ids) >= limit:
            continue
        stmt = (
            select(_PAYMENTS.c.sale_id)
            .where(
                _PAYMENTS.c.reference != "",
                _PAYMENTS.c.reference >= ref,
                _PAYMENTS.c.reference < ref + _PREFIX_END,
            )
            .limit(limit)
        )
        for (sale_id,) in session.connection().execute(stmt):
            ids[str(sale_id)] = None
    return list(ids)[:limit]


def rows_by_ids(session: Session, sale_ids: Sequence[str]) -> list[JournalRow]:
    """The sales with these ids, newest first (primary-key lookups)."""
    if not sale_ids:
        return []
    return _rows(
        session,
        select(*_ROW_COLUMNS).where(_SALES.c.id.in_(list(sale_ids))).order_by(_SALES.c.seq.desc()),
    )


def sales_by_reference(session: Session, references: Iterable[str], limit: int) -> list[JournalRow]:
    """Sales with a payment whose reference is (or starts with) one of ``references``."""
    return rows_by_ids(session, sale_ids_by_reference(session, references, limit))
