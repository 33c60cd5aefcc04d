"""Refunds as documents of their own, and further barcodes per product.

- ``refunds``, ``refund_lines``, ``refund_tenders``: a refund is numbered on this till
  (``STORE-TERMINAL-R<seq>``), linked to its original sale (or to none, for a return
  without a receipt), and append-only like a sale: corrections are new documents.
  ``ix_refund_lines_original`` answers "how much of this sale line went back already" with
  an index read, so a refund's limit check does not grow with the journal; the ``_day``
  indexes serve the day's refund totals (reports, Z, expected cash).
- ``product_barcodes``: a product's second, third... barcode (``products.barcode`` stays
  its first). The product service keeps each barcode to one product across both tables
  (no trigger names the other table: a batch rebuild of either would fail on it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pos.store.migrations import triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("terminal_id", sa.String(length=40), nullable=False),
        sa.Column("original_sale_id", sa.String(length=36), nullable=False),
        sa.Column("original_number", sa.String(length=60), nullable=False),
        sa.Column("cashier_id", sa.String(length=36), nullable=False),
        sa.Column("cashier_name", sa.String(length=80), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("vat_minor", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_refunds_day", "refunds", ["business_date", "total_minor", "item_count"])
    op.create_index("ix_refunds_original", "refunds", ["original_sale_id"])
    op.create_index("ix_refunds_seq", "refunds", ["terminal_id", "seq"])
    op.create_table(
        "refund_lines",
        sa.Column("refund_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("original_sale_id", sa.String(length=36), nullable=False),
        sa.Column("original_line_no", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("vat_class", sa.String(length=4), nullable=False),
        sa.Column("vat_minor", sa.Integer(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"]),
        sa.PrimaryKeyConstraint("refund_id", "line_no"),
    )
    op.create_index(
        "ix_refund_lines_original",
        "refund_lines",
        ["original_sale_id", "original_line_no", "quantity", "total_minor"],
    )
    op.create_index(
        "ix_refund_lines_day",
        "refund_lines",
        ["business_date", "vat_class", "total_minor", "vat_minor"],
    )
    op.create_table(
        "refund_tenders",
        sa.Column("refund_id", sa.String(length=36), nullable=False),
        sa.Column("tender_no", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("original_payment_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("by_hand", sa.Boolean(), nullable=False),
        sa.Column("foreign_minor", sa.Integer(), nullable=False),
        sa.Column("foreign_currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"]),
        sa.PrimaryKeyConstraint("refund_id", "tender_no"),
    )
    op.create_index(
        "ix_refund_tenders_day", "refund_tenders", ["business_date", "method", "amount_minor"]
    )
    op.create_index(
        "ix_refund_tenders_payment", "refund_tenders", ["original_payment_id", "amount_minor"]
    )
    op.create_table(
        "product_barcodes",
        sa.Column("barcode", sa.String(length=14), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("barcode"),
    )
    op.create_index("ix_product_barcodes_product_id", "product_barcodes", ["product_id"])
    for trigger in triggers.dropped_in(revision):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for trigger in triggers.created_in(revision):
        op.execute(trigger.sql)


def downgrade() -> None:
    for trigger in reversed(triggers.created_in(revision)):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    for trigger in triggers.dropped_in(revision):
        op.execute(trigger.sql)
    op.drop_index("ix_product_barcodes_product_id", table_name="product_barcodes")
    op.drop_table("product_barcodes")
    op.drop_index("ix_refund_tenders_payment", table_name="refund_tenders")
    op.drop_index("ix_refund_tenders_day", table_name="refund_tenders")
    op.drop_table("refund_tenders")
    op.drop_index("ix_refund_lines_day", table_name="refund_lines")
    op.drop_index("ix_refund_lines_original", table_name="refund_lines")
    op.drop_table("refund_lines")
    op.drop_index("ix_refunds_seq", table_name="refunds")
    op.drop_index("ix_refunds_original", table_name="refunds")
    op.drop_index("ix_refunds_day", table_name="refunds")
    op.drop_table("refunds")
