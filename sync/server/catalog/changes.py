"""Catalog and staff changes for one store's terminals, in pages, after a cursor.

A cursor is ``v1.<version>``: everything with a larger version comes next, products and
staff merged in version order. Staff not assigned to the store (and not to every store) are
sent as inactive there, so taking someone off a store reaches its tills. No PIN, no hash of
one, is ever part of a change (docs/headoffice.md, PINs).
"""

from __future__ import annotations

import re
from typing import Any

from sync.server.catalog.models import Product, StaffUser
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


def changes_page(store: Store, cursor: str, limit: int) -> dict[str, Any]:
    after = read_cursor(cursor)
    org = store.organisation_id
    products = list(
        Product.objects.filter(organisation_id=org, version__gt=after)
        .select_related("vat_class")
        .prefetch_related("barcodes")
        .order_by("version")[: limit + 1]
    )
    staff = list(
        StaffUser.objects.filter(organisation_id=org, version__gt=after)
        .prefetch_related("stores")
        .order_by("version")[: limit + 1]
    )
    merged: list[tuple[int, dict[str, Any]]] = []
    for p in products:
        codes = sorted(b.code for b in p.barcodes.all())
        merged.append(
            (
                p.version,
                {
                    "kind": "product",
                    "id": p.sku,
                    "version": p.version,
                    "data": p.change_data(codes),
                },
            )
        )
    for u in staff:
        data = u.change_data()
        stores = {s.pk for s in u.stores.all()}
        data["active"] = u.active and (not stores or store.pk in stores)
        merged.append(
            (u.version, {"kind": "user", "id": str(u.id), "version": u.version, "data": data})
        )
    merged.sort(key=lambda pair: pair[0])
    page = merged[:limit]
    last = page[-1][0] if page else after
    return {
        "changes": [c for _, c in page],
        "cursor": make_cursor(last),
        "more": len(merged) > limit,
    }
