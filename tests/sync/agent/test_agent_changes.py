"""Catalog, price and user changes from the head office: each page applied whole or not
at all with its cursor; a price change reaches the till; the open basket keeps the price
it was scanned at; bad input is refused clearly and loses nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store import sync_state
from sync.agent import SyncAgent, TransientError
from sync.agent.changes import parse_page
from tests.sync.agent.headoffice import HeadOffice


def _product(
    sku: str,
    price: int,
    *,
    barcode: str = "",
    name: str = "",
    barcodes: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "kind": "product",
        "id": sku,
        "version": 1,
        "data": {
            "sku": sku,
            "name": name or f"Product {sku}",
            "barcodes": list(barcodes) or ([barcode] if barcode else []),
            "price_minor": price,
            "currency": "KES",
            "vat_class": {"code": "S", "rate": "16"},
            "category": "Test",
            "active": True,
        },
    }


def _cursor(till: Terminal) -> str | None:
    with till.db.read_session() as s:
        return sync_state.get_value(s, sync_state.CURSOR)


def test_a_price_change_at_head_office_reaches_the_till(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    assert product.barcode is not None
    ho.changes = [_product(product.sku, product.price.minor + 500, barcode=product.barcode)]
    agent.run_once()
    with cashier.db.read_session() as s:
        now = repo.product_by_sku(s, product.sku)
    assert now is not None
    assert now.price.minor == product.price.minor + 500
    assert now.barcode == product.barcode
    assert _cursor(cashier) == "1"


def test_the_open_basket_keeps_the_price_it_was_scanned_at(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    assert product.barcode is not None
    cashier.checkout.scan(product.barcode)
    ho.changes = [_product(product.sku, product.price.minor * 3, barcode=product.barcode)]
    agent.run_once()
    result = cashier.checkout.pay_cash(Money(10_000_000))
    assert result.receipt is not None
    entry = cashier.checkout.last_receipt()
    assert entry is not None
    assert [line.unit_price.minor for line in entry.lines] == [product.price.minor]
    view = cashier.checkout.scan(product.barcode)  # the next basket gets the new price
    assert view.lines[-1].unit_price.minor == product.price.minor * 3


def test_pages_are_followed_until_the_last_and_new_products_are_added(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    ho.changes = [_product(f"NEW-{n}", 100 + n, barcode=f"99900000{n:04d}") for n in range(5)]
    agent.run_once()  # limit 2: three pages
    with cashier.db.read_session() as s:
        found = [repo.product_by_sku(s, f"NEW-{n}") for n in range(5)]
    assert [p.price.minor if p else None for p in found] == [100, 101, 102, 103, 104]
    assert _cursor(cashier) == "5"
    assert ho.requests.count("GET /api/v1/changes") == 3


def test_a_page_that_fails_half_way_leaves_nothing_applied_and_is_applied_later(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    ho.changes = [_product("HALF-1", 111), _product("HALF-2", 222)]
    with cashier.db.session() as s:  # the store refuses the page's second product
        s.connection().exec_driver_sql(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON products WHEN NEW.sku = 'HALF-2' "
            "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    with pytest.raises(Exception, match="disk trouble"):
        agent.pull()
    with cashier.db.read_session() as s:
        assert repo.product_by_sku(s, "HALF-1") is None  # no half page
    assert _cursor(cashier) is None
    with cashier.db.session() as s:
        s.connection().exec_driver_sql("DROP TRIGGER test_refuse")
    agent.pull()
    with cashier.db.read_session() as s:
        assert repo.product_by_sku(s, "HALF-1") is not None
        assert repo.product_by_sku(s, "HALF-2") is not None


def test_a_barcode_moved_to_another_product_at_head_office_moves_on_the_till(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    assert product.barcode is not None
    ho.changes = [_product("MOVED-1", 999, barcode=product.barcode)]
    agent.run_once()
    with cashier.db.read_session() as s:
        assert repo.product_by_barcode(s, product.barcode).sku == "MOVED-1"  # type: ignore[union-attr]
        old = repo.product_by_sku(s, product.sku)
    assert old is not None
    assert old.barcode is None


def _owners(till: Terminal, *codes: str) -> list[str | None]:
    with till.db.read_session() as s:
        found = [repo.product_by_barcode(s, c) for c in codes]
    return [p.sku if p is not None else None for p in found]


def test_every_barcode_of_a_product_from_head_office_scans_on_the_till(
    cashier: Terminal, product: CatalogItem, agent: SyncAgent, ho: HeadOffice
) -> None:
    assert product.barcode is not None
    ho.changes = [_product("MULTI-1", 4500, barcodes=("4000000000011", "4000000000028", "99"))]
    agent.run_once()
    assert _owners(cashier, "4000000000011", "4000000000028", "99") == ["MULTI-1"] * 3
    with cashier.db.read_session() as s:
        row = repo.product_by_sku(s, "MULTI-1")
    assert row is not None
    assert row.barcode == "4000000000011"  # the first is the product's own
    # head office drops one, moves one to another product (as its first), and takes the
    # demo product's barcode for a further one: each lands where head office says
    ho.changes.append(_product("MULTI-1", 4500, barcodes=("4000000000011", product.barcode)))
    ho.changes.append(_product("OTHER-1", 100, barcodes=("4000000000028",)))
    agent.run_once()
    assert _owners(cashier, "4000000000011", product.barcode, "4000000000028", "99") == [
        "MULTI-1",
        "MULTI-1",
        "OTHER-1",
        None,
    ]
    view = cashier.checkout.scan(product.barcode)  # a scan finds it by the further barcode
    assert view.lines[-1].sku == "MULTI-1"


def test_a_barcode_named_twice_in_one_page_goes_to_the_later_change(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    ho.changes = [
        _product("TWICE-1", 100, barcodes=("5000000000017", "5000000000024")),
        _product("TWICE-2", 200, barcodes=("5000000000024",)),
    ]
    agent.run_once()
    assert _owners(cashier, "5000000000017", "5000000000024") == ["TWICE-1", "TWICE-2"]


def test_user_changes_update_role_and_active_and_new_users_cannot_log_in_without_a_pin(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    users = {u.name: u for u in cashier.auth.users()}
    leaver = next(u for u in users.values() if u.role.value == "supervisor")
    ho.changes = [
        {
            "kind": "user",
            "id": leaver.user_id,
            "version": 2,
            "data": {
                "id": leaver.user_id,
                "name": leaver.name,
                "role": "supervisor",
                "active": False,
            },
        },
        {
            "kind": "user",
            "id": "0190e6a0-0000-7000-8000-000000000001",
            "version": 1,
            "data": {
                "id": "0190e6a0-0000-7000-8000-000000000001",
                "name": "Wanjiru New",
                "role": "cashier",
                "active": True,
            },
        },
    ]
    agent.run_once()
    names = {u.name for u in cashier.auth.users()}
    assert leaver.name not in names  # deactivated at head office: gone from the login list
    with cashier.db.read_session() as s:
        new = repo.user_by_id(s, "0190e6a0-0000-7000-8000-000000000001")
    assert new is not None
    assert new.pin_hash == ""  # no PIN travels; a manager sets one on the till
    report = cashier.startup_checks()
    assert report.audit_ok, report.audit_problem  # the rows were sealed as the till seals


def test_a_bad_change_is_left_out_with_its_reason_and_the_rest_applied(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    bad = _product("BAD-1", 100)
    bad["data"]["price_minor"] = 1.5  # money is never a float
    ho.changes = [bad, _product("GOOD-1", 100)]
    agent.run_once()
    with cashier.db.read_session() as s:
        assert repo.product_by_sku(s, "BAD-1") is None
        assert repo.product_by_sku(s, "GOOD-1") is not None
        problem = sync_state.get_value(s, sync_state.LAST_PROBLEM)
    assert problem is not None
    assert "BAD-1" in problem
    assert "price_minor" in problem
    assert any("price_minor" in p for p in agent.status().problems)


def test_a_page_of_the_wrong_shape_is_refused_and_the_cursor_stays(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice
) -> None:
    ho.bad_page = True
    with pytest.raises(TransientError, match="changes must be a list"):
        agent.run_once()
    assert _cursor(cashier) is None


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("currency", "kes", "currency"),
        ("barcodes", ["123456789012345"], "barcodes"),
        ("vat_class", {"code": "", "rate": "16"}, "vat_class"),
        ("active", 1, "active"),
        ("sku", "", "sku"),
        ("price_minor", -1, "price_minor"),
    ],
)
def test_each_product_field_is_checked(field: str, value: Any, says: str) -> None:
    change = _product("X-1", 100)
    change["data"][field] = value
    page = parse_page({"changes": [change], "cursor": "1", "more": False})
    assert page.products == ()
    assert says in page.problems[0]
