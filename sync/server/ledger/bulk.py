"""Writing a batch's ledger rows in bulk: PostgreSQL ``COPY``, ``bulk_create`` elsewhere.

A pushed batch becomes about seven rows per sale event (the event, the sale, its lines, VAT
classes and payments). Django's ``bulk_create`` on PostgreSQL sends them as arrays through
``UNNEST``, and psycopg quotes every character of every JSON document into an array literal
with a regular expression: measured, that was 60 % of a push's time. ``COPY … FROM STDIN``
(psycopg's C implementation) takes the same rows as plain tuples at a small fraction of the
cost, inside the batch's transaction, so a batch is still applied whole or not at all, and a
racing push of the same events still meets the primary key (the error arrives as Django's
``IntegrityError``, as from ``bulk_create``, and the batch is run again).

The two rows every sale event makes (the event and the sale) are plain tuples in their
table's column order (:class:`EventRow`, :class:`SaleRow`), built without Django model
instances (whose construction was 0.1 - 0.2 ms of an event); SQLite makes model instances
from them for ``bulk_create``. Only the sales need their ids before their lines are
written: they are taken from the table's own sequence in one query. Every other id is the
column's default.

Those rows (an event's seven) go into each ``COPY`` as one block of text in PostgreSQL's
``COPY`` text format, made here (:func:`copy_text`): psycopg's ``write_row`` formatted them
value by value at about 3 µs a row, a tenth of a push's application CPU (measured,
docs/headoffice.md "Capacity"). Every text value is escaped (:func:`_t`: backslash, tab,
newline, carriage return), each document is orjson's bytes with its backslashes doubled
(JSON text holds no raw control characters), ``None`` is ``\\N``; what a column receives
is what ``write_row`` gave it (``tests/server/test_copy_text.py`` reads awkward values
back).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Field, JSONField, Model

from sync.protocol.canonical import json_bytes, json_text
from sync.server.ledger import models as m


class EventRow(NamedTuple):
    """A ``LedgerEvent`` row, fields in :data:`EVENT_COLUMNS` order; ``document`` is the
    event as sent (a dict), written as JSON text."""

    event_id: str
    type: str
    store_id: int
    terminal_id: int
    seq: int
    created_at: datetime
    received_at: datetime
    training: bool
    content_hash: str
    document: Any


EVENT_COLUMNS = EventRow._fields


class SaleRow(NamedTuple):
    """A ``Sale`` row without its id, fields in :data:`SALE_COLUMNS` order."""

    event_id: str
    sale_id: str
    status: str
    store_id: int
    receipt_number: str
    business_date: date
    closed_at: datetime | None
    cashier_id: str
    currency: str
    total_minor: int
    vat_total_minor: int
    rounding_minor: int
    change_minor: int
    void_reason: str


SALE_COLUMNS = ("id", *SaleRow._fields)


def copy_supported() -> bool:
    """Is the default connection PostgreSQL through psycopg 3 (``COPY`` available)?"""
    return connection.vendor == "postgresql"


def _json_text(value: Any) -> str:
    """A document as JSON text for a ``jsonb`` column (which keeps no key order or spacing):
    the protocol's encoder (orjson, with :mod:`json` for what it refuses), which the layer
    rules let the head office use through ``sync.protocol`` only."""
    return json_text(value)


def _fields(model: type[Model], *, with_id: bool) -> list[Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if with_id or not f.primary_key or not f.get_internal_type().endswith("AutoField")
    ]


def _plain(value: Any, json_field: bool) -> Any:
    """A model attribute as COPY takes it: JSON as text, everything else as it is."""
    if json_field:
        return _json_text(value)
    if isinstance(value, datetime | date | int | str | bool) or value is None:
        return value
    return str(value)  # UUID


def copy_rows(model: type[Model], rows: Sequence[Model], *, with_id: bool = False) -> None:
    """``COPY`` model instances into their table (their fields read as set, no save())."""
    if rows:
        fields = _fields(model, with_id=with_id)
        copy_tuples(
            model,
            [f.column for f in fields],
            (
                tuple(_plain(getattr(obj, f.attname), isinstance(f, JSONField)) for f in fields)
                for obj in rows
            ),
        )


def copy_tuples(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY`` plain value tuples (in ``columns`` order) into ``model``'s table."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper

        def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
            with raw.copy(sql) as cp:
                for row in rows:
                    cp.write_row(row)

        # through the connection's execute wrappers, as Django runs its own statements,
        # so whatever watches a connection's statements (tests pinning a push's count,
        # tracing) sees the COPY too
        run: Callable[..., None] = copy
        for wrapper in reversed(connection.execute_wrappers):
            run = functools.partial(wrapper, run)
        run(sql, None, False, {"connection": connection, "cursor": cursor})


def copy_text(model: type[Model], columns: Sequence[str], block: bytes) -> None:
    """``COPY`` one block of rows already in ``COPY``'s text format (one line a row, values
    in ``columns`` order, escaped by :func:`_t`) into ``model``'s table, in one write."""
    if not block:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor

        def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
            with raw.copy(sql) as cp:
                cp.write(block)

        run: Callable[..., None] = copy  # through the execute wrappers, as copy_tuples
        for wrapper in reversed(connection.execute_wrappers):
            run = functools.partial(wrapper, run)
        run(sql, None, False, {"connection": connection, "cursor": cursor})


#: what COPY's text format gives a meaning to inside a value
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _t(value: str) -> str:
    """A text value for COPY's text format: backslash, tab, newline and carriage return
    escaped (a name may hold any of them; ``\\N`` in a name stays two characters)."""
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def _doc(value: Any) -> bytes:
    """A JSON document for a ``jsonb`` column in COPY's text format: JSON text holds no raw
    tab, newline or carriage return (they are escaped inside its strings), so doubling its
    backslashes is all COPY needs; the others are escaped too should a value hold one."""
    data = json_bytes(value).replace(b"\\", b"\\\\")
    if b"\n" in data or b"\t" in data or b"\r" in data:  # pragma: no cover (not JSON's)
        data = data.replace(b"\n", b"\\n").replace(b"\t", b"\\t").replace(b"\r", b"\\r")
    return data


def _when(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's own sequence (one query)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [int(r[0]) for r in cursor.fetchall()]


def _money(value: Any) -> int:
    return int(value["minor"]) if value else 0


_LINE_COLUMNS = (
    "sale_id",
    "line_id",
    "sku",
    "name",
    "quantity",
    "unit_price_minor",
    "total_minor",
    "vat_code",
    "vat_rate",
    "net_minor",
    "vat_minor",
)
_VAT_COLUMNS = ("sale_id", "code", "rate", "exempt", "gross_minor", "net_minor", "vat_minor")
_PAY_COLUMNS = (
    "sale_id",
    "payment_id",
    "method",
    "amount_minor",
    "tendered_minor",
    "change_minor",
    "reference",
)


def copy_events(events: Sequence[EventRow]) -> None:
    """The batch's ledger events, each document as JSON text for its ``jsonb`` column."""
    if events:
        copy_text(
            m.LedgerEvent,
            EVENT_COLUMNS,
            b"".join(
                f"{_t(e.event_id)}\t{_t(e.type)}\t{int(e.store_id)}\t{int(e.terminal_id)}\t"
                f"{int(e.seq)}\t{e.created_at.isoformat()}\t{e.received_at.isoformat()}\t"
                f"{'t' if e.training else 'f'}\t{_t(e.content_hash)}\t".encode()
                + _doc(e.document)
                + b"\n"
                for e in events
            ),
        )


def copy_sales(sales: Sequence[tuple[SaleRow, dict[str, Any]]]) -> list[int]:
    """The sales and, read from each sale's body, its lines, VAT classes and payments;
    returns the sales' ids (as ``bulk_create`` would give them), in order."""
    if not sales:
        return []
    ids = reserve_ids(m.Sale, len(sales))
    rows: list[str] = []
    lines: list[str] = []
    vat: list[str] = []
    pays: list[str] = []
    for pk, (s, body) in zip(ids, sales, strict=True):
        rows.append(
            f"{pk}\t{_t(s.event_id)}\t{_t(s.sale_id)}\t{_t(s.status)}\t{int(s.store_id)}\t"
            f"{_t(s.receipt_number)}\t{s.business_date.isoformat()}\t{_when(s.closed_at)}\t"
            f"{_t(s.cashier_id)}\t{_t(s.currency)}\t{int(s.total_minor)}\t"
            f"{int(s.vat_total_minor)}\t{int(s.rounding_minor)}\t{int(s.change_minor)}\t"
            f"{_t(s.void_reason)}\n"
        )
        for ln in body["lines"]:
            vc = ln["vat_class"]
            lines.append(
                f"{pk}\t{_t(ln['line_id'])}\t{_t(ln['sku'])}\t{_t(ln['name'])}\t"
                f"{int(ln['quantity'])}\t{_money(ln['unit_price'])}\t{_money(ln['total'])}\t"
                f"{_t(vc['code'])}\t{_t(vc['rate'])}\t{_money(ln['net'])}\t"
                f"{_money(ln['vat'])}\n"
            )
        for v in body["totals"]["vat"]:
            vat.append(
                f"{pk}\t{_t(v['code'])}\t{_t(v['rate'])}\t{'t' if v['exempt'] else 'f'}\t"
                f"{_money(v['gross'])}\t{_money(v['net'])}\t{_money(v['vat'])}\n"
            )
        for p in body["payments"]:
            pays.append(
                f"{pk}\t{_t(p['payment_id'])}\t{_t(p['method'])}\t{_money(p['amount'])}\t"
                f"{_money(p['tendered'])}\t{_money(p['change'])}\t"
                f"{_t(p.get('reference') or '')}\n"
            )
    copy_text(m.Sale, SALE_COLUMNS, "".join(rows).encode())
    copy_text(m.SaleLine, _LINE_COLUMNS, "".join(lines).encode())
    copy_text(m.SaleVat, _VAT_COLUMNS, "".join(vat).encode())
    copy_text(m.SalePayment, _PAY_COLUMNS, "".join(pays).encode())
    return ids


__all__ = [
    "EVENT_COLUMNS",
    "SALE_COLUMNS",
    "EventRow",
    "SaleRow",
    "copy_events",
    "copy_rows",
    "copy_sales",
    "copy_supported",
    "copy_text",
    "copy_tuples",
    "reserve_ids",
]
