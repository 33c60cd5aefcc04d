"""Products registered with KRA (``saveItem``) before they are first sold.

A sale line must name a registered ``itemCd`` (the mapping refuses one that is not), so
the component that numbers invoices registers, in queue order, every product of a sale
that KRA does not know yet: on first sale if nobody registered it earlier. The registry
of what was registered (SKU -> :class:`RegisteredItem`) is kept by the caller (the
queue's state table at the till): it is the only record of which ``itemCd`` a SKU got.

The item classification (``itemClsCd``) is per product in KRA's list; Kaunta's catalogue
has no field for it yet, so a branch-wide default is used (``default_class``, the
reference's general-goods code, configurable) until the catalogue carries one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from sync.etims.amounts import band_for
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, EtimsError, RegisteredItem, item_code

__all__ = ["DEFAULT_CLASS", "ItemRegistry", "listed_class", "save_item_body"]

#: A general-goods classification; a shop sets its own per product when the catalogue
#: carries one (GUESS: KRA's list decides which codes a trader may use).
DEFAULT_CLASS = "5059690800"


def listed_class(cache: CodeCache, configured: str, setting: str) -> str:
    """``configured`` when KRA's fetched classification list holds it (or none was
    fetched yet), else :class:`EtimsError` naming ``setting``: KRA would refuse a code
    it does not list at ``saveItem`` for every product, so the component says so once,
    before registering the catalogue under it. The till and head office both use it."""
    if cache.item_classes and configured not in cache.item_classes:
        raise EtimsError(
            f"the item classification {configured} ({setting}) is not in KRA's list of "
            f"{len(cache.item_classes)} classifications: set one KRA lists"
        )
    return configured


def save_item_body(
    item: RegisteredItem, name: str, price_minor: int, registrar: Registrar
) -> dict[str, Any]:
    """The ``saveItem`` request for one product (reference 3.3)."""
    return {
        "itemCd": item.item_cd,
        "itemClsCd": item.item_cls_cd,
        "itemTyCd": "2",  # finished product
        "itemNm": name[:200],
        "itemStdNm": None,
        "orgnNatCd": "KE",
        "pkgUnitCd": item.pkg_unit_cd,
        "qtyUnitCd": item.qty_unit_cd,
        "taxTyCd": item.tax_ty_cd,
        "btchNo": None,
        "bcd": None,
        "dftPrc": float(Decimal(price_minor) / 100),
        "isrcAplcbYn": "N",
        "useYn": "Y",
        **registrar.fields(),
    }


class ItemRegistry:
    """Which SKUs KRA knows, as :class:`RegisteredItem`, persisted through ``save``."""

    def __init__(
        self,
        known: Mapping[str, Mapping[str, str]],
        save: Callable[[dict[str, dict[str, str]]], None],
        *,
        default_class: str = DEFAULT_CLASS,
    ) -> None:
        self._items = {sku: RegisteredItem(**dict(fields)) for sku, fields in known.items()}
        self._save = save
        self.default_class = default_class

    def items(self) -> dict[str, RegisteredItem]:
        return dict(self._items)

    def is_registered(self, sku: str) -> bool:
        return sku in self._items

    def missing(self, lines: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The sale lines (wire form) whose SKU is not registered yet, one per SKU."""
        seen: set[str] = set()
        out = []
        for line in lines:
            sku = str(line["sku"])
            if sku not in self._items and sku not in seen:
                seen.add(sku)
                out.append(line)
        return out

    def register(
        self,
        line: Mapping[str, Any],
        *,
        rates: dict[str, Decimal],
        band_by_vat_code: Mapping[str, str],
        registrar: Registrar,
        send: Callable[[Mapping[str, Any]], None],
    ) -> RegisteredItem:
        """Register the product of one sale line with KRA (``send`` is ``save_item``) and
        record it; the band is the one the mapping will give the line."""
        vat = line["vat_class"]
        band = band_for(
            str(vat["code"]),
            Decimal(str(vat["rate"])),
            bool(vat["exempt"]),
            rates,
            dict(band_by_vat_code),
        )
        number = len(self._items) + 1
        item = RegisteredItem(
            sku=str(line["sku"]),
            item_cd=item_code("KE", "2", "NT", "U", number),
            item_cls_cd=self.default_class,
            tax_ty_cd=band,
        )
        send(save_item_body(item, str(line["name"]), int(line["unit_price"]["minor"]), registrar))
        self._items[item.sku] = item
        self._save(
            {
                sku: {
                    "sku": it.sku,
                    "item_cd": it.item_cd,
                    "item_cls_cd": it.item_cls_cd,
                    "pkg_unit_cd": it.pkg_unit_cd,
                    "qty_unit_cd": it.qty_unit_cd,
                    "tax_ty_cd": it.tax_ty_cd,
                }
                for sku, it in self._items.items()
            }
        )
        return item
