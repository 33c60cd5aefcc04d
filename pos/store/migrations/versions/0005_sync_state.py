"""The sync agent's state on the till: parked outbox events and the agent's own values.

- ``outbox.parked_reason`` / ``outbox.parked_at``: an event the head office refused is
  parked with its reason (shown to the manager) and no longer holds up the events after
  it; it is offered again later (the head office may have been upgraded meanwhile).
  These are delivery columns, like ``sent_at`` and ``attempts``: ``outbox_immutable``
  still refuses any change to the document itself.
- ``ix_outbox_pending``: a partial index on the unsent rows, so finding what to send stays
  a short range read when the outbox holds years of sent events (rows are never deleted).
- ``sync_state``: small named values the agent keeps between runs (the change cursor,
  the time of the last successful exchange).

Plain ``ADD COLUMN`` (no table rebuild), so the outbox's triggers are untouched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column(
            "parked_reason", sa.String(length=500), nullable=False, server_default=sa.text("''")
        ),
    )
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["seq"],
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("parked_at")
        batch_op.drop_column("parked_reason")
