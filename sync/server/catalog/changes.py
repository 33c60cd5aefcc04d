"""Catalog and staff changes for one store's terminals, in pages, after a cursor.

A cursor is ``v1.<version>``: everything with a larger version comes next, VAT classes,
products and staff merged in version order (one counter numbers them all), so a class
changed before the products that use it comes in the same page or an earlier one. VAT
classes belong to the whole head office: every store gets them. Staff not assigned to the
store (and not to every store) are sent as inactive there, so taking someone off a store
reaches its tills. No PIN, no hash of one, is ever part of a change (docs/headoffice.md, PINs).
"""

from __future__ import annotations

import re
from typing import Any

from sync.server.catalog.models import Barcode, ChangeCounter, Product, StaffUser, VatClass
from sync.server.terminals.models import Store

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
_CURSOR_RE = re.compile(r"v1\.(\d{1,18})")


class BadCursor(ValueError):
    pass


def read_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    found = _CURSOR_RE.fullmatch(cursor)
    if found is None:
        raise BadCursor("The cursor is not one this head office gave out: start again without one.")
    return int(found.group(1))


def make_cursor(version: int) -> str:
    return f"v1.{version}"


def _newest_version() -> int:
    """The last version handed out (``ChangeCounter``): every change committed so far has
    a version at most this (a version is reserved under the counter's row lock and
    committed with it, so none can appear below it later)."""
    return ChangeCounter.objects.filter(pk=1).values_list("last", flat=True).first() or 0


def changes_page(store: Store, cursor: str, limit: int) -> dict[str, Any]:
    after = read_cursor(cursor)
    # A till polls with the cursor of its last page, and nearly always nothing changed
    # since: one look at the counter answers that, instead of a query per kind of change
    # (products, staff, VAT classes), for each of a chain's tills every poll interval.
    if after and after >= _newest_version():
        return {"changes": [], "cursor": make_cursor(after), "more": False}
    org = store.organisation_id
    # Plain rows, not model instances: a 1,000-product page is most of a catalog pull.
    rows = list(
        Product.objects.filter(organisation_id=org, version__gt=after)
        .order_by("version")
        .values_list(
            "pk",
            "version",
            "sku",
            "name",
            "price_minor",
            "currency",
            "category",
            "active",
            "vat_class__code",
            "vat_class__rate",
            "vat_class__exempt",
            "kra_item_class",
        )[: limit + 1]
    )
    # The page's barcodes by the page's version range, not by a list of its 1,000 product
    # ids: Django binds an ``IN`` list value by value (measured: most of a page's time on
    # the app server). The range holds the page's products and at most a few more.
    codes: dict[int, list[str]] = {}
    if rows:
        for product_id, code in Barcode.objects.filter(
            product__organisation_id=org,
            product__version__gt=after,
            product__version__lte=rows[-1][1],
        ).values_list("product_id", "code"):
            codes.setdefault(product_id, []).append(code)
    merged: list[tuple[int, dict[str, Any]]] = []
    for (
        pk,
        version,
        sku,
        name,
        price,
        currency,
        category,
        active,
        vcode,
        vrate,
        vexempt,
        kra_class,
    ) in rows:
        data = {
            "sku": sku,
            "name": name,
            "barcodes": sorted(codes[pk]) if pk in codes else [],
            "price_minor": price,
            "currency": currency,
            "vat_class": {"code": vcode, "rate": vrate, "exempt": vexempt},
            "category": category,
            "active": active,
            "kra_item_class": kra_class or None,
        }
        merged.append((version, {"kind": "product", "id": sku, "version": version, "data": data}))
    staff = list(
        StaffUser.objects.filter(organisation_id=org, version__gt=after)
        .prefetch_related("stores")
        .order_by("version")[: limit + 1]
    )
    for u in staff:
        user = u.change_data()
        stores = {st.pk for st in u.stores.all()}
        user["active"] = u.active and (not stores or store.pk in stores)
        merged.append(
            (u.version, {"kind": "user", "id": str(u.id), "version": u.version, "data": user})
        )
    for vc in VatClass.objects.filter(version__gt=after).order_by("version")[: limit + 1]:
        merged.append(
            (
                vc.version,
                {
                    "kind": "vat_class",
                    "id": vc.code,
                    "version": vc.version,
                    "data": vc.change_data(),
                },
            )
        )
    merged.sort(key=lambda pair: pair[0])
    page = merged[:limit]
    last = page[-1][0] if page else after
    return {
        "changes": [c for _, c in page],
        "cursor": make_cursor(last),
        "more": len(merged) > limit,
    }
