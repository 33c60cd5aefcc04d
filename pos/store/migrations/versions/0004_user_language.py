"""Each user's language (the till switches to it at login) and an index on payment
references (the receipts browser and refunds find a sale by its M-Pesa receipt number or
PayPal capture id).

``users.language`` is not covered by the user's seal (``users.mac`` covers id, role, PIN
hash and active): a language is a preference, and a user changes their own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pos.store.migrations import triggers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "language", sa.String(length=8), nullable=False, server_default=sa.text("'en'")
            )
        )
    op.create_index("ix_payments_reference", "payments", ["reference"])
    for trigger in triggers.dropped_in(revision):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for trigger in triggers.created_in(revision):
        op.execute(trigger.sql)


def downgrade() -> None:
    op.drop_index("ix_payments_reference", table_name="payments")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("language")
