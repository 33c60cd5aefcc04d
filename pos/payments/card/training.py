"""Training mode's card customer: the emulated ZVT terminal waiting for a card and PIN.

Shown by the till's training "customer" window like a phone prompt (it knows no method
by name): the trainee inserts the card and types a PIN, or declines, and the emulated
terminal answers the till over the same bytes a real one sends.
"""

from __future__ import annotations

from drivers.zvt.codes import ABORTED
from drivers.zvt.emulator import ZvtEmulator
from pos.domain.messages import text
from pos.domain.money import Money
from pos.payments.training import Answer, Prompt

#: what each answer makes the emulated bank say
_DECLINES = {Answer.CANCEL: ABORTED, Answer.WRONG_PIN: 0x89, Answer.INSUFFICIENT: 0x71}


class ZvtTrainingCustomer:
    """The customer at the emulated card terminal."""

    code = "card_zvt"

    def __init__(self, emulator: ZvtEmulator, currency: str, shop_name: str) -> None:
        self._emulator = emulator
        self._currency = currency
        self._shop = shop_name

    def pending(self) -> list[Prompt]:
        request = self._emulator.request
        if request is None or self._emulator.played_by is not None:
            return []  # (a card terminal window of its own plays this terminal)
        number, amount_minor, refund = request
        amount = Money(amount_minor, self._currency)
        words = (
            f"Card terminal: refund {amount} to the card. Insert the card."
            if refund
            else f"Card terminal: pay {amount} to {self._shop}. Insert the card, enter the PIN"
        )
        pin = text("Card PIN (demo: any 4 to 6 digits)")
        return [
            Prompt(self.code, str(number), amount, self._shop, words, True, frozenset(Answer), pin)
        ]

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        request = self._emulator.request
        if request is None or str(request[0]) != prompt.prompt_id:
            raise LookupError("The card terminal is not waiting for that payment any more.")
        if answer is Answer.APPROVE:
            if not pin or not pin.isdigit() or not 4 <= len(pin) <= 6:
                raise ValueError("A card PIN has 4 to 6 digits.")
            self._emulator.decide(True)
        else:
            self._emulator.decide(False, _DECLINES[answer])
