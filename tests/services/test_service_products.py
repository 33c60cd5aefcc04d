"""Products on a standalone till: manager only, several barcodes (each names one product),
price changes for new scans only, every change audited, a formula-safe catalog export."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.context import IdFactory
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.products import ProductDraft, ProductService
from pos.services.terminal import Terminal

FIRST, SECOND = "6164000000010", "6164000000027"  # valid EAN-13s
MILK = "6168232712628"


def products_of(t: Terminal) -> ProductService:
    return ProductService(t.db, t.ctx, t.clock, IdFactory(t.clock), t.auth)


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def as_manager(t: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    t.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])


def draft(price: str = "99.00", name: str = "Kaunta Chai 250g", *codes: str) -> ProductDraft:
    return ProductDraft("KTA-9001", name, kes(price), "S", "Beverages", codes or (FIRST, SECOND))


def test_a_cashier_cannot_change_products(cashier: Terminal) -> None:
    with pytest.raises(PermissionDenied):
        products_of(cashier).add(draft())


def test_a_new_product_scans_by_each_of_its_barcodes(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    as_manager(terminal, users, pins)
    product_id = products_of(terminal).add(draft())
    assert products_of(terminal).get(product_id).barcodes == (FIRST, SECOND)
    terminal.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    view = terminal.checkout.scan(SECOND)
    view = terminal.checkout.scan(FIRST)
    assert [ln.quantity for ln in view.lines] == [2]
    assert view.lines[0].unit_price == kes("99")


def test_a_barcode_names_one_product(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    as_manager(terminal, users, pins)
    products = products_of(terminal)
    with pytest.raises(ServiceError, match="another product"):
        products.add(draft("99.00", "Chai", FIRST, MILK))
    products.add(draft())
    other = ProductDraft("KTA-9002", "Other chai", kes("50"), "S", "", (SECOND,))
    with pytest.raises(ServiceError, match="another product"):
        products.add(other)
    with pytest.raises(ServiceError, match="VAT class"):
        products.add(ProductDraft("KTA-9003", "Chai", kes("50"), "X"))
    with pytest.raises(ServiceError, match="more than zero"):
        products.add(ProductDraft("KTA-9003", "Chai", kes("0"), "S"))


def test_a_price_change_is_for_new_scans_and_is_audited(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    as_manager(terminal, users, pins)
    products = products_of(terminal)
    product_id = products.add(draft())
    terminal.checkout.scan(FIRST)  # in the basket at 99.00
    products.edit(product_id, draft("120.00"))
    view = terminal.checkout.scan(SECOND)  # a new scan: 120.00; the first line keeps 99
    assert sorted(ln.unit_price.minor for ln in view.lines) == [9900, 12000]
    conn = sqlite3.connect(terminal.db.path)
    try:
        [(detail,)] = conn.execute(
            "SELECT detail FROM audit_log WHERE action = 'product_changed'"
        ).fetchall()
    finally:
        conn.close()
    change = json.loads(detail)
    assert (change["before"]["price"], change["after"]["price"]) == (9900, 12000)


def test_a_deactivated_product_is_no_longer_found_by_search(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    as_manager(terminal, users, pins)
    products = products_of(terminal)
    product_id = products.add(draft())
    products.set_active(product_id, False)
    assert [p.sku for p in terminal.checkout.search("kaunta chai")] == []
    assert [p.active for p in products.find("KTA-9001")] == [False]


def test_the_catalog_export_cannot_run_as_a_formula(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    as_manager(terminal, users, pins)
    products = products_of(terminal)
    products.add(draft("99.00", '=HYPERLINK("http://evil.example","x")'))
    path = tmp_path / "catalog.csv"
    count = products.export_csv(path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == count
    [tea] = [r for r in rows if r["sku"] == "KTA-9001"]
    assert tea["name"].startswith("'=")
    assert (tea["barcode"], tea["price"]) == (f"{FIRST};{SECOND}", "99.00")
