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

Where the native writer (``_rowsc.c``, built by setup.py) is there, the rows are not
formatted in Python at all: the events and sales go as binary ``COPY`` data
(``copy_binary``), the lines, VAT rows and payments as ``COPY`` text made from the bodies
(``sale_rows``), each table in one write. Whatever the writer does not take (a value of
another type, a naive time) goes as before; ``KAUNTA_NATIVE=0`` turns it off.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Field, JSONField, Model

from sync.protocol.canonical import json_text
from sync.server.ledger import models as m

try:
    from sync.server.ledger import _rowsc  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler where it was installed): tuples alone
    _rowsc = None
if os.environ.get("KAUNTA_NATIVE", "1") == "0":  # the tuples alone, by choice
    _rowsc = None

#: the C writer of a batch's sale rows (None: the tuples and psycopg's write_row alone;
#: tests switch it off to compare)
_native_rows: Callable[..., tuple[bytes, bytes, bytes] | None] | None = (
    _rowsc.sale_rows if _rowsc else None
)
#: the C writer of rows already built as tuples (the events, the sales); None likewise
_native_copy: Callable[..., bytes | None] | None = _rowsc.copy_rows if _rowsc else None
#: the C writer of rows as binary COPY data (the events, the sales); None likewise
_native_binary: Callable[..., bytes | None] | None = _rowsc.copy_binary if _rowsc else None

#: a column's PostgreSQL type -> its letter for ``_rowsc.copy_binary``
_BINARY_LETTERS = {
    "uuid": "u",
    "bigint": "8",
    "integer": "4",
    "boolean": "b",
    "date": "D",
    "timestamp with time zone": "T",
    "jsonb": "j",
    "text": "v",
}


_TYPES: dict[tuple[str, tuple[str, ...]], bytes | None] = {}


def binary_types(model: type[Model], columns: tuple[str, ...]) -> bytes | None:
    """``columns``' types as ``copy_binary`` letters, from the model's fields (the same
    source the migrations are made from); None when one is a type it does not write.
    Worked out once a table."""
    key = (model._meta.db_table, columns)
    if key not in _TYPES:
        _TYPES[key] = _letters(model, columns)
    return _TYPES[key]


def _letters(model: type[Model], columns: tuple[str, ...]) -> bytes | None:
    fields = {f.column: f for f in model._meta.concrete_fields}
    letters = []
    for column in columns:
        db_type = fields[column].db_type(connection) or ""
        letter = "v" if db_type.startswith("varchar(") else _BINARY_LETTERS.get(db_type)
        if letter is None:
            return None
        letters.append(letter)
    return "".join(letters).encode()


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

    def feed(cp: Any) -> None:
        for row in rows:
            cp.write_row(row)

    _copy_into(model, columns, feed)


def copy_text(
    model: type[Model], columns: Sequence[str], text: bytes, *, binary: bool = False
) -> None:
    """``COPY`` rows already in COPY's text format (or, with ``binary``, its binary
    format, header and trailer included) in ``columns`` order into ``model``'s table:
    one write."""
    if text:
        _copy_into(model, columns, lambda cp: cp.write(text), binary=binary)


def _copy_into(
    model: type[Model],
    columns: Sequence[str],
    feed: Callable[[Any], None],
    *,
    binary: bool = False,
) -> None:
    """``COPY … FROM STDIN`` into ``model``'s table, ``feed`` writing the data."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN" + (" (FORMAT binary)" if binary else "")
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper

        def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
            with raw.copy(sql) as cp:
                feed(cp)

        # through the connection's execute wrappers, as Django runs its own statements,
        # so whatever watches a connection's statements (tests pinning a push's count,
        # tracing) sees the COPY too
        run: Callable[..., None] = copy
        for wrapper in reversed(connection.execute_wrappers):
            run = functools.partial(wrapper, run)
        run(sql, None, False, {"connection": connection, "cursor": cursor})


#: A sale's id sequence moves this far at each ``nextval`` (migration ``hq_ledger`` 0006):
#: one call reserves a push's ids, where one call per sale took 0.7 ms of the database's
#: time in a 200-sale push (pg_stat_statements, 8 Dec). A row inserted one at a time
#: takes a whole block: ids stay unique and ascending, not dense.
SALE_ID_BLOCK = 256


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's own sequence, in one query.

    Each ``nextval`` gives the first id of a block as long as the sequence's increment
    (read in the same statement, so a sequence of increment 1 still gives one id a
    call); the ids are the blocks' first ``count``."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH s AS (SELECT pg_get_serial_sequence(%s, 'id') AS seq), "
            "i AS (SELECT q.seqincrement AS inc FROM pg_sequence q, s "
            "WHERE q.seqrelid = s.seq::regclass) "
            "SELECT nextval(s.seq), i.inc FROM s, i, "
            "generate_series(1, (%s + i.inc - 1) / i.inc)",
            [table, count],
        )
        rows = cursor.fetchall()
    ids = [int(first) + n for first, inc in rows for n in range(int(inc))]
    return ids[:count]


#: a ``uuid[]`` literal of canonical ids (what uuid_array makes), nothing else
_UUID_ARRAY_RE = re.compile(
    r"\{(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12},)*"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}"
)


def uuid_array(ids: Sequence[str]) -> str | list[str]:
    """``ids`` as one parameter for ``= ANY(%s::uuid[])``: the array's text, ``{a,b,…}``,
    when every id is a canonical UUID (as the parser leaves every event and sale id), so
    psycopg quotes one string instead of dumping the list item by item (a 200-id list:
    0.034 ms of client CPU instead of 0.18, twice a push); otherwise the list itself."""
    text = "{" + ",".join(ids) + "}"
    return text if ids and _UUID_ARRAY_RE.fullmatch(text) else list(ids)


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


def _write_binary(
    model: type[Model],
    columns: tuple[str, ...],
    rows: list[Any],
    *,
    ids: list[int] | None = None,
    json_texts: list[bytes | None] | None = None,
) -> bool:
    """``rows`` by binary ``COPY`` (the C writer), when it is built and takes every value:
    PostgreSQL then parses no text for their ids, times and numbers. False (nothing
    written) otherwise."""
    native = _native_binary
    types = binary_types(model, columns) if native is not None else None
    if native is None or types is None:
        return False
    data = native(rows, types, ids=ids, json_text=_json_text, json_texts=json_texts)
    if data is None:
        return False
    copy_text(model, columns, data, binary=True)
    return True


def copy_events(events: Sequence[EventRow], texts: Sequence[bytes | None] = ()) -> None:
    """The batch's ledger events, each document as JSON text for its ``jsonb`` column
    (the rows' text written in C where the writer is built and takes every value; a
    document's text from ``texts`` where the body's own is there, by row)."""
    if not events:
        return
    rows = list(events)
    ready = list(texts) if len(texts) == len(events) else None
    if _write_binary(m.LedgerEvent, EVENT_COLUMNS, rows, json_texts=ready):
        return
    native = _native_copy
    text = (
        native(rows, json_column=len(EVENT_COLUMNS) - 1, json_text=_json_text, json_texts=ready)
        if native is not None
        else None
    )
    if text is not None:
        copy_text(m.LedgerEvent, EVENT_COLUMNS, text)
    else:
        copy_tuples(
            m.LedgerEvent, EVENT_COLUMNS, ((*e[:-1], _json_text(e.document)) for e in events)
        )


def copy_sales(sales: Sequence[tuple[SaleRow, dict[str, Any]]]) -> list[int]:
    """The sales and, read from each sale's body, its lines, VAT classes and payments;
    returns the sales' ids (as ``bulk_create`` would give them), in order.

    The sales, their lines, VAT classes and payments are written as COPY text by the C
    writer (``_rowsc.c``, built by setup.py where a compiler is installed) when it is there
    and takes every value; otherwise (or with ``KAUNTA_NATIVE=0``) as tuples through
    psycopg's ``write_row``, the reference it is held to
    (``tests/server/test_sale_rows_native.py``)."""
    if not sales:
        return []
    ids = reserve_ids(m.Sale, len(sales))
    sale_rows = [row for row, _ in sales]
    if not _write_binary(m.Sale, SALE_COLUMNS, sale_rows, ids=ids):
        copy_native = _native_copy
        text = copy_native(sale_rows, ids=ids) if copy_native is not None else None
        if text is not None:
            copy_text(m.Sale, SALE_COLUMNS, text)
        else:
            copy_tuples(
                m.Sale, SALE_COLUMNS, ((pk, *row) for pk, (row, _) in zip(ids, sales, strict=True))
            )
    bodies = [body for _, body in sales]
    native = _native_rows
    texts = native(ids, bodies) if native is not None else None
    if texts is not None:
        copy_text(m.SaleLine, _LINE_COLUMNS, texts[0])
        copy_text(m.SaleVat, _VAT_COLUMNS, texts[1])
        copy_text(m.SalePayment, _PAY_COLUMNS, texts[2])
    else:
        lines, vat, pays = sale_tuples(ids, bodies)
        copy_tuples(m.SaleLine, _LINE_COLUMNS, lines)
        copy_tuples(m.SaleVat, _VAT_COLUMNS, vat)
        copy_tuples(m.SalePayment, _PAY_COLUMNS, pays)
    return ids


Tuples = list[tuple[Any, ...]]


def sale_tuples(
    ids: Sequence[int], bodies: Sequence[dict[str, Any]]
) -> tuple[Tuples, Tuples, Tuples]:
    """The sales' lines, VAT classes and payments as tuples in ``_LINE_COLUMNS``,
    ``_VAT_COLUMNS`` and ``_PAY_COLUMNS`` order, each under its sale's id: what the C
    writer's text must equal once PostgreSQL has read it."""
    lines: Tuples = []
    vat: Tuples = []
    pays: Tuples = []
    for pk, body in zip(ids, bodies, strict=True):
        for ln in body["lines"]:
            vc = ln["vat_class"]
            lines.append(
                (
                    pk,
                    ln["line_id"],
                    ln["sku"],
                    ln["name"],
                    ln["quantity"],
                    _money(ln["unit_price"]),
                    _money(ln["total"]),
                    vc["code"],
                    vc["rate"],
                    _money(ln["net"]),
                    _money(ln["vat"]),
                )
            )
        for v in body["totals"]["vat"]:
            vat.append(
                (
                    pk,
                    v["code"],
                    v["rate"],
                    v["exempt"],
                    _money(v["gross"]),
                    _money(v["net"]),
                    _money(v["vat"]),
                )
            )
        for p in body["payments"]:
            pays.append(
                (
                    pk,
                    p["payment_id"],
                    p["method"],
                    _money(p["amount"]),
                    _money(p["tendered"]),
                    _money(p["change"]),
                    p.get("reference") or "",
                )
            )
    return lines, vat, pays


__all__ = [
    "EVENT_COLUMNS",
    "SALE_COLUMNS",
    "SALE_ID_BLOCK",
    "EventRow",
    "SaleRow",
    "binary_types",
    "copy_events",
    "copy_rows",
    "copy_sales",
    "copy_supported",
    "copy_text",
    "copy_tuples",
    "reserve_ids",
    "sale_tuples",
    "uuid_array",
]
