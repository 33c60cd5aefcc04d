"""Writing a batch's ledger rows in bulk: PostgreSQL ``COPY``, ``bulk_create`` elsewhere.

A pushed batch becomes about seven rows per sale event (the event, the sale, its lines, VAT
classes and payments). Django's ``bulk_create`` on PostgreSQL sends them as arrays through
``UNNEST``, and psycopg quotes every character of every JSON document into an array literal
with a regular expression: measured, that was 60 % of a push's time. ``COPY … FROM STDIN``
(psycopg's C implementation) takes the same rows as plain tuples at a small fraction of the
cost, inside the batch's transaction, so a batch is still applied whole or not at all, and a
racing push of the same events still meets the primary key (the error arrives as Django's
``IntegrityError``, as from ``bulk_create``, and the batch is run again).

Only the sales need their ids before their lines are written: they are taken from the
table's own sequence in one query. Every other id is the column's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model

from sync.protocol.canonical import json_text
from sync.server.ledger import models as m


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
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)


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


def copy_sales(sales: Sequence[tuple[m.Sale, dict[str, Any]]]) -> None:
    """The sales and, read from each sale's body, its lines, VAT classes and payments.

    The sale instances get their ids (as ``bulk_create`` would give them), so what runs
    after in the same batch can use them."""
    if not sales:
        return
    for (sale, _), pk in zip(sales, reserve_ids(m.Sale, len(sales)), strict=True):
        sale.id = pk
    copy_rows(m.Sale, [s for s, _ in sales], with_id=True)
    lines: list[tuple[Any, ...]] = []
    vat: list[tuple[Any, ...]] = []
    pays: list[tuple[Any, ...]] = []
    for sale, body in sales:
        for ln in body["lines"]:
            vc = ln["vat_class"]
            lines.append(
                (
                    sale.id,
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
                    sale.id,
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
                    sale.id,
                    p["payment_id"],
                    p["method"],
                    _money(p["amount"]),
                    _money(p["tendered"]),
                    _money(p["change"]),
                    p.get("reference") or "",
                )
            )
    copy_tuples(m.SaleLine, _LINE_COLUMNS, lines)
    copy_tuples(m.SaleVat, _VAT_COLUMNS, vat)
    copy_tuples(m.SalePayment, _PAY_COLUMNS, pays)


__all__ = ["copy_rows", "copy_sales", "copy_supported", "copy_tuples", "reserve_ids"]
