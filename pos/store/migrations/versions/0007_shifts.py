"""Shifts, cash movements and Z reports.

- ``shifts``: a shift as opened (float counted by denomination) and the receipt and refund
  numbers it starts at; ``shift_closes``: its close (blind count, expected against
  counted per tender, the difference and who approved it). A shift's documents are the
  terminal's receipts and refunds between its first and last numbers, read with the
  existing ``ix_sales_seq`` / ``ix_refunds_seq`` indexes, so a shift's figures cost the
  same in a database of a million sales as in an empty one.
- ``cash_movements``: paid-outs, drops, float top-ups and "no sale" drawer openings.
- ``z_reports``: numbered per terminal (unique), chained by the previous Z's event hash.

All four are append-only (triggers in ``triggers.py``, since 0007): a close is a new row,
never an update of the shift; a Z is written once and reprinted from its document.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=36), nullable=False),
        sa.Column("opened_by_name", sa.String(length=80), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("float_minor", sa.Integer(), nullable=False),
        sa.Column("float_counts", sa.Text(), nullable=False),
        sa.Column("first_sale_seq", sa.Integer(), nullable=False),
        sa.Column("first_refund_seq", sa.Integer(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_shifts_terminal_number", "shifts", ["terminal_id", "number"], unique=True)
    op.create_table(
        "shift_closes",
        sa.Column("shift_id", sa.String(length=36), nullable=False),
        sa.Column("closed_by", sa.String(length=36), nullable=False),
        sa.Column("closed_by_name", sa.String(length=80), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("last_sale_seq", sa.Integer(), nullable=False),
        sa.Column("last_refund_seq", sa.Integer(), nullable=False),
        sa.Column("expected_cash_minor", sa.Integer(), nullable=False),
        sa.Column("counted_minor", sa.Integer(), nullable=False),
        sa.Column("counted_counts", sa.Text(), nullable=False),
        sa.Column("difference_minor", sa.Integer(), nullable=False),
        sa.Column("tenders", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"]),
        sa.PrimaryKeyConstraint("shift_id"),
    )
    op.create_table(
        "cash_movements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("by_user", sa.String(length=36), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cash_movements_shift", "cash_movements", ["shift_id", "direction", "amount_minor"]
    )
    op.create_table(
        "z_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("first_shift_number", sa.Integer(), nullable=False),
        sa.Column("last_shift_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("previous_hash", sa.String(length=80), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_z_reports_terminal_number", "z_reports", ["terminal_id", "number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_z_reports_terminal_number", table_name="z_reports")
    op.drop_table("z_reports")
    op.drop_index("ix_cash_movements_shift", table_name="cash_movements")
    op.drop_table("cash_movements")
    op.drop_table("shift_closes")
    op.drop_index("ux_shifts_terminal_number", table_name="shifts")
    op.drop_table("shifts")
