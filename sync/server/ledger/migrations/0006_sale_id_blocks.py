# ruff: noqa: RUF012  (Django migration attributes)
"""A sale's id sequence moves ``SALE_ID_BLOCK`` at a time on PostgreSQL, so a push reserves
its sales' ids with one ``nextval`` (``sync.server.ledger.bulk.reserve_ids``). SQLite
(``bulk_create``) has no sequence to change. Reversible."""

from typing import Any

from django.db import migrations


def _increment(schema_editor: Any, by: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('hq_ledger_sale', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {int(by)}")


def _blocks(apps: Any, schema_editor: Any) -> None:
    from sync.server.ledger.bulk import SALE_ID_BLOCK

    _increment(schema_editor, SALE_ID_BLOCK)


def _single(apps: Any, schema_editor: Any) -> None:
    _increment(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("hq_ledger", "0005_statement_level_integrity")]

    operations = [migrations.RunPython(_blocks, _single)]
