"""Each product's KRA eTIMS item classification (``products.kra_item_class``).

KRA registers every product (``saveItem``) with an ``itemClsCd`` from its classification
list (``selectItemClsList``: 8 or 10 digits, UNSPSC-style). Until now a branch-wide
``[etims] item_class`` served every product; this column lets a product carry its own
(the CSV import's optional ``kra_item_class`` column, the products screen, head office's
catalog). NULL keeps the branch's default, so every product of an upgraded till is
registered as before until a manager sets its class.

Added in place (SQLite's ``ALTER TABLE ADD COLUMN``: a nullable column without a default
needs no rebuild), so the products table keeps its rows, ids and the name-search
triggers; the step hook checks the triggers all the same.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("kra_item_class", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("kra_item_class")
