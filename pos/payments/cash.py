"""Cash as a payment method: captured the moment it is handed over.

Change and cash rounding are rules of the sale (``pos.domain.sale``); this method only
gives cash the same shape as every other tender, so reports and refunds treat all alike.
"""

from __future__ import annotations

from pos.domain.messages import define, text
from pos.domain.money import Money
from pos.domain.outcomes import outcome, say
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    RefundResult,
)
from pos.payments.registry import MethodContext, method_factory

#: the cashier's words for cash (translated on screen: ``tools/i18n_check.py`` outcomes)
RECEIVED = text("Cash received.")
GIVE_BACK = outcome(define("cash.give_back", "Give {amount} back from the drawer."))


class CashMethod(PaymentMethod):
    code = "cash"
    label = text("Cash")  # generic: translated on screens (i18n.text), unlike brand names
    capabilities = frozenset({Capability.IMMEDIATE, Capability.REFUND, Capability.PARTIAL_REFUND})
    description = MethodDescription(
        code="cash", label=text("Cash"), hotkey="F12", resend_allowed=False, drawer=True
    )

    def __init__(self, currency: str) -> None:
        self.currencies = frozenset({currency})

    def start(self, request: PaymentRequest) -> PaymentResult:
        return PaymentResult(AttemptState.CAPTURED, "ok", RECEIVED, captured=request.amount)

    def status(self, ref: AttemptRef) -> PaymentResult:
        return PaymentResult(AttemptState.CAPTURED, "ok", RECEIVED, captured=ref.amount)

    def refund(self, ref: AttemptRef, amount: Money) -> RefundResult:
        return RefundResult(True, "ok", say(GIVE_BACK, amount=amount), amount=amount)


@method_factory(CashMethod)
def create(context: MethodContext) -> CashMethod:
    return CashMethod(context.currency)
