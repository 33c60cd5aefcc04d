"""Ringing up, discounts, park/recall, void and cash payment, over a real database file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from pos.domain.catalog import CatalogItem
from pos.domain.errors import (
    InsufficientTender,
    InvalidDiscount,
    InvalidQuantity,
    SaleStateError,
)
from pos.domain.money import Money
from pos.domain.sale import Discount, SaleStatus
from pos.services.auth import Approval, Permission, Role, UserSummary
from pos.services.checkout import SaleView
from pos.services.context import TerminalContext
from pos.services.errors import (
    ApprovalRequired,
    NotFound,
    NotLoggedIn,
    ServiceError,
    UnknownBarcode,
)
from pos.services.terminal import Terminal
from pos.store.errors import AppendOnlyViolation

if TYPE_CHECKING:
    from conftest import FakeClock

Users = dict[Role, UserSummary]

MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00, Z
MILK_1L = "6168232430898"  # DAI-0002 Brookside Fresh Milk 1L, 125.00, Z
UHT = "6168232799285"  # DAI-0003 Brookside Long Life Whole Milk 500ml, 75.00, S (16 %)
FLOUR = "6162393385004"  # FLR-0001 Jogoo Maize Flour 1kg, 88.00, E
NOT_IN_CATALOG = "6160000000005"  # a valid EAN-13 that no product has


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


def rows(terminal: Terminal, sql: str, **params: Any) -> list[dict[str, Any]]:
    with terminal.db.session() as s:
        return [dict(r._mapping) for r in s.execute(text(sql), params)]


def drafts(terminal: Terminal) -> list[dict[str, Any]]:
    return rows(
        terminal, "SELECT id, status, item_count, total_minor, note, data FROM drafts ORDER BY id"
    )


def audit(terminal: Terminal, action: str) -> list[dict[str, Any]]:
    found = rows(
        terminal,
        "SELECT user_id, document_id, approved_by, detail FROM audit_log "
        "WHERE action = :a ORDER BY seq",
        a=action,
    )
    for entry in found:
        entry["detail"] = json.loads(entry["detail"])
    return found


def approve(terminal: Terminal, users: Users, permission: Permission) -> Approval:
    return terminal.auth.approve(users[Role.SUPERVISOR].user_id, "2222", permission)


def basket(view: SaleView) -> list[tuple[str, int, int, int]]:
    """(sku, quantity, discount minor, total minor) per line."""
    return [(ln.sku, ln.quantity, ln.discount.minor, ln.total.minor) for ln in view.lines]


# -- ringing up --------------------------------------------------------------------------


def test_scan_adds_and_merges_lines(cashier: Terminal) -> None:
    co = cashier.checkout
    first = co.scan(MILK)
    assert basket(first) == [("DAI-0001", 1, 0, 6500)]
    assert first.lines[0].name == "Brookside Fresh Milk 500ml"
    second = co.scan(f"  {MILK}\n")  # scanners add whitespace
    assert basket(second) == [("DAI-0001", 2, 0, 13000)]
    assert second.lines[0].line_id == first.lines[0].line_id
    co.scan(UHT)
    view = co.scan(MILK, quantity=3)
    assert basket(view) == [("DAI-0001", 5, 0, 32500), ("DAI-0003", 1, 0, 7500)]
    assert view.totals.total == kes("400.00")
    assert view.totals.item_count == 6
    assert view.cash_due == kes("400.00")
    [draft] = drafts(cashier)
    assert (draft["id"], draft["status"]) == (view.sale_id, "open")
    assert (draft["item_count"], draft["total_minor"]) == (6, 40000)
    assert [ln["quantity"] for ln in json.loads(draft["data"])["lines"]] == [5, 1]


def test_add_product_from_search(cashier: Terminal, product: CatalogItem) -> None:
    [hit] = cashier.checkout.search(MILK)
    assert hit == product
    assert hit.product_id is not None
    view = cashier.checkout.add_product(hit.product_id, 2)
    assert basket(view) == [("DAI-0001", 2, 0, 13000)]
    with pytest.raises(NotFound):
        cashier.checkout.add_product(999_999)


def test_unknown_barcode(cashier: Terminal) -> None:
    before = cashier.checkout.scan(MILK)
    with pytest.raises(UnknownBarcode) as excinfo:
        cashier.checkout.scan(NOT_IN_CATALOG)
    assert NOT_IN_CATALOG in str(excinfo.value)
    assert excinfo.value.barcode == NOT_IN_CATALOG
    assert cashier.checkout.view() == before


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("61682327126AB", "Barcode 61682327126AB contains characters other than digits"),
        ("6168232712629", "Barcode 6168232712629 has a wrong check digit (expected 8)"),
        ("616823271", "Barcode 616823271 has 9 digits; a barcode has 8, 12, 13 or 14"),
        ("61682327126", "Barcode 61682327126 has 11 digits"),
        ("   ", "Barcode is empty"),
    ],
)
def test_malformed_barcode_leaves_the_basket_alone(
    cashier: Terminal, code: str, message: str
) -> None:
    before = cashier.checkout.scan(MILK)
    saved = drafts(cashier)
    with pytest.raises(ServiceError) as excinfo:
        cashier.checkout.scan(code)
    assert type(excinfo.value) is ServiceError
    assert message in str(excinfo.value)
    assert cashier.checkout.view() == before
    assert drafts(cashier) == saved


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity must be at least 1"),
        (-1, "Quantity must be at least 1"),
        (10000, r"Quantity 10,000 is too large \(at most 9,999\)"),
    ],
)
def test_bad_quantities_leave_the_basket_alone(
    cashier: Terminal, quantity: int, message: str
) -> None:
    co = cashier.checkout
    before = co.scan(MILK, 2)
    line_id = before.lines[0].line_id
    saved = drafts(cashier)
    with pytest.raises(InvalidQuantity, match=message):
        co.scan(UHT, quantity)
    with pytest.raises(InvalidQuantity, match=message):
        co.set_quantity(line_id, quantity)
    assert co.view() == before
    assert drafts(cashier) == saved


def test_bad_quantity_on_an_empty_till_creates_no_draft(cashier: Terminal) -> None:
    with pytest.raises(InvalidQuantity):
        cashier.checkout.scan(MILK, 0)
    assert cashier.checkout.view().is_empty
    assert drafts(cashier) == []


def test_merging_past_the_maximum_quantity_is_refused(cashier: Terminal) -> None:
    before = cashier.checkout.scan(MILK, 9999)
    with pytest.raises(InvalidQuantity, match="Quantity 10,000 is too large"):
        cashier.checkout.scan(MILK)
    assert cashier.checkout.view() == before


def test_set_quantity_and_remove_line_before_tender(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(UHT)
    milk, uht = (ln.line_id for ln in view.lines)
    assert basket(co.set_quantity(milk, 4)) == [("DAI-0001", 4, 0, 26000), ("DAI-0003", 1, 0, 7500)]
    assert basket(co.remove_line(uht)) == [("DAI-0001", 4, 0, 26000)]
    assert json.loads(drafts(cashier)[0]["data"])["lines"][0]["quantity"] == 4
    assert audit(cashier, "line_removed_after_tender") == []


# -- discounts -------------------------------------------------------------------------


def test_discount_larger_than_the_line_or_order_is_refused(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    before = co.scan(UHT)
    line_id = before.lines[0].line_id
    with pytest.raises(InvalidDiscount, match=r"KES 65.01 is larger than the line \(KES 65.00\)"):
        co.set_line_discount(line_id, Discount.of_amount(kes("65.01")))
    with pytest.raises(InvalidDiscount, match=r"KES 140.01 is larger than the \w+ \(KES 140.00\)"):
        co.set_order_discount(Discount.of_amount(kes("140.01")))
    assert co.view() == before
    assert json.loads(drafts(cashier)[0]["data"])["order_discount"] is None


def test_oversize_order_discount_message_says_order(cashier: Terminal) -> None:
    cashier.checkout.scan(MILK)
    with pytest.raises(InvalidDiscount, match=r"larger than the order \(KES 65.00\)"):
        cashier.checkout.set_order_discount(Discount.of_amount(kes("65.01")))


def test_cashier_gives_up_to_ten_percent_without_approval(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(UHT)
    milk, uht = (ln.line_id for ln in view.lines)
    view = co.set_line_discount(milk, Discount.of_percent(10))
    view = co.set_line_discount(uht, Discount.of_amount(kes("7.50")))  # exactly 10 %
    assert basket(view) == [("DAI-0001", 1, 650, 5850), ("DAI-0003", 1, 750, 6750)]
    assert view.lines[0].discount_text == "10%"
    assert view.totals.total == kes("126.00")
    assert audit(cashier, "discount_over_limit") == []


def test_line_discount_over_the_limit_needs_a_supervisor(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    before = co.scan(MILK)
    line_id = before.lines[0].line_id
    with pytest.raises(ApprovalRequired) as excinfo:
        co.set_line_discount(line_id, Discount.of_percent(15))
    assert excinfo.value.permissions == ("discount_over_limit",)
    assert str(excinfo.value) == (
        "A discount of 15.0% (over the 10% limit) needs approval by a supervisor or manager."
    )
    with pytest.raises(ApprovalRequired):  # 6.51 of 65.00 is just over 10 %
        co.set_line_discount(line_id, Discount.of_amount(kes("6.51")))
    assert co.view() == before

    view = co.set_line_discount(
        line_id, Discount.of_percent(15), approve(cashier, users, Permission.DISCOUNT_OVER_LIMIT)
    )
    assert basket(view) == [("DAI-0001", 1, 975, 5525)]
    assert audit(cashier, "discount_over_limit") == [
        {
            "user_id": users[Role.CASHIER].user_id,
            "document_id": view.sale_id,
            "approved_by": users[Role.SUPERVISOR].user_id,
            "detail": {
                "line": line_id,
                "sku": "DAI-0001",
                "discount": "15%",
                "percent": {line_id: "15"},
            },
        }
    ]


def test_order_discount_over_the_limit_needs_a_supervisor(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    co.scan(MILK)
    co.scan(UHT)
    view = co.set_order_discount(Discount.of_percent(10))
    assert view.totals.order_discount == kes("14.00")
    assert view.order_discount_text == "10%"
    with pytest.raises(ApprovalRequired, match=r"A discount of 12.0% \(over the 10% limit\)"):
        co.set_order_discount(Discount.of_percent(12))
    assert co.view().totals.order_discount == kes("14.00")

    view = co.set_order_discount(
        Discount.of_percent(12), approve(cashier, users, Permission.DISCOUNT_OVER_LIMIT)
    )
    assert view.totals.order_discount == kes("16.80")
    assert view.totals.total == kes("123.20")
    assert [ln.discount.minor for ln in view.lines] == [780, 900]  # spread by value
    [entry] = audit(cashier, "discount_over_limit")
    assert entry["approved_by"] == users[Role.SUPERVISOR].user_id
    assert entry["detail"] == {"discount": "12%", "percent": {"order": "12"}}


def test_supervisor_gives_a_large_discount_herself(terminal: Terminal, users: Users) -> None:
    terminal.auth.login(users[Role.SUPERVISOR].user_id, "2222")
    terminal.checkout.scan(MILK)
    view = terminal.checkout.set_order_discount(Discount.of_percent(20))
    assert view.totals.total == kes("52.00")
    [entry] = audit(terminal, "discount_over_limit")
    assert (entry["user_id"], entry["approved_by"]) == (users[Role.SUPERVISOR].user_id, "")


def test_lowering_quantity_cannot_lift_a_line_discount_over_the_limit(cashier: Terminal) -> None:
    co = cashier.checkout
    line_id = co.scan(MILK, 2).lines[0].line_id
    co.set_line_discount(line_id, Discount.of_amount(kes("13.00")))  # 10 % of 130.00
    with pytest.raises(ApprovalRequired):
        co.set_quantity(line_id, 1)  # 13.00 of 65.00 = 20 %
    assert co.view().totals.total == kes("117.00")


def test_removing_a_line_cannot_lift_an_order_discount_over_the_limit(
    cashier: Terminal,
) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(MILK_1L)
    co.set_order_discount(Discount.of_amount(kes("19.00")))  # 10 % of 190.00
    with pytest.raises(ApprovalRequired):
        co.remove_line(view.lines[1].line_id)  # 19.00 of 65.00 = 29 %
    assert co.view().totals.total == kes("171.00")


def test_price_override_is_audited(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    line_id = co.scan(UHT, 2).lines[0].line_id
    view = co.override_price(
        line_id, kes("70.00"), approve(cashier, users, Permission.PRICE_OVERRIDE)
    )
    assert view.lines[0].price_overridden
    assert basket(view) == [("DAI-0003", 2, 0, 14000)]
    assert view.lines[0].list_price == kes("75.00")
    assert audit(cashier, "price_override") == [
        {
            "user_id": users[Role.CASHIER].user_id,
            "document_id": view.sale_id,
            "approved_by": users[Role.SUPERVISOR].user_id,
            "detail": {"line": line_id, "sku": "DAI-0003", "from": 7500, "to": 7000},
        }
    ]
    # an overridden line no longer merges with a fresh scan of the same product
    assert basket(co.scan(UHT)) == [("DAI-0003", 2, 0, 14000), ("DAI-0003", 1, 0, 7500)]


# -- park and recall ------------------------------------------------------------------


def test_park_and_recall_round_trip(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK, 2)
    first = co.set_order_discount(Discount.of_percent(5))
    assert co.park("Mama Njeri, back in 5 min").is_empty
    co.scan(UHT)
    second = co.scan(FLOUR)
    co.park()

    parked = co.parked()
    assert [(p.sale_id, p.item_count, p.total, p.note) for p in parked] == [
        (first.sale_id, 2, kes("123.50"), "Mama Njeri, back in 5 min"),
        (second.sale_id, 2, kes("163.00"), ""),
    ]
    assert co.view().is_empty

    assert first.sale_id is not None
    recalled = co.recall(first.sale_id)
    assert recalled.status is SaleStatus.OPEN
    assert basket(recalled) == basket(first)
    assert recalled.totals == first.totals
    assert [p.sale_id for p in co.parked()] == [second.sale_id]
    assert [(d["id"], d["status"]) for d in drafts(cashier)] == sorted(
        [(first.sale_id, "open"), (second.sale_id, "parked")]
    )
    assert len(audit(cashier, "sale_parked")) == 2
    assert [e["document_id"] for e in audit(cashier, "sale_recalled")] == [first.sale_id]


def test_recall_with_a_basket_on_the_till_is_refused(cashier: Terminal) -> None:
    co = cashier.checkout
    parked = co.scan(MILK)
    co.park()
    current = co.scan(UHT)
    assert parked.sale_id is not None
    with pytest.raises(ServiceError, match="Finish, park or void the current sale"):
        co.recall(parked.sale_id)
    assert co.view() == current
    assert [p.sale_id for p in co.parked()] == [parked.sale_id]


def test_recall_of_an_unknown_sale(cashier: Terminal) -> None:
    with pytest.raises(NotFound, match="parked sale is gone"):
        cashier.checkout.recall("no-such-sale")


# -- void ----------------------------------------------------------------------------------


def test_void_needs_approval_and_is_journaled(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(UHT)
    with pytest.raises(ApprovalRequired) as excinfo:
        co.void("customer changed mind")
    assert excinfo.value.permissions == ("void_sale",)
    assert [d["status"] for d in drafts(cashier)] == ["open"]
    assert rows(cashier, "SELECT id FROM sales") == []

    result = co.void("  customer changed mind ", approve(cashier, users, Permission.VOID_SALE))
    assert result.receipt.number == "DEMO-T1-000001"
    assert result.receipt.status is SaleStatus.VOIDED
    assert result.receipt.void_reason == "customer changed mind"
    assert result.cash_to_return == kes("0.00")
    [sale] = rows(cashier, "SELECT id, number, status, total_minor, void_reason FROM sales")
    assert sale == {
        "id": view.sale_id,
        "number": "DEMO-T1-000001",
        "status": "voided",
        "total_minor": 14000,
        "void_reason": "customer changed mind",
    }
    assert [r["status"] for r in rows(cashier, "SELECT status FROM sale_taxes")] == ["voided"] * 2
    [event] = rows(
        cashier, "SELECT kind, aggregate_id, payload FROM outbox WHERE kind LIKE 'sale.%'"
    )
    assert (event["kind"], event["aggregate_id"]) == ("sale.voided", view.sale_id)
    assert json.loads(event["payload"])["body"]["receipt_number"] == "DEMO-T1-000001"
    assert drafts(cashier) == []
    assert co.view().is_empty
    [entry] = audit(cashier, "sale_voided")
    assert entry["approved_by"] == users[Role.SUPERVISOR].user_id
    assert entry["detail"] == {"reason": "customer changed mind"}


def test_void_after_a_part_payment_returns_the_cash(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    co.scan(MILK_1L)
    co.pay_cash(kes("50"), partial=True)
    result = co.void("wrong item", approve(cashier, users, Permission.VOID_SALE))
    assert result.cash_to_return == kes("50.00")
    assert rows(cashier, "SELECT amount_minor, status FROM payments") == [
        {"amount_minor": 5000, "status": "voided"}
    ]


# -- cash ----------------------------------------------------------------------------------


_SALE_EVENTS = {"outbox": " WHERE kind LIKE 'sale.%'"}


def journal(terminal: Terminal) -> dict[str, list[dict[str, Any]]]:
    return {
        # the outbox's sale events (the demo seed's shift.opened is there from the start)
        table: rows(terminal, f"SELECT * FROM {table}" + _SALE_EVENTS.get(table, ""))
        for table in ("sales", "sale_lines", "sale_taxes", "payments", "outbox")
    }


def test_cash_below_the_total_writes_nothing(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    before = co.scan(UHT)
    saved = drafts(cashier)
    with pytest.raises(InsufficientTender, match=r"KES 139\.00 is less than the KES 140\.00 due"):
        co.pay_cash(kes("139"))
    assert co.view() == before
    assert drafts(cashier) == saved
    assert all(not r for r in journal(cashier).values())
    assert rows(cashier, "SELECT * FROM counters") == []


def check_journal(terminal: Terminal, sale_id: str) -> dict[str, Any]:
    """The journal rows of one sale add up; returns its sales row."""
    [sale] = rows(terminal, "SELECT * FROM sales WHERE id = :i", i=sale_id)
    lines = rows(
        terminal, "SELECT * FROM sale_lines WHERE sale_id = :i ORDER BY line_no", i=sale_id
    )
    taxes = rows(terminal, "SELECT * FROM sale_taxes WHERE sale_id = :i", i=sale_id)
    payments = rows(terminal, "SELECT * FROM payments WHERE sale_id = :i", i=sale_id)
    [event] = rows(terminal, "SELECT * FROM outbox WHERE aggregate_id = :i", i=sale_id)
    assert [ln["line_no"] for ln in lines] == list(range(1, len(lines) + 1))
    for ln in lines:
        assert ln["gross_minor"] == ln["unit_price_minor"] * ln["quantity"]
        assert ln["total_minor"] == ln["gross_minor"] - ln["discount_minor"]
    assert sum(ln["total_minor"] for ln in lines) == sale["total_minor"]
    assert sum(ln["discount_minor"] for ln in lines) == sale["discount_minor"]
    assert sum(ln["gross_minor"] for ln in lines) == sale["subtotal_minor"]
    assert sum(ln["quantity"] for ln in lines) == sale["item_count"]
    assert sum(t["gross_minor"] for t in taxes) == sale["total_minor"]
    assert sum(t["vat_minor"] for t in taxes) == sale["vat_minor"]
    assert sum(p["amount_minor"] for p in payments) == sale["total_minor"] + sale["rounding_minor"]
    assert sum(p["amount_minor"] for p in payments) == sale["paid_minor"]
    assert {p["business_date"] for p in payments} == {sale["business_date"]}
    assert event["kind"] == "sale.completed"
    payload = json.loads(event["payload"])
    assert payload["body"]["totals"]["total"]["minor"] == sale["total_minor"]
    assert payload["body"]["receipt_number"] == sale["number"]
    assert event["sent_at"] is None
    return sale


def test_exact_and_over_payment_complete_sales(cashier: Terminal, ctx: TerminalContext) -> None:
    co = cashier.checkout
    co.scan(MILK)
    first = co.scan(UHT)
    result = co.pay_cash(kes("140"))
    assert result.receipt is not None
    assert result.receipt.number == "DEMO-T1-000001"
    assert result.change == kes("0.00")
    assert result.view.is_empty
    assert result.receipt.training
    assert [(v.tax_class.code, v.gross.minor, v.vat.minor) for v in result.receipt.vat] == [
        ("S", 7500, 1034),
        ("Z", 6500, 0),
    ]
    assert first.sale_id is not None
    sale = check_journal(cashier, first.sale_id)
    assert (sale["status"], sale["total_minor"], sale["vat_minor"]) == ("completed", 14000, 1034)
    assert (sale["paid_minor"], sale["change_minor"], sale["rounding_minor"]) == (14000, 0, 0)
    assert sale["business_date"] == "2026-03-02"
    assert sale["training"] == 1
    assert sale["cashier_name"] == "Amina Wanjiru"
    assert drafts(cashier) == []

    co.scan(MILK, 2)
    second = co.scan(FLOUR)
    result = co.pay_cash(kes("1,000"))
    assert result.receipt is not None
    assert result.receipt.number == "DEMO-T1-000002"
    assert result.change == kes("782.00")
    assert second.sale_id is not None
    sale = check_journal(cashier, second.sale_id)
    assert (sale["total_minor"], sale["paid_minor"], sale["change_minor"]) == (21800, 21800, 78200)
    [payment] = rows(cashier, "SELECT * FROM payments WHERE sale_id = :i", i=second.sale_id)
    assert (payment["tendered_minor"], payment["change_minor"]) == (100000, 78200)
    taxes = rows(
        cashier,
        "SELECT vat_class, rate_bp, gross_minor, vat_minor FROM sale_taxes "
        "WHERE sale_id = :i ORDER BY vat_class",
        i=second.sale_id,
    )
    assert [tuple(t.values()) for t in taxes] == [("E", 0, 8800, 0), ("Z", 0, 13000, 0)]
    assert rows(cashier, "SELECT value FROM counters") == [{"value": 2}]


@pytest.mark.parametrize(
    ("percent", "total", "rounding", "tendered", "change"),
    [
        ("3", "63.05", "-0.05", "100", "37.00"),  # 65.00 - 1.95, rounds down
        ("1.5", "64.02", "-0.02", "64", "0.00"),  # 0.975 rounds half up to 0.98
        ("0.5", "64.67", "0.33", "65", "0.00"),  # rounds up
        ("2.3", "63.50", "0.50", "100", "36.00"),  # half a shilling rounds up
    ],
)
def test_cash_rounding_is_recorded(
    cashier: Terminal, percent: str, total: str, rounding: str, tendered: str, change: str
) -> None:
    co = cashier.checkout
    line_id = co.scan(MILK).lines[0].line_id
    view = co.set_line_discount(line_id, Discount.of_percent(Decimal(percent)))
    assert view.totals.total == kes(total)
    assert view.cash_due == kes(total) + kes(rounding)
    result = co.pay_cash(kes(tendered))
    assert result.receipt is not None
    assert result.change == kes(change)
    assert result.receipt.rounding == kes(rounding)
    assert view.sale_id is not None
    sale = check_journal(cashier, view.sale_id)
    assert (sale["total_minor"], sale["rounding_minor"]) == (kes(total).minor, kes(rounding).minor)
    assert sale["change_minor"] == kes(change).minor


def test_order_discount_with_cents_over_two_vat_classes(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    co.scan(UHT)
    view = co.set_order_discount(Discount.of_percent(3))  # 4.20 off 140.00
    assert view.totals.total == kes("135.80")
    assert view.cash_due == kes("136.00")
    result = co.pay_cash(kes("200"))
    assert result.change == kes("64.00")
    assert view.sale_id is not None
    sale = check_journal(cashier, view.sale_id)
    assert (sale["rounding_minor"], sale["discount_minor"], sale["vat_minor"]) == (20, 420, 1003)
    lines = rows(cashier, "SELECT discount_minor, total_minor FROM sale_lines ORDER BY line_no")
    assert lines == [
        {"discount_minor": 195, "total_minor": 6305},
        {"discount_minor": 225, "total_minor": 7275},
    ]


def test_part_payments_then_the_rest(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(MILK_1L)
    part = co.pay_cash(kes("100"), partial=True)
    assert part.receipt is None
    assert part.view.tender_started
    assert (part.view.totals.paid, part.view.totals.due) == (kes("100.00"), kes("90.00"))
    assert len(json.loads(drafts(cashier)[0]["data"])["payments"]) == 1
    assert [e["detail"] for e in audit(cashier, "cash_part_payment")] == [{"amount": 10000}]
    with pytest.raises(SaleStateError, match="Money was taken on this sale"):
        co.park()
    result = co.pay_cash(kes("100"))
    assert result.receipt is not None
    assert result.change == kes("10.00")
    assert view.sale_id is not None
    check_journal(cashier, view.sale_id)
    payments = rows(cashier, "SELECT amount_minor, tendered_minor, change_minor FROM payments")
    assert sorted(tuple(p.values()) for p in payments) == [(9000, 10000, 1000), (10000, 10000, 0)]


def test_removing_a_line_after_tender_needs_approval(cashier: Terminal, users: Users) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(MILK_1L)
    co.pay_cash(kes("100"), partial=True)
    line_1l = view.lines[1].line_id
    with pytest.raises(ApprovalRequired) as excinfo:
        co.remove_line(line_1l)
    assert excinfo.value.permissions == ("remove_after_tender",)
    assert len(co.view().lines) == 2

    after = co.remove_line(line_1l, approve(cashier, users, Permission.REMOVE_AFTER_TENDER))
    assert basket(after) == [("DAI-0001", 1, 0, 6500)]
    assert after.totals.paid == kes("100.00")
    assert after.totals.payable == kes("65.00")
    assert after.totals.due == kes("0.00")
    assert after.cash_due == kes("0.00")
    assert after.totals.paid - after.totals.payable == kes("35.00")  # change owed
    [entry] = audit(cashier, "line_removed_after_tender")
    assert entry["approved_by"] == users[Role.SUPERVISOR].user_id
    assert entry["detail"] == {"line": line_1l, "sku": "DAI-0002", "qty": 1}


def test_an_overpaid_sale_completes_with_the_overpayment_as_change(
    cashier: Terminal, users: Users
) -> None:
    co = cashier.checkout
    co.scan(MILK)
    view = co.scan(MILK_1L)
    with pytest.raises(ServiceError, match=r"KES 190\.00 is still due: take payment first"):
        co.complete_paid()
    co.pay_cash(kes("100"), partial=True)
    with pytest.raises(ServiceError, match=r"KES 90\.00 is still due"):
        co.complete_paid()
    co.remove_line(view.lines[1].line_id, approve(cashier, users, Permission.REMOVE_AFTER_TENDER))
    with pytest.raises(SaleStateError, match="Nothing is due"):  # the cash key does not finish it
        co.pay_cash(kes("100"))

    result = co.complete_paid()
    assert result.receipt is not None
    assert result.receipt.number == "DEMO-T1-000001"
    assert result.change == kes("35.00")
    assert result.receipt.change == kes("35.00")
    assert result.view.is_empty
    assert drafts(cashier) == []
    [sale] = rows(cashier, "SELECT * FROM sales")
    assert (sale["status"], sale["total_minor"], sale["item_count"]) == ("completed", 6500, 1)
    assert (sale["paid_minor"], sale["change_minor"], sale["rounding_minor"]) == (6500, 3500, 0)
    assert sale["paid_minor"] == sale["total_minor"] + sale["rounding_minor"]
    [pay] = rows(cashier, "SELECT amount_minor, tendered_minor, change_minor FROM payments")
    assert (pay["amount_minor"], pay["tendered_minor"], pay["change_minor"]) == (6500, 10000, 3500)
    assert rows(cashier, "SELECT sku FROM sale_lines") == [{"sku": "DAI-0001"}]
    [event] = rows(cashier, "SELECT kind, payload FROM outbox WHERE kind LIKE 'sale.%'")
    assert event["kind"] == "sale.completed"
    assert json.loads(event["payload"])["body"]["totals"]["total"]["minor"] == 6500


# -- restart -------------------------------------------------------------------------------


@pytest.fixture
def reopen(db_path: Path, ctx: TerminalContext, clock: FakeClock) -> Iterator[Terminal]:
    """A second Terminal on the same file, as after a restart (nobody logged in yet)."""
    term = Terminal.open(db_path, ctx, clock)
    try:
        yield term
    finally:
        term.close()


def test_open_basket_survives_a_restart(
    cashier: Terminal, reopen: Terminal, users: Users, clock: FakeClock
) -> None:
    co = cashier.checkout
    co.scan(MILK, 3)
    co.scan(UHT)
    line_id = co.scan(FLOUR).lines[2].line_id
    co.set_line_discount(line_id, Discount.of_percent(10))
    co.set_order_discount(Discount.of_amount(kes("5.00")))
    before = co.pay_cash(kes("50"), partial=True).view
    cashier.close()  # the old process is gone

    clock.advance(minutes=5)
    reopen.auth.login(users[Role.CASHIER].user_id, "1111")
    restored = reopen.checkout.restore()
    assert restored == before
    assert basket(restored) == basket(before)
    assert restored.totals.paid == kes("50.00")
    result = reopen.checkout.pay_cash(restored.cash_due)
    assert result.receipt is not None
    assert result.receipt.number == "DEMO-T1-000001"


def test_restore_requires_a_login(reopen: Terminal) -> None:
    with pytest.raises(NotLoggedIn):
        reopen.checkout.restore()


def test_last_receipt_after_a_restart_is_a_reprint(
    cashier: Terminal, reopen: Terminal, users: Users
) -> None:
    co = cashier.checkout
    co.scan(MILK)
    co.pay_cash(kes("100"))
    co.scan(UHT, 2)
    original = co.pay_cash(kes("200")).receipt
    assert original is not None
    cashier.close()

    reopen.auth.login(users[Role.CASHIER].user_id, "1111")
    reprint = reopen.checkout.last_receipt()
    assert reprint is not None
    assert reprint.reprint
    assert not original.reprint
    assert reprint.number == "DEMO-T1-000002"
    assert reprint.sale_id == original.sale_id
    assert (reprint.total, reprint.change, reprint.vat) == (
        original.total,
        original.change,
        original.vat,
    )
    assert reprint.lines == original.lines
    assert reprint.issued_at == original.issued_at
    assert reprint.cashier == "Amina Wanjiru"
    assert [(e["user_id"], e["document_id"]) for e in audit(reopen, "receipt_reprint")] == [
        (users[Role.CASHIER].user_id, original.sale_id)
    ]
    # numbering continues after the restart
    reopen.checkout.scan(FLOUR)
    receipt = reopen.checkout.pay_cash(kes("88")).receipt
    assert receipt is not None
    assert receipt.number == "DEMO-T1-000003"


def test_last_receipt_with_no_sales(cashier: Terminal) -> None:
    assert cashier.checkout.last_receipt() is None
    assert audit(cashier, "receipt_reprint") == []


def test_completed_sale_rows_cannot_be_changed(cashier: Terminal) -> None:
    co = cashier.checkout
    view = co.scan(MILK)
    co.pay_cash(kes("100"))
    for statement in (
        "UPDATE sales SET total_minor = 100",
        "UPDATE sale_lines SET quantity = 0",
        "DELETE FROM payments",
        "UPDATE sale_taxes SET status = 'voided'",
    ):
        with pytest.raises(AppendOnlyViolation, match="append-only"), cashier.db.session() as s:
            s.execute(text(statement))
    assert view.sale_id is not None
    sale = check_journal(cashier, view.sale_id)
    assert (sale["total_minor"], sale["status"]) == (6500, "completed")
