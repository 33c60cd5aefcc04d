"""The sale aggregate: basket rules, discounts, cash payment and rounding, states, drafts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pos.domain.errors import (
    DomainError,
    InsufficientTender,
    InvalidAmount,
    InvalidDiscount,
    InvalidQuantity,
    SaleStateError,
)
from pos.domain.money import Money
from pos.domain.sale import (
    MAX_QUANTITY,
    CashRounding,
    Discount,
    DiscountKind,
    Payment,
    ProductRef,
    Sale,
    SaleStatus,
    check_quantity,
    round_cash,
)
from pos.domain.tax import KENYA_VAT, vat_from_gross

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def kes(text: str) -> Money:
    """Shorthand: a KES amount from text."""
    return Money.parse(text)


def product(sku: str, price: str, vat: str = "S", *, product_id: int | None = 1) -> ProductRef:
    """A catalog product as a line remembers it."""
    return ProductRef(product_id, sku, f"616{sku}", f"Item {sku}", kes(price), vat)


def new_sale() -> Sale:
    """An empty open KES sale."""
    return Sale(sale_id="sale-1", currency="KES", opened_at=T0, cashier_id="cashier-7")


def sale_with(*lines: tuple[str, str, int]) -> Sale:
    """An open sale with one standard-rated line per (sku, price, quantity)."""
    sale = new_sale()
    for i, (sku, price, qty) in enumerate(lines, start=1):
        sale.add_product(product(sku, price), qty, f"L{i}")
    return sale


def pay(
    sale: Sale,
    tendered: str,
    *,
    increment: int = 1,
    mode: CashRounding = CashRounding.NEAREST,
    allow_partial: bool = False,
    payment_id: str = "P1",
) -> Payment:
    """Take cash on a sale with the Kenyan table."""
    return sale.pay_cash(
        kes(tendered),
        table=KENYA_VAT,
        increment=increment,
        mode=mode,
        payment_id=payment_id,
        at=T0 + timedelta(minutes=5),
        allow_partial=allow_partial,
    )


# -- basket --------------------------------------------------------------------------------


def test_adding_the_same_plain_product_merges() -> None:
    """Scanning the same product twice grows the first line instead of adding one."""
    sale = new_sale()
    milk = product("MILK", "65.00", "Z")
    first = sale.add_product(milk, 2, "L1")
    merged = sale.add_product(milk, 3, "L2")
    assert len(sale.lines) == 1
    assert merged.line_id == first.line_id == "L1"
    assert sale.lines[0].quantity == 5
    assert sale.lines[0].gross == kes("325.00")
    sale.add_product(product("BREAD", "60.00", "Z"), 1, "L3")
    assert [ln.line_id for ln in sale.lines] == ["L1", "L3"]
    assert sale.totals(KENYA_VAT).item_count == 6


def test_lines_with_a_discount_or_override_do_not_merge() -> None:
    """A discounted or re-priced line stays as it is; the next scan starts a new line."""
    sale = new_sale()
    milk = product("MILK", "65.00", "Z")
    sale.add_product(milk, 1, "L1")
    sale.set_line_discount("L1", Discount.of_percent(10))
    sale.add_product(milk, 1, "L2")
    sale.override_price("L2", kes("60.00"))
    sale.add_product(milk, 1, "L3")
    assert [(ln.line_id, ln.quantity) for ln in sale.lines] == [("L1", 1), ("L2", 1), ("L3", 1)]


def test_same_sku_at_a_different_price_does_not_merge() -> None:
    """Only an identical product snapshot merges (a price change mid-sale is a new line)."""
    sale = new_sale()
    sale.add_product(product("SUGAR", "150.00"), 1, "L1")
    sale.add_product(product("SUGAR", "155.00"), 1, "L2")
    assert len(sale.lines) == 2


BAD_QUANTITIES: list[object] = [0, -1, MAX_QUANTITY + 1, True, False, 1.5, 2.0, "2", None]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_invalid_quantity_is_refused_on_add(quantity: object) -> None:
    """Zero, negative, too large, bool and non-int quantities raise InvalidQuantity."""
    sale = new_sale()
    with pytest.raises(InvalidQuantity) as info:
        sale.add_product(product("A", "1.00"), quantity, "L1")  # type: ignore[arg-type]
    assert info.value.code == "invalid_quantity"
    assert sale.lines == []


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_invalid_quantity_is_refused_on_set(quantity: object) -> None:
    """set_quantity applies the same rule and leaves the line unchanged."""
    sale = sale_with(("A", "1.00", 3))
    with pytest.raises(InvalidQuantity):
        sale.set_quantity("L1", quantity)  # type: ignore[arg-type]
    assert sale.lines[0].quantity == 3


def test_quantity_messages_say_what_to_do() -> None:
    """The messages name the allowed range."""
    with pytest.raises(InvalidQuantity, match="at least 1"):
        check_quantity(0)
    with pytest.raises(InvalidQuantity, match=r"Quantity 10,000 is too large \(at most 9,999\)"):
        check_quantity(10_000)
    with pytest.raises(InvalidQuantity, match="whole number"):
        check_quantity(True)
    assert check_quantity(MAX_QUANTITY) == 9_999


def test_merge_beyond_max_quantity_is_refused() -> None:
    """Merging cannot push a line past MAX_QUANTITY; the line keeps its quantity."""
    sale = new_sale()
    a = product("A", "1.00")
    sale.add_product(a, MAX_QUANTITY - 1, "L1")
    sale.add_product(a, 1, "L2")
    assert sale.lines[0].quantity == MAX_QUANTITY
    with pytest.raises(InvalidQuantity, match="too large"):
        sale.add_product(a, 1, "L3")
    assert [(ln.line_id, ln.quantity) for ln in sale.lines] == [("L1", MAX_QUANTITY)]


def test_products_must_match_the_sale_and_have_a_price() -> None:
    """Products in another currency or with a negative price are refused."""
    sale = new_sale()
    foreign = ProductRef(1, "X", None, "Import", Money(100, "UGX"), "S")
    with pytest.raises(InvalidAmount, match="priced in UGX"):
        sale.add_product(foreign, 1, "L1")
    with pytest.raises(InvalidAmount, match="negative price"):
        sale.add_product(product("N", "-1.00"), 1, "L1")
    assert sale.lines == []


def test_line_lookup() -> None:
    """Sale.line finds a line by id; a removed line gives a cashier-readable error."""
    sale = sale_with(("A", "10.00", 1), ("B", "20.00", 2))
    assert sale.line("L2").quantity == 2
    assert sale.line("L2").product.sku == "B"
    sale.remove_line("L2")
    with pytest.raises(DomainError, match="no longer in the basket"):
        sale.line("L2")


def test_order_discount_base_is_after_line_discounts() -> None:
    """The order discount applies to the lines after their own discounts."""
    sale = sale_with(("A", "100.00", 2), ("B", "1.50", 1))
    assert sale.order_discount_base() == kes("201.50")
    sale.set_line_discount("L1", Discount.of_amount(kes("50.00")))
    sale.set_line_discount("L2", Discount.of_percent(15))  # 0.225 -> 0.23
    assert sale.order_discount_base() == kes("151.27")
    assert new_sale().order_discount_base() == Money(0)


def test_set_quantity_and_unknown_line() -> None:
    """set_quantity replaces the quantity; an unknown line id is a DomainError."""
    sale = sale_with(("A", "10.00", 1))
    sale.set_quantity("L1", 4)
    assert sale.totals(KENYA_VAT).total == kes("40.00")
    with pytest.raises(DomainError, match="no longer in the basket") as info:
        sale.set_quantity("nope", 1)
    assert info.value.code == "no_such_line"


# -- discounts -----------------------------------------------------------------------------


def test_line_discount_larger_than_the_line_is_refused() -> None:
    """An amount discount above the line's gross raises and is not applied."""
    sale = sale_with(("A", "50.00", 2))
    with pytest.raises(InvalidDiscount, match=r"KES 100.01 is larger than the line Item A"):
        sale.set_line_discount("L1", Discount.of_amount(kes("100.01")))
    assert sale.lines[0].discount is None
    sale.set_line_discount("L1", Discount.of_amount(kes("100.00")))
    assert sale.totals(KENYA_VAT).total == Money(0)


def test_line_discount_in_another_currency_is_refused() -> None:
    """A discount amount must be in the sale's currency."""
    sale = sale_with(("A", "50.00", 2))
    with pytest.raises(InvalidDiscount, match="must be in KES"):
        sale.set_line_discount("L1", Discount.of_amount(Money(10, "UGX")))


def test_quantity_change_that_makes_a_line_discount_too_large_is_refused() -> None:
    """Lowering a quantity below an amount discount raises and keeps the old quantity."""
    sale = sale_with(("A", "50.00", 3))
    sale.set_line_discount("L1", Discount.of_amount(kes("120.00")))
    with pytest.raises(InvalidDiscount):
        sale.set_quantity("L1", 2)
    assert sale.lines[0].quantity == 3


@pytest.mark.parametrize(
    "value",
    [0, Decimal("0.00"), -5, Decimal("100.01"), 101, "12.345", Decimal("0.001"), "abc", "NaN"],
)
def test_percent_discount_rules(value: Decimal | int | str) -> None:
    """Percent discounts are > 0, <= 100 and have at most two decimals."""
    with pytest.raises(InvalidDiscount) as info:
        Discount.of_percent(value)
    assert info.value.code == "invalid_discount"


def test_percent_discount_messages() -> None:
    """Each refusal says which rule was broken."""
    with pytest.raises(InvalidDiscount, match="more than 0 and at most 100"):
        Discount.of_percent(0)
    with pytest.raises(InvalidDiscount, match="more than 0 and at most 100"):
        Discount.of_percent("100.5")
    with pytest.raises(InvalidDiscount, match="at most two decimals"):
        Discount.of_percent("12.345")
    with pytest.raises(InvalidDiscount, match="'abc' is not a percentage"):
        Discount.of_percent("abc")


@pytest.mark.parametrize(
    ("value", "percent"),
    [("12.50", Decimal("12.5")), (100, Decimal(100)), ("0.01", Decimal("0.01")), (7, Decimal(7))],
)
def test_valid_percent_discounts(value: str | int, percent: Decimal) -> None:
    """Accepted percents keep their value (trailing zeros do not count as decimals)."""
    d = Discount.of_percent(value)
    assert d.kind is DiscountKind.PERCENT
    assert d.percent == percent


def test_percent_discount_rounds_half_up_once() -> None:
    """15 % of 1.50 is 0.225 -> 0.23; 100 % takes the whole line."""
    assert Discount.of_percent(15).amount_of(kes("1.50")) == kes("0.23")
    assert Discount.of_percent("33.33").amount_of(kes("10.00")) == kes("3.33")
    assert Discount.of_percent(100).amount_of(kes("19.99")) == kes("19.99")
    sale = sale_with(("A", "1.50", 1))
    sale.set_line_discount("L1", Discount.of_percent(15))
    totals = sale.totals(KENYA_VAT)
    assert totals.line_discounts == kes("0.23")
    assert totals.total == kes("1.27")


def test_amount_discount_must_be_positive() -> None:
    """A zero or negative amount discount is refused."""
    for value in ("0.00", "-1.00"):
        with pytest.raises(InvalidDiscount, match="more than zero"):
            Discount.of_amount(kes(value))


def test_discount_describe_and_percent_of() -> None:
    """describe() is what a screen shows; percent_of() is the effective rate."""
    assert Discount.of_percent("12.5").describe() == "12.5%"
    assert Discount.of_percent(100).describe() == "100%"
    assert Discount.of_amount(kes("20.00")).describe() == "KES 20.00"
    assert Discount.of_amount(kes("20.00")).percent_of(kes("80.00")) == Decimal(25)
    assert Discount.of_amount(kes("20.00")).percent_of(Money(0)) == Decimal(100)
    assert Discount.of_percent(15).percent_of(kes("1.00")) == Decimal(15)


def test_order_discount_larger_than_the_order_is_refused() -> None:
    """An order discount above the basket (after line discounts) raises and is not set."""
    sale = sale_with(("A", "100.00", 1), ("B", "50.00", 1))
    sale.set_line_discount("L2", Discount.of_amount(kes("10.00")))
    with pytest.raises(InvalidDiscount, match=r"larger than the order \(KES 140.00\)"):
        sale.set_order_discount(Discount.of_amount(kes("140.01")))
    assert sale.order_discount is None
    sale.set_order_discount(Discount.of_amount(kes("140.00")))
    assert sale.totals(KENYA_VAT).total == Money(0)


def test_order_discount_needs_items() -> None:
    """An empty basket cannot take an order discount."""
    with pytest.raises(InvalidDiscount, match="Add items"):
        new_sale().set_order_discount(Discount.of_percent(10))


def test_order_discount_is_spread_by_value() -> None:
    """5.00 off 300.00 + 175.50 + 199.99 is split 2.22 / 1.30 / 1.48 (largest remainder)."""
    sale = new_sale()
    sale.add_product(product("SUGAR", "150.00", "S"), 2, "L1")
    sale.add_product(product("MILK", "65.00", "Z"), 3, "L2")
    sale.add_product(product("FLOUR", "199.99", "E"), 1, "L3")
    sale.set_line_discount("L2", Discount.of_percent(10))
    sale.set_order_discount(Discount.of_amount(kes("5.00")))
    t = sale.totals(KENYA_VAT)
    assert [lt.order_discount for lt in t.lines] == [kes("2.22"), kes("1.30"), kes("1.48")]
    assert [lt.total for lt in t.lines] == [kes("297.78"), kes("174.20"), kes("198.51")]
    assert (t.subtotal, t.line_discounts, t.order_discount) == (
        kes("694.99"),
        kes("19.50"),
        kes("5.00"),
    )
    assert t.discounts == kes("24.50")
    assert t.total == kes("670.49")
    assert [(v.tax_class.code, v.gross, v.vat) for v in t.vat] == [
        ("S", kes("297.78"), kes("41.07")),
        ("Z", kes("174.20"), Money(0)),
        ("E", kes("198.51"), Money(0)),
    ]
    assert t.vat_total == kes("41.07")


def test_removing_a_line_drops_an_order_discount_that_no_longer_fits() -> None:
    """After a removal, an order discount bigger than what is left is dropped."""
    sale = sale_with(("A", "100.00", 1), ("B", "50.00", 1))
    sale.set_order_discount(Discount.of_amount(kes("120.00")))
    removed = sale.remove_line("L1")
    assert removed.line_id == "L1"
    assert sale.order_discount is None
    assert sale.totals(KENYA_VAT).total == kes("50.00")


def test_removing_a_line_keeps_an_order_discount_that_still_fits() -> None:
    """A discount that still fits stays; removing the last line clears it."""
    sale = sale_with(("A", "100.00", 1), ("B", "50.00", 1))
    discount = Discount.of_amount(kes("30.00"))
    sale.set_order_discount(discount)
    sale.remove_line("L1")
    assert sale.totals(KENYA_VAT).order_discount == kes("30.00")
    assert sale.totals(KENYA_VAT).total == kes("20.00")
    sale.remove_line("L2")
    assert sale.order_discount is None
    assert sale.lines == []


def test_line_discount_that_shrinks_the_order_drops_the_order_discount() -> None:
    """A new line discount that leaves less than the order discount drops the latter."""
    sale = sale_with(("A", "100.00", 1))
    sale.set_order_discount(Discount.of_amount(kes("80.00")))
    sale.set_line_discount("L1", Discount.of_amount(kes("30.00")))
    assert sale.order_discount is None
    assert sale.totals(KENYA_VAT).total == kes("70.00")


def test_set_quantity_never_leaves_an_invalid_basket() -> None:
    """A quantity change that shrinks the order below its discount is atomic.

    Either it is refused and nothing changes, or (like remove_line) the order discount
    is dropped; in both cases the totals can still be computed.
    """
    sale = sale_with(("A", "30.00", 5))
    sale.set_order_discount(Discount.of_amount(kes("140.00")))
    try:
        sale.set_quantity("L1", 1)
    except InvalidDiscount:
        assert sale.lines[0].quantity == 5, "refused, yet the quantity was changed"
        assert sale.totals(KENYA_VAT).total == kes("10.00")
    else:
        assert sale.order_discount is None
        assert sale.totals(KENYA_VAT).total == kes("30.00")


def test_price_override() -> None:
    """An override replaces the unit price of that line only, and is validated."""
    sale = sale_with(("A", "100.00", 3), ("B", "10.00", 1))
    line = sale.override_price("L1", kes("80.00"))
    assert line.unit_price == kes("80.00")
    assert line.product.unit_price == kes("100.00")
    assert sale.totals(KENYA_VAT).total == kes("250.00")
    with pytest.raises(InvalidAmount, match="cannot be negative"):
        sale.override_price("L1", kes("-1.00"))
    with pytest.raises(InvalidAmount, match="must be in KES"):
        sale.override_price("L1", Money(100, "UGX"))
    assert sale.lines[0].price_override == kes("80.00")


def test_price_override_below_the_line_discount_is_refused() -> None:
    """An override that makes the line discount larger than the line is refused."""
    sale = sale_with(("A", "100.00", 1))
    sale.set_line_discount("L1", Discount.of_amount(kes("60.00")))
    with pytest.raises(InvalidDiscount):
        sale.override_price("L1", kes("50.00"))
    assert sale.lines[0].price_override is None


# -- cash and rounding ---------------------------------------------------------------------


def test_paying_less_than_due_is_refused_with_the_due_amount() -> None:
    """Tender below the (rounded) amount due raises InsufficientTender naming it."""
    sale = sale_with(("A", "125.00", 2))
    with pytest.raises(InsufficientTender, match=r"KES 200.00 is less than the KES 250.00 due"):
        pay(sale, "200.00")
    assert sale.payments == []
    with pytest.raises(InsufficientTender, match=r"Enter at least 250.00"):
        pay(sale, "249.99")


def test_insufficient_tender_names_the_rounded_due() -> None:
    """With rounding, the message names what the customer must actually hand over."""
    sale = sale_with(("A", "99.30", 1))
    with pytest.raises(InsufficientTender, match=r"less than the KES 99.00 due") as info:
        pay(sale, "98.00", increment=100)
    assert info.value.code == "insufficient_tender"


def test_partial_payment_then_the_rest() -> None:
    """allow_partial records a part payment; the rest is then due and change is given."""
    sale = sale_with(("A", "125.00", 2))
    part = pay(sale, "200.00", allow_partial=True)
    assert (part.amount, part.tendered, part.change) == (kes("200.00"), kes("200.00"), Money(0))
    totals = sale.totals(KENYA_VAT)
    assert totals.paid == kes("200.00")
    assert totals.due == kes("50.00")
    assert sale.tender_started
    assert not sale.is_fully_paid(KENYA_VAT)
    rest = pay(sale, "100.00", payment_id="P2")
    assert (rest.amount, rest.change) == (kes("50.00"), kes("50.00"))
    assert sale.is_fully_paid(KENYA_VAT)
    assert sale.change_due(KENYA_VAT) == kes("50.00")
    sale.complete(KENYA_VAT)
    assert sale.status is SaleStatus.COMPLETED


@pytest.mark.parametrize(
    ("total", "increment", "mode", "collected"),
    [
        ("99.50", 100, CashRounding.NEAREST, "100.00"),
        ("99.49", 100, CashRounding.NEAREST, "99.00"),
        ("99.01", 100, CashRounding.UP, "100.00"),
        ("99.99", 100, CashRounding.DOWN, "99.00"),
        ("99.00", 100, CashRounding.UP, "99.00"),
        ("99.50", 500, CashRounding.NEAREST, "100.00"),
        ("97.50", 500, CashRounding.NEAREST, "100.00"),
        ("97.49", 500, CashRounding.NEAREST, "95.00"),
        ("95.01", 500, CashRounding.UP, "100.00"),
        ("99.99", 500, CashRounding.DOWN, "95.00"),
        ("100.00", 500, CashRounding.DOWN, "100.00"),
        ("99.99", 1, CashRounding.UP, "99.99"),
        ("1,234.56", 1000, CashRounding.NEAREST, "1,230.00"),
    ],
)
def test_cash_rounding(total: str, increment: int, mode: CashRounding, collected: str) -> None:
    """Cash due rounds to the coin increment; the difference is recorded as rounding."""
    sale = sale_with(("A", total, 1))
    assert sale.cash_due(KENYA_VAT, increment, mode) == kes(collected)
    payment = pay(sale, collected, increment=increment, mode=mode)
    assert payment.amount == kes(collected)
    assert payment.change == Money(0)
    totals = sale.totals(KENYA_VAT)
    assert totals.total == kes(total)
    assert totals.rounding == kes(collected) - kes(total)
    assert totals.payable == kes(collected)
    assert totals.due == Money(0)
    assert sale.is_fully_paid(KENYA_VAT)


def test_rounding_examples_from_the_spec() -> None:
    """99.50 collects 100.00 (+0.50); 99.49 collects 99.00 (-0.49)."""
    up = sale_with(("A", "99.50", 1))
    pay(up, "100.00", increment=100)
    assert up.rounding == kes("0.50")
    down = sale_with(("A", "99.49", 1))
    pay(down, "99.00", increment=100)
    assert down.rounding == kes("-0.49")


def test_round_cash_directly() -> None:
    """round_cash on its own, including exact multiples and increment <= 1."""
    assert round_cash(kes("12.50"), 100, CashRounding.NEAREST) == kes("13.00")
    assert round_cash(kes("12.49"), 100, CashRounding.NEAREST) == kes("12.00")
    assert round_cash(kes("12.00"), 100, CashRounding.UP) == kes("12.00")
    assert round_cash(kes("12.01"), 0, CashRounding.UP) == kes("12.01")
    assert round_cash(kes("0.40"), 100, CashRounding.DOWN) == Money(0)


def test_rounding_accumulates_over_payments() -> None:
    """A second rounded cash payment (goods added after paying) adds to the rounding."""
    sale = sale_with(("A", "99.50", 1))
    pay(sale, "100.00", increment=100)
    assert sale.rounding == kes("0.50")
    sale.add_product(product("B", "10.30"), 1, "L2")
    # 109.80 + 0.50 already rounded - 100.00 paid = 10.30, collected as 10.00.
    assert sale.totals(KENYA_VAT).due == kes("10.30")
    second = pay(sale, "20.00", increment=100, payment_id="P2")
    assert (second.amount, second.change) == (kes("10.00"), kes("10.00"))
    t = sale.totals(KENYA_VAT)
    assert t.rounding == kes("0.20")
    assert t.paid == t.total + t.rounding == kes("110.00")


def test_part_payment_that_covers_the_goods_settles_the_sale() -> None:
    """With UP rounding a part payment can reach the exact total: nothing more is due."""
    sale = sale_with(("A", "99.50", 1))
    pay(sale, "99.50", increment=100, mode=CashRounding.UP, allow_partial=True)
    t = sale.totals(KENYA_VAT)
    assert (t.paid, t.rounding, t.due) == (kes("99.50"), Money(0), Money(0))
    assert sale.is_fully_paid(KENYA_VAT)
    with pytest.raises(SaleStateError, match="Nothing is due"):
        pay(sale, "1.00", increment=100, mode=CashRounding.UP, payment_id="P2")


def test_change_is_tender_minus_collected() -> None:
    """1,000.00 on 99.50 (rounded to 100.00) gives 900.00 change."""
    sale = sale_with(("A", "99.50", 1))
    payment = pay(sale, "1,000.00", increment=100)
    assert payment.tendered == kes("1,000.00")
    assert payment.amount == kes("100.00")
    assert payment.change == kes("900.00")
    assert sale.change_due(KENYA_VAT) == kes("900.00")


def test_pay_cash_guards() -> None:
    """Empty basket, zero tender, foreign cash and nothing due are refused."""
    with pytest.raises(SaleStateError, match="basket is empty"):
        pay(new_sale(), "10.00")
    sale = sale_with(("A", "10.00", 1))
    with pytest.raises(InvalidAmount, match="amount the customer handed over"):
        pay(sale, "0.00")
    with pytest.raises(InvalidAmount, match="must be in KES"):
        sale.pay_cash(
            Money(1000, "UGX"),
            table=KENYA_VAT,
            increment=1,
            mode=CashRounding.NEAREST,
            payment_id="P1",
            at=T0,
        )
    pay(sale, "10.00")
    with pytest.raises(SaleStateError, match="Nothing is due"):
        pay(sale, "10.00", payment_id="P2")
    assert len(sale.payments) == 1


def test_complete_requires_full_payment() -> None:
    """complete() refuses while money is due and says how much."""
    sale = sale_with(("A", "125.00", 2))
    with pytest.raises(InsufficientTender, match=r"KES 250.00 is still due"):
        sale.complete(KENYA_VAT)
    pay(sale, "100.00", allow_partial=True)
    with pytest.raises(InsufficientTender, match=r"KES 150.00 is still due"):
        sale.complete(KENYA_VAT)
    assert sale.status.value == "open"
    pay(sale, "150.00", payment_id="P2")
    sale.complete(KENYA_VAT)
    assert sale.status is SaleStatus.COMPLETED


def test_empty_sale_cannot_be_completed() -> None:
    """An empty basket is never 'fully paid'."""
    sale = new_sale()
    assert not sale.is_fully_paid(KENYA_VAT)
    with pytest.raises(InsufficientTender):
        sale.complete(KENYA_VAT)


# -- states --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", "ab", "  ab  "])
def test_void_needs_a_reason(reason: str) -> None:
    """A void without at least 3 characters of reason is refused; the sale stays open."""
    sale = sale_with(("A", "10.00", 1))
    with pytest.raises(DomainError, match="Give a reason") as info:
        sale.void(reason)
    assert info.value.code == "reason"
    assert sale.status is SaleStatus.OPEN


def test_void_records_the_reason() -> None:
    """A void stores the trimmed reason; open and parked sales can be voided."""
    sale = sale_with(("A", "10.00", 1))
    sale.void("  Customer left  ")
    assert sale.status is SaleStatus.VOIDED
    assert sale.void_reason == "Customer left"
    parked = sale_with(("A", "10.00", 1))
    parked.park()
    parked.void("Never came back")
    assert parked.status is SaleStatus.VOIDED


def _completed_sale() -> Sale:
    sale = sale_with(("A", "10.00", 1))
    pay(sale, "10.00")
    sale.complete(KENYA_VAT)
    return sale


MUTATIONS: dict[str, Callable[[Sale], object]] = {
    "add": lambda s: s.add_product(product("B", "1.00"), 1, "L9"),
    "set_quantity": lambda s: s.set_quantity("L1", 2),
    "remove": lambda s: s.remove_line("L1"),
    "override": lambda s: s.override_price("L1", kes("1.00")),
    "line_discount": lambda s: s.set_line_discount("L1", Discount.of_percent(10)),
    "order_discount": lambda s: s.set_order_discount(Discount.of_percent(10)),
    "pay": lambda s: pay(s, "10.00", payment_id="P9"),
    "complete": lambda s: s.complete(KENYA_VAT),
    "park": lambda s: s.park(),
    "resume": lambda s: s.resume(),
    "void": lambda s: s.void("Too late now"),
}


@pytest.mark.parametrize("action", sorted(MUTATIONS))
def test_completed_sale_cannot_be_changed(action: str) -> None:
    """Every change to a completed sale raises SaleStateError and changes nothing."""
    sale = _completed_sale()
    before = sale.to_dict()
    with pytest.raises(SaleStateError):
        MUTATIONS[action](sale)
    assert sale.to_dict() == before
    assert sale.status is SaleStatus.COMPLETED


@pytest.mark.parametrize("action", sorted(set(MUTATIONS) - {"resume", "void"}))
def test_voided_and_parked_sales_cannot_be_changed(action: str) -> None:
    """Voided and parked sales refuse basket and payment changes."""
    voided = sale_with(("A", "10.00", 1))
    voided.void("Wrong customer")
    with pytest.raises(SaleStateError, match="voided"):
        MUTATIONS[action](voided)
    parked = sale_with(("A", "10.00", 1))
    parked.park()
    with pytest.raises(SaleStateError, match="parked"):
        MUTATIONS[action](parked)


def test_park_rules() -> None:
    """Empty baskets and baskets with money taken cannot be parked."""
    with pytest.raises(SaleStateError, match="empty basket cannot be parked"):
        new_sale().park()
    paid = sale_with(("A", "10.00", 2))
    pay(paid, "5.00", allow_partial=True)
    with pytest.raises(SaleStateError, match="Money was taken"):
        paid.park()
    assert paid.status is SaleStatus.OPEN


def test_park_and_resume() -> None:
    """A parked sale keeps its note and basket and comes back open."""
    sale = sale_with(("A", "10.00", 2))
    sale.park("  Mama Njeri, back in 5  ")
    assert (sale.status, sale.note) == (SaleStatus.PARKED, "Mama Njeri, back in 5")
    sale.resume()
    assert sale.status is SaleStatus.OPEN
    assert sale.totals(KENYA_VAT).total == kes("20.00")
    with pytest.raises(SaleStateError, match="Only a parked sale"):
        sale.resume()


# -- drafts --------------------------------------------------------------------------------


def _rich_sale() -> Sale:
    sale = new_sale()
    sale.add_product(product("SUGAR", "150.00", "S"), 2, "L1")
    sale.add_product(product("MILK", "65.00", "Z", product_id=None), 3, "L2")
    sale.add_product(product("FLOUR", "199.99", "E"), 1, "L3")
    sale.add_product(product("SOAP", "45.00", "S"), 2, "L4")
    sale.set_line_discount("L2", Discount.of_percent("12.5"))
    sale.set_line_discount("L3", Discount.of_amount(kes("9.99")))
    sale.override_price("L4", kes("40.00"))
    sale.set_order_discount(Discount.of_percent(10))
    pay(sale, "100.00", allow_partial=True, payment_id="P1")
    pay(sale, "1,000.00", increment=500, mode=CashRounding.UP, payment_id="P2")
    return sale


def test_draft_round_trip() -> None:
    """to_dict -> JSON -> from_dict restores the same sale, payments and discounts included."""
    sale = _rich_sale()
    t = sale.totals(KENYA_VAT)
    # 774.99 - (24.38 + 9.99) - 10 % of 740.62 = 666.56; 566.56 left rounds UP to 570.00.
    assert (t.subtotal, t.line_discounts, t.order_discount) == (
        kes("774.99"),
        kes("34.37"),
        kes("74.06"),
    )
    assert (t.total, t.rounding, t.paid) == (kes("666.56"), kes("3.44"), kes("670.00"))
    assert [p.change for p in sale.payments] == [Money(0), kes("430.00")]
    data = sale.to_dict()
    restored = Sale.from_dict(json.loads(json.dumps(data)))
    assert restored.to_dict() == data
    assert restored == sale
    assert restored.totals(KENYA_VAT) == sale.totals(KENYA_VAT)
    assert restored.lines[1].discount == Discount.of_percent("12.5")
    assert restored.lines[2].discount == Discount.of_amount(kes("9.99"))
    assert restored.lines[3].price_override == kes("40.00")
    assert restored.order_discount == Discount.of_percent(10)
    assert [p.payment_id for p in restored.payments] == ["P1", "P2"]
    assert restored.payments[1].at == T0 + timedelta(minutes=5)


def test_draft_round_trip_of_parked_and_voided_sales() -> None:
    """Status, note and void reason survive the snapshot."""
    parked = sale_with(("A", "10.00", 1))
    parked.park("back soon")
    again = Sale.from_dict(parked.to_dict())
    assert (again.status, again.note) == (SaleStatus.PARKED, "back soon")
    voided = sale_with(("A", "10.00", 1))
    voided.void("Price dispute")
    again = Sale.from_dict(voided.to_dict())
    assert (again.status, again.void_reason) == (SaleStatus.VOIDED, "Price dispute")


def test_unknown_snapshot_version_is_refused() -> None:
    """A snapshot from a future format is not guessed at."""
    data = new_sale().to_dict()
    data["v"] = 2
    with pytest.raises(ValueError, match="unknown sale snapshot version 2"):
        Sale.from_dict(data)


# -- properties ----------------------------------------------------------------------------

INCREMENTS = [1, 100, 500, 1000]


@dataclass(frozen=True)
class Basket:
    """A random sale and what the strategy put into it."""

    sale: Sale
    vat_of: dict[str, str]


def _discounts(gross: int) -> st.SearchStrategy[Discount | None]:
    options: list[st.SearchStrategy[Discount | None]] = [
        st.none(),
        st.integers(min_value=1, max_value=10_000).map(
            lambda n: Discount.of_percent(Decimal(n) / 100)
        ),
    ]
    if gross > 0:
        options.append(
            st.integers(min_value=1, max_value=gross).map(lambda m: Discount.of_amount(Money(m)))
        )
    return st.one_of(options)


@st.composite
def baskets(draw: st.DrawFn) -> Basket:
    """1-12 lines, prices 0-50,000.00, quantities 1-20, VAT S/Z/E, optional discounts."""
    sale = new_sale()
    vat_of: dict[str, str] = {}
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        price = draw(st.integers(min_value=0, max_value=5_000_000))
        qty = draw(st.integers(min_value=1, max_value=20))
        vat = draw(st.sampled_from(["S", "Z", "E"]))
        line_id = f"L{i}"
        ref = ProductRef(i, f"SKU{i}", None, f"Item {i}", Money(price), vat)
        sale.add_product(ref, qty, line_id)
        vat_of[line_id] = vat
        discount = draw(_discounts(price * qty))
        if discount is not None:
            sale.set_line_discount(line_id, discount)
    base = sale.totals(KENYA_VAT).total.minor
    order = draw(_discounts(base))
    if order is not None:
        sale.set_order_discount(order)
    return Basket(sale, vat_of)


@settings(max_examples=200, deadline=None)
@given(basket=baskets())
def test_totals_add_up(basket: Basket) -> None:
    """total == sum of line totals == subtotal - line discounts - order discount."""
    sale = basket.sale
    t = sale.totals(KENYA_VAT)
    assert len(t.lines) == len(sale.lines)
    assert t.subtotal.minor == sum(ln.unit_price.minor * ln.quantity for ln in sale.lines)
    assert t.subtotal.minor == sum(lt.gross.minor for lt in t.lines)
    assert t.line_discounts.minor == sum(lt.line_discount.minor for lt in t.lines)
    assert t.total.minor == sum(lt.total.minor for lt in t.lines)
    assert t.total == t.subtotal - t.line_discounts - t.order_discount
    assert t.item_count == sum(ln.quantity for ln in sale.lines)
    assert t.paid == Money(0)
    assert t.due == t.total


@settings(max_examples=200, deadline=None)
@given(basket=baskets())
def test_vat_breakdown_matches_the_total(basket: Basket) -> None:
    """VAT rows sum to the total; per class gross = its line totals, net + vat = gross."""
    t = basket.sale.totals(KENYA_VAT)
    assert sum(v.gross.minor for v in t.vat) == t.total.minor
    by_line = {lt.line_id: lt.total.minor for lt in t.lines}
    codes = [v.tax_class.code for v in t.vat]
    assert codes == [c for c in KENYA_VAT.codes() if c in set(basket.vat_of.values())]
    for v in t.vat:
        code = v.tax_class.code
        assert v.gross.minor == sum(m for lid, m in by_line.items() if basket.vat_of[lid] == code)
        assert v.net + v.vat == v.gross
        assert v.vat == vat_from_gross(v.gross, v.tax_class)
        if code != "S":
            assert v.vat == Money(0)
        assert 0 <= v.vat.minor <= v.gross.minor


@settings(max_examples=200, deadline=None)
@given(basket=baskets())
def test_order_discount_shares(basket: Basket) -> None:
    """Shares sum exactly to the order discount, never exceed a line, no total < 0."""
    t = basket.sale.totals(KENYA_VAT)
    assert sum(lt.order_discount.minor for lt in t.lines) == t.order_discount.minor
    base = t.subtotal - t.line_discounts
    assert Money(0) <= t.order_discount <= base
    for lt in t.lines:
        assert 0 <= lt.line_discount.minor <= lt.gross.minor
        assert 0 <= lt.order_discount.minor <= (lt.gross - lt.line_discount).minor
        assert lt.total.minor >= 0
        net = (lt.gross - lt.line_discount).minor
        if base.minor:
            # Within one cent of the exact proportional share.
            exact_x_base = t.order_discount.minor * net
            assert abs(lt.order_discount.minor * base.minor - exact_x_base) < base.minor


@settings(max_examples=200, deadline=None)
@given(
    basket=baskets(),
    increment=st.sampled_from(INCREMENTS),
    mode=st.sampled_from(list(CashRounding)),
    extra=st.integers(min_value=0, max_value=10_000_000),
)
def test_cash_payment_and_rounding(
    basket: Basket, increment: int, mode: CashRounding, extra: int
) -> None:
    """paid == total + rounding, |rounding| < increment, change == tendered - paid."""
    sale = basket.sale
    total = sale.totals(KENYA_VAT).total
    assume(total.minor > 0)
    cash_due = sale.cash_due(KENYA_VAT, increment, mode)
    tendered = Money(max(cash_due.minor + extra, 1))
    payment = sale.pay_cash(
        tendered, table=KENYA_VAT, increment=increment, mode=mode, payment_id="P", at=T0
    )
    t = sale.totals(KENYA_VAT)
    assert payment.amount == cash_due
    assert t.paid == t.total + t.rounding == cash_due
    assert abs(t.rounding.minor) < increment
    assert t.paid.minor % increment == 0
    assert payment.change == tendered - t.paid
    assert payment.change.minor >= 0
    if mode is CashRounding.UP:
        assert t.rounding.minor >= 0
    elif mode is CashRounding.DOWN:
        assert t.rounding.minor <= 0
    else:
        assert abs(t.rounding.minor) * 2 <= increment
    if increment == 1:
        assert t.rounding == Money(0)
    assert sale.is_fully_paid(KENYA_VAT)
    assert sale.change_due(KENYA_VAT) == payment.change
    sale.complete(KENYA_VAT)
    assert sale.status is SaleStatus.COMPLETED


@settings(max_examples=200, deadline=None)
@given(
    basket=baskets(),
    increment=st.sampled_from(INCREMENTS),
    mode=st.sampled_from(list(CashRounding)),
    data=st.data(),
)
def test_money_is_conserved(
    basket: Basket, increment: int, mode: CashRounding, data: st.DataObject
) -> None:
    """No cent is created or lost between lines, discounts, VAT, rounding and payments."""
    sale = basket.sale
    # A part payment must leave something due, both before and after cash rounding.
    most_for_a_part = min(sale.cash_due(KENYA_VAT, increment, mode), sale.totals(KENYA_VAT).total)
    assume(most_for_a_part.minor >= 2)

    def cash(minor: int, payment_id: str, *, allow_partial: bool = False) -> None:
        sale.pay_cash(
            Money(minor),
            table=KENYA_VAT,
            increment=increment,
            mode=mode,
            payment_id=payment_id,
            at=T0,
            allow_partial=allow_partial,
        )

    # A part payment first, then the rest with some change.
    part = data.draw(st.integers(1, most_for_a_part.minor - 1), label="part")
    cash(part, "P1", allow_partial=True)
    rest = sale.cash_due(KENYA_VAT, increment, mode)
    extra = data.draw(st.integers(0, 100_000), label="extra")
    cash(max(1, rest.minor + extra), "P2")
    t = sale.totals(KENYA_VAT)

    goods = sum(ln.unit_price.minor * ln.quantity for ln in sale.lines)
    vat_net = sum(v.net.minor for v in t.vat)
    vat_tax = sum(v.vat.minor for v in t.vat)
    handed_over = sum(p.tendered.minor for p in sale.payments)
    handed_back = sum(p.change.minor for p in sale.payments)
    # Goods value = what the customer pays for + what was given away.
    assert goods == t.total.minor + t.line_discounts.minor + t.order_discount.minor
    # What the customer pays for = net + VAT, across the classes.
    assert t.total.minor == vat_net + vat_tax
    # Cash kept = goods paid for + rounding, and nothing else.
    assert handed_over - handed_back == t.paid.minor == t.total.minor + t.rounding.minor
    assert sum(p.amount.minor for p in sale.payments) == t.paid.minor
    assert abs(t.rounding.minor) < increment
    assert t.due == Money(0)
    assert sale.change_due(KENYA_VAT).minor == handed_back


@settings(max_examples=50, deadline=None)
@given(basket=baskets())
def test_random_baskets_round_trip(basket: Basket) -> None:
    """Any basket the rules allow survives the draft snapshot unchanged."""
    sale = basket.sale
    restored = Sale.from_dict(json.loads(json.dumps(sale.to_dict())))
    assert restored.to_dict() == sale.to_dict()
    assert restored.totals(KENYA_VAT) == sale.totals(KENYA_VAT)


def test_copy_is_independent_of_the_original() -> None:
    """Changes tried on a copy never leak into the basket on screen."""
    sale = sale_with(("A", "30.00", 2))
    trial = sale.copy()
    trial.set_quantity("L1", 5)
    trial.set_order_discount(Discount.of_percent("10"))
    assert sale.lines[0].quantity == 2
    assert sale.order_discount is None
    assert sale.totals(KENYA_VAT).total == kes("60.00")
    assert trial.totals(KENYA_VAT).total == kes("135.00")
    assert trial.to_dict() != sale.to_dict()
    assert sale.copy().to_dict() == sale.to_dict()


def test_a_part_payment_above_what_is_left_is_refused_not_given_sub_coin_change() -> None:
    """Regression: total 60.77 (cash due 61.00); a "part" payment of 60.99 used to complete
    the sale with 0.22 change that no coin can pay, and the drawer never reconciled."""
    sale = sale_with(("A", "60.77", 1))
    with pytest.raises(InsufficientTender, match=r"Take 61\.00 as the full payment"):
        pay(sale, "60.99", increment=100, allow_partial=True)
    assert sale.payments == []
    payment = pay(sale, "61.00", increment=100, allow_partial=True)  # a full payment
    t = sale.totals(KENYA_VAT)
    assert (payment.amount, payment.change, t.rounding) == (kes("61.00"), Money(0), kes("0.23"))
    assert sale.is_fully_paid(KENYA_VAT)


@settings(max_examples=300, deadline=None)
@given(
    price=st.integers(min_value=1, max_value=50_000),
    tenders=st.lists(st.integers(min_value=1, max_value=60_000), min_size=1, max_size=6),
    increment=st.sampled_from([1, 50, 100, 500]),
    mode=st.sampled_from(list(CashRounding)),
)
def test_takings_equal_tenders_minus_change_for_any_cash_sequence(
    price: int, tenders: list[int], increment: int, mode: CashRounding
) -> None:
    """However cash arrives (part, full, over), what the sale took equals the cash handed
    over minus the change given, and equals the total plus the rounding."""
    sale = sale_with(("A", Money(price).amount_text().replace(",", ""), 1))
    for i, amount in enumerate(tenders):
        if sale.is_fully_paid(KENYA_VAT):
            break
        try:
            pay(
                sale,
                Money(amount).amount_text().replace(",", ""),
                increment=increment,
                mode=mode,
                allow_partial=True,
                payment_id=f"P{i}",
            )
        except InsufficientTender:
            continue
    t = sale.totals(KENYA_VAT)
    tendered = sum(p.tendered.minor for p in sale.payments)
    change = sum(p.change.minor for p in sale.payments)
    assert tendered - change == t.paid.minor
    if sale.is_fully_paid(KENYA_VAT):
        assert t.paid == t.total + t.rounding
        assert sale.change_due(KENYA_VAT).minor == change


@pytest.mark.parametrize(
    ("minor", "mode", "expected"),
    [
        (1050, CashRounding.NEAREST, 1100),
        (-1050, CashRounding.NEAREST, -1100),
        (1049, CashRounding.NEAREST, 1000),
        (-1049, CashRounding.NEAREST, -1000),
        (1020, CashRounding.DOWN, 1000),
        (-1020, CashRounding.DOWN, -1000),
        (1020, CashRounding.UP, 1100),
        (-1020, CashRounding.UP, -1100),
    ],
)
def test_cash_rounding_is_symmetric_for_money_going_back(
    minor: int, mode: CashRounding, expected: int
) -> None:
    """Regression: -10.50 rounded to -10.00 while 10.50 rounded to 11.00."""
    assert round_cash(Money(minor), 100, mode) == Money(expected)


@given(minor=st.integers(-(10**9), 10**9), mode=st.sampled_from(list(CashRounding)))
def test_rounding_a_refund_mirrors_rounding_a_sale(minor: int, mode: CashRounding) -> None:
    assert round_cash(Money(-minor), 100, mode) == Money(-round_cash(Money(minor), 100, mode).minor)
