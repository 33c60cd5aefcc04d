"""Credit notes never credit more than their invoice: Kaunta checks it, KRA does not
(reference 3.8). Works on ``saveTrnsSalesOsdc`` payloads, so it is the same check
wherever the queue lives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sync.etims.amounts import MappingError


def check_credit(
    original: Mapping[str, Any],
    earlier: Iterable[Mapping[str, Any]],
    new: Mapping[str, Any],
) -> None:
    """Refuse ``new`` if, with the ``earlier`` credit notes of ``original``, it credits
    more of an item's quantity or more money than the original invoice had, or names
    another customer PIN."""
    if (new.get("custTin") or None) != (original.get("custTin") or None):
        raise MappingError(
            "a credit note must carry the original invoice's customer PIN "
            f"({original.get('custTin') or 'none'})"
        )
    sold_qty: dict[str, Decimal] = {}
    for line in original["itemList"]:
        code = str(line["itemCd"])
        sold_qty[code] = sold_qty.get(code, Decimal(0)) + Decimal(str(line["qty"]))
    credited_qty: dict[str, Decimal] = {}
    credited_total = Decimal(0)
    for note in [*earlier, new]:
        credited_total += Decimal(str(note["totAmt"]))
        for line in note["itemList"]:
            code = str(line["itemCd"])
            credited_qty[code] = credited_qty.get(code, Decimal(0)) + Decimal(str(line["qty"]))
    for code, qty in credited_qty.items():
        if code not in sold_qty:
            raise MappingError(f"item {code} was not on the original invoice")
        if qty > sold_qty[code]:
            raise MappingError(
                f"credit notes would give back {qty} of item {code}, but only "
                f"{sold_qty[code]} were sold"
            )
    if credited_total > Decimal(str(original["totAmt"])):
        raise MappingError(
            f"credit notes would total {credited_total}, more than the invoice's "
            f"{original['totAmt']}"
        )
