"""A refund head office refuses with a code reaches the till's screens with it: the real
agent pushes over real HTTP on 127.0.0.1, the head office answers ``rejected`` with
``code`` and ``params`` (as sync/server does for two tills racing on one receipt), the
agent parks the event with them, and the refund service and the refused-events list read
the reason back as a message in the reader's language."""

from __future__ import annotations

from pos.services.auth import Role, UserSummary
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from sync.agent.agent import SyncAgent
from sync.protocol.refusals import refusal
from tests.sync.agent.headoffice import HeadOffice

MILK = "6168232712628"  # 65.00


def test_a_coded_refusal_is_parked_with_its_values_and_named_on_the_sale(
    cashier: Terminal,
    agent: SyncAgent,
    ho: HeadOffice,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    cashier.checkout.scan(MILK, 2)
    sold = cashier.checkout.pay_cash(cashier.checkout.view().cash_due)
    assert sold.receipt is not None
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    done = cashier.refunds.refund(RefundRequest(sold.receipt.sale_id, {1: 1}, "damaged"))
    why = refusal(
        "hq_refund_line_over",
        item="Brookside Fresh Milk 500ml",
        receipt=sold.receipt.number,
        sold=2,
        refunded=2,
        asked=1,
    )
    ho.refuse_types = {"refund.completed"}
    ho.refuse_with = why
    agent.run_once()
    [parked] = cashier.headoffice.parked()
    assert parked.kind == "refund.completed"
    assert parked.message.code == "hq_refund_line_over"
    assert dict(parked.message.params) == why.params
    assert parked.message.render() == why.text
    [named] = cashier.refunds.refundable(sold.receipt.sale_id).refused
    assert named.number == done.number
    assert named.reason == parked.message
