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
    more of an item's quantity or money than the original invoice had for that item,
    more money in all than the invoice's total, or names another customer PIN.

    The item's money limit (its lines' ``totAmt``) holds even when the quantities and
    the invoice's total do: a note may not move money from one item to another (the
    VAT of each band would be credited wrongly)."""
    if (new.get("custTin") or None) != (original.get("custTin") or None):
        raise MappingError(
            "a credit note must carry the original invoice's customer PIN "
            f"({original.get('custTin') or 'none'})"
        )
    sold_qty, sold_amt = _per_item([original])
    credited_qty, credited_amt = _per_item([*earlier, new])
    credited_total = sum(
        (Decimal(str(note["totAmt"])) for note in [*earlier, new]), start=Decimal(0)
    )
    for code, qty in credited_qty.items():
        if code not in sold_qty:
            raise MappingError(f"item {code} was not on the original invoice")
        if qty > sold_qty[code]:
            raise MappingError(
                f"credit notes would give back {qty} of item {code}, but only "
                f"{sold_qty[code]} were sold"
            )
        if credited_amt[code] > sold_amt[code]:
            raise MappingError(
                f"credit notes would give back {credited_amt[code]} for item {code}, but "
                f"it was sold for {sold_amt[code]}"
            )
    if credited_total > Decimal(str(original["totAmt"])):
        raise MappingError(
            f"credit notes would total {credited_total}, more than the invoice's "
            f"{original['totAmt']}"
        )


def _per_item(
    invoices: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Quantity and money (``totAmt``) per item code over the lines of ``invoices``."""
    qty: dict[str, Decimal] = {}
    amount: dict[str, Decimal] = {}
    for invoice in invoices:
        for line in invoice["itemList"]:
            code = str(line["itemCd"])
            qty[code] = qty.get(code, Decimal(0)) + Decimal(str(line["qty"]))
            amount[code] = amount.get(code, Decimal(0)) + Decimal(str(line["totAmt"]))
    return qty, amount
