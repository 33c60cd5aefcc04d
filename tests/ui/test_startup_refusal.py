"""A till whose journal rules are gone refuses to sell, and says why and what to do."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from pos.demo import DEMO_USERS
from pos.domain.money import Money
from pos.store.errors import SellingRefused

if TYPE_CHECKING:
    from tests.ui.conftest import MakeTill

MILK = "6168232712628"


def test_a_dropped_trigger_stops_the_till_selling_with_a_message_naming_it(
    make_till: MakeTill,
) -> None:
    first = make_till()
    first.close()
    conn = sqlite3.connect(first.config.database_path)
    try:
        conn.execute("DROP TRIGGER sales_no_replace")
        conn.commit()
    finally:
        conn.close()

    second = make_till()
    second.until(lambda: second.window.alert.isVisible())
    text = second.window.alert.text()
    assert text.startswith("Selling is stopped: the rules that keep this till's journal")
    assert "sales_no_replace" in text
    assert "call support" in text
    assert not second.window.stack.isEnabled()  # no login, no scanning, no payment
    # and the store refuses the sale even if something got past the screen
    terminal = second.terminal
    name, _role, pin = next(u for u in DEMO_USERS if u[1] == "cashier")
    cashier = next(u for u in terminal.auth.users() if u.name == name)
    terminal.auth.login(cashier.user_id, pin)
    terminal.checkout.scan(MILK)
    with pytest.raises(SellingRefused, match="sales_no_replace"):
        terminal.checkout.pay_cash(Money(10000))
