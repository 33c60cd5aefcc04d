"""Reading and writing the terminal database: small functions over a session.

Each function takes the session of the caller's unit of work, so a service decides what
commits together (a sale, its payments and its outbox event: one transaction).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.sale import Sale, SaleStatus, SaleTotals
from pos.domain.tax import TaxTable
from pos.store import journal_chain
from pos.store.driver_sql import DriverStatement
from pos.store.journal_chain import seal_user as seal_user  # for the auth service
from pos.store.models import (
    AuditEntry,
    Draft,
    OutboxEvent,
    PaymentRecord,
    Product,
    ProductBarcode,
    SaleLineRecord,
    SaleRecord,
    SaleTaxRecord,
    User,
)
from pos.store.vat_classes import DRAFT_TABLE_KEY

#: Core tables for the hot write paths: one statement object each, built once, executed
#: with plain row dicts on the session's connection (no ORM unit-of-work bookkeeping).
_SALES = cast(Table, SaleRecord.__table__)
_LINES = cast(Table, SaleLineRecord.__table__)
_TAXES = cast(Table, SaleTaxRecord.__table__)
_PAYMENTS = cast(Table, PaymentRecord.__table__)
_OUTBOX = cast(Table, OutboxEvent.__table__)
_DRAFTS = cast(Table, Draft.__table__)
_INSERT_SALE = DriverStatement(_SALES.insert(), insert=True)
_INSERT_LINES = DriverStatement(_LINES.insert(), insert=True)
_INSERT_TAXES = DriverStatement(_TAXES.insert(), insert=True)
_INSERT_PAYMENTS = DriverStatement(_PAYMENTS.insert(), insert=True)
_INSERT_OUTBOX = DriverStatement(_OUTBOX.insert(), insert=True)
_DELETE_DRAFT = DriverStatement(
    _DRAFTS.delete().where(_DRAFTS.c.id == bindparam("draft_id")), insert=False
)
_UPSERT_DRAFT = sqlite_insert(_DRAFTS)
_UPSERT_DRAFT = _UPSERT_DRAFT.on_conflict_do_update(
    index_elements=[_DRAFTS.c.id],
    set_={
        name: _UPSERT_DRAFT.excluded[name]
        for name in (
            "status",
            "cashier_id",
            "updated_at",
            "note",
            "item_count",
            "total_minor",
            "data",
        )
    },
)
# Run on every sale's commit: on the driver's cursor (plain SQL, no literal binds)
_NEXT_NUMBER = DriverStatement(
    text(
        "INSERT INTO counters (name, value) VALUES (:counter, 1) ON CONFLICT (name) "
        "DO UPDATE SET value = value + 1 RETURNING value"
    ),
    insert=False,
)
_NEXT_OUTBOX_SEQ = DriverStatement(
    text("SELECT coalesce(max(seq), 0) + 1 FROM outbox"), insert=False
)
_JOURNAL_NUMBER = DriverStatement(
    select(_SALES.c.number).where(_SALES.c.id == bindparam("sale_id")), insert=False
)

# ---------------------------------------------------------------------------------------
# Catalog

_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.barcode,
    Product.name,
    Product.category,
    Product.price_minor,
    Product.currency,
    Product.vat_class,
    Product.active,
)


def _item(row: Any) -> CatalogItem:
    return CatalogItem(
        product_id=row.id,
        sku=row.sku,
        barcode=row.barcode,
        name=row.name,
        category=row.category,
        price=Money(row.price_minor, row.currency),
        vat_class=row.vat_class,
        active=bool(row.active),
    )


# Every scan runs these: on the driver's cursor (the columns are plain int and text)
_BY_BARCODE = DriverStatement(
    select(*_PRODUCT_COLUMNS).where(Product.barcode == bindparam("barcode")), insert=False
)
_BY_FURTHER_BARCODE = DriverStatement(
    select(*_PRODUCT_COLUMNS)
    .join(ProductBarcode, ProductBarcode.product_id == Product.id)
    .where(ProductBarcode.barcode == bindparam("barcode")),
    insert=False,
)


def product_by_barcode(session: Session, barcode: str) -> CatalogItem | None:
    """The product with ``barcode`` as its first barcode or as a further one."""
    row = _BY_BARCODE.first(session, {"barcode": barcode})
    if row is None:
        row = _BY_FURTHER_BARCODE.first(session, {"barcode": barcode})
    if row is None:
        return None
    product_id, sku, code, name, category, price_minor, currency, vat_class, active = row
    return CatalogItem(
        product_id=product_id,
        sku=sku,
        barcode=code,
        name=name,
        category=category,
        price=Money(price_minor, currency),
        vat_class=vat_class,
        active=bool(active),
    )


def product_by_sku(session: Session, sku: str) -> CatalogItem | None:
    row = session.execute(select(*_PRODUCT_COLUMNS).where(Product.sku == sku)).first()
    return _item(row) if row else None


def product_by_id(session: Session, product_id: int) -> CatalogItem | None:
    row = session.execute(select(*_PRODUCT_COLUMNS).where(Product.id == product_id)).first()
    return _item(row) if row else None


_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def fts_query(text_in: str) -> str | None:
    """Turn what the cashier typed into an FTS5 prefix query: every word must match.

    Only word characters reach FTS5, each quoted, so no input can be FTS syntax.
    """
    tokens = _TOKEN_RE.findall(text_in.lower())
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens[:8])


def search_products(session: Session, query: str, limit: int = 20) -> list[CatalogItem]:
    """As-you-type search: exact barcode, SKU prefix, then name words by prefix.

    Name matches come in FTS order with no ranking over the whole match set, so the
    cost stays bounded by ``limit`` even when a 3-letter prefix matches 100,000 names.
    """
    query = query.strip()
    if not query:
        return []
    found: dict[int, CatalogItem] = {}
    if query.isdigit() and len(query) >= 8:
        hit = product_by_barcode(session, query)
        if hit and hit.active:
            found[hit.product_id or 0] = hit
    if " " not in query:
        upper = query.upper()
        rows = session.execute(
            select(*_PRODUCT_COLUMNS)
            .where(Product.sku >= upper, Product.sku < upper + "\uffff", Product.active)
            .order_by(Product.sku)
            .limit(limit)
        ).all()
        for row in rows:
            found.setdefault(row.id, _item(row))
    match = fts_query(query)
    if match and len(found) < limit:
        # FTS yields matches in rowid order; SQLite checks ``active`` row by row and stops
        # at the limit, so inactive products never starve the result list.
        rows = session.execute(
            text(
                "SELECT p.id, p.sku, p.barcode, p.name, p.category, p.price_minor, "
                "p.currency, p.vat_class, p.active FROM products_fts f "
                "JOIN products p ON p.id = f.rowid "
                "WHERE products_fts MATCH :m AND p.active LIMIT :lim"
            ),
            {"m": match, "lim": limit},
        ).all()
        for row in rows:
            found.setdefault(row.id, _item(row))
    items = list(found.values())[:limit]
    return items


def count_products(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Product)).scalar_one())


def upsert_products(
    session: Session, items: Iterable[CatalogItem], now: datetime, *, with_class: bool = True
) -> int:
    """Insert or update products by SKU. Returns how many rows were written.

    ``with_class`` False (a CSV without the ``kra_item_class`` column): a product that
    exists keeps its KRA item classification, a new one gets none (the branch default)."""
    rows = [
        {
            "sku": i.sku,
            "barcode": i.barcode,
            "name": i.name,
            "category": i.category,
            "price_minor": i.price.minor,
            "currency": i.price.currency,
            "vat_class": i.vat_class,
            "active": i.active,
            "updated_at": now,
            **({"kra_item_class": i.kra_item_class} if with_class else {}),
        }
        for i in items
    ]
    return upsert_product_rows(session, rows, keep_class=not with_class)


_UPDATED = (
    "barcode",
    "name",
    "category",
    "price_minor",
    "currency",
    "vat_class",
    "active",
    "updated_at",
)
_UPSERT_PRODUCT = sqlite_insert(Product)
_UPSERT_PRODUCT = _UPSERT_PRODUCT.on_conflict_do_update(
    index_elements=[Product.sku],
    set_={name: _UPSERT_PRODUCT.excluded[name] for name in (*_UPDATED, "kra_item_class")},
)
#: the same, leaving an existing product's ``kra_item_class`` as it is
_UPSERT_PRODUCT_KEEP_CLASS = sqlite_insert(Product)
_UPSERT_PRODUCT_KEEP_CLASS = _UPSERT_PRODUCT_KEEP_CLASS.on_conflict_do_update(
    index_elements=[Product.sku],
    set_={name: _UPSERT_PRODUCT_KEEP_CLASS.excluded[name] for name in _UPDATED},
)


def upsert_product_rows(
    session: Session, rows: list[dict[str, Any]], *, keep_class: bool = False
) -> int:
    """Insert or update product rows (dicts of the ``products`` columns) by SKU, in the
    caller's transaction: the CSV import and the head office's catalog pages share it.
    ``keep_class``: rows without ``kra_item_class`` leave an existing product's as it is
    (else a row without the key sets it to NULL)."""
    if not rows:
        return 0
    if not keep_class:
        rows = [r if "kra_item_class" in r else {**r, "kra_item_class": None} for r in rows]
    session.execute(_UPSERT_PRODUCT_KEEP_CLASS if keep_class else _UPSERT_PRODUCT, rows)
    return len(rows)


_BARCODES: Table = ProductBarcode.__table__  # type: ignore[assignment]


def replace_extra_barcodes(session: Session, extras: Mapping[str, Sequence[str]]) -> int:
    """Make ``extras[sku]`` the further barcodes (``product_barcodes``) of each product,
    in the caller's transaction: the ones it had are dropped, and any of these another
    product held as a further barcode is taken from it (a barcode names one product).
    The caller has already written each product (and freed its first barcodes). Returns
    how many further barcodes were written."""
    if not extras:
        return 0
    wanted = [b for codes in extras.values() for b in codes]
    if wanted:
        session.execute(
            delete(_BARCODES).where(_BARCODES.c.barcode == bindparam("b")),
            [{"b": b} for b in wanted],
        )
    ids: dict[str, int] = {}
    skus = list(extras)
    for start in range(0, len(skus), 500):
        chunk = skus[start : start + 500]
        found = session.execute(select(Product.sku, Product.id).where(Product.sku.in_(chunk)))
        ids.update((str(sku), int(pid)) for sku, pid in found)
    owners = [{"pid": ids[sku]} for sku in extras if sku in ids]
    if owners:
        session.execute(delete(_BARCODES).where(_BARCODES.c.product_id == bindparam("pid")), owners)
    rows = [
        {"barcode": b, "product_id": ids[sku]}
        for sku, codes in extras.items()
        if sku in ids
        for b in codes
    ]
    if rows:
        session.execute(insert(_BARCODES), rows)
    return len(rows)


def barcode_owners(session: Session, barcodes: Sequence[str]) -> dict[str, str]:
    """Which SKU already holds each of ``barcodes`` (for import conflict checks)."""
    owners: dict[str, str] = {}
    for start in range(0, len(barcodes), 500):
        chunk = barcodes[start : start + 500]
        for barcode, sku in session.execute(
            select(Product.barcode, Product.sku).where(Product.barcode.in_(chunk))
        ):
            if barcode is not None:
                owners[barcode] = sku
    return owners


# ---------------------------------------------------------------------------------------
# Users


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def user_by_name(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).first()


def active_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active).order_by(User.role, User.name)))


def count_users(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)).scalar_one())


# ---------------------------------------------------------------------------------------
# Drafts (open and parked baskets)


def save_draft(
    session: Session,
    sale: Sale,
    terminal_id: str,
    totals: SaleTotals,
    now: datetime,
    tax_table: TaxTable | None = None,
) -> None:
    """Write the whole basket; called after every change so a crash loses nothing.
    ``tax_table``: the VAT rates the basket was opened with, kept beside it so it keeps
    them after a rate change or a restart (``pos.store.vat_classes.draft_tax_table``)."""
    snapshot = sale.to_dict()
    if tax_table is not None:
        snapshot[DRAFT_TABLE_KEY] = tax_table.to_list()
    values = {
        "id": sale.sale_id,
        "status": sale.status.value,
        "terminal_id": terminal_id,
        "cashier_id": sale.cashier_id,
        "opened_at": sale.opened_at,
        "updated_at": now,
        "note": sale.note,
        "item_count": totals.item_count,
        "total_minor": totals.total.minor,
        "data": json_text(snapshot),
    }
    session.connection().execute(_UPSERT_DRAFT, values)


def delete_draft(session: Session, sale_id: str) -> None:
    _DELETE_DRAFT.execute(session, [{"draft_id": sale_id}])


def load_draft(session: Session, sale_id: str) -> Sale | None:
    data = session.execute(select(Draft.data).where(Draft.id == sale_id)).scalar()
    return Sale.from_dict(json.loads(data)) if data else None


def latest_open_draft(session: Session, terminal_id: str) -> Sale | None:
    data = session.execute(
        select(Draft.data)
        .where(Draft.terminal_id == terminal_id, Draft.status == SaleStatus.OPEN.value)
        .order_by(Draft.updated_at.desc())
        .limit(1)
    ).scalar()
    return Sale.from_dict(json.loads(data)) if data else None


@dataclass(frozen=True, slots=True)
class ParkedSummary:
    sale_id: str
    cashier_id: str
    opened_at: datetime
    updated_at: datetime
    note: str
    item_count: int
    total: Money


def parked_drafts(session: Session, terminal_id: str, currency: str) -> list[ParkedSummary]:
    rows = session.execute(
        select(Draft)
        .where(Draft.terminal_id == terminal_id, Draft.status == SaleStatus.PARKED.value)
        .order_by(Draft.updated_at)
    ).scalars()
    return [
        ParkedSummary(
            d.id,
            d.cashier_id,
            d.opened_at,
            d.updated_at,
            d.note,
            d.item_count,
            Money(d.total_minor, currency),
        )
        for d in rows
    ]


# ---------------------------------------------------------------------------------------
# Journal of completed documents


def next_number(session: Session, name: str) -> int:
    """Advance a gap-free counter inside the caller's transaction."""
    row = _NEXT_NUMBER.first(session, {"counter": name})
    assert row is not None  # an upsert with RETURNING always gives its row
    return int(row[0])


@dataclass(frozen=True, slots=True)
class JournalHeader:
    """Who and when of a document going into the journal. ``cashier_id``/``cashier_name``
    are whoever finished the sale (the opener stays in the sale document)."""

    cashier_id: str
    number: str
    seq: int
    store_id: str
    terminal_id: str
    cashier_name: str
    closed_at: datetime
    business_date: str
    training: bool
    change: Money
    #: who issued the receipt, as printed then (name, address, KRA PIN, footer): a reprint
    #: years later shows the shop as it was, not as it is now
    store: StoreInfo | None = None


#: what :mod:`json` cannot encode (dates, dataclasses) is refused here as there, rather
#: than written by orjson's own rules
_JSON_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: Any) -> str:
    """``value`` as compact JSON text, for the basket and journal snapshots.

    orjson writes it (the basket is saved after every scan and the sale's snapshot in its
    commit, where the :mod:`json` module's encoder was a measurable part of the cost); an
    integer beyond 64 bits goes to :mod:`json`. Text is kept as UTF-8 rather than escaped;
    both read back the same."""
    try:
        return orjson.dumps(value, option=_JSON_STRICT).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"))


def write_sale(
    session: Session, sale: Sale, totals: SaleTotals, header: JournalHeader, tax_table: TaxTable
) -> None:
    """Append a completed or voided sale with its lines, VAT and payments.

    ``document`` keeps the sale snapshot and the VAT table in force, so a reprint years
    later shows exactly what the customer was given. The sale is then sealed in the keyed
    journal chain (:func:`pos.store.journal_chain.seal_sale`); a till whose start-up
    found the journal's rules broken gets ``SellingRefused`` here, before anything is
    written.
    """
    if sale.status not in (SaleStatus.COMPLETED, SaleStatus.VOIDED):
        raise ValueError(f"only finished sales go into the journal, not {sale.status}")
    journal_chain.check_may_sell(session)
    _INSERT_SALE.execute(
        session,
        [
            dict(
                id=sale.sale_id,
                number=header.number,
                seq=header.seq,
                store_id=header.store_id,
                terminal_id=header.terminal_id,
                status=sale.status.value,
                cashier_id=header.cashier_id,
                cashier_name=header.cashier_name,
                opened_at=sale.opened_at,
                closed_at=header.closed_at,
                business_date=header.business_date,
                currency=sale.currency,
                subtotal_minor=totals.subtotal.minor,
                discount_minor=totals.discounts.minor,
                total_minor=totals.total.minor,
                rounding_minor=totals.rounding.minor,
                paid_minor=totals.paid.minor,
                change_minor=header.change.minor,
                vat_minor=totals.vat_total.minor,
                item_count=totals.item_count,
                void_reason=sale.void_reason,
                training=header.training,
                document=json_text(
                    {
                        "sale": sale.to_dict(),
                        "vat": tax_table.to_list(),
                        **({"store": _store_doc(header.store)} if header.store else {}),
                    }
                ),
            )
        ],
    )
    by_id = {lt.line_id: lt for lt in totals.lines}
    if sale.lines:
        _INSERT_LINES.execute(
            session,
            [
                {
                    "sale_id": sale.sale_id,
                    "line_no": n,
                    "product_id": line.product.product_id,
                    "sku": line.product.sku,
                    "name": line.product.name,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price.minor,
                    "list_price_minor": line.product.unit_price.minor,
                    "gross_minor": by_id[line.line_id].gross.minor,
                    "discount_minor": (
                        by_id[line.line_id].line_discount + by_id[line.line_id].order_discount
                    ).minor,
                    "total_minor": by_id[line.line_id].total.minor,
                    "vat_class": line.product.vat_class,
                }
                for n, line in enumerate(sale.lines, start=1)
            ],
        )
    if totals.vat:
        _INSERT_TAXES.execute(
            session,
            [
                {
                    "sale_id": sale.sale_id,
                    "vat_class": v.tax_class.code,
                    "rate_bp": v.tax_class.rate_basis_points,
                    "gross_minor": v.gross.minor,
                    "vat_minor": v.vat.minor,
                    "business_date": header.business_date,
                    "status": sale.status.value,
                }
                for v in totals.vat
            ],
        )
    if sale.payments:
        _INSERT_PAYMENTS.execute(
            session,
            [
                {
                    "id": p.payment_id,
                    "sale_id": sale.sale_id,
                    "method": p.method,
                    "amount_minor": p.amount.minor,
                    "tendered_minor": p.tendered.minor,
                    "change_minor": p.change.minor,
                    "currency": p.amount.currency,
                    "reference": p.reference,
                    "created_at": p.at,
                    "business_date": header.business_date,
                    "status": sale.status.value,
                }
                for p in sale.payments
            ],
        )
    journal_chain.seal_sale(session, sale.sale_id)


def next_outbox_seq(session: Session) -> int:
    """The number the next outbox row will get: per terminal (one database per till),
    gap-free, known before the row is written so the event document can carry it.

    Call it inside the write transaction that adds the event (after its first write, or
    under ``BEGIN IMMEDIATE``), so no other writer can take the same number; outbox rows
    are never deleted, so the number is never reused.
    """
    row = _NEXT_OUTBOX_SEQ.first(session, {})
    assert row is not None  # an aggregate always gives one row
    return int(row[0])


def add_outbox_event(
    session: Session,
    *,
    event_id: str,
    kind: str,
    aggregate_id: str,
    payload: dict[str, Any],
    now: datetime,
    seq: int | None = None,
    text: str | None = None,
) -> int:
    """Append an event for the head office; returns its ``seq``. ``payload`` is the
    protocol document (``sync.protocol``) whose ``seq`` must be this row's: pass the
    number from :func:`next_outbox_seq` that the document was built with. ``text``: the
    document already as JSON text (``sync.protocol.canonical.document_text``), stored as
    given; else it is encoded here."""
    if seq is None:
        seq = next_outbox_seq(session)
    if payload.get("seq", seq) != seq:
        raise ValueError(f"event {event_id} says seq {payload['seq']} but its row is {seq}")
    _INSERT_OUTBOX.execute(
        session,
        [
            {
                "seq": seq,
                "id": event_id,
                "created_at": now,
                "kind": kind,
                "aggregate_id": aggregate_id,
                "payload": text
                if text is not None
                else json.dumps(payload, separators=(",", ":"), sort_keys=True),
                "attempts": 0,
                "sent_at": None,
            }
        ],
    )
    return seq


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A finished sale as stored: the snapshot plus its header."""

    sale: Sale
    tax_table: TaxTable
    number: str
    cashier_name: str
    closed_at: datetime
    change: Money
    training: bool
    store: StoreInfo | None = None  # as printed then; None for sales stored before 0.2
    terminal_id: str = ""


def _store_doc(store: StoreInfo) -> dict[str, Any]:
    return {
        "store_id": store.store_id,
        "name": store.name,
        "address": list(store.address),
        "phone": store.phone,
        "tax_pin": store.tax_pin,
        "footer": list(store.footer),
    }


def _store_of(doc: Any) -> StoreInfo | None:
    if not isinstance(doc, dict):
        return None
    return StoreInfo(
        store_id=str(doc.get("store_id", "")),
        name=str(doc.get("name", "")),
        address=tuple(str(a) for a in doc.get("address", ())),
        phone=str(doc.get("phone", "")),
        tax_pin=str(doc.get("tax_pin", "")),
        footer=tuple(str(f) for f in doc.get("footer", ())),
    )


def _entry(rec: SaleRecord) -> JournalEntry:
    document = json.loads(rec.document)
    return JournalEntry(
        sale=Sale.from_dict(document["sale"]),
        tax_table=TaxTable.from_list(document["vat"]),
        number=rec.number,
        cashier_name=rec.cashier_name,
        closed_at=rec.closed_at,
        change=Money(rec.change_minor, rec.currency),
        training=rec.training,
        store=_store_of(document.get("store")),
        terminal_id=rec.terminal_id,
    )


def journal_number(session: Session, sale_id: str) -> str | None:
    """The receipt number of a finished sale, or None while it is still a draft."""
    row = _JOURNAL_NUMBER.first(session, {"sale_id": sale_id})
    return None if row is None else str(row[0])


def last_sale(session: Session, terminal_id: str) -> JournalEntry | None:
    rec = session.scalars(
        select(SaleRecord)
        .where(SaleRecord.terminal_id == terminal_id)
        .order_by(SaleRecord.seq.desc())
        .limit(1)
    ).first()
    return _entry(rec) if rec else None


def sale_by_id(session: Session, sale_id: str) -> JournalEntry | None:
    rec = session.get(SaleRecord, sale_id)
    return _entry(rec) if rec else None


# ---------------------------------------------------------------------------------------
# Audit log (append-only, hash-chained)

GENESIS_HASH = "0" * 64

_AUDIT_FIELDS = (
    "id",
    "at",
    "terminal_id",
    "user_id",
    "action",
    "document_id",
    "result",
    "approved_by",
    "detail",
)


def audit_hash(prev_hash: str, fields: dict[str, str]) -> str:
    """SHA-256 over the previous hash and the entry's fields as canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _audit_fields(e: AuditEntry) -> dict[str, str]:
    return {name: getattr(e, name) for name in _AUDIT_FIELDS}


def append_audit(session: Session, entry: AuditEntry) -> AuditEntry:
    """Chain ``entry`` to the newest one and add it (inside the caller's transaction), and
    seal it in the keyed journal chain."""
    prev = session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).scalar()
    entry.prev_hash = prev or GENESIS_HASH
    entry.hash = audit_hash(entry.prev_hash, _audit_fields(entry))
    session.add(entry)
    session.flush()
    journal_chain.seal_audit(session, entry.id, entry.hash)
    return entry


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_audit_chain(session: Session, batch: int = 20000) -> ChainCheck:
    """Recompute every hash in order; the first mismatch names the tampered entry.

    Reads plain column rows in ``seq`` batches (no ORM objects): about 0.9 s per 100,000
    entries, and it runs off the GUI and service threads at start-up.
    """
    table = cast(Table, AuditEntry.__table__)
    columns = [table.c.seq, table.c.prev_hash, table.c.hash, *(table.c[f] for f in _AUDIT_FIELDS)]
    prev = GENESIS_HASH
    checked = 0
    last_seq = 0
    conn = session.connection()
    while True:
        rows = conn.execute(
            select(*columns).where(table.c.seq > last_seq).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            return ChainCheck(True, checked)
        for seq, prev_hash, stored, *values in rows:
            if prev_hash != prev:
                return ChainCheck(False, checked, seq, "an entry before it was removed or changed")
            if audit_hash(prev, dict(zip(_AUDIT_FIELDS, values, strict=True))) != stored:
                return ChainCheck(False, checked, seq, "the entry's content was changed")
            prev = stored
            checked += 1
            last_seq = seq


def recent_audit(session: Session, limit: int = 50) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))


# ---------------------------------------------------------------------------------------
# Reports (each query is served by a covering index on business_date)


@dataclass(frozen=True, slots=True)
class DayRows:
    sales: list[tuple[str, int, int, int, int, int]]  # status, n, total, disc, rounding, items
    taxes: list[tuple[str, int, int]]  # class, gross, vat
    tenders: list[tuple[str, int, int]]  # method, n, amount


def day_rows(session: Session, business_date: str) -> DayRows:
    sales = session.execute(
        select(
            SaleRecord.status,
            func.count(),
            func.coalesce(func.sum(SaleRecord.total_minor), 0),
            func.coalesce(func.sum(SaleRecord.discount_minor), 0),
            func.coalesce(func.sum(SaleRecord.rounding_minor), 0),
            func.coalesce(func.sum(SaleRecord.item_count), 0),
        )
        .where(SaleRecord.business_date == business_date)
        .group_by(SaleRecord.status)
    ).all()
    taxes = session.execute(
        select(
            SaleTaxRecord.vat_class,
            func.sum(SaleTaxRecord.gross_minor),
            func.sum(SaleTaxRecord.vat_minor),
        )
        .where(
            SaleTaxRecord.business_date == business_date,
            SaleTaxRecord.status == SaleStatus.COMPLETED.value,
        )
        .group_by(SaleTaxRecord.vat_class)
    ).all()
    tenders = session.execute(
        select(PaymentRecord.method, func.count(), func.sum(PaymentRecord.amount_minor))
        .where(
            PaymentRecord.business_date == business_date,
            PaymentRecord.status == SaleStatus.COMPLETED.value,
        )
        .group_by(PaymentRecord.method)
    ).all()
    return DayRows(
        sales=[tuple(r) for r in sales],  # type: ignore[misc]
        taxes=[tuple(r) for r in taxes],  # type: ignore[misc]
        tenders=[tuple(r) for r in tenders],  # type: ignore[misc]
    )
