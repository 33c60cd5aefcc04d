"""Products registered with KRA (``saveItem``) before they are first sold.

A sale line must name a registered ``itemCd`` (the mapping refuses one that is not), so
the component that numbers invoices registers, in queue order, every product of a sale
that KRA does not know yet: on first sale if nobody registered it earlier. The registry
of what was registered (SKU -> :class:`RegisteredItem`) is kept by the caller (the
queue's state table at the till): it is the only record of which ``itemCd`` a SKU got.

The item classification (``itemClsCd``) is the product's own (the catalogue's
``kra_item_class``: given in the line as ``kra_item_class``, else asked of
``own_class(sku)``), falling back to the branch-wide default (``default_class``, the
reference's general-goods code, configurable) only when the product has none. A class
KRA's fetched list does not hold is refused for that product alone
(:class:`UnlistedClass`, naming the product), before anything is sent: KRA would refuse
it too, and the rest of the catalogue registers as usual.

A product whose class changes after it was registered is registered again under the
SAME ``itemCd`` (reference 2.7 and section 7: ``saveItem`` upserts by ``itemCd``; an
``itemCd`` is never reused for another product), so its sales before and after name
one item; invoices signed before keep the class they were signed with.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from sync.etims.amounts import band_for
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, EtimsError, RegisteredItem, item_code

__all__ = ["DEFAULT_CLASS", "ItemRegistry", "UnlistedClass", "listed_class", "save_item_body"]

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


class UnlistedClass(EtimsError):
    """A product's item classification is not in KRA's fetched list: that product is
    not registered (``saveItem`` would be refused), the others are."""

    def __init__(self, sku: str, name: str, item_class: str, own: bool, listed: int) -> None:
        self.sku = sku
        self.item_class = item_class
        whose = "its own" if own else "the branch default ([etims] item_class)"
        super().__init__(
            f"product {sku} ({name}): the item classification {item_class} ({whose}) is "
            f"not in KRA's list of {listed} classifications: set one KRA lists"
        )


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
    """Which SKUs KRA knows, as :class:`RegisteredItem`, persisted through ``save``.

    ``own_class(sku)``: the product's own classification (None: none, or not in the
    catalogue), asked for a sale line that does not carry ``kra_item_class``;
    ``listed()``: the codes of KRA's fetched classification list (empty: not fetched
    yet, nothing refused before KRA answers)."""

    def __init__(
        self,
        known: Mapping[str, Mapping[str, str]],
        save: Callable[[dict[str, dict[str, str]]], None],
        *,
        default_class: str = DEFAULT_CLASS,
        own_class: Callable[[str], str | None] | None = None,
        listed: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self._items = {sku: RegisteredItem(**dict(fields)) for sku, fields in known.items()}
        self._save = save
        self.default_class = default_class
        self._own_class = own_class or (lambda _sku: None)
        self._listed = listed or (lambda: ())

    def items(self) -> dict[str, RegisteredItem]:
        return dict(self._items)

    def is_registered(self, sku: str) -> bool:
        return sku in self._items

    def registered_class(self, sku: str) -> str | None:
        """The classification KRA has for ``sku`` (None: not registered)."""
        item = self._items.get(sku)
        return None if item is None else item.item_cls_cd

    def class_for(self, own: str | None) -> str:
        """The classification a product with ``own`` (None: none) is registered with."""
        return own or self.default_class

    def up_to_date(self, sku: str, own: str | None) -> bool:
        """Registered, and with the classification the product has now."""
        return self.registered_class(sku) == self.class_for(own)

    def missing(self, lines: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The sale lines (wire form) whose SKU is not registered yet, one per SKU. (A
        registered product whose class changed is registered again by the catalogue
        pass, which reads the catalogue; a sale meanwhile names the item KRA has.)"""
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
        record it; the band is the one the mapping will give the line, the class the
        product's own or the default. A product registered before keeps its ``itemCd``
        (``saveItem`` upserts by it: a changed class or band is registered again).
        :class:`UnlistedClass` (nothing sent) when KRA's list lacks the class."""
        sku = str(line["sku"])
        own = line["kra_item_class"] if "kra_item_class" in line else self._own_class(sku)
        own = str(own) if own else None
        item_class = self.class_for(own)
        listed = self._listed()
        if listed and item_class not in listed:
            raise UnlistedClass(sku, str(line["name"]), item_class, own is not None, len(listed))
        vat = line["vat_class"]
        band = band_for(
            str(vat["code"]),
            Decimal(str(vat["rate"])),
            bool(vat["exempt"]),
            rates,
            dict(band_by_vat_code),
        )
        known = self._items.get(sku)
        item_cd = (
            known.item_cd
            if known is not None
            else item_code("KE", "2", "NT", "U", len(self._items) + 1)
        )
        item = RegisteredItem(sku=sku, item_cd=item_cd, item_cls_cd=item_class, tax_ty_cd=band)
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
