"""A refund head office refused (two tills racing on one receipt) is shown on its sale: the
refund service reads the parked ``refund.completed`` event of the sale's refund, with head
office's coded reason, as a message in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

from pos.services.auth import Role, UserSummary
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from pos.store import sync_state
from pos.store.models import OutboxEvent
from sync.protocol.refusals import encode_parked, refusal

MILK = "6168232712628"  # 65.00


def test_a_refund_head_office_refused_is_named_on_its_sale(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier.checkout.scan(MILK, 2)
    sold = cashier.checkout.pay_cash(cashier.checkout.view().cash_due)
    assert sold.receipt is not None
    sale = sold.receipt.sale_id
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    first = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    second = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    assert cashier.refunds.refundable(sale).refused == ()
    # head office refused the second (another till had refunded that unit): the agent
    # parks its event with the code and values
    refused = refusal(
        "hq_refund_line_over",
        item="Brookside Fresh Milk 500ml",
        receipt=sold.receipt.number,
        sold=2,
        refunded=2,
        asked=1,
    )
    with cashier.db.session() as s:
        event_id = s.query(OutboxEvent.id).filter_by(aggregate_id=second.refund_id).scalar()
        parked = encode_parked(f"lines: {refused.text}", refused.code, refused.params)
        assert sync_state.park(s, [(event_id, parked)], datetime.now(UTC)) == 1
    [shown] = cashier.refunds.refundable(sale).refused
    assert shown.number == second.number != first.number
    assert shown.reason.code == "hq_refund_line_over"
    assert shown.reason.render() == refused.text
    assert "2 sold, 2 already refunded" in shown.reason.render()
