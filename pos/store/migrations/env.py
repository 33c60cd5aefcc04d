"""Alembic environment: migrations run on the connection the terminal already opened.

``pos.store.db.upgrade`` passes that connection in ``config.attributes["connection"]``;
there is no alembic.ini URL, so a migration can never run against the wrong file.
"""

from __future__ import annotations

from alembic import context

from pos.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise SystemExit("Run migrations through `kaunta` (pos.store.db.upgrade), not alembic.")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate must never touch the FTS5 index tables: they live outside the models."""
    return not (name or "").startswith("products_fts")


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
