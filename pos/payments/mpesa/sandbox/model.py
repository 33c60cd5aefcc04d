"""The sandbox's values: customer decisions, callback modes, prompts and callback records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "RESULT_DESC",
    "CallbackMode",
    "CallbackRecord",
    "Decision",
    "PendingPush",
]


class Decision(StrEnum):
    """What the simulated customer does with a prompt."""

    WAIT = "wait"  # nothing yet: wait for decide(), then time out (1037)
    APPROVE = "approve"  # 0
    CANCEL = "cancel"  # 1032
    WRONG_PIN = "wrong_pin"  # 2001
    INSUFFICIENT = "insufficient"  # 1
    NO_ANSWER = "no_answer"  # 1037 after prompt_timeout
    SLOW = "slow"  # approve after slow_delay


class CallbackMode(StrEnum):
    """How the result of a push reaches its CallBackURL.

    Real Daraja callbacks are usually prompt, but they also arrive late, more than once,
    or never (gateways.md A6: "Sandbox callbacks are unreliable or sometimes never
    arrive"); a till that trusts them blindly loses or doubles money.
    """

    PROMPT = "prompt"  # once, as soon as the push is final
    DELAY = "delay"  # once, ``delay`` seconds after the push is final
    DUPLICATE = "duplicate"  # ``copies`` times, ``delay`` seconds apart
    DROP = "drop"  # never (recorded as dropped)


#: ResultDesc texts as Daraja sends them (gateways.md A5). GUESS: 1025's text, and 1001's
#: exact wording (several integrations quote this sentence; gateways.md only says "unable
#: to lock subscriber / another transaction in progress").
RESULT_DESC: Mapping[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction.",
    "1001": "Unable to lock subscriber, a transaction is already in process for the current "
    "subscriber",
    "1032": "Request cancelled by user",
    "1037": "DS timeout user cannot be reached",
    "2001": "The initiator information is invalid.",
    "1025": "An error occurred while sending a push request",
    "SFC_IC0003": "The operator does not exist.",
}


@dataclass(frozen=True, slots=True)
class PendingPush:
    """A prompt on the simulated customer's phone, waiting for an answer."""

    checkout_request_id: str
    merchant_request_id: str
    amount: int  # whole shillings
    phone: str
    shop_name: str
    account_reference: str
    description: str
    created: datetime  # UTC

    @property
    def prompt(self) -> str:
        """Roughly what the phone shows."""
        return (
            f"Do you want to pay Ksh{self.amount:,}.00 to {self.shop_name} "
            f"(account {self.account_reference})? Enter M-PESA PIN:"
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["prompt"] = self.prompt
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingPush:
        return cls(
            checkout_request_id=str(data["checkout_request_id"]),
            merchant_request_id=str(data["merchant_request_id"]),
            amount=int(data["amount"]),
            phone=str(data["phone"]),
            shop_name=str(data["shop_name"]),
            account_reference=str(data["account_reference"]),
            description=str(data["description"]),
            created=datetime.fromisoformat(str(data["created"])),
        )


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """One callback the sandbox POSTed, tried to, or (``dropped``) chose not to send."""

    checkout_request_id: str
    url: str
    body: str  # the exact JSON text sent (or that would have been)
    status: int | None  # the receiver's HTTP status; None if not reached or dropped
    error: str
    sent_at: datetime
    dropped: bool = False  # CallbackMode.DROP: never sent, as when Daraja loses one

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "checkout_request_id": self.checkout_request_id,
            "url": self.url,
            "body": json.loads(self.body),
            "status": self.status,
            "error": self.error,
            "sent_at": self.sent_at.isoformat(),
            "dropped": self.dropped,
        }
