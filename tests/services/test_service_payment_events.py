"""Every shilling that moves through a gateway reaches the outbox as a protocol document
the head office's strict parser accepts: resolved, flagged late, settled."""

from __future__ import annotations

import json

from pos.domain.money import Money
from pos.payments.base import AttemptState
from pos.services.auth import Permission, Role, UserSummary
from pos.services.payments import PaymentService, PaymentSettings
from pos.services.terminal import Terminal
from sync.protocol import parse_event
from tests.services.test_service_rechecks import MILK, SlowCustomer


def _events(terminal: Terminal) -> list[dict[str, object]]:
    with terminal.db.session() as s:
        rows = (
            s.connection()
            .exec_driver_sql("SELECT payload FROM outbox WHERE kind LIKE 'payment.%' ORDER BY seq")
            .all()
        )
    return [json.loads(p) for (p,) in rows]


def _service(terminal: Terminal, method: SlowCustomer) -> PaymentService:
    return PaymentService(
        terminal.db,
        terminal.ctx,
        terminal.clock,
        terminal.ids,
        terminal.auth,
        terminal.checkout,
        {"slowpay": method},
        PaymentSettings(),
    )


def test_a_capture_and_its_void_and_settlement_are_valid_documents(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    method = SlowCustomer()
    payments = _service(cashier, method)
    cashier.checkout.scan(MILK)
    cashier.checkout.scan(MILK)
    started = payments.start("slowpay", Money(5000, "KES"))  # a part: 50 of 130
    method.answer = AttemptState.CAPTURED
    payments.poll(started.attempt_id)
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.VOID_SALE
    )
    cashier.checkout.void("wrong customer", approval)
    [late] = payments.late_payments()
    manager = cashier.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS
    )
    payments.settle_late(late.attempt_id, "credit", "Wanjiru, 0712", manager)
    documents = _events(cashier)
    assert [d["type"] for d in documents] == [
        "payment.resolved",
        "payment.late",
        "payment.late_settled",
    ]
    for document in documents:
        event = parse_event(document)  # the head office's strict parser
        assert event.header.terminal_id == cashier.ctx.terminal_id


def test_a_tender_is_named_by_its_method_s_receipt_label_or_its_code_when_gone(
    terminal: Terminal,
) -> None:
    service = _service(terminal, SlowCustomer())
    described = SlowCustomer().describe()
    assert service.tender_label("slowpay") == described.receipt_name
    assert described.receipt_name != "slowpay"
    assert service.tender_label("cash") == "Cash"  # not a gateway: read from the plug-ins
    assert service.tender_label("uninstalled_method") == "uninstalled_method"
