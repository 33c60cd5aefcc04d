"""The credit note's money limits (reference 3.8: KRA does not check them, Kaunta must):
never more money in all than the invoice, never more for an item than it was sold
for, even when every quantity is within what was sold. The payloads are the real ones:
a sale and a credit note signed by the OSCU simulator over real HTTP, then the note
changed as a wrong refund would have it."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from sync.etims.amounts import MappingError
from sync.etims.credit import check_credit
from sync.etims.queue import EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox
from tests.etims.docs import refund_body, sale_body

Pair = tuple[Submitter, SqliteQueue]


def signed_pair(sub: Submitter, queue: SqliteQueue) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sale of two items in two VAT classes and a credit note of all of it, both
    signed by the simulator: their requests (the ``saveTrnsSalesOsdc`` payloads)."""
    sale = sale_body([("SODA-500", 1), ("BREAD-400", 2)])
    sub.enqueue_sale(sale)
    refund = refund_body(sale, [(0, 1), (1, 2)])
    sub.enqueue_refund(refund)
    assert sub.drain().signed == 2
    original = queue.get(sub.branch, sale["sale_id"])
    note = queue.get(sub.branch, refund["refund_id"])
    assert original is not None
    assert note is not None
    assert original.state is EntryState.SIGNED
    assert note.state is EntryState.SIGNED
    assert original.request is not None
    assert note.request is not None
    # the real note is within every limit
    check_credit(original.request, [], note.request)
    return original.request, note.request


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def test_a_note_over_the_invoice_total_is_refused_though_its_quantities_fit(
    box: EtimsSandbox, submitter: Pair
) -> None:
    original, note = signed_pair(*submitter)
    over = copy.deepcopy(note)
    over["totAmt"] = float(money(original["totAmt"]) + Decimal("0.01"))
    assert over["itemList"] == note["itemList"]  # the real lines: quantities within
    with pytest.raises(MappingError, match=r"would total .* more than the invoice's"):
        check_credit(original, [], over)


def test_notes_together_over_the_invoice_total_are_refused(
    box: EtimsSandbox, submitter: Pair
) -> None:
    original, note = signed_pair(*submitter)
    # the earlier note credited one item but a total of all but a cent of the invoice
    # (its header says more than its lines, as a note built from a wrong total would);
    # the new one credits the other item: quantities and each item's money fit
    first, second = note["itemList"]
    earlier = {**copy.deepcopy(note), "itemList": [second]}
    earlier["totAmt"] = float(money(original["totAmt"]) - Decimal("0.01"))
    new = {**copy.deepcopy(note), "itemList": [first], "totAmt": first["totAmt"]}
    with pytest.raises(MappingError, match="more than the invoice's"):
        check_credit(original, [earlier], new)


def test_a_note_crediting_an_item_more_than_it_was_sold_for_is_refused(
    box: EtimsSandbox, submitter: Pair
) -> None:
    original, note = signed_pair(*submitter)
    sold = {ln["itemCd"]: money(ln["totAmt"]) for ln in original["itemList"]}
    moved = copy.deepcopy(note)
    # the note's total stays as it was: one shilling moved from one item to the other,
    # each quantity still what was sold; the item given more goes past its sale
    first, second = moved["itemList"]
    assert money(first["totAmt"]) == sold[first["itemCd"]]
    shift = Decimal("1")
    first["totAmt"] = float(money(first["totAmt"]) + shift)
    second["totAmt"] = float(money(second["totAmt"]) - shift)
    assert money(moved["totAmt"]) <= money(original["totAmt"])
    with pytest.raises(MappingError, match=f"for item {first['itemCd']}, but it was sold for"):
        check_credit(original, [], moved)
