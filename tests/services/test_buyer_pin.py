"""The buyer's KRA PIN on the open sale (``CheckoutService.set_buyer``): a PIN that is
not a letter, nine digits and a letter is refused with a message saying what a KRA PIN
looks like, and nothing changes (the basket, its draft and the audit trail); the PIN can
be removed, and neither added nor removed once money was taken; it is saved with the
draft and audited; a snapshot with a damaged PIN is refused, not carried to KRA."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos.domain.buyer import Buyer, InvalidBuyer
from pos.domain.errors import SaleStateError
from pos.domain.money import Money
from pos.domain.sale import Sale
from pos.domain.snapshot import InvalidSnapshot
from pos.services.errors import ServiceError
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00, zero-rated
PIN = "P051234567X"


def _draft(t: Terminal) -> dict[str, object]:
    with t.db.read_session() as s:
        data = s.execute(text("SELECT data FROM drafts")).scalar_one()
    loaded: dict[str, object] = json.loads(data)
    return loaded


def _audit(t: Terminal) -> list[str]:
    with t.db.read_session() as s:
        return [
            r[0]
            for r in s.execute(
                text("SELECT detail FROM audit_log WHERE action = 'buyer_pin' ORDER BY at")
            )
        ]


@pytest.mark.parametrize(
    "typed",
    ["P05123456X", "P0512345678X", "1051234567X", "P051234567", "PO51234567X", "P05123456?X"],
)
def test_a_pin_that_is_not_a_kra_pin_is_refused_and_nothing_changes(
    cashier: Terminal, typed: str
) -> None:
    cashier.checkout.scan(MILK)
    cashier.checkout.set_buyer(PIN, "Duka")
    before = cashier.checkout.view()
    draft = _draft(cashier)
    with pytest.raises(InvalidBuyer) as refused:
        cashier.checkout.set_buyer(typed, "Another Ltd")
    assert str(refused.value) == (
        f"{typed} is not a KRA PIN: a KRA PIN is a letter, nine digits and a letter, "
        "like P051234567X."
    )
    assert cashier.checkout.view() == before
    assert _draft(cashier) == draft
    assert len(_audit(cashier)) == 1  # only the good one


def test_an_empty_pin_asks_for_one(cashier: Terminal) -> None:
    cashier.checkout.scan(MILK)
    with pytest.raises(InvalidBuyer, match="Type the buyer's KRA PIN"):
        cashier.checkout.set_buyer("  ")
    assert cashier.checkout.view().buyer_pin == ""


def test_the_pin_is_saved_with_the_draft_audited_and_removable(cashier: Terminal) -> None:
    cashier.checkout.scan(MILK)
    view = cashier.checkout.set_buyer("p05 123 456 7x", "  Duka   la Mfano ")
    assert (view.buyer_pin, view.buyer_name) == (PIN, "Duka la Mfano")
    assert _draft(cashier)["buyer"] == {"pin": PIN, "name": "Duka la Mfano"}
    view = cashier.checkout.clear_buyer()
    assert view.buyer_pin == ""
    assert _draft(cashier)["buyer"] is None
    assert [json.loads(d)["pin"] for d in _audit(cashier)] == [PIN, None]


def test_the_pin_is_neither_added_nor_removed_once_money_was_taken(cashier: Terminal) -> None:
    cashier.checkout.scan(MILK)
    cashier.checkout.set_buyer(PIN)
    cashier.checkout.pay_cash(Money(2000, "KES"), partial=True)
    with pytest.raises(SaleStateError, match="only be added or removed before payment"):
        cashier.checkout.clear_buyer()
    with pytest.raises(SaleStateError):
        cashier.checkout.set_buyer("A000123456F")
    assert cashier.checkout.view().buyer_pin == PIN


def test_no_open_sale_no_pin(cashier: Terminal) -> None:
    with pytest.raises(ServiceError, match="no open sale"):
        cashier.checkout.set_buyer(PIN)


def test_a_snapshot_with_a_damaged_pin_is_refused_and_an_old_one_has_no_buyer() -> None:
    sale = Sale("s1", "KES", datetime(2026, 1, 1, tzinfo=UTC), "u1")
    sale.set_buyer(Buyer.of(PIN, "Duka"))
    data = sale.to_dict()
    assert Sale.from_dict(data).buyer == Buyer(PIN, "Duka")
    old = {k: v for k, v in data.items() if k != "buyer"}  # written before buyers existed
    assert Sale.from_dict(old).buyer is None
    with pytest.raises(InvalidSnapshot, match="not a KRA PIN"):
        Sale.from_dict({**data, "buyer": {"pin": "12345", "name": ""}})
