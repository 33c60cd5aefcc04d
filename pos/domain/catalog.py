"""Catalog values as the till sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos.domain.money import Money
from pos.domain.sale import ProductRef

#: A KRA eTIMS item classification (``itemClsCd``): digits only, at most 10 (the
#: reference: UNSPSC-style codes of 8 or 10 digits; KRA's own list says which exist)
KRA_ITEM_CLASS_RE = re.compile(r"[0-9]{1,10}")


def valid_kra_item_class(code: str) -> bool:
    """True when ``code`` has the shape of a KRA item classification (1 to 10 digits).
    Whether KRA lists it is known only from KRA's fetched list (the eTIMS worker checks
    that before ``saveItem``)."""
    return KRA_ITEM_CLASS_RE.fullmatch(code) is not None


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A product that can be sold: price VAT-inclusive, in the store's currency."""

    product_id: int | None
    sku: str
    barcode: str | None
    name: str
    category: str
    price: Money
    vat_class: str
    active: bool = True
    #: KRA eTIMS item classification; None: the branch's default (``[etims] item_class``)
    kra_item_class: str | None = None

    def ref(self) -> ProductRef:
        """The snapshot a sale line keeps (price and VAT as at the time of sale)."""
        return ProductRef(
            self.product_id, self.sku, self.barcode, self.name, self.price, self.vat_class
        )
