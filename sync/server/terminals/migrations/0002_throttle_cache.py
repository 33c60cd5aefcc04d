"""The throttle counters' table (Django's database cache, ``CACHES`` in settings).

Made by a migration, not only by ``createcachetable``, so that every database ``kaunta-hq
migrate`` prepares (and every test database) has it: the gunicorn workers, and several
servers behind one balancer, then count each terminal's and each address's requests
together instead of each process keeping its own counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "hq_throttle_cache"


def create(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """``createcachetable`` for this database (it skips a table that is already there)."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("hq_terminals", "0001_initial")]  # noqa: RUF012

    operations = [migrations.RunPython(create, drop)]  # noqa: RUF012
