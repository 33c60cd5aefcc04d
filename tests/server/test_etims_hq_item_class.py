"""Head office registers each product of an enrolled store with its own KRA item
classification (``hq_catalog.Product.kra_item_class``), over real HTTP against the OSCU
simulator: two products of one sale with two classes, the ``KAUNTA_ETIMS_ITEM_CLASS``
fallback for a product without one, a class KRA does not list refused for that product
alone (named; its sale parked, the others signed), a changed class registered again
under the same ``itemCd``. What KRA got is read from the simulator. SQLite and
PostgreSQL."""

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
from sync.server.etims.catalog import REFUSED
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import HeadOfficeSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.factory import CASHIER, T0, Till, enroll, kes, new_id

_BRANCHES = itertools.count(60)
MILK_CLASS = "5022110500"
BREAD_CLASS = "5010150100"
UNLISTED = "1234567890"


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


def _product(org: Any, sku: str, name: str, kra_class: str | None) -> Product:
    p = Product(
        organisation=org,
        sku=sku,
        name=name,
        price_minor=6500,
        vat_class=VatClass.objects.get(code="S"),
        kra_item_class=kra_class,
    )
    p.save()
    return p


def _sale(till: Till, *skus: str) -> dict[str, Any]:
    """A completed cash sale of one of each SKU at 65.00, as the till's code writes it."""
    till.seq += 1
    sale = Sale(new_id(), "KES", T0, CASHIER)
    for n, sku in enumerate(skus, start=1):
        sale.add_product(ProductRef(n, sku, None, sku, kes("65"), "S"), 1, new_id())
    sale.pay_cash(
        Money(100000, "KES"),
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


def _items(box: EtimsSandbox, bhf: str) -> dict[str, dict[str, Any]]:
    """What the simulator recorded (``saveItem``), by item name."""
    return {i["itemNm"]: dict(i) for i in box.device(bhf).items.values()}


def test_each_product_is_registered_with_its_own_class_the_default_only_without_one(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store(organisation=f"Item classes {branch[0]}")  # a catalogue of its own
    org = store.organisation
    _product(org, "DAI-0001", "Milk 500ml", MILK_CLASS)
    _product(org, "BAK-0001", "Bread 400g", BREAD_CLASS)
    _product(org, "SUG-0004", "Sugar 1kg", None)  # the branch default
    _product(org, "HSE-0007", "Soap 800g", UNLISTED)  # refused alone
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    _push(client, till, _sale(till, "DAI-0001", "BAK-0001"))
    secrets = HeadOfficeSecrets(env={})
    done = run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert (done.signed, done.parked, done.stopped) == (1, 0, "")
    items = _items(box, branch[0])
    # the sale's two products (registered from its lines, named as sold) with their own
    assert items["DAI-0001"]["itemClsCd"] == MILK_CLASS
    assert items["BAK-0001"]["itemClsCd"] == BREAD_CLASS
    [invoice] = box.device(branch[0]).invoices.values()
    classes = {line["itemNm"]: line["itemClsCd"] for line in invoice.body["itemList"]}
    assert classes == {"DAI-0001": MILK_CLASS, "BAK-0001": BREAD_CLASS}
    # the catalogue pass: the product without a class got the default; the unlisted one
    # was refused with its name and class, and nothing was sent for it
    assert items["Sugar 1kg"]["itemClsCd"] == DEFAULT_CLASS
    assert "Soap 800g" not in items
    assert all(i["itemClsCd"] != UNLISTED for i in items.values())
    refused_class, reason = REFUSED[(device.pk, "HSE-0007")]
    assert refused_class == UNLISTED
    assert "HSE-0007" in reason
    assert "Soap 800g" in reason
    assert "not in KRA's list" in reason

    # a sale of the refused product parks (named); the next sale is signed
    _push(client, till, _sale(till, "HSE-0007"))
    _push(client, till, _sale(till, "SUG-0004"))
    later = run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert (later.signed, later.parked) == (1, 1)
    parked = QueueEntry.objects.get(branch=device, state="parked")
    assert "HSE-0007" in parked.reason

    # the manager gives it a listed class at head office: registered with it next round
    soap = Product.objects.get(organisation=org, sku="HSE-0007")
    soap.kra_item_class = BREAD_CLASS
    soap.save()
    run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    assert _items(box, branch[0])["Soap 800g"]["itemClsCd"] == BREAD_CLASS


def test_a_class_changed_at_head_office_is_registered_again_under_the_same_item_code(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store(organisation=f"Item classes {branch[0]}")
    milk = _product(store.organisation, "DAI-0001", "Milk 500ml", None)
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    secrets = HeadOfficeSecrets(env={})
    run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    before = dict(box.device(branch[0]).items)
    [(code, item)] = before.items()
    assert item["itemClsCd"] == DEFAULT_CLASS
    milk.kra_item_class = MILK_CLASS
    milk.save()
    device.refresh_from_db()
    run_round(device, settings=_settings(box), secrets=secrets, item_class=DEFAULT_CLASS)
    after = box.device(branch[0]).items
    assert list(after) == [code]  # the same itemCd, upserted
    assert after[code]["itemClsCd"] == MILK_CLASS
    device.refresh_from_db()
    assert device.items["DAI-0001"]["item_cls_cd"] == MILK_CLASS
    assert device.items["DAI-0001"]["item_cd"] == code
