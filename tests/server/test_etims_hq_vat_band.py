"""Head office: a product whose VAT class changes is registered with KRA again in its new
tax band (``taxTyCd``, same ``itemCd``) before the first sale in that band is numbered, in
queue order, so no sale is parked with "register it again". Over real HTTP against the
OSCU simulator, pushed by a real till through the sync API; SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from pos.domain.money import Money
from pos.domain.sale import CashRounding, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.etims.items import DEFAULT_CLASS
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import EtimsSettings
from sync.server.catalog.models import Product, VatClass
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import HeadOfficeSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.factory import CASHIER, T0, Till, enroll, kes, new_id

_BRANCHES = itertools.count(80)
SKU, NAME = "DAI-0003", "UHT milk 500ml"


@pytest.fixture
def branch() -> tuple[str, str]:
    bhf = f"{next(_BRANCHES):02d}"
    return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"


@pytest.fixture
def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
        yield sandbox


def _settings(box: EtimsSandbox) -> EtimsSettings:
    return EtimsSettings(
        base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
    )


def _sale(till: Till, vat: str) -> dict[str, Any]:
    """A completed cash sale of one UHT milk at 65.00 in VAT class ``vat``, as the
    till's code writes it."""
    till.seq += 1
    sale = Sale(new_id(), "KES", T0, CASHIER)
    sale.add_product(ProductRef(1, SKU, None, NAME, kes("65"), vat), 1, new_id())
    sale.pay_cash(
        Money(10000, "KES"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id=new_id(),
        at=T0,
    )
    sale.complete(KENYA_VAT)
    header = JournalHeader(
        cashier_id=CASHIER,
        number=f"{till.store_id}-{till.terminal_id}-{till.seq:06d}",
        seq=till.seq,
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        cashier_name="Amina",
        closed_at=T0 + timedelta(minutes=3),
        business_date="2026-03-02",
        training=False,
        change=sale.change_due(KENYA_VAT),
    )
    return sale_document(
        sale, sale.totals(KENYA_VAT), KENYA_VAT, header, event_id=new_id(), seq=till.seq
    )


def _push(client: Client, till: Till, doc: dict[str, Any]) -> None:
    got = till.push(client, [doc])
    assert got.status_code == 200, got.content
    assert [r["status"] for r in got.json()["results"]] == ["applied"]


def _item(box: EtimsSandbox, bhf: str) -> tuple[str, dict[str, Any]]:
    [(code, item)] = [(c, i) for c, i in box.device(bhf).items.items() if i["itemNm"] == NAME]
    return code, item


def _bands(box: EtimsSandbox, bhf: str) -> list[str]:
    invoices = box.device(bhf).invoices
    return [invoices[n].body["itemList"][0]["taxTyCd"] for n in sorted(invoices)]


def _set_vat(product: Product, code: str) -> None:
    product.vat_class = VatClass.objects.get(code=code)
    product.save()


def _setup(client: Client, branch: tuple[str, str]) -> tuple[BranchDevice, Product, Till]:
    store = new_store(organisation=f"VAT bands {branch[0]}")
    product = Product(
        organisation=store.organisation,
        sku=SKU,
        name=NAME,
        price_minor=6500,
        vat_class=VatClass.objects.get(code="S"),
    )
    product.save()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    return device, product, enroll(client, store)


def test_a_product_sold_then_made_exempt_is_registered_again_and_both_sales_are_signed(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device, product, till = _setup(client, branch)
    secrets = HeadOfficeSecrets(env={})
    _push(client, till, _sale(till, "S"))
    first = run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert (first.signed, first.parked, first.stopped) == (1, 0, "")
    code, item = _item(box, branch[0])
    assert item["taxTyCd"] == "B"
    _set_vat(product, "E")  # head office makes it exempt; the till sells it so
    _push(client, till, _sale(till, "E"))
    device.refresh_from_db()
    second = run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert (second.signed, second.parked, second.stopped) == (1, 0, ""), list(
        QueueEntry.objects.filter(branch=device).values_list("reason", flat=True)
    )
    again, item = _item(box, branch[0])
    assert again == code  # the same itemCd, upserted
    assert item["taxTyCd"] == "A"
    assert _bands(box, branch[0]) == ["B", "A"]
    device.refresh_from_db()
    assert device.items[SKU]["tax_ty_cd"] == "A"


def test_sales_either_side_of_the_change_in_one_round_are_signed_each_in_its_band(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """Both waiting when the round starts (KRA was away): the first is signed in B, the
    item registered again in C, the second signed; then back to B for the third."""
    device, product, till = _setup(client, branch)
    secrets = HeadOfficeSecrets(env={})
    _push(client, till, _sale(till, "S"))
    _set_vat(product, "Z")
    _push(client, till, _sale(till, "Z"))
    _set_vat(product, "S")
    _push(client, till, _sale(till, "S"))
    done = run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert (done.signed, done.parked, done.stopped) == (3, 0, "")
    assert _bands(box, branch[0]) == ["B", "C", "B"]
    assert _item(box, branch[0])[1]["taxTyCd"] == "B"


def test_the_catalogue_pass_registers_a_changed_band_with_no_sale(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device, product, _till = _setup(client, branch)
    secrets = HeadOfficeSecrets(env={})
    run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    code, item = _item(box, branch[0])
    assert item["taxTyCd"] == "B"
    _set_vat(product, "E")
    device.refresh_from_db()
    run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert _item(box, branch[0]) == (code, {**item, "taxTyCd": "A"})
