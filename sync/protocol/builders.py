"""Builders the till uses: primitive values and money in, a checked document out.

Each returns the event document as a dict ready for JSON (the outbox payload). Every
document is parsed by the same strict parser the head office uses before it is returned,
so the till cannot write an event the head office would refuse; a builder raises
:class:`ProtocolError` instead. Free text (notes, reasons, messages, payers) has long
digit runs masked first, so a phone number typed into a note never leaves the till.

The envelope arguments are the same for every builder: ``event_id`` (a UUIDv7 made on
the till; also the outbox row's id), ``store_id``, ``terminal_id``, ``seq`` (the outbox
row's number, from ``pos.store.repositories.next_outbox_seq`` in the same transaction),
``created_at`` (aware) and ``training``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sync.protocol.envelope import Body, EventType, make_document
from sync.protocol.events import parse_event
from sync.protocol.fields import Amount, MoneyLike, mask_digit_runs
from sync.protocol.payments import (
    AttemptFacts,
    LateReason,
    LateSettled,
    Outcome,
    PaymentLate,
    PaymentResolved,
    Settlement,
)
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import SaleBody, SaleCompleted, SaleVoided, VoidInfo
from sync.protocol.shifts import CashMoved, Direction, ShiftClosed, ShiftOpened, ZReport

_RATE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)")
_BAD_CODE_CHARS = re.compile(r"[^A-Za-z0-9_.:-]")


def rate_value(rate: str | Decimal | None) -> Decimal | None:
    """An exchange rate from what the till stores (``"129.50 KES/USD"``, ``"129.50"``,
    ``""``) as a number; ``None`` when there is none."""
    if rate is None or isinstance(rate, Decimal):
        return rate
    match = _RATE_RE.match(rate)
    return Decimal(match.group(1)) if match else None


def free_text(text: str, limit: int) -> str:
    """Free text as it may go on the wire: digit runs masked, cut to ``limit``."""
    return mask_digit_runs(text.strip())[:limit]


def _optional(text: str | None) -> str | None:
    return mask_digit_runs(text) if text else None


def emit(
    event_type: EventType,
    body: Body,
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    check: bool = True,
) -> dict[str, Any]:
    """Wrap ``body``, hash it, and (``check``) read the result with the strict parser.

    The till's sale documents are built with ``check=False``: they are written inside the
    sale's own transaction, where a refusal would stop a customer who has paid from getting
    a receipt, and re-reading each one costs as much as the rest of the commit. They are
    proven instead by the property tests over every kind of sale the till makes, and the
    head office reads every document strictly on arrival and parks a refused one with its
    reason (never applying it). Rarer documents (payments, shifts, Z) keep the check."""
    document = make_document(
        event_type,
        body.to_json(),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )
    if check:
        parse_event(document)
    return document


# -- sales -----------------------------------------------------------------------------------
def sale_completed(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    sale: SaleBody,
    check: bool = True,
) -> dict[str, Any]:
    """``sale.completed`` for a paid sale (see ``pos.services.sync_events`` for the till's
    mapping from its domain sale)."""
    return emit(
        EventType.SALE_COMPLETED,
        SaleCompleted(sale),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
        check=check,
    )


def sale_voided(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    sale: SaleBody,
    reason: str,
    approved_by: str | None,
    returned: MoneyLike,
    check: bool = True,
) -> dict[str, Any]:
    """``sale.voided``: ``returned`` is what the sale had taken, to go back by its tender."""
    return emit(
        EventType.SALE_VOIDED,
        SaleVoided(
            sale, VoidInfo(free_text(reason, 200), approved_by or None, Amount.of(returned))
        ),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
        check=check,
    )


# -- payment attempts --------------------------------------------------------------------------
def _attempt(
    attempt_id: str,
    sale_id: str,
    method: str,
    tendered: MoneyLike,
    applied: MoneyLike,
    rounding: MoneyLike,
    rate: str | Decimal | None,
    payer_masked: str | None,
    gateway_ref: str,
    receipt_ref: str,
) -> AttemptFacts:
    tender = Amount.of(tendered)
    sale_amount = Amount.of(applied)
    return AttemptFacts(
        attempt_id=attempt_id,
        sale_id=sale_id,
        method=method,
        tendered=tender,
        applied=sale_amount,
        rounding=Amount.of(rounding),
        rate=rate_value(rate) if tender.currency != sale_amount.currency else None,
        payer_masked=_optional(payer_masked),
        gateway_ref=gateway_ref,
        receipt_ref=receipt_ref,
    )


def payment_resolved(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    attempt_id: str,
    sale_id: str,
    method: str,
    outcome: str,
    tendered: MoneyLike,
    captured: MoneyLike | None,
    applied: MoneyLike,
    rounding: MoneyLike,
    rate: str | Decimal | None,
    payer_masked: str | None,
    gateway_ref: str,
    receipt_ref: str,
    code: str,
    message: str,
    started_at: datetime,
    resolved_at: datetime,
) -> dict[str, Any]:
    """``payment.resolved``: an attempt ended ``captured``, ``declined``, ``cancelled`` or
    ``expired``. ``tendered`` is what was asked (tender currency), ``captured`` what the
    gateway took (only when captured), ``applied`` + ``rounding`` its worth in the sale's
    currency, ``rate`` the stored rate text (``"129.50 KES/USD"``) or empty."""
    result = Outcome(outcome)
    clean_code = _BAD_CODE_CHARS.sub("_", code)[:60] or result.value
    return emit(
        EventType.PAYMENT_RESOLVED,
        PaymentResolved(
            attempt=_attempt(
                attempt_id,
                sale_id,
                method,
                tendered,
                applied,
                rounding,
                rate,
                payer_masked,
                gateway_ref,
                receipt_ref,
            ),
            outcome=result,
            captured=None if captured is None else Amount.of(captured),
            code=clean_code,
            message=free_text(message, 300),
            started_at=started_at,
            resolved_at=resolved_at,
        ),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def payment_late(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    attempt_id: str,
    sale_id: str,
    method: str,
    tendered: MoneyLike,
    captured: MoneyLike,
    applied: MoneyLike,
    rounding: MoneyLike,
    rate: str | Decimal | None,
    payer_masked: str | None,
    gateway_ref: str,
    receipt_ref: str,
    reason: str,
    message: str,
    flagged_at: datetime,
) -> dict[str, Any]:
    """``payment.late``: captured money its sale did not take, flagged for a manager.
    ``reason``: ``sale_closed``, ``not_needed`` or ``amount_mismatch``."""
    return emit(
        EventType.PAYMENT_LATE,
        PaymentLate(
            attempt=_attempt(
                attempt_id,
                sale_id,
                method,
                tendered,
                applied,
                rounding,
                rate,
                payer_masked,
                gateway_ref,
                receipt_ref,
            ),
            captured=Amount.of(captured),
            reason=LateReason(reason),
            message=free_text(message, 300),
            flagged_at=flagged_at,
        ),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def late_settled(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    attempt_id: str,
    sale_id: str,
    method: str,
    amount: MoneyLike,
    settlement: str,
    reference: str,
    note: str,
    settled_by: str,
    approved_by: str | None,
    settled_at: datetime,
) -> dict[str, Any]:
    """``payment.late_settled``. ``settlement`` is the till's resolution: ``refunded``
    (through the gateway; ``reference`` = the refund id), ``refunded_by_hand`` or
    ``credited`` (the note says how, or whose credit)."""
    return emit(
        EventType.PAYMENT_LATE_SETTLED,
        LateSettled(
            attempt_id=attempt_id,
            sale_id=sale_id,
            method=method,
            amount=Amount.of(amount),
            settlement=Settlement(settlement),
            reference=reference,
            note=free_text(note, 300),
            settled_by=settled_by,
            approved_by=approved_by or None,
            settled_at=settled_at,
        ),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


# -- refunds, shifts, cash, Z (for the issues that will emit them) -----------------------------
def refund_completed(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    refund: RefundCompleted,
) -> dict[str, Any]:
    """``refund.completed``."""
    return emit(
        EventType.REFUND_COMPLETED,
        replace(refund, reason=free_text(refund.reason, 200)),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def shift_opened(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    shift: ShiftOpened,
) -> dict[str, Any]:
    """``shift.opened``."""
    return emit(
        EventType.SHIFT_OPENED,
        shift,
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def shift_closed(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    shift: ShiftClosed,
) -> dict[str, Any]:
    """``shift.closed``."""
    return emit(
        EventType.SHIFT_CLOSED,
        replace(shift, note=free_text(shift.note, 300)),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def cash_moved(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    movement_id: str,
    shift_id: str,
    at: datetime,
    direction: str,
    kind: str,
    amount: MoneyLike,
    reason: str,
    by: str,
    approved_by: str | None,
) -> dict[str, Any]:
    """``cash.moved``: ``direction`` ``in`` or ``out``; ``kind`` e.g. ``paid_out``."""
    return emit(
        EventType.CASH_MOVED,
        CashMoved(
            movement_id=movement_id,
            shift_id=shift_id,
            at=at,
            direction=Direction(direction),
            kind=kind,
            amount=Amount.of(amount),
            reason=free_text(reason, 200),
            by=by,
            approved_by=approved_by or None,
        ),
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )


def z_report(
    *,
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    report: ZReport,
) -> dict[str, Any]:
    """``report.z``: the previous Z's ``hash`` is its event document's ``hash``."""
    return emit(
        EventType.Z_REPORT,
        report,
        event_id=event_id,
        store_id=store_id,
        terminal_id=terminal_id,
        seq=seq,
        created_at=created_at,
        training=training,
    )
