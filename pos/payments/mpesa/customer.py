"""The training customer of the M-Pesa sandbox: an STK prompt asking for the M-PESA PIN."""

from __future__ import annotations

from pos.domain.money import Money
from pos.payments.mpesa.sandbox_control import SandboxCustomer
from pos.payments.training import Answer, Prompt


class MpesaTrainingCustomer:
    """Shows the sandbox's open STK pushes and answers them through its control path."""

    code = "mpesa"

    def __init__(self, base_url: str, shop_name: str) -> None:
        self._sandbox = SandboxCustomer(base_url)
        self._shop = shop_name

    def pending(self) -> list[Prompt]:
        prompts = []
        for push in self._sandbox.pending():
            amount = Money(push.amount * 100, "KES")
            merchant = push.shop_name or self._shop
            prompts.append(
                Prompt(
                    self.code,
                    push.checkout_request_id,
                    amount,
                    merchant,
                    f"Pay {amount} to {merchant}. Enter M-PESA PIN",
                    True,
                    frozenset(Answer),
                )
            )
        return prompts

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        if answer is Answer.APPROVE:
            self._sandbox.decide(prompt.prompt_id, "approve", pin)
        else:
            self._sandbox.decide(prompt.prompt_id, answer.value)
