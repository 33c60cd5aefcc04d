"""The sandbox's state and values: orders, captures, refunds, recorded traffic."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "AWAITING",
    "OPEN",
    "Capture",
    "Decision",
    "Failure",
    "Order",
    "RecordedRequest",
    "Refund",
    "Request",
    "Response",
    "SandboxError",
    "WebhookRecord",
    "new_id",
    "new_payer_id",
]

#: Order statuses in which the buyer still has to act, and those still capturable.
AWAITING = frozenset({"CREATED", "PAYER_ACTION_REQUIRED"})
OPEN = AWAITING | {"APPROVED"}

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PAYER_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # spec: ^[2-9A-HJ-NP-Z]{13}$


def new_id(length: int = 17) -> str:
    """An order, capture or refund id shaped like PayPal's (``5O190127TN364715T``)."""
    return secrets.choice("123456789") + "".join(
        secrets.choice(_ID_ALPHABET) for _ in range(length - 1)
    )


def new_payer_id() -> str:
    """A payer or merchant id (13 characters of the spec's alphabet)."""
    return "".join(secrets.choice(_PAYER_ID_ALPHABET) for _ in range(13))


class Decision(StrEnum):
    """What the simulated customer does with an order."""

    APPROVE = "approve"
    CANCEL = "cancel"  # "Cancel and return to merchant": the order stays unapproved
    NO_ANSWER = "no_answer"


class SandboxError(Exception):
    """A control request the sandbox cannot do (unknown order, order already decided)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Capture:
    id: str
    order_id: str
    currency: str
    value: Decimal
    status: str
    reason: str
    custom_id: str
    create_time: str
    update_time: str
    refunded: Decimal = Decimal(0)


@dataclass
class Refund:
    id: str
    capture_id: str
    currency: str
    value: Decimal
    total_after: Decimal
    note: str
    create_time: str
    status: str = "COMPLETED"


@dataclass
class Order:
    id: str
    currency: str
    value: Decimal
    description: str
    custom_id: str
    invoice_id: str
    reference_id: str
    brand_name: str
    return_url: str
    cancel_url: str
    experience: bool  # created with payment_source.paypal.experience_context
    status: str
    created_at: float  # sandbox clock
    create_time: str
    update_time: str
    soft_descriptor: str = ""
    decision: Decision | None = None
    buyer_cancelled: bool = False  # left the approve page through "Cancel"
    mock: str = ""  # one-shot mock code for the next capture
    payer: dict[str, Any] | None = None
    capture_ids: list[str] = field(default_factory=list)
    expired: bool = False


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the sandbox received (Authorization values redacted)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class WebhookRecord:
    """One signed event, as sent: exact headers and raw body, and how delivery went."""

    event: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def event_type(self) -> str:
        return str(self.event["event_type"])


@dataclass
class Failure:
    count: int
    status: int
    delay: float
    after: bool
    path: str


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
