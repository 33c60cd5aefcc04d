"""Head office registers the catalog it owns with KRA (``saveItem``) ahead of first sale.

Products belong to the store's organisation (``hq_catalog.Product``); each branch device
keeps its own item registry (``BranchDevice.items``: SKU -> KRA item code, class, band),
since KRA registers items per PIN and branch. A round registers at most
:data:`CATALOG_BATCH` products (``KAUNTA_ETIMS_CATALOG_BATCH``) after the queue is drained,
so a large catalogue never holds up the sales; a sale whose product is still missing
registers it itself just before it is numbered (``worker.run_round``). A product KRA
refuses, or whose item classification KRA's list lacks, is skipped for the rest of this
worker process's life unless its class changes (logged with the reason; its first sale
then parks for the manager).

Each product is registered with its own ``kra_item_class``, or the branch default
(``KAUNTA_ETIMS_ITEM_CLASS``) when it has none; a product registered under another class
than the one it has now is registered again (same ``itemCd``: ``saveItem`` upserts), and
so is one registered in another tax band (``taxTyCd``) than its VAT class maps to now: KRA's
item still names the old band, and the mapping refuses a sale line in another one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from sync.server.catalog.models import Product
from sync.server.etims.models import BranchDevice

log = logging.getLogger("kaunta.hq.etims")

CATALOG_BATCH = int(os.environ.get("KAUNTA_ETIMS_CATALOG_BATCH", "20"))
#: (device pk, SKU) -> (the class it was refused under, the reason), in this process
REFUSED: dict[tuple[int, str], tuple[str, str]] = {}


def _products(device: BranchDevice) -> Any:
    return (
        Product.objects.filter(organisation_id=device.store.organisation_id, active=True)
        .select_related("vat_class")
        .order_by("id")
    )


def unregistered(
    device: BranchDevice, limit: int | None = None, known: Callable[[str], bool] | None = None
) -> list[Product]:
    """Active products of the branch's catalogue KRA does not know yet, in catalogue
    order (the dashboard's list; the round's work). ``known``: the round's registry
    (newer than ``device.items`` once it registered something)."""
    items = set((device.items or {}).keys())
    is_known = known or items.__contains__
    out: list[Product] = []
    for product in _products(device).iterator():
        if is_known(product.sku):
            continue
        out.append(product)
        if limit is not None and len(out) >= limit:
            break
    return out


def as_line(product: Product) -> dict[str, Any]:
    """A product in a sale line's wire form with its own class (what the item registry
    reads)."""
    vat = product.vat_class
    return {
        "sku": product.sku,
        "name": product.name,
        "unit_price": {"minor": product.price_minor, "currency": product.currency},
        "vat_class": {"code": vat.code, "rate": vat.rate, "exempt": vat.exempt},
        "kra_item_class": product.kra_item_class or None,
    }


def own_class(device: BranchDevice, sku: str) -> str | None:
    """The catalogue's KRA item classification of ``sku`` (None: none, or no such
    product in the branch's organisation)."""
    found = (
        Product.objects.filter(organisation_id=device.store.organisation_id, sku=sku)
        .values_list("kra_item_class", flat=True)
        .first()
    )
    return found or None


def lines_to_register(
    device: BranchDevice,
    registered_class: Callable[[str], str | None],
    default_class: str,
    limit: int = CATALOG_BATCH,
    *,
    registered_band: Callable[[str], str | None] | None = None,
    band: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> list[dict[str, Any]]:
    """This round's products: not registered, or registered under another class than
    their own (or ``default_class``) now, or (given ``registered_band`` and ``band``,
    a line's band now, None when its VAT class has none) in another tax band than
    their VAT class maps to now; not refused under that class in this process."""
    out = []
    for product in _products(device).iterator():
        wanted = product.kra_item_class or default_class
        refused = REFUSED.get((device.pk, product.sku))
        if refused is not None and refused[0] == wanted:
            continue
        line = as_line(product)
        if registered_class(product.sku) == wanted:
            if registered_band is None or band is None:
                continue
            now = band(line)
            if now is None or registered_band(product.sku) == now:
                continue
        out.append(line)
        if len(out) >= limit:
            break
    return out
