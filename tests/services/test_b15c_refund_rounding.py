"""A cash sale collected with a rounding down (KES 60.45 of goods paid as 60.00) can be
refunded in full: the refunds give back what the customer paid, never the rounding too.

Before, the last refund of such a sale asked for the goods' value, which no tender had
left, and was refused outright ("The sale's payments have only KES 60.00 left to give
back, not KES 60.45"): the customer could not be refunded at all, whatever the cashier
chose. Real services over a real SQLite file; the figures are worked out by hand from
the demo catalog (milk 500 ml, KES 65.00, zero-rated)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.domain.refund import RefundError, trim_to_paid
from pos.domain.sale import Discount
from pos.services.auth import Role, UserSummary
from pos.services.refund_values import RefundRequest
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00, zero-rated


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


def _rounded_down_sale(t: Terminal, quantity: int) -> str:
    """``quantity`` milks at 7 % off, paid in cash with a rounding down; the sale id."""
    view = t.checkout.scan(MILK, quantity)
    t.checkout.set_line_discount(view.lines[0].line_id, Discount.of_percent(7))
    paid = t.checkout.pay_cash(kes("500"))
    assert paid.receipt is not None
    assert paid.receipt.rounding.minor < 0
    return paid.receipt.sale_id


@pytest.fixture
def manager(terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return terminal


def test_a_sale_rounded_down_in_cash_is_refunded_in_full_for_what_was_paid(
    manager: Terminal,
) -> None:
    t = manager
    before = t.zreports.x_report().expected_cash
    # 65.00 - 4.55 (7 %) = 60.45, collected as 60.00 (rounding -0.45)
    sale_id = _rounded_down_sale(t, 1)
    done = t.refunds.refund(RefundRequest(sale_id, {1: 1}, "damaged"))
    assert done.total == kes("60.00")
    assert done.cash_out == kes("60.00")
    assert [ln.total for ln in done.receipt.lines] == [kes("60.00")]
    assert t.refunds.refundable(sale_id).fully_refunded
    x = t.zreports.x_report()
    assert x.refunds_value == 6000
    assert x.expected_cash == before  # 60.00 in, 60.00 out


def test_partial_refunds_of_a_rounded_down_sale_add_up_to_what_was_paid(
    manager: Terminal,
) -> None:
    t = manager
    # 3 x 65.00 = 195.00 - 13.65 (7 %) = 181.35, collected as 181.00 (rounding -0.35)
    sale_id = _rounded_down_sale(t, 3)
    first = t.refunds.refund(RefundRequest(sale_id, {1: 1}, "damaged"))
    assert first.total == kes("60.45")  # floor(181.35 / 3): the tenders have it
    rest = t.refunds.refund(RefundRequest(sale_id, {1: 2}, "damaged"))
    assert rest.total == kes("120.55")  # 181.00 - 60.45: what is left of the payment
    assert first.total + rest.total == kes("181.00")
    with pytest.raises(RefundError):
        t.refunds.refund(RefundRequest(sale_id, {1: 1}, "damaged"))


def test_trimming_never_covers_more_than_the_rounding() -> None:
    assert trim_to_paid([6045], 6000, 45) == [6000]
    assert trim_to_paid([30, 6015], 6000, 45) == [30, 5970]  # from the last line back
    assert trim_to_paid([6000, 30], 5985, 45) == [5985, 0]
    # more short than the rounding: left as asked (the tenders' check refuses it)
    assert trim_to_paid([6045], 5999, 45) == [6045]
    # no rounding down, or enough left: unchanged
    assert trim_to_paid([6045], 6000, 0) == [6045]
    assert trim_to_paid([6045], 6100, -55) == [6045]


UHT = "6168232799285"  # 75.00, VAT 16 %


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    percent=st.integers(1, 40),
    cuts=st.lists(st.tuples(st.integers(1, 2), st.integers(1, 3)), min_size=1, max_size=6),
)
def test_any_partial_refunds_of_a_rounded_cash_sale_stay_within_what_was_paid(
    manager: Terminal, percent: int, cuts: list[tuple[int, int]]
) -> None:
    """3 milks and 2 UHT with any order discount, paid in cash (rounded either way), then
    any sequence of partial refunds, then the rest: each is made while units are left,
    none gives back more than the payment has left, all of it gives back min(goods,
    paid), and the drawer's expected cash moves by exactly the cash kept less the cash
    given back."""
    t = manager
    before = t.zreports.x_report().expected_cash
    t.checkout.scan(MILK, 3)
    t.checkout.scan(UHT, 2)
    t.checkout.set_order_discount(Discount.of_percent(percent))
    paid = t.checkout.pay_cash(kes("1000"))
    assert paid.receipt is not None
    sale_id = paid.receipt.sale_id
    kept = sum(p.amount.minor for p in paid.receipt.payments)
    goods = paid.receipt.total.minor
    assert kept == goods + paid.receipt.rounding.minor
    sold, back, given = {1: 3, 2: 2}, {1: 0, 2: 0}, 0
    for line, qty in cuts:
        request = RefundRequest(sale_id, {line: qty}, "changed_mind")
        if back[line] + qty > sold[line]:
            with pytest.raises(RefundError):
                t.refunds.refund(request)
            continue
        done = t.refunds.refund(request)
        back[line] += qty
        given += done.total.minor
        assert done.cash_out == done.total
        assert given <= kept
    rest = {n: sold[n] - back[n] for n in sold if sold[n] > back[n]}
    if rest:  # then the rest, in one refund: the last always runs
        done = t.refunds.refund(RefundRequest(sale_id, rest, "changed_mind"))
        given += done.total.minor
    assert given == min(goods, kept)
    assert t.zreports.x_report().expected_cash == before + kept - given
