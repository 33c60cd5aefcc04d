"""Cards taken on a bank's standalone terminal (``card_manual``): the till only records.

Many Kenyan shops use a bank's own card terminal that talks to nothing. The customer pays
on it; once it prints its slip, the cashier keys the approval code and the card's last
four digits, and the till records the payment with the same receipt lines and reports as
a ZVT card payment (``receipt_ref`` ``<approval> ************<last4>``).

The two values are declared as :class:`~pos.payments.base.KeyedField` s: the payment
dialog shows a field (and number pad) for each, the service checks their length and digits
before the attempt is stored and hands them over in ``PaymentRequest.keyed`` only; this
method checks the approval code's letters and digits and keeps the code and the masked
last four digits in its result's references, nothing more. No terminal is asked, so the
attempt is captured at :meth:`start`. See docs/payments.md, section "Cards".
"""

from __future__ import annotations

from pos.domain.messages import Message, text
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    KeyedField,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
)
from pos.payments.card import proof as P
from pos.payments.registry import MethodContext, method_factory

CODE = "card_manual"
#: the names of the keyed fields in ``PaymentRequest.keyed``
APPROVAL = "approval_code"
LAST4 = "last4"


NOT_KEYED = text("Key the approval code and the card's last 4 digits from the terminal's slip.")
RECORDED = text("Card payment recorded.")


class ManualCardMethod(PaymentMethod):
    code = CODE
    #: short enough for a payment button at 1024x768; "PDQ" is what Kenyan shops call a
    #: bank's card machine
    label = text("Card (PDQ)")  # generic words: translated on screens (i18n.text)
    capabilities = frozenset({Capability.IMMEDIATE})
    description = MethodDescription(
        code=CODE,
        label=text("Card (PDQ)"),
        dialog=DialogKind.TERMINAL,  # the bank terminal prompts the customer itself
        receipt_label=text("Card"),  # generic: translated on screens (i18n.text)
        reference_label="Card approval",
        resend_allowed=True,
        keyed_fields=(
            KeyedField(
                APPROVAL,
                text("Approval code (on the terminal's slip)"),
                min_length=2,
                max_length=8,
                placeholder=text("e.g. 123456"),
            ),
            KeyedField(
                LAST4,
                text("Last 4 digits of the card"),
                digits_only=True,
                min_length=4,
                max_length=4,
                placeholder="4242",
            ),
        ),
    )

    def __init__(self, currency: str) -> None:
        self.currencies = frozenset({currency})

    @staticmethod
    def check(approval_code: str, last4: str) -> str | None:
        """None when both keyed fields are usable, else what to correct."""
        return P.check_approval_code(approval_code) or P.check_last4(last4)

    def record(self, request: PaymentRequest, approval_code: str, last4: str) -> PaymentResult:
        """The payment the bank terminal approved, as keyed by the cashier."""
        problem = super().validate(request) or self.check(approval_code, last4)
        if problem:
            return PaymentResult(AttemptState.DECLINED, f"{CODE}.invalid", str(problem), True)
        proof = P.CardProof(approval_code.strip().upper(), "*" * 12 + last4.strip())
        return PaymentResult(
            AttemptState.CAPTURED,
            "ok",
            RECORDED,
            gateway_ref=proof.gateway_ref(),
            receipt_ref=proof.receipt_ref(),
            captured=request.amount,
            payer=proof.masked_pan,
        )

    def validate(self, request: PaymentRequest) -> str | Message | None:
        """The base checks, then the keyed fields (refused before anything is stored)."""
        problem = super().validate(request)
        if problem:
            return problem
        if APPROVAL not in request.keyed or LAST4 not in request.keyed:
            return NOT_KEYED
        return self.check(request.keyed[APPROVAL], request.keyed[LAST4])

    def start(self, request: PaymentRequest) -> PaymentResult:
        """Record what was keyed: the bank's terminal has approved already."""
        if APPROVAL not in request.keyed or LAST4 not in request.keyed:
            return PaymentResult(
                AttemptState.DECLINED, f"{CODE}.not_keyed", NOT_KEYED, retry_allowed=True
            )
        return self.record(request, request.keyed[APPROVAL], request.keyed[LAST4])

    def status(self, ref: AttemptRef) -> PaymentResult:
        if ref.gateway_ref.startswith(P.MANUAL_PREFIX):
            return PaymentResult(AttemptState.CAPTURED, "ok", RECORDED, captured=ref.amount)
        return PaymentResult(
            AttemptState.EXPIRED, f"{CODE}.not_keyed", text("Nothing was keyed."), True
        )

    def customer_reference(self, receipt_ref: str, gateway_ref: str) -> str:
        proof = P.parse(gateway_ref, receipt_ref)
        return proof.customer_text() if proof is not None else receipt_ref


@method_factory(ManualCardMethod)
def create(context: MethodContext) -> ManualCardMethod:
    return ManualCardMethod(context.currency)
