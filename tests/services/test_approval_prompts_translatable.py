"""What an approver is asked to approve is made of texts the translation files list.

The approval dialog's title is ``{action} needs approval by {approver}.``; ``action`` used
to be an English f-string ("Changing the price of …", "Cash in of …", "Closing the shift …
off") or a plain literal, which stayed English on a Kiswahili screen. Each approval path
of the services is driven here for real (a cashier on a seeded terminal, who needs a
PIN for each), and its action is rendered through a translator that knows exactly the
texts ``tools/i18n_update.py`` extracts from the code (what ``kaunta_sw.ts`` is made of):
every known text comes back marked ``⟨…⟩``, anything else stays as it is. An action that
is wholly marked was wholly translated, its values inside the translated template.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from pos.domain.messages import CONTEXT, REGISTRY, Formats
from pos.domain.money import Money
from pos.domain.sale import Discount
from pos.services.auth import Permission
from pos.services.errors import ApprovalRequired
from pos.services.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]
MILK = "6168232712628"  # Brookside Fresh Milk 500ml, KES 65.00


def _update_tool() -> ModuleType:
    """``tools/i18n_update.py`` (not a package), loaded by path."""
    if "i18n_update" in sys.modules:
        return sys.modules["i18n_update"]
    spec = importlib.util.spec_from_file_location("i18n_update", ROOT / "tools" / "i18n_update.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_update"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def listed() -> frozenset[tuple[str, str]]:
    """``(source, disambiguation)`` of every ``messages`` text the translation files list."""
    return frozenset(
        (f.entry.source, f.entry.comment)
        for f in _update_tool().scan(ROOT)
        if f.entry.context == CONTEXT
    )


def _asked(cashier: Terminal, act: Callable[[Terminal], object]) -> ApprovalRequired:
    with pytest.raises(ApprovalRequired) as caught:
        act(cashier)
    return caught.value


def _rendered(error: ApprovalRequired, listed: frozenset[tuple[str, str]]) -> str:
    def translate(source: str, disambiguation: str | None) -> str:
        known = (source, disambiguation or "") in listed
        return f"⟨{source}⟩" if known else source

    return error.action_msg.render(translate, Formats())


def _price(t: Terminal) -> object:
    line = t.checkout.scan(MILK).lines[0].line_id
    return t.checkout.override_price(line, Money(5000))


def _discount(t: Terminal) -> object:
    line = t.checkout.scan(MILK).lines[0].line_id
    return t.checkout.set_line_discount(line, Discount.of_percent(Decimal(15)))


def _cash(kind: str) -> Callable[[Terminal], object]:
    def move(t: Terminal) -> object:
        big = Money(t.shifts.limits.cash_movement_approval_above + 100)
        if kind in ("float_top_up", "paid_in"):
            return t.shifts.cash_in(big, kind, "for the weekend")
        return t.shifts.cash_out(big, kind, "to the bank")

    return move


def _close_off(t: Terminal) -> object:
    t.checkout.scan(MILK)
    t.checkout.pay_cash(Money(100000))
    return t.shifts.close({100000: 1}, note="a note was found on the floor")


def _z(t: Terminal) -> object:
    t.shifts.close({})
    return t.zreports.z_report()


def _two(t: Terminal) -> object:
    return t.auth.authorize_all({Permission.VOID_SALE, Permission.REFUND}, None)


@pytest.mark.parametrize(
    ("act", "code", "english"),
    [
        (
            _price,
            "checkout.approve_price",
            "Changing the price of Brookside Fresh Milk 500ml (KES 65.00 → KES 50.00)",
        ),
        (_discount, "checkout.approve_discount", "A discount of 15.0% (over the 10% limit)"),
        (
            _cash("float_top_up"),
            "shift_approve_float_top_up",
            "Cash in of KES 5,001.00 (float top-up)",
        ),
        (_cash("paid_in"), "shift_approve_paid_in", "Cash in of KES 5,001.00 (paid in)"),
        (_cash("paid_out"), "shift_approve_paid_out", "Cash out of KES 5,001.00 (paid out)"),
        (_cash("drop"), "shift_approve_drop", "Cash out of KES 5,001.00 (drop)"),
        (_close_off, "shift_approve_close", "Closing the shift KES 935.00 off"),
        (_z, "z_approve", "The Z report (end of day)"),
        (_two, "auth.actions_and", "A refund and Voiding a sale"),
    ],
    ids=["price", "discount", "float", "paid_in", "paid_out", "drop", "close", "z", "two"],
)
def test_every_approval_prompt_is_a_listed_text_with_its_values(
    cashier: Terminal,
    listed: frozenset[tuple[str, str]],
    act: Callable[[Terminal], object],
    code: str,
    english: str,
) -> None:
    error = _asked(cashier, act)
    assert error.action_msg.code == code
    assert code in REGISTRY
    assert str(error.action_msg) == english  # the English is what it was
    shown = _rendered(error, listed)
    assert shown.startswith("⟨"), shown
    assert shown.endswith("⟩"), shown


def test_an_english_f_string_action_would_be_caught(
    cashier: Terminal, listed: frozenset[tuple[str, str]]
) -> None:
    """The check above can fail: an action given as a built English string (what the
    services did before) is not a listed text, so it comes back unmarked."""
    amount = Money(600000)
    error = _asked(
        cashier,
        lambda t: t.auth.authorize(
            Permission.CASH_OVER_LIMIT, None, f"Cash in of {amount} (float top-up)"
        ),
    )
    assert _rendered(error, listed) == "Cash in of KES 6,000.00 (float top-up)"
