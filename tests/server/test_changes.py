"""Pulling catalog and staff changes: pages after a cursor, in version order, per store."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sync.server.catalog.models import Barcode, Product, StaffUser, VatClass
from sync.server.terminals.models import Organisation
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll


def pull(client: Client, till: Till, cursor: str = "", limit: int = 500) -> dict[str, Any]:
    got = client.get("/api/v1/changes", {"cursor": cursor, "limit": limit}, **till.auth)
    assert got.status_code == 200, got.content
    body: dict[str, Any] = got.json()
    return body


def pull_all(client: Client, till: Till, cursor: str = "") -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    while True:
        page = pull(client, till, cursor, limit=2)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes, cursor


def product(org: Organisation, sku: str, price: int, **kw: Any) -> Product:
    p = Product(
        organisation=org,
        sku=sku,
        name=kw.pop("name", sku),
        price_minor=price,
        vat_class=VatClass.objects.get(code=kw.pop("vat", "S")),
        **kw,
    )
    p.save()
    return p


def test_a_catalog_change_at_head_office_reaches_the_store_after_the_cursor(
    client: Client,
) -> None:
    store = new_store(organisation="Chain A")
    till = enroll(client, store)
    milk = product(store.organisation, "DAI-0001", 6500, category="Dairy")
    Barcode(product=milk, code="6168232712628").save()
    product(store.organisation, "FLR-0001", 8800, vat="E")
    first, cursor = pull_all(client, till)
    by_sku = {c["data"]["sku"]: c for c in first if c["kind"] == "product"}
    assert set(by_sku) == {"DAI-0001", "FLR-0001"}
    milk_change = by_sku["DAI-0001"]
    assert milk_change["data"] == {
        "sku": "DAI-0001",
        "name": "DAI-0001",
        "barcodes": ["6168232712628"],
        "price_minor": 6500,
        "currency": "KES",
        "vat_class": {"code": "S", "rate": "16", "exempt": False},
        "category": "Dairy",
        "active": True,
        "kra_item_class": None,
    }
    assert by_sku["FLR-0001"]["data"]["vat_class"]["exempt"] is True
    assert pull(client, till, cursor)["changes"] == []
    milk.price_minor = 7000
    milk.save()
    later = pull(client, till, cursor)
    assert [(c["id"], c["data"]["price_minor"]) for c in later["changes"]] == [("DAI-0001", 7000)]
    assert later["changes"][0]["version"] > milk_change["version"]
    assert later["more"] is False


def test_pages_come_in_version_order_and_say_when_more_is_waiting(client: Client) -> None:
    store = new_store(organisation="Chain B")
    till = enroll(client, store)
    for n in range(5):
        product(store.organisation, f"SKU-{n}", 100 + n)
    page = pull(client, till, limit=2)
    assert page["more"] is True
    assert len(page["changes"]) == 2
    everything, _ = pull_all(client, till)
    versions = [c["version"] for c in everything]
    assert versions == sorted(versions)
    assert len([c for c in everything if c["kind"] == "product"]) == 5
    assert {c["kind"] for c in everything} <= {"product", "vat_class"}  # S, Z, E first


def test_staff_reach_their_stores_tills_without_any_pin(client: Client) -> None:
    store = new_store(organisation="Chain C")
    other_store = new_store(organisation="Chain C")
    till = enroll(client, store)
    everywhere = StaffUser(organisation=store.organisation, name="Amina", role="cashier")
    everywhere.save()
    elsewhere = StaffUser(organisation=store.organisation, name="Baraka", role="manager")
    elsewhere.save()
    elsewhere.stores.add(other_store)
    elsewhere.save()
    changes, _ = pull_all(client, till)
    users = {c["data"]["name"]: c["data"] for c in changes if c["kind"] == "user"}
    assert users["Amina"] == {
        "id": str(everywhere.id),
        "name": "Amina",
        "role": "cashier",
        "active": True,
    }
    assert users["Baraka"]["active"] is False  # not this store's
    assert not any("pin" in key for c in changes for key in c["data"])


def test_another_organisations_catalog_is_not_sent(client: Client) -> None:
    store = new_store(organisation="Chain D")
    till = enroll(client, store)
    foreign = new_store(organisation="Someone Else")
    product(foreign.organisation, "SECRET-1", 100)
    changes, _ = pull_all(client, till)
    assert all(c["data"].get("sku") != "SECRET-1" for c in changes)


def test_a_cursor_not_made_here_is_refused_with_what_to_do(client: Client) -> None:
    till = enroll(client, new_store())
    got = client.get("/api/v1/changes", {"cursor": "garbage"}, **till.auth)
    assert got.status_code == 400
    err = got.json()["error"]
    assert err["code"] == "bad_cursor"
    assert "start again" in err["message"]
    assert client.get("/api/v1/changes", {"limit": 0}, **till.auth).status_code == 400
