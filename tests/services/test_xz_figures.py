"""The X and the Z to the cent, for a day rung up through the real services: a discounted
line, a line removed before payment, cash with change, a PayPal sale captured in USD
through the PayPal sandbox over real HTTP, a voided basket and a cash out. Every figure is
worked out by hand from the catalog prices (not read back from the code under test), and
takings = tenders - change is checked against the stored payments.

A removed line was never sold and is not a void: voids are whole voided sales (count and
their value), as docs/manager.md defines them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Role, UserSummary
from pos.services.period import PeriodReport
from pos.services.report_layout import report_csv, report_lines
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00, zero-rated (Z)
MILK_1L = "6168232430898"  # 125.00, zero-rated (Z)
UHT = "6168232799285"  # 75.00, VAT 16 % (S)
FLOAT = {100000: 1}  # KES 1,000.00 in the drawer at the opening


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


def rows(t: Terminal, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def paypal_box() -> Iterator[PayPalSandbox]:
    box = PayPalSandbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def day(
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    paypal_box: PayPalSandbox,
) -> tuple[Terminal, Money]:
    """The day: returns the till (manager logged in, shift open) and the change given."""
    t = terminal
    t.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    t.shifts.close({}, note="demo shift, nothing sold")  # the seeded shift, zero float
    t.zreports.z_report()  # Z 1: the empty demo shift, out of the way
    t.shifts.open(FLOAT)
    method = create_paypal(
        MethodContext(training=True, currency="KES", settings={"base_url": paypal_box.base_url})
    )
    payments = t.enable_payments({"paypal": method})

    # sale 1: 2 x milk 65.00 = 130.00, 10 % off the line (13.00); a 1 L milk scanned and
    # removed again; paid with 200.00 cash: 117.00 due, 83.00 change
    view = t.checkout.scan(MILK, 2)
    t.checkout.set_line_discount(view.lines[0].line_id, Discount.of_percent(10))
    view = t.checkout.scan(MILK_1L)
    t.checkout.remove_line(view.lines[-1].line_id)
    assert t.checkout.view().cash_due == kes("117")
    paid = t.checkout.pay_cash(kes("200"))
    assert paid.receipt is not None

    # sale 2: long-life milk 75.00 (VAT 16 %) by PayPal, asked in USD
    t.checkout.scan(UHT)
    started = payments.start("paypal", kes("75"))
    [order] = paypal_box.pending()
    paypal_box.decide(order["id"], "approve")
    assert payments.poll(started.attempt_id).final
    assert t.checkout.open_sale_id is None  # PayPal paid it in full: completed

    # a basket voided: 1 L milk 125.00
    t.checkout.scan(MILK_1L)
    t.checkout.void("customer left")

    t.shifts.cash_out(kes("20"), "paid_out", "bus fare for the delivery")
    return t, paid.change


def _usd_captured(box: PayPalSandbox) -> Money:
    [capture] = box.ledger()["captures"]
    assert capture["amount"]["currency_code"] == "USD"
    return Money.from_decimal(Decimal(capture["amount"]["value"]), "USD")


def _check_figures(r: PeriodReport, usd: Money) -> None:
    assert (r.gross_sales, r.discounts, r.net_sales) == (20500, 1300, 19200)
    assert (r.refunds_count, r.refunds_value) == (0, 0)
    assert (r.voids_count, r.voids_value) == (1, 12500)
    assert (r.sales_count, r.sales_total, r.rounding) == (2, 19200, 0)
    assert r.average_basket == 9600  # (117.00 + 75.00) / 2
    # VAT per class: zero-rated 117.00 with no VAT; 75.00 at 16 % holds 75 * 16/116 = 10.34
    assert [(v.code, v.rate_bp, v.gross, v.vat) for v in r.vat] == [
        ("S", 1600, 7500, 1034),
        ("Z", 0, 11700, 0),
    ]
    tenders = {t.method: t for t in r.tenders}
    assert set(tenders) == {"cash", "paypal"}
    cash, paypal = tenders["cash"], tenders["paypal"]
    assert (cash.count, cash.amount, cash.refunded, cash.foreign_currency) == (1, 11700, 0, "")
    assert (paypal.count, paypal.amount, paypal.refunded) == (1, 7500, 0)
    assert (paypal.foreign_currency, paypal.foreign_amount) == ("USD", usd.minor)
    assert sum(t.amount for t in r.tenders) == r.sales_total + r.rounding
    # the drawer: 1,000.00 float + 117.00 cash sales - 20.00 cash out
    assert (r.opening_float, r.cash_sales, r.paid_out, r.paid_in) == (100000, 11700, 2000, 0)
    assert r.expected_cash == 109700
    assert [(c.sales_count, c.net_sales) for c in r.by_cashier] == [(2, 19200)]


def test_x_and_z_show_voids_discounts_and_paypal_in_usd_to_the_cent(
    day: tuple[Terminal, Money], paypal_box: PayPalSandbox
) -> None:
    t, change = day
    assert change == kes("83")
    usd = _usd_captured(paypal_box)
    assert usd == Money(58, "USD")  # 75.00 / 129.50 KES per USD = 0.579...
    # takings = tenders - change, from the stored payments themselves
    [(tendered, given_back, kept)] = rows(
        t,
        "SELECT sum(p.tendered_minor), sum(p.change_minor), sum(p.amount_minor) FROM payments p"
        " JOIN sales s ON s.id = p.sale_id WHERE s.status = 'completed' AND p.method = 'cash'",
    )
    assert (tendered, given_back, kept) == (20000, 8300, 11700)

    x = t.zreports.x_report()
    _check_figures(x, usd)
    assert x.tenders[0].amount == tendered - given_back

    lines = report_lines(x)
    assert "Voids (1)" in next(ln for ln in lines if ln.startswith("Voids"))
    assert next(ln for ln in lines if ln.startswith("Voids")).endswith(" 125.00")
    assert next(ln for ln in lines if ln.startswith("Discounts")).endswith(" -13.00")
    paypal_at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("PayPal (1)"))
    assert lines[paypal_at].endswith(" 75.00")
    assert lines[paypal_at + 1].endswith(f"USD {usd.amount_text()}")
    out = report_csv(x)
    assert "sales,voids,1,125.00,KES" in out
    assert "sales,discounts,,13.00,KES" in out
    assert "tender,PayPal,1,75.00,KES" in out  # the label, not the code
    assert f"tender foreign,PayPal,1,{usd.amount_text()},USD" in out

    t.shifts.close({**FLOAT, 10000: 0, 5000: 1, 2000: 2, 500: 1, 100: 2})  # 1,097.00
    z = t.zreports.z_report()
    assert z.z_number == 2
    _check_figures(z, usd)
    assert [(c.method, c.expected, c.counted) for c in z.counted] == [
        ("cash", 109700, 109700),
        ("paypal", 7500, 7500),
    ]
    # the Z as sent to the head office: PayPal in USD, voids and discounts in KES
    with t.db.read_session() as s:
        [(payload,)] = s.execute(
            text("SELECT payload FROM outbox WHERE kind = 'report.z' ORDER BY seq DESC LIMIT 1")
        ).all()
    body = json.loads(payload)["body"]
    assert body["voids"] == {"count": 1, "value": {"minor": 12500, "currency": "KES"}}
    assert body["discounts"] == {"minor": 1300, "currency": "KES"}
    tenders = {tt["method"]: tt for tt in body["tenders"]}
    assert tenders["paypal"]["amount"] == {"minor": usd.minor, "currency": "USD"}
    assert tenders["cash"]["amount"] == {"minor": 11700, "currency": "KES"}
    assert t.zreports.verify() == []


def test_report_amounts_use_the_currency_decimals(day: tuple[Terminal, Money]) -> None:
    """A UGX till (no minor unit) prints 1,000 as 1,000, not 10.00."""
    t, _ = day
    x = replace(t.zreports.x_report(), currency="UGX")
    gross = next(ln for ln in report_lines(x) if ln.startswith("Gross sales"))
    assert gross.endswith(" 20,500")
    assert "sales,gross sales,2,20500,UGX" in report_csv(x)
    # the foreign tender keeps its own decimals
    assert any(ln.endswith("USD 0.58") for ln in report_lines(x))
