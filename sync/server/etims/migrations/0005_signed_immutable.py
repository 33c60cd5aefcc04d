# ruff: noqa: RUF012  (written as makemigrations would)
"""KRA's signatures kept as signed: triggers refusing UPDATE/DELETE of ``SignedInvoice``
rows and of what a signed ``QueueEntry`` holds (``sync.server.etims.immutable``), on
PostgreSQL and SQLite. Reversible: going back drops the triggers and nothing else."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from sync.server.etims.immutable import install

    install(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    from sync.server.etims.immutable import SQLITE_TRIGGERS

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS hq_etims_signed_kept ON hq_etims_signedinvoice")
            cursor.execute(
                "DROP TRIGGER IF EXISTS hq_etims_signed_no_truncate ON hq_etims_signedinvoice"
            )
            cursor.execute(
                "DROP TRIGGER IF EXISTS hq_etims_signed_entry_kept ON hq_etims_queueentry"
            )
            cursor.execute("DROP FUNCTION IF EXISTS hq_etims_refuse()")
            cursor.execute("DROP FUNCTION IF EXISTS hq_etims_signed_entry_kept()")


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0004_sealed_secret"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
