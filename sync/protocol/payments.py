"""Payment-attempt documents: ``payment.resolved``, ``payment.late``, ``payment.late_settled``.

A gateway attempt (M-Pesa STK push, PayPal order, card terminal) is reported once it
reaches a final state, whether or not it paid for anything, so the head office can
reconcile the gateways' statements with the ledger. Money the sale no longer needed is
``payment.late`` (flagged for a manager) and its end is ``payment.late_settled``: refunded
through the gateway, refunded by hand, or kept as the customer's credit.

Amounts: ``tendered`` is what was asked of the customer in the tender's currency (USD for
PayPal); ``applied`` + ``rounding`` is what it settles in the sale's currency; ``rate`` is
units of the sale currency per unit of the tender currency (only when they differ). Payers
are masked (``2547******49``, ``w***@example.com``), never a full phone number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sync.protocol.envelope import Header
from sync.protocol.fields import CODE_RE, Amount, Fields, decimal_text, iso_utc

#: Gateway references: CheckoutRequestID, PayPal order / capture ids, approval codes.
REF_MAX = 80
RESULT_CODE_RE = re.compile(r"[A-Za-z0-9_.:-]{1,60}")


class Outcome(StrEnum):
    """How an attempt ended."""

    CAPTURED = "captured"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class LateReason(StrEnum):
    """Why captured money was not applied to its sale."""

    SALE_CLOSED = "sale_closed"  # the sale was finished or voided before the money came
    NOT_NEEDED = "not_needed"  # the sale was still open but needed less than this
    AMOUNT_MISMATCH = "amount_mismatch"  # the gateway captured another amount than asked


class Settlement(StrEnum):
    """How a manager settled a late payment (the values the till stores)."""

    REFUNDED = "refunded"  # through the gateway; ``reference`` is the refund's id
    REFUNDED_BY_HAND = "refunded_by_hand"  # reversal or cash, described in the note
    CREDITED = "credited"  # kept as the customer's credit; the note names the customer


def _rate(f: Fields, tendered: Amount, applied: Amount) -> Decimal | None:
    """``rate`` is required exactly when the tender is in another currency."""
    if tendered.currency == applied.currency:
        if not f.is_null("rate"):
            f.fail("rate", "must be null when the tender is in the sale's currency")
        return None
    rate = f.decimal("rate")
    if rate <= 0:
        f.fail("rate", "must be more than zero")
    return rate


@dataclass(frozen=True, slots=True)
class AttemptFacts:
    """What every attempt document says about the attempt."""

    attempt_id: str
    sale_id: str
    method: str
    tendered: Amount
    applied: Amount
    rounding: Amount
    rate: Decimal | None
    payer_masked: str | None
    gateway_ref: str
    receipt_ref: str

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.attempt_id,
            "sale_id": self.sale_id,
            "method": self.method,
            "tendered": self.tendered.to_json(),
            "applied": self.applied.to_json(),
            "rounding": self.rounding.to_json(),
            "rate": None if self.rate is None else decimal_text(self.rate),
            "payer_masked": self.payer_masked,
            "gateway_ref": self.gateway_ref,
            "receipt_ref": self.receipt_ref,
        }

    @classmethod
    def parse(cls, f: Fields) -> AttemptFacts:
        tendered = f.money("tendered", positive=True)
        applied = f.money("applied")
        if applied.minor < 0:
            f.fail("applied", "must not be negative")
        rounding = f.money("rounding", currency=applied.currency)
        rate = _rate(f, tendered, applied)
        if rate is None and tendered.minor != applied.minor + rounding.minor:
            f.fail("tendered", "is not applied + rounding (same currency)")
        return cls(
            attempt_id=f.uuid("attempt_id", v7=True),
            sale_id=f.uuid("sale_id", v7=True),
            method=f.text("method", pattern=CODE_RE, max_len=40),
            tendered=tendered,
            applied=applied,
            rounding=rounding,
            rate=rate,
            payer_masked=f.opt_text("payer_masked", max_len=80, free=True),
            gateway_ref=f.text("gateway_ref", max_len=REF_MAX),
            receipt_ref=f.text("receipt_ref", max_len=REF_MAX),
        )


@dataclass(frozen=True, slots=True)
class PaymentResolved:
    """``payment.resolved``: an attempt reached a final state. ``captured`` is what the
    gateway says it took (tender currency), present exactly when the outcome is captured."""

    attempt: AttemptFacts
    outcome: Outcome
    captured: Amount | None
    code: str
    message: str
    started_at: datetime
    resolved_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            **self.attempt.to_json(),
            "outcome": self.outcome.value,
            "captured": None if self.captured is None else self.captured.to_json(),
            "code": self.code,
            "message": self.message,
            "started_at": iso_utc(self.started_at),
            "resolved_at": iso_utc(self.resolved_at),
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> PaymentResolved:
        attempt = AttemptFacts.parse(f)
        outcome = f.choice("outcome", Outcome)
        captured = f.opt_money("captured", currency=attempt.tendered.currency, positive=True)
        if (captured is None) == (outcome is Outcome.CAPTURED):
            f.fail("captured", "must be given exactly when the outcome is captured")
        if outcome is Outcome.CAPTURED and not attempt.receipt_ref and not attempt.gateway_ref:
            f.fail("receipt_ref", "a captured payment needs the gateway's reference")
        return cls(
            attempt=attempt,
            outcome=outcome,
            captured=captured,
            code=f.text("code", pattern=RESULT_CODE_RE, max_len=60),
            message=f.text("message", max_len=300, free=True),
            started_at=f.timestamp("started_at"),
            resolved_at=f.timestamp("resolved_at"),
        )


@dataclass(frozen=True, slots=True)
class PaymentLate:
    """``payment.late``: money was captured that its sale did not take; a manager must
    settle it. ``captured`` is what the gateway took (tender currency)."""

    attempt: AttemptFacts
    captured: Amount
    reason: LateReason
    message: str
    flagged_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            **self.attempt.to_json(),
            "captured": self.captured.to_json(),
            "reason": self.reason.value,
            "message": self.message,
            "flagged_at": iso_utc(self.flagged_at),
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> PaymentLate:
        attempt = AttemptFacts.parse(f)
        captured = f.money("captured", currency=attempt.tendered.currency, positive=True)
        reason = f.choice("reason", LateReason)
        if reason is LateReason.AMOUNT_MISMATCH and captured == attempt.tendered:
            f.fail("reason", "is amount_mismatch but the captured amount is the one asked")
        return cls(
            attempt=attempt,
            captured=captured,
            reason=reason,
            message=f.text("message", max_len=300, free=True),
            flagged_at=f.timestamp("flagged_at"),
        )


@dataclass(frozen=True, slots=True)
class LateSettled:
    """``payment.late_settled``: how the manager settled a late payment of ``amount``."""

    attempt_id: str
    sale_id: str
    method: str
    amount: Amount
    settlement: Settlement
    reference: str
    note: str
    settled_by: str
    approved_by: str | None
    settled_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.attempt_id,
            "sale_id": self.sale_id,
            "method": self.method,
            "amount": self.amount.to_json(),
            "settlement": self.settlement.value,
            "reference": self.reference,
            "note": self.note,
            "settled_by": self.settled_by,
            "approved_by": self.approved_by,
            "settled_at": iso_utc(self.settled_at),
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> LateSettled:
        settlement = f.choice("settlement", Settlement)
        reference = f.text("reference", max_len=REF_MAX)
        note = f.text("note", max_len=300, free=True)
        if settlement is Settlement.REFUNDED and not reference:
            f.fail("reference", "a refund through the gateway needs the refund's reference")
        if settlement is Settlement.REFUNDED_BY_HAND and len(note.strip()) < 5:
            f.fail("note", "a refund by hand must say how the money went back")
        if settlement is Settlement.CREDITED and len(note.strip()) < 3:
            f.fail("note", "a credit must say whose credit it is")
        return cls(
            attempt_id=f.uuid("attempt_id", v7=True),
            sale_id=f.uuid("sale_id", v7=True),
            method=f.text("method", pattern=CODE_RE, max_len=40),
            amount=f.money("amount", positive=True),
            settlement=settlement,
            reference=reference,
            note=note,
            settled_by=f.uuid("settled_by"),
            approved_by=f.opt_uuid("approved_by"),
            settled_at=f.timestamp("settled_at"),
        )
