"""Day summaries for the daily totals view: by hour, by cashier, by product.

A range of days read from the journal costs one random read per sale and per line (the
sales' ids and the lines are not in the day indexes): about 5 s for 30 days of a busy shop.
These three tables hold the same sums per business day, kept by triggers in the journal's
own transaction (``pos.store.daily.add_sale``, called where a sale is completed), so
the view reads a few hundred rows a day. Not triggers: a trigger on one table naming
another breaks Alembic's batch rebuild of that other table.

- ``daily_hours``: completed sales and their totals per business day and UTC hour;
- ``daily_cashiers``: the same per cashier;
- ``daily_products``: quantity and total per product (SKU), with the category the product
  had when it was sold.

They are derived figures, not evidence (the journal is): rebuilt from the journal here,
and never read by a shift close, an X or a Z.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_hours",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("utc_hour", sa.Integer(), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "utc_hour"),
    )
    op.create_table(
        "daily_cashiers",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("cashier_id", sa.String(length=36), nullable=False),
        sa.Column("cashier_name", sa.String(length=80), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "cashier_id"),
    )
    op.create_table(
        "daily_products",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "sku"),
    )
    # rebuilt from the journal (the same statements as pos.store.daily.REBUILD, frozen here
    # as a migration must be)
    for statement in (
        "INSERT INTO daily_hours (business_date, utc_hour, sales_count, total_minor) "
        "SELECT business_date, CAST(strftime('%H', closed_at) AS INTEGER), count(*), "
        "sum(total_minor) FROM sales WHERE status = 'completed' GROUP BY 1, 2",
        "INSERT INTO daily_cashiers (business_date, cashier_id, cashier_name, sales_count, "
        "total_minor) SELECT business_date, cashier_id, max(cashier_name), count(*), "
        "sum(total_minor) FROM sales WHERE status = 'completed' GROUP BY 1, 2",
        "INSERT INTO daily_products (business_date, sku, name, category, quantity, "
        "total_minor) SELECT s.business_date, l.sku, max(l.name), "
        "coalesce(max(p.category), ''), sum(l.quantity), sum(l.total_minor) FROM sales s "
        "JOIN sale_lines l ON l.sale_id = s.id LEFT JOIN products p ON p.id = l.product_id "
        "WHERE s.status = 'completed' GROUP BY 1, 2",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("daily_products")
    op.drop_table("daily_cashiers")
    op.drop_table("daily_hours")
