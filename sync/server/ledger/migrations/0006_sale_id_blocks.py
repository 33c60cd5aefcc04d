# ruff: noqa: RUF012  (Django migration attributes)
"""A sale's id sequence moves 256 at a time on PostgreSQL (``SALE_ID_BLOCK`` when this was
written; the number is kept here, as a migration must not change with the code), so a push
reserves its sales' ids with one ``nextval`` (``sync.server.ledger.bulk.reserve_ids``, which
reads the increment from the sequence). SQLite (``bulk_create``) has no sequence to change.
Reversible."""

from typing import Any

from django.db import migrations


def _increment(schema_editor: Any, by: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('hq_ledger_sale', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {int(by)}")


#: the block a ``nextval`` reserves
BLOCK = 256


def _blocks(apps: Any, schema_editor: Any) -> None:
    _increment(schema_editor, BLOCK)


def _single(apps: Any, schema_editor: Any) -> None:
    _increment(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("hq_ledger", "0005_statement_level_integrity")]

    operations = [migrations.RunPython(_blocks, _single)]
