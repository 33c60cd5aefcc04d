"""Keyed journal: the chain of sealed documents, its checkpoints, users.mac; REPLACE and
UPSERT refused on journal tables; outbox rows never deleted and their seq never changed.

The seals themselves (HMAC-SHA256 with a key kept outside the database) cannot be written
here: migrations run without the key (at start-up before it is loaded, and in support
tools). The rows already in the file are sealed once, by the till's first start after
this upgrade, in the same transaction that first takes the key
(``pos.services.journal``, ``pos.store.journal.establish``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pos.store.migrations import triggers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("journal_chain", schema=None) as batch_op:
        batch_op.create_index("ux_journal_chain_doc", ["kind", "doc_id"], unique=True)
    op.create_table(
        "journal_checkpoints",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("chain_mac", sa.String(length=64), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("mac", sa.String(length=64), nullable=False, server_default=sa.text("''"))
        )
    for trigger in triggers.dropped_in(revision):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for trigger in triggers.created_in(revision):
        op.execute(trigger.sql)


def downgrade() -> None:
    for trigger in reversed(triggers.created_in(revision)):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for trigger in triggers.dropped_in(revision):
        op.execute(trigger.sql)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("mac")
    op.drop_table("journal_checkpoints")
    with op.batch_alter_table("journal_chain", schema=None) as batch_op:
        batch_op.drop_index("ux_journal_chain_doc")
    op.drop_table("journal_chain")
