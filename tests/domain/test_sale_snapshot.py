"""Restoring saved sales: a snapshot that breaks the sale's rules is refused, with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pos.domain.errors import DomainError, InvalidDiscount
from pos.domain.money import Money
from pos.domain.sale import CashRounding, Discount, ProductRef, Sale, SaleStatus
from pos.domain.snapshot import InvalidSnapshot
from pos.domain.tax import KENYA_VAT

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
Snapshot = dict[str, Any]


def kes(text: str) -> Money:
    return Money.parse(text)


def basket() -> Sale:
    """An open sale: 2 x 65.00 with 10 % off the line, 1 x 75.00, 5.00 off the order."""
    sale = Sale("sale-1", "KES", T0, "cashier-1")
    sale.add_product(ProductRef(1, "DAI-0001", "6168232712628", "Milk", kes("65"), "Z"), 2, "L1")
    sale.add_product(ProductRef(2, "DAI-0003", "6168232799285", "UHT", kes("75"), "S"), 1, "L2")
    sale.set_line_discount("L1", Discount.of_percent(10))
    sale.set_order_discount(Discount.of_amount(kes("5")))
    return sale


def paid_sale() -> Sale:
    sale = basket()
    sale.pay_cash(
        kes("500"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id="P1",
        at=T0,
    )
    sale.complete(KENYA_VAT)
    return sale


def snapshot(sale: Sale) -> Snapshot:
    data: Snapshot = json.loads(json.dumps(sale.to_dict()))
    return data


def test_a_paid_completed_sale_and_an_open_basket_restore_unchanged() -> None:
    for sale in (basket(), paid_sale()):
        restored = Sale.from_dict(snapshot(sale))
        assert restored == sale
        assert restored.totals(KENYA_VAT) == sale.totals(KENYA_VAT)


def _line(data: Snapshot) -> dict[str, Any]:
    line: dict[str, Any] = data["lines"][0]
    return line


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: _line(d).update(quantity=-5), "Quantity must be at least 1"),
        (lambda d: _line(d).update(quantity=0), "Quantity must be at least 1"),
        (lambda d: _line(d).update(quantity="2"), "Quantity must be a whole number"),
        (
            lambda d: _line(d).update(discount={"kind": "percent", "percent": "150"}),
            "at most 100",
        ),
        (
            lambda d: _line(d).update(
                discount={"kind": "amount", "minor": 20000, "currency": "KES"}
            ),
            r"larger than the line Milk",
        ),
        (
            lambda d: d.update(
                order_discount={"kind": "amount", "minor": 99999, "currency": "KES"}
            ),
            r"larger than the order",
        ),
        (
            lambda d: _line(d).update(unit_price={"minor": 6500, "currency": "USD"}),
            "is in USD but the sale is in KES; currencies never mix",
        ),
        (
            lambda d: d["payments"][0].update(change={"minor": 0, "currency": "KES"}),
            "does not add up",
        ),
        (lambda d: d.update(payments=[]), r"A completed sale must be paid: KES 0\.00 paid"),
        (
            lambda d: d["payments"][0].update(
                amount={"minor": 100, "currency": "KES"},
                tendered={"minor": 100, "currency": "KES"},
                change={"minor": 0, "currency": "KES"},
            ),
            "A completed sale must be paid",
        ),
        (lambda d: d.pop("lines"), "damaged"),
        (lambda d: _line(d).update(unit_price={"minor": 1.5, "currency": "KES"}), "not an amount"),
    ],
    ids=[
        "negative-quantity",
        "zero-quantity",
        "text-quantity",
        "percent-over-100",
        "discount-beyond-line",
        "discount-beyond-order",
        "mixed-currency",
        "tender-not-adding-up",
        "completed-unpaid",
        "completed-underpaid",
        "missing-field",
        "float-money",
    ],
)
def test_a_snapshot_breaking_a_rule_is_refused_with_the_reason(
    damage: Callable[[Snapshot], object], reason: str
) -> None:
    data = snapshot(paid_sale())
    Sale.from_dict(json.loads(json.dumps(data)))  # intact, it restores
    damage(data)
    with pytest.raises(InvalidSnapshot, match=reason) as excinfo:
        Sale.from_dict(data)
    assert isinstance(excinfo.value, DomainError)
    assert excinfo.value.message.startswith("Saved sale refused")


def test_an_open_or_voided_sale_need_not_be_paid() -> None:
    """Only a completed sale must be paid; a basket being rung up or voided is not."""
    open_sale = basket()
    assert Sale.from_dict(snapshot(open_sale)).status is SaleStatus.OPEN
    voided = basket()
    voided.void("customer left")
    assert Sale.from_dict(snapshot(voided)).status is SaleStatus.VOIDED


def test_a_saved_discount_goes_through_the_entry_rules() -> None:
    assert Discount.from_dict({"kind": "percent", "percent": "12.5"}) == Discount.of_percent("12.5")
    for bad in (
        {"kind": "percent", "percent": "0"},
        {"kind": "percent", "percent": "10.125"},
        {"kind": "amount", "minor": -100, "currency": "KES"},
        {"kind": "amount", "minor": "100", "currency": "KES"},
        {"kind": "voucher"},
    ):
        with pytest.raises(InvalidDiscount):
            Discount.from_dict(bad)
