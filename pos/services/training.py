"""Training mode's "customer phone": the other side of a prompt on the customer's device.

In training mode the gateways are local sandboxes. This service shows what is waiting on
the (simulated) customer's phone and answers it through each gateway's training customer
(:mod:`pos.payments.training`), which talks to its sandbox's public control interface only,
exactly as a tester or integrator would. It knows no gateway by name.

It also re-exports the one check that keeps training and live apart
(:func:`is_training_document`, :func:`refuse_training`, from ``sync.protocol.training``):
the sync agent's drain and the eTIMS submission path call it, so nothing made in training
is ever sent or submitted as real.
"""

from __future__ import annotations

from collections.abc import Sequence

from pos.domain.messages import define
from pos.payments.training import Answer, Prompt, TrainingCustomer
from pos.services.errors import ServiceError
from sync.protocol.training import TrainingNotReal, is_training_document, refuse_training

__all__ = [
    "Answer",
    "CustomerPhone",
    "Prompt",
    "TrainingNotReal",
    "is_training_document",
    "refuse_training",
]

UNREACHABLE = define(
    "training.unreachable", "The training phone cannot reach the sandbox: {detail}"
)
NO_ANSWER = define("training.no_answer", "The training phone could not answer: {detail}")


class CustomerPhone:
    """The simulated customer of the training sandboxes."""

    def __init__(self, customers: Sequence[TrainingCustomer]) -> None:
        self._customers = {c.code: c for c in customers}

    def pending(self) -> list[Prompt]:
        """Every prompt of every simulated customer (network: run off the till worker)."""
        prompts: list[Prompt] = []
        try:
            for customer in self._customers.values():
                prompts.extend(customer.pending())
        except Exception as exc:  # the sandbox control clients raise their own errors
            raise ServiceError(UNREACHABLE(detail=str(exc))) from exc
        return prompts

    def answer(self, prompt: Prompt, answer: Answer, pin: str | None = None) -> None:
        customer = self._customers.get(prompt.source)
        if customer is None:
            raise ServiceError("That request is not on this phone any more.")
        try:
            customer.answer(prompt, answer, pin)
        except Exception as exc:
            raise ServiceError(NO_ANSWER(detail=str(exc))) from exc
