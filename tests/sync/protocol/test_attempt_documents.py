"""Payment attempts stored by the till (real SQLite) map to protocol documents that parse."""

from __future__ import annotations

import json
from datetime import timedelta
from types import ModuleType

import pytest

from pos.domain.money import Money
from pos.services.sync_events import (
    attempt_late_document,
    attempt_resolved_document,
    attempt_settled_document,
)
from pos.services.terminal import Terminal
from pos.store import attempts as store
from pos.store.attempts import AttemptRecord
from sync.protocol import ProtocolError, parse_event
from sync.protocol.payments import LateReason, LateSettled, Outcome, PaymentLate, PaymentResolved


def stored_attempt(
    terminal: Terminal,
    kit: ModuleType,
    *,
    method: str = "mpesa",
    tender: Money,
    applied: Money,
    rounding: Money,
    rate: str = "",
    payer: str = "2547******49",
    **final: object,
) -> AttemptRecord:
    """An attempt stored before the gateway call, then moved on as the services do."""
    attempt_id = kit.new_id()
    with terminal.db.session() as s:
        store.insert_attempt(
            s,
            attempt_id=attempt_id,
            sale_id=kit.new_id(),
            terminal_id="T1",
            method=method,
            amount=tender,
            applied=applied,
            rounding=rounding,
            rate=rate,
            payer_masked=payer,
            payer_hash="",
            created_by=kit.CASHIER,
            now=kit.T0,
        )
        record, _ = store.update_attempt(s, attempt_id, kit.T0 + timedelta(seconds=30), **final)
    return record


def test_a_captured_mpesa_attempt_with_rounding_is_resolved(
    terminal: Terminal, kit: ModuleType
) -> None:
    record = stored_attempt(
        terminal,
        kit,
        tender=kit.kes("100"),
        applied=kit.kes("99.50"),
        rounding=kit.kes("0.50"),
        state="captured",
        gateway_ref="ws_CO_191220191020363925",
        receipt_ref="QKJ3ABC123",
        code="ok",
        message="Paid by 254712345678.",
    )
    doc = attempt_resolved_document(
        record, terminal.ctx, event_id=kit.new_id(), seq=4, now=kit.T0 + timedelta(minutes=1)
    )
    event = parse_event(json.dumps(doc))
    assert isinstance(event.body, PaymentResolved)
    body = event.body
    assert (body.outcome, body.attempt.tendered.minor, body.attempt.rounding.minor) == (
        Outcome.CAPTURED,
        10000,
        50,
    )
    assert body.captured is not None
    assert body.captured.minor == 10000
    assert body.attempt.rate is None
    assert body.message == "Paid by 2547******78."
    assert (event.header.training, event.seq) == (True, 4)


def test_a_paypal_attempt_in_dollars_carries_its_rate(terminal: Terminal, kit: ModuleType) -> None:
    record = stored_attempt(
        terminal,
        kit,
        method="paypal",
        tender=kit.usd("7.72"),
        applied=kit.kes("1000"),
        rounding=Money.zero(),
        rate="129.50 KES/USD",
        payer="w***@example.com",
        state="declined",
        gateway_ref="5O190127TN364715T",
        code="paypal.INSTRUMENT_DECLINED",
        message="PayPal declined the card.",
    )
    event = parse_event(
        attempt_resolved_document(record, terminal.ctx, event_id=kit.new_id(), seq=1, now=kit.T0)
    )
    assert isinstance(event.body, PaymentResolved)
    assert event.body.outcome is Outcome.DECLINED
    assert event.body.captured is None
    assert str(event.body.attempt.rate) == "129.5"
    assert event.body.code == "paypal.INSTRUMENT_DECLINED"


def test_late_money_and_its_settlement(terminal: Terminal, kit: ModuleType) -> None:
    record = stored_attempt(
        terminal,
        kit,
        tender=kit.kes("65"),
        applied=kit.kes("65"),
        rounding=Money.zero(),
        state="captured",
        receipt_ref="QKJ3ABC124",
        resolution="late",
        code="mpesa.mismatch",
        message="Captured KES 60.00, expected KES 65.00.",
    )
    late = parse_event(
        attempt_late_document(
            record,
            terminal.ctx,
            reason="amount_mismatch",
            captured=kit.kes("60"),
            event_id=kit.new_id(),
            seq=2,
            now=kit.T0,
        )
    )
    assert isinstance(late.body, PaymentLate)
    assert (late.body.reason, late.body.captured.minor) == (LateReason.AMOUNT_MISMATCH, 6000)
    with pytest.raises(ProtocolError, match="amount_mismatch but the captured amount"):
        attempt_late_document(
            record, terminal.ctx, reason="amount_mismatch", event_id=kit.new_id(), seq=2, now=kit.T0
        )

    with terminal.db.session() as s:
        settled, _ = store.update_attempt(s, record.id, kit.T0, resolution="refunded_by_hand")
    doc = attempt_settled_document(
        settled,
        terminal.ctx,
        settled_by=kit.MANAGER,
        approved_by=kit.MANAGER,
        reference="",
        note="M-Pesa reversal to 0722123456",
        event_id=kit.new_id(),
        seq=3,
        now=kit.T0,
    )
    event = parse_event(doc)
    assert isinstance(event.body, LateSettled)
    assert (event.body.settlement.value, event.body.note) == (
        "refunded_by_hand",
        "M-Pesa reversal to 0722****56",
    )
    assert event.body.approved_by is None  # the manager settled it herself
