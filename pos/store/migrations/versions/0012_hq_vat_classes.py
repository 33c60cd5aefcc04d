"""VAT classes from head office (``hq_vat_classes``).

Head office versions its VAT classes like its products and sends them in the same feed
(``kind: "vat_class"``); the sync agent writes them here in the transaction of their page.
The tax table for sales opened afterwards is the configured one overlaid by these rows;
an open basket keeps the table it was opened with (kept in its draft). A mutable working
table, not evidence: every sale's document keeps the rates it was sold at. Empty on
upgrade: the first pull after it brings every class head office has.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_vat_classes",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("rate", sa.String(length=12), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def downgrade() -> None:
    op.drop_table("hq_vat_classes")
