"""The shop's own products on a standalone till: add, edit, deactivate, export, import.

Every call needs ``manage_products`` (a manager), checked here. A product has one or more
barcodes (the first in ``products.barcode``, the others in ``product_barcodes``); a barcode
names one product across both tables, checked inside the writing transaction. Every change
is audited with what it was and what it became. A price change takes effect for new scans
only: a basket keeps the price its lines were scanned at (the line's product snapshot).
The catalog export is CSV through :mod:`pos.domain.csv_safe` (no formula injection); the
import is the catalog's checked CSV import (:mod:`pos.services.catalog`), refused on an
enrolled till like every other change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from pos.domain import csv_safe
from pos.domain.barcode import InvalidBarcode, normalize_barcode
from pos.domain.catalog import valid_kra_item_class
from pos.domain.messages import define
from pos.domain.money import Money
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.catalog import CatalogService, ImportReport, Progress
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, ServiceError
from pos.store.db import Database
from pos.store.models import Product, ProductBarcode

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


SKU_TAKEN = define("product_sku_taken", "A product with SKU {sku} exists already.")
PRICE_ABOVE_ZERO = define(
    "product_price_above_zero", "The price must be more than zero, in {currency}."
)
CHOOSE_VAT = define("product_choose_vat", "Choose a VAT class ({classes}).")
BARCODE_TAKEN = define(
    "product_barcode_taken", "Barcode {barcode} belongs to another product already."
)
KRA_CLASS_BAD = define(
    "product_kra_class_bad",
    "A KRA item class is 1 to 10 digits, a code from KRA's item classification list "
    "(leave it empty for the branch default).",
)
HEAD_OFFICE_OWNS = define(
    "products_owned_by_head_office",
    "This till is enrolled: head office owns its products. Change them at head office; "
    "they arrive with the next sync.",
)


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """What the manager typed for a product (``barcodes``: first one first)."""

    sku: str
    name: str
    price: Money
    vat_class: str
    category: str = ""
    barcodes: tuple[str, ...] = ()
    #: KRA eTIMS item classification as typed ("": none, the branch default is used)
    kra_item_class: str = ""


@dataclass(frozen=True, slots=True)
class ProductRow:
    product_id: int
    sku: str
    name: str
    category: str
    price: Money
    vat_class: str
    barcodes: tuple[str, ...]
    active: bool
    #: KRA eTIMS item classification (None: the branch default, ``[etims] item_class``)
    kra_item_class: str | None = None


class ProductService:
    """Products of this till, for a manager."""

    def __init__(
        self, db: Database, ctx: TerminalContext, clock: Clock, ids: IdFactory, auth: AuthService
    ) -> None:
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)
        #: True on a till enrolled with a head office, which then owns the products (the
        #: composition root sets it from the sync state; a standalone till owns its own)
        self.owned_by_head_office: Callable[[], bool] = lambda: False

    # -- reading --------------------------------------------------------------------------
    def find(
        self, text: str = "", *, include_inactive: bool = True, limit: int = 100
    ) -> list[ProductRow]:
        """Products whose SKU, barcode or name contains ``text`` (all when empty)."""
        self._auth.require(Permission.MANAGE_PRODUCTS)
        text = text.strip()
        with self._db.read_session() as s:
            stmt = select(Product).order_by(Product.name).limit(max(1, min(limit, 1000)))
            if text:
                like = f"%{text}%"
                extra = select(ProductBarcode.product_id).where(ProductBarcode.barcode == text)
                stmt = stmt.where(
                    or_(
                        Product.sku.ilike(like),
                        Product.name.ilike(like),
                        Product.barcode == text,
                        Product.id.in_(extra),
                    )
                )
            if not include_inactive:
                stmt = stmt.where(Product.active)
            return [self._row(s, p) for p in s.scalars(stmt)]

    def get(self, product_id: int) -> ProductRow:
        self._auth.require(Permission.MANAGE_PRODUCTS)
        with self._db.read_session() as s:
            return self._row(s, self._product(s, product_id))

    # -- writing --------------------------------------------------------------------------
    def add(self, draft: ProductDraft) -> int:
        self._writable()
        actor = self._auth.require(Permission.MANAGE_PRODUCTS)
        draft = self._checked(draft)
        with self._db.session() as s:
            if s.scalars(select(Product.id).where(Product.sku == draft.sku)).first():
                raise ServiceError(SKU_TAKEN(sku=draft.sku))
            self._free(s, draft.barcodes, None)
            product = Product(
                sku=draft.sku,
                barcode=draft.barcodes[0] if draft.barcodes else None,
                name=draft.name,
                category=draft.category,
                price_minor=draft.price.minor,
                currency=draft.price.currency,
                vat_class=draft.vat_class,
                active=True,
                updated_at=self._clock.now(),
                kra_item_class=draft.kra_item_class or None,
            )
            s.add(product)
            s.flush()
            for code in draft.barcodes[1:]:
                s.add(ProductBarcode(barcode=code, product_id=product.id))
            after = self._row(s, product)
            self._audit.write(
                s,
                user_id=actor.user_id,
                action="product_added",
                detail={"product": product.id, "after": _detail(after)},
            )
            return product.id

    def edit(self, product_id: int, draft: ProductDraft) -> ProductRow:
        """Change a product; the SKU stays (sales and head office know it by it)."""
        self._writable()
        actor = self._auth.require(Permission.MANAGE_PRODUCTS)
        draft = self._checked(draft)
        with self._db.session() as s:
            product = self._product(s, product_id)
            if draft.sku != product.sku:
                raise ServiceError("A product's SKU cannot change; add a new product instead.")
            before = self._row(s, product)
            self._free(s, draft.barcodes, product_id)
            s.execute(delete(ProductBarcode).where(ProductBarcode.product_id == product_id))
            s.flush()
            product.barcode = draft.barcodes[0] if draft.barcodes else None
            product.name = draft.name
            product.category = draft.category
            product.price_minor = draft.price.minor
            product.vat_class = draft.vat_class
            product.kra_item_class = draft.kra_item_class or None
            product.updated_at = self._clock.now()
            s.flush()
            for code in draft.barcodes[1:]:
                s.add(ProductBarcode(barcode=code, product_id=product_id))
            s.flush()
            after = self._row(s, product)
            self._audit.write(
                s,
                user_id=actor.user_id,
                action="product_changed",
                detail={"product": product_id, "before": _detail(before), "after": _detail(after)},
            )
            return after

    def set_active(self, product_id: int, active: bool) -> None:
        """Deactivate (no longer found or scanned; old receipts keep it) or bring back."""
        self._writable()
        actor = self._auth.require(Permission.MANAGE_PRODUCTS)
        with self._db.session() as s:
            product = self._product(s, product_id)
            if bool(product.active) == active:
                return
            product.active = active
            product.updated_at = self._clock.now()
            self._audit.write(
                s,
                user_id=actor.user_id,
                action="product_activated" if active else "product_deactivated",
                detail={"product": product_id, "sku": product.sku},
            )

    def export_csv(self, path: Path) -> int:
        """The catalog as CSV (the import's columns, all barcodes ``;``-separated, the
        KRA item class empty where the branch default applies); returns how many
        products were written."""
        self._auth.require(Permission.MANAGE_PRODUCTS)
        count = 0
        with self._db.read_session() as s, path.open("w", encoding="utf-8", newline="") as f:
            out = csv_safe.writer(f)
            out.writerow(
                [
                    "sku",
                    "barcode",
                    "name",
                    "category",
                    "price",
                    "vat_class",
                    "active",
                    "kra_item_class",
                ]
            )
            for product in s.scalars(select(Product).order_by(Product.sku)):
                row = self._row(s, product)
                out.writerow(
                    [
                        row.sku,
                        ";".join(row.barcodes),
                        row.name,
                        row.category,
                        row.price.to_decimal(),
                        row.vat_class,
                        "yes" if row.active else "no",
                        row.kra_item_class or "",
                    ]
                )
                count += 1
        return count

    def import_csv(
        self,
        catalog: CatalogService,
        path: Path,
        *,
        skip_errors: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """The products screen's import: the wizard's (and ``kaunta import-catalog``'s)
        checked, all-or-nothing CSV import through ``catalog``, for a logged-in manager
        and only on a till that owns its products (an enrolled till's come from head
        office). The import audits itself, refusals included."""
        self._writable()
        self._auth.require(Permission.IMPORT_CATALOG)
        return catalog.import_csv(path, skip_errors=skip_errors, progress=progress)

    def _writable(self) -> None:
        if self.owned_by_head_office():
            raise ServiceError(HEAD_OFFICE_OWNS())

    # -- helpers --------------------------------------------------------------------------
    def _checked(self, draft: ProductDraft) -> ProductDraft:
        sku = draft.sku.strip().upper()
        if not _SKU_RE.match(sku):
            raise ServiceError("An SKU is letters, digits and . _ / - (up to 64).")
        name = " ".join(draft.name.split())
        if not name or len(name) > 200:
            raise ServiceError("A product needs a name of up to 200 characters.")
        if draft.price.currency != self._ctx.currency or draft.price.minor <= 0:
            raise ServiceError(PRICE_ABOVE_ZERO(currency=self._ctx.currency))
        if draft.vat_class not in self._ctx.tax_table.codes():
            known = ", ".join(self._ctx.tax_table.codes())
            raise ServiceError(CHOOSE_VAT(classes=known))
        try:
            codes = tuple(dict.fromkeys(normalize_barcode(b) for b in draft.barcodes if b.strip()))
        except InvalidBarcode as exc:  # wrong length or check digit: the message says which
            raise ServiceError(exc.msg) from None
        kra_class = "".join(draft.kra_item_class.split())
        if kra_class and not valid_kra_item_class(kra_class):
            raise ServiceError(KRA_CLASS_BAD())
        return ProductDraft(
            sku, name, draft.price, draft.vat_class, draft.category.strip(), codes, kra_class
        )

    @staticmethod
    def _free(s: Session, barcodes: tuple[str, ...], product_id: int | None) -> None:
        """Each barcode belongs to no other product (either table)."""
        for code in barcodes:
            owner = s.scalars(select(Product).where(Product.barcode == code)).first()
            extra = s.get(ProductBarcode, code)
            other = owner.id if owner is not None else extra.product_id if extra else None
            if other is not None and other != product_id:
                raise ServiceError(BARCODE_TAKEN(barcode=code))

    @staticmethod
    def _product(s: Session, product_id: int) -> Product:
        product = s.get(Product, product_id)
        if product is None:
            raise NotFound("That product is not in this till's catalog.")
        return product

    @staticmethod
    def _row(s: Session, p: Product) -> ProductRow:
        extra = s.scalars(
            select(ProductBarcode.barcode)
            .where(ProductBarcode.product_id == p.id)
            .order_by(ProductBarcode.barcode)
        ).all()
        codes = ((p.barcode,) if p.barcode else ()) + tuple(extra)
        return ProductRow(
            p.id,
            p.sku,
            p.name,
            p.category,
            Money(p.price_minor, p.currency),
            p.vat_class,
            codes,
            bool(p.active),
            p.kra_item_class,
        )


def _detail(row: ProductRow) -> dict[str, object]:
    return {
        "sku": row.sku,
        "name": row.name,
        "category": row.category,
        "price": row.price.minor,
        "vat_class": row.vat_class,
        "barcodes": list(row.barcodes),
        "kra_item_class": row.kra_item_class,
    }
