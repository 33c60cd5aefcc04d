"""A product's VAT class changed at a standalone till, over real HTTP against the OSCU
simulator: KRA's item names the tax band (``taxTyCd``) it was registered in, and the
mapping refuses a line sold in another band, so the worker registers the product again
(same ``itemCd``) in the new band before the first sale in that band is numbered, in
queue order: sales made before the change, still waiting, are signed in the old band
first. What KRA got is read from the simulator's recorded items and signed invoices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from pos.etims_link import EtimsLink
from pos.services.auth import Role, UserSummary
from pos.services.etims import EtimsService
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from pos.store.models import Product
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.conftest import DictSecrets
from tests.etims.test_item_class_till import until
from tests.etims.test_till_link import UHT, Watch, cash_sale, running_link

UHT_SKU, UHT_NAME = "DAI-0003", "Brookside Long Life Whole Milk 500ml"


def set_vat(t: Terminal, sku: str, code: str) -> None:
    with t.db.session() as s:
        s.execute(update(Product).where(Product.sku == sku).values(vat_class=code))


def kra_item(box: EtimsSandbox, name: str) -> tuple[str, dict[str, Any]]:
    """The simulator's registration of the product called ``name``: its itemCd and body."""
    [(code, item)] = [(c, i) for c, i in box.device("00").items.items() if i["itemNm"] == name]
    return code, item


def line_bands(box: EtimsSandbox) -> list[str]:
    """The band of the first line of each signed invoice, in invoice order."""
    invoices = box.device("00").invoices
    return [invoices[n].body["itemList"][0]["taxTyCd"] for n in sorted(invoices)]


@pytest.fixture
def parts(cashier: Terminal, tmp_path: Path) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    with running_link(cashier, tmp_path, poll_s=0.1) as running:
        yield running


def test_a_product_sold_then_made_exempt_is_registered_again_and_both_sales_are_signed(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    cash_sale(cashier, (UHT, 1))  # VAT 16 %: band B
    link.start()
    watch.until(lambda v: v.signed == 1)
    code, item = kra_item(box, UHT_NAME)
    assert item["taxTyCd"] == "B"
    set_vat(cashier, UHT_SKU, "E")  # exempt from now on: band A
    cash_sale(cashier, (UHT, 1))
    link.wake()
    view = watch.until(lambda v: v.signed == 2 or v.parked > 0)
    assert (view.signed, view.parked) == (2, 0), [r.reason for r in view.rows]
    again, item = kra_item(box, UHT_NAME)
    assert again == code  # the same itemCd, upserted
    assert item["taxTyCd"] == "A"
    assert line_bands(box) == ["B", "A"]
    assert link._registry.registered_band(UHT_SKU) == "A"


def test_sales_either_side_of_the_change_queued_in_an_outage_are_signed_each_in_its_band(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    """The worker starts with both waiting: the first is signed in B before the item is
    registered again in C (zero-rated), then the second; none parks."""
    link, box, watch = parts
    cash_sale(cashier, (UHT, 1))
    set_vat(cashier, UHT_SKU, "Z")
    cash_sale(cashier, (UHT, 2))
    set_vat(cashier, UHT_SKU, "S")  # and back: the third is in B again
    cash_sale(cashier, (UHT, 3))
    link.start()
    view = watch.until(lambda v: v.signed + v.parked == 3)
    assert (view.signed, view.parked) == (3, 0), [r.reason for r in view.rows]
    assert line_bands(box) == ["B", "C", "B"]
    _code, item = kra_item(box, UHT_NAME)
    assert item["taxTyCd"] == "B"
    assert box.calls["saveItem"] >= 3  # B, C, then B again: each before its sale


def test_the_catalogue_pass_registers_a_changed_band_before_any_sale(
    cashier: Terminal, tmp_path: Path
) -> None:
    with EtimsSandbox() as box:
        link = EtimsLink(
            cashier.db,
            EtimsService(training=True),
            queue_path=tmp_path / "etims.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0
            ),
            secrets=DictSecrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.1,
            catalog_every_s=0.0,
        ).start()
        try:
            until(lambda: UHT_SKU in link.registered_skus(), link)
            code, item = kra_item(box, UHT_NAME)
            assert item["taxTyCd"] == "B"
            set_vat(cashier, UHT_SKU, "E")
            until(lambda: kra_item(box, UHT_NAME)[1]["taxTyCd"] == "A", link)
            assert kra_item(box, UHT_NAME)[0] == code
        finally:
            link.stop()


def test_a_refund_of_a_sale_from_before_the_change_is_a_credit_note_in_the_old_band(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    """The item is in A after the change; the refund of the B sale registers B again just
    before its credit note is numbered, and the note is signed, not parked."""
    link, box, watch = parts
    sale = cash_sale(cashier, (UHT, 2))  # B
    link.start()
    watch.until(lambda v: v.signed == 1)
    set_vat(cashier, UHT_SKU, "E")
    cash_sale(cashier, (UHT, 1))  # A: the item registered again in A
    link.wake()
    watch.until(lambda v: v.signed == 2)
    assert kra_item(box, UHT_NAME)[1]["taxTyCd"] == "A"
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    cashier.refunds.refund(RefundRequest(sale, {1: 1}, "wrong_item"))
    link.wake()
    view = watch.until(lambda v: v.signed == 3 or v.parked > 0)
    assert (view.signed, view.parked) == (3, 0), [r.reason for r in view.rows]
    assert line_bands(box) == ["B", "A", "B"]
    assert box.device("00").invoices[3].body["rcptTyCd"] == "R"
