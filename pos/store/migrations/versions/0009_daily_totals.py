"""Day summaries for a range of the daily totals view: totals, tenders and categories per
business day, and an index for each day's best sellers.

Migration 0008 left four breakdowns of the view reading every sale, payment or product
row of the range: about 80,000 rows each for 30 days of a busy shop (180 ms on a quiet
machine, 430 ms on a loaded one). These tables hold those sums per business day, written
in the sale's own transaction by ``pos.store.daily.add_sale`` (a completed sale never
changes, so a day's rows only grow), so a range reads about 30 rows per breakdown:

- ``daily_totals``: completed sales per day: count, gross, discounts, total, rounding;
- ``daily_tenders``: completed payments per day and method: count and amount;
- ``daily_categories``: quantity and total per day and category (the category the product
  had when the line was sold);
- ``ix_daily_products_top``: each day's products by value, so the top products of a range
  start from each day's best sellers (``pos.store.daily_top``) instead of summing every
  product of every day;
- ``ix_sales_voided_day``: voided sales by day, a partial index (voids are few, and a
  completed sale adds no entry).

Derived figures, not evidence: rebuilt here from the journal, never read by a shift close,
an X or a Z.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_totals",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=False),
        sa.Column("gross_minor", sa.Integer(), nullable=False),
        sa.Column("discount_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("rounding_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date"),
    )
    op.create_table(
        "daily_tenders",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("payments_count", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "method"),
    )
    op.create_table(
        "daily_categories",
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "category"),
    )
    op.create_index(
        "ix_daily_products_top", "daily_products", ["business_date", "total_minor", "sku"]
    )
    op.create_index(
        "ix_sales_voided_day",
        "sales",
        ["business_date", "total_minor"],
        sqlite_where=sa.text("status = 'voided'"),
    )
    # rebuilt from the journal (the same statements as pos.store.daily.REBUILD, frozen here
    # as a migration must be)
    for statement in (
        "INSERT INTO daily_totals (business_date, sales_count, gross_minor, discount_minor, "
        "total_minor, rounding_minor) SELECT business_date, count(*), "
        "sum(total_minor + discount_minor), sum(discount_minor), sum(total_minor), "
        "sum(rounding_minor) FROM sales WHERE status = 'completed' GROUP BY 1",
        "INSERT INTO daily_tenders (business_date, method, payments_count, amount_minor) "
        "SELECT business_date, method, count(*), sum(amount_minor) FROM payments "
        "WHERE status = 'completed' GROUP BY 1, 2",
        "INSERT INTO daily_categories (business_date, category, quantity, total_minor) "
        "SELECT s.business_date, coalesce(p.category, ''), sum(l.quantity), "
        "sum(l.total_minor) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
        "LEFT JOIN products p ON p.id = l.product_id WHERE s.status = 'completed' "
        "GROUP BY 1, 2",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_sales_voided_day", table_name="sales")
    op.drop_index("ix_daily_products_top", table_name="daily_products")
    op.drop_table("daily_categories")
    op.drop_table("daily_tenders")
    op.drop_table("daily_totals")
