"""SQLAlchemy models of the terminal database.

The shape mirrors what the terminal must answer fast: a barcode (unique index), a name
prefix (FTS5 table ``products_fts``, created in the migration), the open basket (one
``drafts`` row of JSON, rewritten on every change), and a day's totals (covering indexes
on ``business_date``). Money columns are integers of minor units, suffixed ``_minor``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC. SQLite keeps no zone, so we normalise on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base for every table of the terminal database."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    lockout_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: HMAC-SHA256 (journal key) over id, role, PIN hash and active: a role or PIN hash
    #: copied from another row does not verify. Set by ``pos.store.journal_chain.seal_user``.
    mac: Mapped[str] = mapped_column(String(64), default="", server_default=text("''"))
    #: ``en`` or ``sw``: the till shows its screens in this language while the user is
    #: logged in. Not sealed (a preference the user changes themselves).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default=text("'en'"))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80), default="")
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    vat_class: Mapped[str] = mapped_column(String(4))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: KRA eTIMS item classification (``itemClsCd``, 1 to 10 digits from KRA's list);
    #: None: the branch's ``[etims] item_class`` is used (migration 0011)
    kra_item_class: Mapped[str | None] = mapped_column(String(10), default=None)


class Draft(Base):
    """An open or parked sale: the whole basket as JSON, saved on every change."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # open | parked
    terminal_id: Mapped[str] = mapped_column(String(40))
    cashier_id: Mapped[str] = mapped_column(String(36))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_drafts_terminal_status", "terminal_id", "status"),)


class SaleRecord(Base):
    """A completed or voided sale: immutable once written."""

    __tablename__ = "sales"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # completed | voided
    cashier_id: Mapped[str] = mapped_column(String(36))
    cashier_name: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_date: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    rounding_minor: Mapped[int] = mapped_column(Integer)
    paid_minor: Mapped[int] = mapped_column(Integer)
    change_minor: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    training: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[str] = mapped_column(Text)  # the Sale snapshot, for exact reprints

    __table_args__ = (
        Index(
            "ix_sales_day",
            "business_date",
            "status",
            "total_minor",
            "discount_minor",
            "rounding_minor",
            "item_count",
        ),
        Index("ix_sales_seq", "terminal_id", "seq"),
        # voided sales by day (migration 0009): few rows, none added by a completed sale
        Index(
            "ix_sales_voided_day",
            "business_date",
            "total_minor",
            sqlite_where=text("status = 'voided'"),
        ),
    )


class SaleLineRecord(Base):
    __tablename__ = "sale_lines"

    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    list_price_minor: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    vat_class: Mapped[str] = mapped_column(String(4))


class SaleTaxRecord(Base):
    __tablename__ = "sale_taxes"

    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), primary_key=True)
    vat_class: Mapped[str] = mapped_column(String(4), primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(Integer)
    business_date: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_taxes_day", "business_date", "status", "vat_class", "gross_minor", "vat_minor"),
    )


class PaymentRecord(Base):
    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int] = mapped_column(Integer)
    tendered_minor: Mapped[int] = mapped_column(Integer)
    change_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_date: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))  # the sale's status: completed | voided

    __table_args__ = (
        Index("ix_payments_day", "business_date", "status", "method", "amount_minor"),
        Index("ix_payments_reference", "reference"),
    )


class OutboxEvent(Base):
    """An event for the head office, written in the same transaction as its document."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    aggregate_id: Mapped[str] = mapped_column(String(36), index=True)
    payload: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: why the head office refused it (the sync agent parks it and sends the rest); "" if not
    parked_reason: Mapped[str] = mapped_column(String(500), default="", server_default=text("''"))
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_outbox_pending", "seq", sqlite_where=text("sent_at IS NULL")),)


class SyncState(Base):
    """Named values the sync agent keeps between runs (cursor, last success)."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class HqVatClass(Base):
    """A VAT class as head office last sent it (``vat_class`` changes). The tax table for
    sales opened from then on is the configured one overlaid by these (code for code);
    an open basket keeps the table it was opened with. ``rate`` is decimal text in percent
    ("16", "8.5"), as head office sends it, checked before it is written."""

    __tablename__ = "hq_vat_classes"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    rate: Mapped[str] = mapped_column(String(12))
    exempt: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    #: head office's version of the class, and when this till applied it
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO-8601 UTC, hashed as text
    terminal_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[str] = mapped_column(String(36), default="")
    result: Mapped[str] = mapped_column(String(20))
    approved_by: Mapped[str] = mapped_column(String(36), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Gap-free sequences (receipt numbers), advanced inside the document's transaction."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class PaymentAttempt(Base):
    """One try at taking money through a method, stored BEFORE the gateway is called.

    Its id is the idempotency key sent to the gateway. ``state`` moves forward only
    (created -> pending -> final); every move is also appended to ``payment_attempt_events``.
    The payer's phone is kept masked, plus a salted hash to match callbacks against.
    """

    __tablename__ = "payment_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(String(36), index=True)
    terminal_id: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12))
    amount_minor: Mapped[int] = mapped_column(Integer)  # in the tender currency
    currency: Mapped[str] = mapped_column(String(3))
    applied_minor: Mapped[int] = mapped_column(Integer)  # in the sale currency
    sale_currency: Mapped[str] = mapped_column(String(3))
    rounding_minor: Mapped[int] = mapped_column(Integer, default=0)
    rate: Mapped[str] = mapped_column(String(40), default="")
    payer_masked: Mapped[str] = mapped_column(String(20), default="")
    payer_hash: Mapped[str] = mapped_column(String(64), default="")
    gateway_ref: Mapped[str] = mapped_column(String(80), default="", index=True)
    receipt_ref: Mapped[str] = mapped_column(String(80), default="")
    action_url: Mapped[str] = mapped_column(String(500), default="")
    code: Mapped[str] = mapped_column(String(60), default="")
    message: Mapped[str] = mapped_column(String(300), default="")
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str] = mapped_column(String(20), default="")  # applied|late|...
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_attempts_open", "terminal_id", "state"),)


class PaymentAttemptEvent(Base):
    __tablename__ = "payment_attempt_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("payment_attempts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(60), default="")
    message: Mapped[str] = mapped_column(String(300), default="")


class ChainEntry(Base):
    """One link of the keyed journal chain (see :mod:`pos.store.journal_chain`).

    ``digest`` is the SHA-256 of the document as stored (a sale with its lines, VAT rows
    and payments; an audit entry's own hash); ``mac`` is HMAC-SHA256 with the journal key
    over the entry and the previous entry's ``mac``. Append-only, gap-free ``seq``.
    """

    __tablename__ = "journal_chain"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ux_journal_chain_doc", "kind", "doc_id", unique=True),)


class ChainCheckpoint(Base):
    """ "The chain verified up to ``chain_seq`` (whose mac was ``chain_mac``) at ``at``",
    sealed with the journal key, so that start-up verifies only what came after it."""

    __tablename__ = "journal_checkpoints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_seq: Mapped[int] = mapped_column(Integer)
    chain_mac: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))
    mac: Mapped[str] = mapped_column(String(64))


# -- refunds and extra barcodes (migration "refunds") -------------------------------------


class RefundRecord(Base):
    """A refund: its own numbered document, linked to the sale it gives money back for
    (``original_sale_id`` empty for a return without a receipt). Immutable once written."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[str] = mapped_column(String(40))
    original_sale_id: Mapped[str] = mapped_column(String(36), default="")
    original_number: Mapped[str] = mapped_column(String(60), default="")
    cashier_id: Mapped[str] = mapped_column(String(36))
    cashier_name: Mapped[str] = mapped_column(String(80))
    approved_by: Mapped[str] = mapped_column(String(36), default="")
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200), default="")
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_date: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    training: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[str] = mapped_column(Text)  # the refund as printed, for reprints

    __table_args__ = (
        Index("ix_refunds_day", "business_date", "total_minor", "item_count"),
        Index("ix_refunds_original", "original_sale_id"),
        Index("ix_refunds_seq", "terminal_id", "seq"),
    )


class RefundLineRecord(Base):
    """One line given back: ``original_line_no`` is the sale line it comes from."""

    __tablename__ = "refund_lines"

    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_sale_id: Mapped[str] = mapped_column(String(36), default="")
    original_line_no: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    vat_class: Mapped[str] = mapped_column(String(4))
    vat_minor: Mapped[int] = mapped_column(Integer)
    restock: Mapped[bool] = mapped_column(Boolean)
    business_date: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index(
            "ix_refund_lines_original",
            "original_sale_id",
            "original_line_no",
            "quantity",
            "total_minor",
        ),
        Index("ix_refund_lines_day", "business_date", "vat_class", "total_minor", "vat_minor"),
    )


class RefundTenderRecord(Base):
    """How money went back: through the original tender's method, by hand (an M-Pesa
    reversal made by the manager, with its reference) or as cash from the drawer.
    ``foreign_minor``/``foreign_currency``: what a foreign-currency method gave back
    (PayPal in USD); 0 and "" otherwise."""

    __tablename__ = "refund_tenders"

    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.id"), primary_key=True)
    tender_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    original_payment_id: Mapped[str] = mapped_column(String(64), default="")
    reference: Mapped[str] = mapped_column(String(80), default="")
    by_hand: Mapped[bool] = mapped_column(Boolean)
    foreign_minor: Mapped[int] = mapped_column(Integer, default=0)
    foreign_currency: Mapped[str] = mapped_column(String(3), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_date: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_refund_tenders_day", "business_date", "method", "amount_minor"),
        Index("ix_refund_tenders_payment", "original_payment_id", "amount_minor"),
    )


class RefundAttemptRecord(Base):
    """A refund tender given back through a method (a card terminal), stored before the
    method is asked (migration 0010). ``state`` moves forward only: created -> pending ->
    approved -> completed (the refund document written), or not_refunded / declined.
    ``request``: the refund as asked for (JSON), so it is completed once, as planned."""

    __tablename__ = "refund_attempts"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(36))
    sale_id: Mapped[str] = mapped_column(String(36))
    payment_id: Mapped[str] = mapped_column(String(36))
    terminal_id: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    gateway_ref: Mapped[str] = mapped_column(String(80))
    refund_ref: Mapped[str] = mapped_column(String(80))
    receipt_ref: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(String(300))
    request: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_refund_attempts_open", "terminal_id", "state"),
        Index("ix_refund_attempts_sale", "sale_id", "state"),
    )


class ProductBarcode(Base):
    """A further barcode of a product (``products.barcode`` is its first one). A barcode
    names one product across both tables: the product service refuses a second owner."""

    __tablename__ = "product_barcodes"

    barcode: Mapped[str] = mapped_column(String(14), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)


# -- shifts, cash movements and Z reports (migration "shifts") ---------------------------


class ShiftRecord(Base):
    """A shift as opened: who, when, the float counted by denomination. Append-only; its
    close is a row of ``shift_closes``. Its documents are this terminal's receipts from
    ``first_sale_seq`` (the receipt counter + 1 when it opened) up to the close's
    ``last_sale_seq``, and its refunds likewise: a sale needs an open shift, so no sale of
    the terminal falls between shifts."""

    __tablename__ = "shifts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per terminal
    opened_by: Mapped[str] = mapped_column(String(36))
    opened_by_name: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_date: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    float_minor: Mapped[int] = mapped_column(Integer)
    float_counts: Mapped[str] = mapped_column(Text)  # JSON [[value_minor, count], ...]
    first_sale_seq: Mapped[int] = mapped_column(Integer)
    first_refund_seq: Mapped[int] = mapped_column(Integer)
    training: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ux_shifts_terminal_number", "terminal_id", "number", unique=True),)


class ShiftCloseRecord(Base):
    """The close of a shift: blind count, expected against counted, the difference."""

    __tablename__ = "shift_closes"

    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), primary_key=True)
    closed_by: Mapped[str] = mapped_column(String(36))
    closed_by_name: Mapped[str] = mapped_column(String(80))
    approved_by: Mapped[str] = mapped_column(String(36), default="")
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sale_seq: Mapped[int] = mapped_column(Integer)
    last_refund_seq: Mapped[int] = mapped_column(Integer)
    expected_cash_minor: Mapped[int] = mapped_column(Integer)
    counted_minor: Mapped[int] = mapped_column(Integer)
    counted_counts: Mapped[str] = mapped_column(Text)  # JSON [[value_minor, count], ...]
    difference_minor: Mapped[int] = mapped_column(Integer)
    tenders: Mapped[str] = mapped_column(Text)  # JSON [[method, expected, counted], ...]
    note: Mapped[str] = mapped_column(String(300), default="")


class CashMovementRecord(Base):
    """Cash into or out of the drawer that is not a sale (``direction`` in/out), or a
    drawer opened for no sale (``direction`` ``none``, amount 0). Append-only."""

    __tablename__ = "cash_movements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    direction: Mapped[str] = mapped_column(String(4))  # in | out | none
    kind: Mapped[str] = mapped_column(String(40))  # paid_out | drop | float_top_up | no_sale
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200), default="")
    by_user: Mapped[str] = mapped_column(String(36))
    approved_by: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (Index("ix_cash_movements_shift", "shift_id", "direction", "amount_minor"),)


class ZReportRecord(Base):
    """A Z report: numbered per terminal, chained to the previous Z by its event hash,
    covering the closed shifts after the previous Z's ``last_shift_number``. Immutable:
    a reprint reads ``document`` back; a Z is never computed twice."""

    __tablename__ = "z_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    business_date: Mapped[str] = mapped_column(String(10))
    first_shift_number: Mapped[int] = mapped_column(Integer)
    last_shift_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(36))
    previous_hash: Mapped[str] = mapped_column(String(80), default="")
    content_hash: Mapped[str] = mapped_column(String(80))
    document: Mapped[str] = mapped_column(Text)  # the report's figures, as printed
    training: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ux_z_reports_terminal_number", "terminal_id", "number", unique=True),)


# -- day summaries of the daily totals view (migration "daily_summaries") ------------------


class DailyHour(Base):
    """Completed sales per business day and UTC hour, kept by a trigger on ``sales``."""

    __tablename__ = "daily_hours"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    utc_hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    sales_count: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)


class DailyCashier(Base):
    """Completed sales per business day and cashier, kept by a trigger on ``sales``."""

    __tablename__ = "daily_cashiers"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    cashier_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cashier_name: Mapped[str] = mapped_column(String(80))
    sales_count: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)


class DailyProduct(Base):
    """Quantity and total per business day and product (category as sold), kept by a
    trigger on ``sale_lines``."""

    __tablename__ = "daily_products"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)

    #: each day's products by value (migration 0009), for the top products of a range
    __table_args__ = (Index("ix_daily_products_top", "business_date", "total_minor", "sku"),)


class DailyTotal(Base):
    """Completed sales per business day (migration 0009), written with each sale."""

    __tablename__ = "daily_totals"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    sales_count: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    rounding_minor: Mapped[int] = mapped_column(Integer)


class DailyTender(Base):
    """Completed payments per business day and method (migration 0009)."""

    __tablename__ = "daily_tenders"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    method: Mapped[str] = mapped_column(String(40), primary_key=True)
    payments_count: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(Integer)


class DailyCategory(Base):
    """Quantity and total per business day and category as sold (migration 0009)."""

    __tablename__ = "daily_categories"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
