"""The refund dialog names a refund of the sale that head office refused, with head
office's reason (a code and values, shown in the manager's language)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pos.services.refunds import RefundRequest
from pos.store import sync_state
from pos.store.models import OutboxEvent
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.refund_dialog import RefundDialog
from sync.protocol.refusals import encode_parked, refusal

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"  # 65.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"


def test_the_refund_dialog_says_head_office_refused_a_refund_of_the_sale(till: Till) -> None:
    till.login(MANAGER, MANAGER_PIN)
    till.idle()
    t = till.terminal
    # a sale and two refunds, made through the services while the window is idle
    t.checkout.scan(MILK, 2)
    sold = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert sold.receipt is not None
    t.refunds.refund(RefundRequest(sold.receipt.sale_id, {1: 1}, "damaged"))
    second = t.refunds.refund(RefundRequest(sold.receipt.sale_id, {1: 1}, "damaged"))
    why = refusal(
        "hq_refund_line_over",
        item="Brookside Fresh Milk 500ml",
        receipt=sold.receipt.number,
        sold=2,
        refunded=2,
        asked=1,
    )
    with t.db.session() as s:  # parked as the sync agent parks head office's refusal
        event_id = s.query(OutboxEvent.id).filter_by(aggregate_id=second.refund_id).scalar()
        sync_state.park(
            s, [(event_id, encode_parked(why.text, why.code, why.params))], datetime.now(UTC)
        )
    till.window.open_manager()
    till.until(lambda: isinstance(till.window.manager_menu, ManagerMenu))
    menu = till.window.manager_menu
    assert menu is not None
    till.click(menu.buttons["refund"])
    till.until(lambda: isinstance(menu.dialog, RefundDialog))
    dialog = menu.dialog
    assert isinstance(dialog, RefundDialog)
    till.qtbot.keyClicks(dialog.search, sold.receipt.number)
    till.until(lambda: dialog.sale is not None and dialog.sale.refused != ())
    till.until(lambda: "Head office refused" in dialog.message.text())
    assert dialog.message.text() == (
        f"Head office refused refund {second.number}: {why.text} Do not give that money "
        "back again; tell head office."
    )
