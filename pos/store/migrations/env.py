"""Alembic environment: migrations run on the connection the upgrade runner opened.

:mod:`pos.store.migrations.runner` passes that connection (foreign keys off, inside
``BEGIN IMMEDIATE``) in ``config.attributes["connection"]``; there is no alembic.ini URL,
so a migration can never run against the wrong file, and the runner owns the transaction.

After every step the triggers the reached revision must have are re-created: batch mode
rebuilds a table by copy, drop and rename, and the drop takes the table's triggers with it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection

from pos.store.migrations.runner import applied_revisions, include_object
from pos.store.migrations.triggers import ensure_triggers, triggers_at
from pos.store.models import Base

config = context.config
_given = config.attributes.get("connection")
if not isinstance(_given, Connection):  # pragma: no cover - alembic run by hand
    raise SystemExit("Run migrations through `kaunta` (pos.store.db.upgrade), not alembic.")
connection: Connection = _given


def restore_triggers(
    ctx: MigrationContext,
    step: MigrationInfo,
    heads: Collection[Any],
    run_args: Mapping[str, Any],
) -> None:
    """Alembic's ``on_version_apply`` hook: the reached revision's triggers, all present."""
    ensure_triggers(connection, triggers_at(applied_revisions(heads, context.script)))


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
    compare_type=True,
    on_version_apply=restore_triggers,
)
with context.begin_transaction():
    context.run_migrations()
