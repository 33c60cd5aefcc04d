"""VAT classes in the changes feed, over real HTTP from the stand-in head office: a page
whose product names a class the till does not know (and the page does not bring), or
whose class change is not a valid rate, is refused whole: nothing applied, the cursor
kept, the reason in the agent's status for the manager."""

from __future__ import annotations

from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store import sync_state, vat_classes
from sync.agent import SyncAgent, TransientError
from tests.sync.agent.headoffice import HeadOffice


def _vat(code: str, rate: Any, *, exempt: bool = False, version: int = 5) -> dict[str, Any]:
    data = {"code": code, "name": f"Class {code}", "rate": rate, "exempt": exempt}
    return {"kind": "vat_class", "id": code, "version": version, "data": {**data, "active": True}}


def _product(item: CatalogItem, price: int, vat: str) -> dict[str, Any]:
    return {
        "kind": "product",
        "id": item.sku,
        "version": 6,
        "data": {
            "sku": item.sku,
            "name": item.name,
            "barcodes": [item.barcode] if item.barcode else [],
            "price_minor": price,
            "currency": "KES",
            "vat_class": {"code": vat, "rate": "8", "exempt": False},
            "category": "",
            "active": True,
        },
    }


def _state(till: Terminal, item: CatalogItem) -> tuple[str | None, int, str, set[str]]:
    with till.db.read_session() as s:
        now = repo.product_by_sku(s, item.sku)
        assert now is not None
        return (
            sync_state.get_value(s, sync_state.CURSOR),
            now.price.minor,
            now.vat_class,
            vat_classes.known_codes(s),
        )


def test_a_product_in_a_class_the_till_does_not_know_refuses_the_page(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    before = _state(cashier, product)
    ho.changes = [_vat("S", "16"), _product(product, 999, "R8")]  # one page (limit 2)
    with pytest.raises(TransientError, match="VAT class R8, which this till does not know"):
        agent.run_once()
    assert _state(cashier, product) == before  # not even the S class of the same page
    assert "R8" in agent.status().last_error
    ho.changes = [_vat("R8", "8"), _product(product, 999, "R8")]  # head office sends it
    agent.run_once()
    assert _state(cashier, product) == ("2", 999, "R8", {"R8"})


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (_vat("R8", "abc"), "rate 'abc' is not a percentage"),
        (_vat("R8", "250"), "rate 250 is not between 0 and 100 percent"),
        (_vat("R8", 8), "rate 8 is not a percentage"),
        (_vat("E", "5", exempt=True), "an exempt class cannot have a rate"),
    ],
)
def test_a_vat_class_change_that_is_not_a_valid_rate_refuses_the_page(
    cashier: Terminal,
    product: CatalogItem,
    agent: SyncAgent,
    ho: HeadOffice,
    change: dict[str, Any],
    why: str,
) -> None:
    before = _state(cashier, product)
    ho.changes = [change, _product(product, 999, "S")]
    with pytest.raises(TransientError, match=why):
        agent.run_once()
    assert _state(cashier, product) == before
    assert why in agent.status().last_error
