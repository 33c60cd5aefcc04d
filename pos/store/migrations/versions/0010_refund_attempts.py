"""Refund attempts: money given back through a method (a card terminal), stored before the
method is called, so a refund whose terminal stopped answering is resolved later by asking
the terminal instead of by hand.

One row per refund tender that goes through a method (``refund_id`` names the refund
document it becomes; ``id`` is ``<refund_id>-<n>``, the refund's idempotency key at the
method). ``state`` moves forward only: ``created`` (stored, the method not asked yet) →
``pending`` (the method was asked to give money back; ``gateway_ref`` holds what it needs
to find the refund again, e.g. the terminal's last receipt number before) → ``approved``
(the method gave it back: ``refund_ref``/``receipt_ref`` hold its proof) → ``completed``
(the refund document is written, in the same transaction) or ``not_refunded`` (the method
says no money moved) / ``declined``. ``request`` keeps the refund as the manager asked for
it (lines, tenders, reason, approver), so it is completed exactly as planned, once.

Not evidence (the refund document and the audit log are): a mutable working table like
``payment_attempts``. Empty on upgrade: no refund attempt existed before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refund_attempts",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("refund_id", sa.String(length=36), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway_ref", sa.String(length=80), nullable=False),
        sa.Column("refund_ref", sa.String(length=80), nullable=False),
        sa.Column("receipt_ref", sa.String(length=80), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_attempts_open", "refund_attempts", ["terminal_id", "state"])
    op.create_index("ix_refund_attempts_sale", "refund_attempts", ["sale_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_refund_attempts_sale", table_name="refund_attempts")
    op.drop_index("ix_refund_attempts_open", table_name="refund_attempts")
    op.drop_table("refund_attempts")
