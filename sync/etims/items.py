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

The same holds for the tax band (``taxTyCd``): KRA's record of an item names the band
it was registered in, and the mapping refuses a line sold in another band (the product's
VAT class changed since). Every comparison with what was registered therefore looks at
the band as well as the class (:meth:`ItemRegistry.up_to_date`, :meth:`ItemRegistry.stale`),
and a product whose band changed is registered again, under its ``itemCd``, just before
the first sale sold in the new band is numbered (:mod:`sync.etims.inorder`). The name and
the default price ``saveItem`` also carries are not compared: every invoice line carries
its own ``itemNm`` and ``prc``, and nothing in the reference says KRA checks a line against
the item's registered name or ``dftPrc`` (GUESS), so a price change does not cost a
``saveItem`` per product.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from sync.etims.amounts import MappingError, band_for
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, EtimsError, RegisteredItem, item_code

__all__ = [
    "DEFAULT_CLASS",
    "ItemRegistry",
    "UnlistedClass",
    "line_band",
    "listed_class",
    "save_item_body",
]

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


def line_band(
    line: Mapping[str, Any], rates: dict[str, Decimal], band_by_vat_code: Mapping[str, str]
) -> str:
    """The KRA band (``taxTyCd``) the mapping gives a sale or refund line (wire form):
    the band its product must be registered in for the line to be accepted.
    :class:`~sync.etims.mapping.MappingError` when the line's VAT class has none."""
    vat = line["vat_class"]
    return band_for(
        str(vat["code"]),
        Decimal(str(vat["rate"])),
        bool(vat["exempt"]),
        rates,
        dict(band_by_vat_code),
    )


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

    def registered_band(self, sku: str) -> str | None:
        """The tax band KRA has for ``sku`` (None: not registered)."""
        item = self._items.get(sku)
        return None if item is None else item.tax_ty_cd

    def class_for(self, own: str | None) -> str:
        """The classification a product with ``own`` (None: none) is registered with."""
        return own or self.default_class

    def up_to_date(self, sku: str, own: str | None, band: str | None = None) -> bool:
        """Registered, with the classification the product has now and, when ``band``
        is given, in the tax band its VAT class maps to now (a product whose VAT class
        changed must be registered again: KRA's item still names the old band)."""
        item = self._items.get(sku)
        if item is None or item.item_cls_cd != self.class_for(own):
            return False
        return band is None or item.tax_ty_cd == band

    def stale(
        self,
        lines: Iterable[Mapping[str, Any]],
        *,
        rates: dict[str, Decimal],
        band_by_vat_code: Mapping[str, str],
    ) -> list[Mapping[str, Any]]:
        """The lines (wire form) whose product KRA does not know, or knows in another
        tax band than the line is sold in, one per SKU: what must be registered (again)
        before the document is numbered, or the mapping refuses it. A line whose VAT
        class has no band is left out (the mapping says why when it parks)."""
        seen: set[str] = set()
        out = []
        for line in lines:
            sku = str(line["sku"])
            if sku in seen:
                continue
            item = self._items.get(sku)
            if item is not None:
                try:
                    if item.tax_ty_cd == line_band(line, rates, band_by_vat_code):
                        continue
                except (MappingError, KeyError, TypeError, ValueError, ArithmeticError):
                    continue
            seen.add(sku)
            out.append(line)
        return out

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
        band = line_band(line, rates, band_by_vat_code)
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
