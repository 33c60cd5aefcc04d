"""A card refund of another till's sale (found at head office) whose answer was lost: the
emulated ZVT terminal on a real pty books the refund to the card and goes silent; the till
is restarted (a new Terminal and device worker on the same file, nothing in memory) and its
resolution asks this till's terminal (its last transaction against the receipt number noted
before) and records the refund once, from the sale kept on this till, without asking head
office."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, ZvtEmulator
from pos.services.auth import Role, UserSummary
from pos.services.refunds import RefundRequest, RefundWaiting
from pos.services.terminal import Terminal
from tests.conftest import FakeClock
from tests.services.test_refund_recovery import (  # fixtures used by name below
    MakeMethod,
    emulator,
    make_method,
    restart,
    silent_after_decision,
)
from tests.services.test_refund_remote import NUMBER, SALE_ID, HeadOffice, new_id
from tests.services.test_refund_remote_tender import t2_sale
from tests.services.test_refunds_card import PAN, rows

__all__ = ["emulator", "make_method"]
CARD_ID = new_id()


def card_payment() -> dict[str, Any]:
    return {
        "payment_id": CARD_ID,
        "method": "card_zvt",
        "reference": f"123456 · {PAN} · TID 52500099 · receipt 0007",
        "details": {"label": "Card"},
        "taken_minor": 13000,
        "taken_currency": "KES",
    }


def test_a_card_refund_of_another_tills_sale_whose_answer_was_lost_is_recorded_once_after_a_restart(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    clock: FakeClock,
    db_path: Path,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    cashier.enable_payments({"card_zvt": make_method()})
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    hq = HeadOffice()
    cashier.refunds.use_lookup(hq)
    hq.answers.append([t2_sale(card_payment())])
    cashier.refunds.find_at_head_office(NUMBER)
    emulator.settings.behaviour = Behaviour.MANUAL
    played = silent_after_decision(emulator, approve=True)
    with pytest.raises(RefundWaiting, match="did not answer after the refund was sent"):
        cashier.refunds.refund(RefundRequest(SALE_ID, {1: 1}, "damaged"))
    assert played()
    booked = emulator.last_transaction()
    assert booked is not None
    assert booked.amount_minor == 6500
    assert rows(cashier, "SELECT state, sale_id, amount_minor FROM refund_attempts") == [
        ("pending", SALE_ID, 6500)
    ]
    cashier.close()

    emulator.settings.behaviour = Behaviour.APPROVE
    till, _ = restart(db_path, clock, make_method)
    till.refunds.use_lookup(HeadOffice())  # asked nothing: no answers given
    [resolved] = till.refunds.resolve_pending()  # start-up: nobody logged in
    assert resolved.outcome == "completed", resolved
    assert emulator.commands.count(m.REFUND) == 1  # asked, never sent again
    assert m.REVERSAL not in emulator.commands
    assert rows(till, "SELECT original_sale_id, original_number, total_minor FROM refunds") == [
        (SALE_ID, NUMBER, 6500)
    ]
    [(reference,)] = rows(till, "SELECT reference FROM refund_tenders")
    assert reference.endswith(f"receipt {booked.receipt_no:04d}")
    till.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    assert till.refunds.refundable(SALE_ID).lines[0].left == 1
    till.close()
