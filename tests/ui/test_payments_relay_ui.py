"""A result head office relays, on the real till window: the sync agent's applier (on a
thread of its own, as the agent runs) applies it on the till worker and the window shows it
like a payment the background checks found: the receipt opens and the message says what
happened. The relayed result is the document ``GET /api/v1/push-results`` lists (the head
office itself is exercised in tests/sync/agent/test_push_results.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from pos.push_relay import PushResultApplier
from pos.ui.dialogs import ReceiptDialog
from sync.agent.push_results import PushResult
from tests.ui.test_payments_ui import (
    GATEWAY_MS,
    MILK,
    _enter_pin,
    _open_mpesa,
    _prompt,
    _rows,
    _send,
    paying,
)

if TYPE_CHECKING:
    from tests.ui.conftest import Till

__all__ = ["paying"]  # the fixture, shared


def _paid_result(till: Till, receipt: str) -> PushResult:
    """What head office relays for the till's one attempt: paid, with ``receipt``."""
    [(attempt_id, checkout, amount)] = _rows(
        till, "SELECT id, gateway_ref, amount_minor FROM payment_attempts"
    )
    return PushResult(
        seq=1,
        attempt_id=str(attempt_id),
        state="paid",
        checkout_request_id=str(checkout),
        result_code="0",
        result_desc="The service request is processed successfully.",
        receipt=receipt,
        amount_minor=int(str(amount)),
    )


def test_a_relayed_result_completes_the_sale_and_shows_its_receipt(paying: Till) -> None:
    till = paying
    till.scan(MILK)
    dialog = _open_mpesa(till)
    _send(till, dialog)
    _prompt(till)
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)  # the cashier stops waiting ...
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)
    till.until(lambda: not dialog.isVisible())
    _enter_pin(till)  # ... the customer pays all the same; the sale is still open
    result = _paid_result(till, "SXX4RELAYD")
    applier = PushResultApplier(lambda: till.terminal.payments, till.window.runner.call_and_wait)
    applier.on_applied = till.window.sig_payment_relayed.emit
    outcome: list[str] = []
    agent = threading.Thread(target=lambda: outcome.append(applier(result)), name="sync-agent")
    agent.start()
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog), timeout=GATEWAY_MS)
    agent.join(10)
    assert len(outcome) == 1
    assert outcome[0].startswith("applied (")
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    assert "SXX4RELAYD" in receipt.text.toPlainText()
    assert "arrived after you stopped waiting" in till.window.sale.message.text()
    assert _rows(till, "SELECT count(*) FROM payments") == [(1,)]


def test_a_relayed_result_finishes_the_open_payment_dialog_as_its_own_poll_would(
    paying: Till,
) -> None:
    """Head office's relay can beat the dialog's poll (Daraja's query lags its callback):
    the dialog closes with "Paid" and the receipt opens as usual, not as a late arrival."""
    till = paying
    till.scan(MILK)
    dialog = _open_mpesa(till)
    _send(till, dialog)
    _prompt(till)  # the prompt is on the phone; the sandbox still says "pending"
    # the dialog knows its attempt (the worker's answer to the push, which a loaded machine
    # delivers after the phone shows the prompt): a relay arrives seconds later in a shop
    till.until(lambda: dialog.attempt is not None, timeout=GATEWAY_MS)
    result = _paid_result(till, "SXX5RELAYD")
    applier = PushResultApplier(lambda: till.terminal.payments, till.window.runner.call_and_wait)
    applier.on_applied = till.window.sig_payment_relayed.emit
    agent = threading.Thread(target=lambda: applier(result), name="sync-agent")
    agent.start()
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog), timeout=GATEWAY_MS)
    agent.join(10)
    assert not dialog.isVisible()
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    assert "SXX5RELAYD" in receipt.text.toPlainText()
    assert "arrived after you stopped waiting" not in till.window.sale.message.text()
    assert _rows(till, "SELECT count(*) FROM payments") == [(1,)]
    assert _rows(till, "SELECT status FROM sales") == [("completed",)]


def test_a_relay_heard_after_its_dialogs_own_poll_shows_the_receipt_as_usual(
    paying: Till,
) -> None:
    """The relay is applied, the dialog's poll finds the attempt paid ("Paid", without the
    receipt, which the relay's answer carries) and closes, and only then does the relay's
    news reach the window (a loaded machine; CI saw this order in the test above): the
    receipt opens as usual, not as "arrived after you stopped waiting", and the same news
    again opens nothing more."""
    till = paying
    till.scan(MILK)
    dialog = _open_mpesa(till)
    _send(till, dialog)
    _prompt(till)
    till.until(lambda: dialog.attempt is not None, timeout=GATEWAY_MS)
    result = _paid_result(till, "SXX6RELAYD")
    heard: list[object] = []
    applier = PushResultApplier(lambda: till.terminal.payments, till.window.runner.call_and_wait)
    applier.on_applied = heard.append  # held back: delivered below, after the dialog closed
    agent = threading.Thread(target=lambda: applier(result), name="sync-agent")
    agent.start()
    agent.join(10)
    assert len(heard) == 1
    till.until(lambda: not dialog.isVisible(), timeout=GATEWAY_MS)  # its own poll: "Paid"
    till.window.sig_payment_relayed.emit(heard[0])
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog), timeout=GATEWAY_MS)
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    assert "SXX6RELAYD" in receipt.text.toPlainText()
    assert "arrived after you stopped waiting" not in till.window.sale.message.text()
    till.window.sig_payment_relayed.emit(heard[0])  # the same news again
    till.qtbot.wait(300)  # a second receipt would open on the next turns of the event loop
    assert till.window.sale.dialog is receipt
    assert "arrived after you stopped waiting" not in till.window.sale.message.text()
    assert _rows(till, "SELECT count(*) FROM payments") == [(1,)]
