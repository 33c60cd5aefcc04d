"""A KRA item classification per product at a standalone till, over real HTTP against the
OSCU simulator: each product is registered (``saveItem``) with its own ``itemClsCd``, the
branch's ``[etims] item_class`` only for a product without one; a class KRA does not list
is refused for that product alone, naming it; a class changed after registration is
registered again under the same ``itemCd``. What KRA got is read from the simulator's
recorded items and signed invoices, not from the client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from pos.demo import CATALOG_CSV
from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase
from pos.services.terminal import Terminal
from pos.store.models import Product
from sync.etims.client import EtimsRejected, OscuClient
from sync.etims.items import DEFAULT_CLASS
from sync.etims.sandbox import EtimsSandbox
from tests.etims.test_till_link import MILK, UHT, WAIT_S, Watch, cash_sale, running_link

MILK_SKU, UHT_SKU = "DAI-0001", "DAI-0003"
MILK_CLASS = "5022110500"  # "Milk" in the simulator's list
BREAD_CLASS = "5010150100"  # "Bread": listed, given to the UHT milk to tell them apart
UNLISTED = "1234567890"  # digits, but in no list


def set_class(t: Terminal, sku: str, code: str | None) -> None:
    with t.db.session() as s:
        s.execute(update(Product).where(Product.sku == sku).values(kra_item_class=code))


def catalogue_skus() -> set[str]:
    with CATALOG_CSV.open(encoding="utf-8") as f:
        return {line.split(",")[0] for line in f.readlines()[1:]}


def recorded(box: EtimsSandbox) -> dict[str, dict[str, Any]]:
    """The simulator's registered items by name (what KRA holds)."""
    return {item["itemNm"]: item for item in box.device("00").items.values()}


def until(test: Callable[[], bool], link: EtimsLink) -> None:
    deadline = time.monotonic() + WAIT_S
    while not test():
        assert time.monotonic() < deadline, link.kra_items()
        link.wake()
        time.sleep(0.05)


@pytest.fixture
def parts(cashier: Terminal, tmp_path: Path) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    # the catalogue looked at every round (class changes)
    with running_link(cashier, tmp_path, poll_s=0.1, catalog_every_s=0.0) as running:
        yield running


def test_two_products_of_one_sale_register_with_their_own_classes_and_the_rest_falls_back(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    set_class(cashier, MILK_SKU, MILK_CLASS)
    set_class(cashier, UHT_SKU, BREAD_CLASS)
    cash_sale(cashier, (UHT, 1), (MILK, 2))
    link.start()
    watch.until(lambda v: v.signed == 1)
    items = recorded(box)
    assert items["Brookside Fresh Milk 500ml"]["itemClsCd"] == MILK_CLASS
    assert items["Brookside Long Life Whole Milk 500ml"]["itemClsCd"] == BREAD_CLASS
    # the signed invoice's lines name each product's own class too
    [invoice] = box.device("00").invoices.values()
    by_name = {line["itemNm"]: line["itemClsCd"] for line in invoice.body["itemList"]}
    assert by_name == {
        "Brookside Long Life Whole Milk 500ml": BREAD_CLASS,
        "Brookside Fresh Milk 500ml": MILK_CLASS,
    }
    # a product without a class of its own gets the branch default ([etims] item_class)
    until(lambda: link.registered_skus() == catalogue_skus(), link)
    items = recorded(box)
    assert items["Supaloaf White Bread 400g"]["itemClsCd"] == DEFAULT_CLASS
    others = {i["itemClsCd"] for n, i in items.items() if not n.startswith("Brookside")}
    assert others == {DEFAULT_CLASS}
    kra = link.kra_items()
    assert (kra[MILK_SKU].item_class, kra[UHT_SKU].item_class) == (MILK_CLASS, BREAD_CLASS)


def test_a_class_kra_does_not_list_is_refused_for_that_product_alone_naming_it(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    set_class(cashier, UHT_SKU, UNLISTED)
    cash_sale(cashier, (UHT, 1), (MILK, 1))  # sells the refused product: parked
    cash_sale(cashier, (MILK, 1))  # the next sale is not held up by it
    link.start()
    view = watch.until(lambda v: v.signed == 1 and v.parked == 1)
    assert view.phase is EtimsPhase.ONLINE
    [parked] = [r for r in view.rows if r.state == "parked"]
    assert UHT_SKU in parked.reason
    refusal = link.kra_items()[UHT_SKU]
    assert not refusal.registered
    assert UHT_SKU in refusal.refused
    assert "Brookside Long Life Whole Milk 500ml" in refusal.refused
    assert UNLISTED in refusal.refused
    assert "not in KRA's list" in refusal.refused
    # nothing was sent under the unlisted class; the rest of the catalogue registered
    until(lambda: link.registered_skus() == catalogue_skus() - {UHT_SKU}, link)
    assert all(i["itemClsCd"] != UNLISTED for i in box.device("00").items.values())
    assert "Brookside Long Life Whole Milk 500ml" not in recorded(box)
    # the manager gives it a listed class: it is registered with it at the next look
    set_class(cashier, UHT_SKU, BREAD_CLASS)
    until(lambda: UHT_SKU in link.registered_skus(), link)
    assert recorded(box)["Brookside Long Life Whole Milk 500ml"]["itemClsCd"] == BREAD_CLASS


def test_a_class_changed_after_registration_is_registered_again_under_the_same_item_code(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    cash_sale(cashier, (MILK, 1))
    link.start()
    watch.until(lambda v: v.signed == 1)
    until(lambda: link.registered_skus() == catalogue_skus(), link)
    before = {code: dict(item) for code, item in box.device("00").items.items()}
    [milk_code] = [c for c, i in before.items() if i["itemNm"] == "Brookside Fresh Milk 500ml"]
    assert before[milk_code]["itemClsCd"] == DEFAULT_CLASS
    set_class(cashier, MILK_SKU, MILK_CLASS)
    until(lambda: link.kra_items()[MILK_SKU].item_class == MILK_CLASS, link)
    after = box.device("00").items
    assert set(after) == set(before)  # no new itemCd: saveItem upserted the same one
    assert after[milk_code]["itemClsCd"] == MILK_CLASS
    # the next sale names the item with its new class; the first keeps the old one
    cash_sale(cashier, (MILK, 1))
    link.wake()
    watch.until(lambda v: v.signed == 2)
    invoices = box.device("00").invoices
    assert invoices[1].body["itemList"][0]["itemClsCd"] == DEFAULT_CLASS
    assert invoices[2].body["itemList"][0]["itemClsCd"] == MILK_CLASS
    assert invoices[2].body["itemList"][0]["itemCd"] == milk_code


def test_the_simulator_refuses_a_class_outside_its_own_list_naming_the_field(
    box: EtimsSandbox, client: OscuClient
) -> None:
    """Its own check (not the client's): ``itemClsCd`` must be in ``selectItemClsList``."""
    body = {
        "itemCd": "KE2NTU00000000000001",
        "itemClsCd": MILK_CLASS,
        "itemTyCd": "2",
        "itemNm": "Milk",
        "orgnNatCd": "KE",
        "pkgUnitCd": "NT",
        "qtyUnitCd": "U",
        "taxTyCd": "B",
        "dftPrc": 65.0,
        "isrcAplcbYn": "N",
        "useYn": "Y",
        "regrId": "t",
        "regrNm": "t",
        "modrId": "t",
        "modrNm": "t",
    }
    client.save_item(body)
    for bad in (UNLISTED, "50221105AB", "50221105001"):
        with pytest.raises(EtimsRejected, match="itemClsCd"):
            client.save_item({**body, "itemCd": "KE2NTU00000000000002", "itemClsCd": bad})
    assert set(box.device("00").items) == {"KE2NTU00000000000001"}
