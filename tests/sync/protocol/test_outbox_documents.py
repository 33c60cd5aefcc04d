"""End to end: sales finished through the real services leave protocol documents in the
outbox, which the strict parser reads back (over a real SQLite file)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.services.auth import Permission, Role, UserSummary
from pos.services.terminal import Terminal
from sync.protocol import EventType, parse_event
from sync.protocol.sales import SaleCompleted, SaleVoided

MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00, Z
UHT = "6168232799285"  # DAI-0003 Brookside Long Life Whole Milk 500ml, 75.00, S (16 %)
FLOUR = "6162393385004"  # FLR-0001 Jogoo Maize Flour 1kg, 88.00, E


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


def outbox(terminal: Terminal) -> list[dict[str, Any]]:
    with terminal.db.session() as s:
        rows = s.execute(
            # sale events (the demo seed's shift.opened is seq 1)
            text(
                "SELECT seq, id, kind, aggregate_id, payload FROM outbox "
                "WHERE kind LIKE 'sale.%' ORDER BY seq"
            )
        )
        return [dict(r._mapping) for r in rows]


def test_a_completed_sale_leaves_its_protocol_document_in_the_outbox(cashier: Terminal) -> None:
    co = cashier.checkout
    co.scan(MILK)
    co.scan(UHT)
    view = co.scan(FLOUR, quantity=2)
    co.set_line_discount(view.lines[1].line_id, Discount.of_amount(kes("7.50")))
    result = co.pay_cash(kes("500"))
    assert result.receipt is not None

    [row] = outbox(cashier)
    event = parse_event(row["payload"])
    assert event.type is EventType.SALE_COMPLETED
    assert (event.event_id, event.seq, row["kind"]) == (row["id"], row["seq"], "sale.completed")
    assert (event.header.store_id, event.header.terminal_id, event.header.training) == (
        "DEMO",
        "T1",
        True,
    )
    assert isinstance(event.body, SaleCompleted)
    sale = event.body.sale
    assert sale.sale_id == row["aggregate_id"] == view.sale_id
    assert sale.receipt_number == result.receipt.number == "DEMO-T1-000001"
    assert sale.business_date.isoformat() == "2026-03-02"
    assert [(ln.sku, ln.quantity, ln.vat_class.code) for ln in sale.lines] == [
        ("DAI-0001", 1, "Z"),
        ("DAI-0003", 1, "S"),
        ("FLR-0001", 2, "E"),
    ]
    # 65 + 75 - 7.50 + 2 x 88 = 308.50; cash 500 rounds to 309.00, change 191.00.
    assert sale.totals.total.minor == result.receipt.total.minor == 30850
    assert [(v.vat_class.code, v.vat.minor) for v in sale.totals.vat] == [
        (v.tax_class.code, v.vat.minor) for v in result.receipt.vat
    ]
    [cash] = sale.payments
    assert (cash.method, cash.tendered.minor, cash.change.minor) == ("cash", 50000, 19100)
    assert (sale.rounding.minor, sale.change.minor) == (50, result.change.minor)


def test_a_voided_sale_names_its_reason_and_approver(
    cashier: Terminal, users: dict[Role, UserSummary]
) -> None:
    co = cashier.checkout
    co.scan(MILK)
    co.pay_cash(kes("50"), partial=True)
    approval = cashier.auth.approve(users[Role.SUPERVISOR].user_id, "2222", Permission.VOID_SALE)
    co.void("wrong item", approval)

    [row] = outbox(cashier)
    event = parse_event(row["payload"])
    assert (event.type, row["kind"]) == (EventType.SALE_VOIDED, "sale.voided")
    assert isinstance(event.body, SaleVoided)
    assert event.body.void.reason == "wrong item"
    assert event.body.void.approved_by == users[Role.SUPERVISOR].user_id
    assert event.body.void.returned.minor == 5000


def test_outbox_sequence_numbers_are_the_rows_and_gap_free(cashier: Terminal) -> None:
    """Each document carries its row's seq: 1, 2, 3 ... on this terminal (1 is the demo
    seed's shift.opened)."""
    co = cashier.checkout
    for _ in range(3):
        co.scan(UHT)
        co.pay_cash(kes("100"))
    rows = outbox(cashier)
    assert [r["seq"] for r in rows] == [2, 3, 4]
    events = [parse_event(r["payload"]) for r in rows]
    assert [e.seq for e in events] == [2, 3, 4]
    assert [json.loads(r["payload"])["seq"] for r in rows] == [2, 3, 4]
    assert len({e.event_id for e in events}) == 3
