"""The training customer of the PayPal sandbox: approve or cancel the order behind the QR."""

from __future__ import annotations

from pos.domain.money import Money
from pos.payments.paypal.sandbox_control import SandboxCustomer
from pos.payments.training import Answer, Prompt

_WAITING = ("CREATED", "PAYER_ACTION_REQUIRED")


class PayPalTrainingCustomer:
    """Shows the sandbox's orders waiting for the buyer and decides them."""

    code = "paypal"

    def __init__(self, base_url: str, shop_name: str) -> None:
        self._sandbox = SandboxCustomer(base_url)
        self._shop = shop_name

    def pending(self) -> list[Prompt]:
        prompts = []
        for order in self._sandbox.pending():
            if order.status not in _WAITING:
                continue
            amount = Money.parse(order.value, order.currency)
            merchant = order.brand_name or self._shop
            prompts.append(
                Prompt(
                    self.code,
                    order.id,
                    amount,
                    merchant,
                    f"{merchant} asks for {amount}. Pay with PayPal?",
                    False,
                )
            )
        return prompts

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        self._sandbox.decide(prompt.prompt_id, "approve" if answer is Answer.APPROVE else "cancel")
