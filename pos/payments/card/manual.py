"""Cards taken on a bank's standalone terminal (``card_manual``): the till only records.

Many Kenyan shops use a bank's own card terminal that talks to nothing. The customer pays
on it; once it prints its slip, the cashier keys the approval code and the card's last
four digits, and the till records the payment with the same receipt lines and reports as
a ZVT card payment (``receipt_ref`` ``<approval> ************<last4>``).

Not registered as an entry point yet: the generic payment dialog and
``PaymentService.start`` carry only a phone number, and a keyed proof must not travel as
one (it would be masked and printed as the payer). :meth:`record` is the whole method once
a request can carry the two keyed fields; see docs/payments.md, section "Cards".
"""

from __future__ import annotations

from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
)
from pos.payments.card import proof as P
from pos.payments.registry import MethodContext, method_factory

CODE = "card_manual"


class ManualCardMethod(PaymentMethod):
    code = CODE
    label = "Card (standalone terminal)"
    capabilities = frozenset({Capability.IMMEDIATE})
    description = MethodDescription(
        code=CODE,
        label="Card (standalone terminal)",
        dialog=DialogKind.NONE,
        receipt_label="Card",
        reference_label="Card approval",
        resend_allowed=True,
    )

    def __init__(self, currency: str) -> None:
        self.currencies = frozenset({currency})

    @staticmethod
    def check(approval_code: str, last4: str) -> str | None:
        """None when both keyed fields are usable, else what to correct."""
        return P.check_approval_code(approval_code) or P.check_last4(last4)

    def record(self, request: PaymentRequest, approval_code: str, last4: str) -> PaymentResult:
        """The payment the bank terminal approved, as keyed by the cashier."""
        problem = self.validate(request) or self.check(approval_code, last4)
        if problem:
            return PaymentResult(AttemptState.DECLINED, f"{CODE}.invalid", problem, True)
        proof = P.CardProof(approval_code.strip().upper(), "*" * 12 + last4.strip())
        return PaymentResult(
            AttemptState.CAPTURED,
            "ok",
            "Card payment recorded.",
            gateway_ref=proof.gateway_ref(),
            receipt_ref=proof.receipt_ref(),
            captured=request.amount,
            payer=proof.masked_pan,
        )

    def start(self, request: PaymentRequest) -> PaymentResult:
        return PaymentResult(
            AttemptState.DECLINED,
            f"{CODE}.not_keyed",
            "Key the approval code and the card's last 4 digits from the terminal's slip.",
            retry_allowed=True,
        )

    def status(self, ref: AttemptRef) -> PaymentResult:
        if ref.gateway_ref.startswith(P.MANUAL_PREFIX):
            return PaymentResult(
                AttemptState.CAPTURED, "ok", "Card payment recorded.", captured=ref.amount
            )
        return PaymentResult(AttemptState.EXPIRED, f"{CODE}.not_keyed", "Nothing was keyed.", True)

    def customer_reference(self, receipt_ref: str, gateway_ref: str) -> str:
        proof = P.parse(gateway_ref, receipt_ref)
        return proof.customer_text() if proof is not None else receipt_ref


@method_factory(ManualCardMethod)
def create(context: MethodContext) -> ManualCardMethod:
    return ManualCardMethod(context.currency)
