"""Catalog values as the till sees them."""

from __future__ import annotations

from dataclasses import dataclass

from pos.domain.money import Money
from pos.domain.sale import ProductRef


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

    def ref(self) -> ProductRef:
        """The snapshot a sale line keeps (price and VAT as at the time of sale)."""
        return ProductRef(
            self.product_id, self.sku, self.barcode, self.name, self.price, self.vat_class
        )
