"""Training mode's "customer phone": the other side of an M-Pesa prompt or a PayPal QR.

In training mode the gateways are the local sandboxes. This service shows what is waiting
on the (simulated) customer's phone and answers it through the sandboxes' public control
interfaces only (HTTP under ``/__sandbox__/``), exactly as a tester or integrator would.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos.domain.money import Money
from pos.payments.mpesa.sandbox_control import SandboxCustomer as MpesaCustomer
from pos.payments.paypal.sandbox_control import SandboxCustomer as PayPalCustomer
from pos.services.errors import ServiceError


class Answer(StrEnum):
    APPROVE = "approve"
    CANCEL = "cancel"
    WRONG_PIN = "wrong_pin"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something the customer's phone shows and waits for."""

    kind: str  # "mpesa" | "paypal"
    prompt_id: str  # CheckoutRequestID / order id
    amount: Money
    merchant: str
    text: str  # as the phone words it
    needs_pin: bool


class CustomerPhone:
    """The simulated customer of the training sandboxes."""

    def __init__(self, mpesa_url: str | None, paypal_url: str | None, shop_name: str) -> None:
        self._mpesa = MpesaCustomer(mpesa_url) if mpesa_url else None
        self._paypal = PayPalCustomer(paypal_url) if paypal_url else None
        self._shop = shop_name

    def pending(self) -> list[Prompt]:
        prompts: list[Prompt] = []
        try:
            if self._mpesa is not None:
                for push in self._mpesa.pending():
                    amount = Money(push.amount * 100, "KES")
                    prompts.append(
                        Prompt(
                            "mpesa",
                            push.checkout_request_id,
                            amount,
                            push.shop_name or self._shop,
                            f"Pay {amount} to {push.shop_name or self._shop}. Enter M-PESA PIN",
                            True,
                        )
                    )
            if self._paypal is not None:
                for order in self._paypal.pending():
                    if order.status not in ("CREATED", "PAYER_ACTION_REQUIRED"):
                        continue
                    amount = Money.parse(order.value, order.currency)
                    merchant = order.brand_name or self._shop
                    prompts.append(
                        Prompt(
                            "paypal",
                            order.id,
                            amount,
                            merchant,
                            f"{merchant} asks for {amount}. Pay with PayPal?",
                            False,
                        )
                    )
        except Exception as exc:  # the sandbox control clients raise their own errors
            raise ServiceError(f"The training phone cannot reach the sandbox: {exc}") from exc
        return prompts

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        try:
            if prompt.kind == "mpesa" and self._mpesa is not None:
                if answer is Answer.APPROVE:
                    self._mpesa.decide(prompt.prompt_id, "approve", pin)
                else:
                    self._mpesa.decide(prompt.prompt_id, answer.value)
            elif prompt.kind == "paypal" and self._paypal is not None:
                self._paypal.decide(
                    prompt.prompt_id, "approve" if answer is Answer.APPROVE else "cancel"
                )
        except Exception as exc:
            raise ServiceError(f"The training phone could not answer: {exc}") from exc
