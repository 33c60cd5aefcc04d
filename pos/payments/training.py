"""Training mode's customer side: what a simulated customer's phone shows and answers.

Each gateway whose customer acts on a device of their own (an M-Pesa PIN prompt, a PayPal
approval) can ship a :class:`TrainingCustomer` that plays that customer against its local
sandbox through the sandbox's public control interface. The till's "customer phone" window
shows every prompt of every such customer, without knowing which gateway it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pos.domain.money import Money


class Answer(StrEnum):
    APPROVE = "approve"
    CANCEL = "cancel"
    WRONG_PIN = "wrong_pin"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something the customer's phone shows and waits for."""

    source: str  # which simulated customer shows it (the method's code)
    prompt_id: str  # the gateway's id of the request (CheckoutRequestID, order id, ...)
    amount: Money
    merchant: str
    text: str  # as the phone words it
    needs_pin: bool
    answers: frozenset[Answer] = frozenset({Answer.APPROVE, Answer.CANCEL})
    #: what the PIN field says ("Card PIN (any 4 to 6 digits)"; mark it with
    #: ``pos.domain.messages.text``); "" keeps the window's M-PESA wording
    pin_label: str = ""


class TrainingCustomer(Protocol):
    """Plays one gateway's customer in training mode."""

    code: str

    def pending(self) -> list[Prompt]:
        """What this customer's phone shows now (raises on a sandbox that cannot be reached)."""
        ...

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        """Answer a prompt as the customer would."""
        ...
