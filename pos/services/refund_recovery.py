"""What the refund service keeps of a refund sent through a method, and what it tells.

The refund as the manager asked for it is stored with its attempts (``request``: JSON of
the :class:`~pos.services.refund_values.RefundRequest`, who authorised it and the total
quoted), so a refund resolved after a restart is completed exactly as planned, once, by
:meth:`pos.services.refunds.RefundService.resolve_pending_steps`. The texts here are the
manager's: what is waiting and what to do about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pos.domain.messages import Message, define, text
from pos.domain.refund import TenderHow
from pos.services.errors import ServiceError
from pos.services.refund_attempts import AttemptRow, RefundAttemptState
from pos.services.refund_values import RefundRequest

#: the dialog's line for a refund through a method still waiting to be resolved
WAITING_LINE = define(
    "refund_waiting_line",
    "{label} refund waiting for the terminal's answer: {amount} for receipt {number}, "
    "sent {since}.",
)
TODO_PENDING = define(
    "refund_todo_pending",
    "Make sure {label} is on and connected, then press Check again. Do not give this "
    "money back another way meanwhile.",
)
TODO_NOT_SENT = define(
    "refund_todo_not_sent",
    "The till stopped before it sent this refund to {label}. Press Check again: nothing "
    "went back, and the sale can then be refunded again.",
)
TODO_UNKNOWN = define(
    "refund_todo_unknown",
    "{problem} Once you have looked, settle it here: It went back (type the receipt number "
    "its journal shows) or It did not go back. Do not refund this sale again meanwhile; if "
    "in doubt, tell head office.",
)
TODO_APPROVED = define(
    "refund_todo_approved",
    "{label} gave {amount} back, but the refund is not recorded yet: {problem} Press "
    "Check again; do not give this money back again.",
)
REFUND_WAITING = define(
    "refund_waiting",
    "{label} did not answer after the refund was sent: {problem} Nothing is recorded as "
    "refunded yet: the till asks it whether the refund went through (see the waiting line).",
)
ALREADY_WAITING = define(
    "refund_already_waiting",
    "A {label} refund of receipt {number} is waiting for the terminal's answer: check it "
    "again before refunding this sale again.",
)
METHOD_NOT_REACHED = define(
    "refund_method_not_reached",
    "{label} did not answer: {problem} Nothing was sent to it, so nothing went back and "
    "nothing is recorded as refunded. Try again, or choose cash from the drawer for this "
    "tender (a manager approves).",
)

NOT_SET_UP = define(
    "refund_method_not_set_up",
    "{label} is not set up on this till: give the money back by hand or as cash.",
)
TODO_MIXED = define(
    "refund_todo_mixed",
    "Part of refund {refund} went back through its methods and part did not: nothing is "
    "recorded as refunded. Tell head office what each terminal or gateway shows before "
    "refunding this sale again.",
)
PLAN_CHANGED = define(
    "refund_plan_changed",
    "This sale changed since the refund was sent (another refund?): the refund is not "
    "recorded. Tell head office what the terminal shows.",
)()
SETTLING = text("Settling a refund by hand")
SAY_WHAT_IT_SHOWS = text(
    "Type what the terminal's journal (or the statement) shows for this refund: its "
    "receipt number, or that there is none."
)


class RefundWaiting(ServiceError):
    """The method was asked to give money back and its answer was lost: the refund is
    stored as pending and resolved by asking the method later (never sent again)."""

    code = "refund_waiting"


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """A refund as asked for: the request, who authorised it, the total quoted."""

    request: RefundRequest
    authorised_by: str
    total_minor: int


def encode_request(request: RefundRequest, authorised_by: str, total_minor: int) -> str:
    return json.dumps(
        {
            "sale_id": request.sale_id,
            "quantities": {str(n): q for n, q in request.quantities.items()},
            "reason_code": request.reason_code,
            "reason": request.reason,
            "how": {pid: how.value for pid, how in request.how.items()},
            "references": dict(request.references),
            "restock": request.restock,
            "authorised_by": authorised_by,
            "total_minor": total_minor,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def decode_request(text: str) -> StoredRequest:
    data = json.loads(text)
    request = RefundRequest(
        sale_id=str(data["sale_id"]),
        quantities={int(n): int(q) for n, q in data["quantities"].items()},
        reason_code=str(data["reason_code"]),
        reason=str(data["reason"]),
        how={pid: TenderHow(how) for pid, how in data["how"].items()},
        references={pid: str(ref) for pid, ref in data["references"].items()},
        restock=bool(data["restock"]),
    )
    return StoredRequest(request, str(data["authorised_by"]), int(data["total_minor"]))


def todo(attempt: AttemptRow, label: str) -> Message:
    """What the manager does about an open attempt."""
    problem = attempt.message
    if attempt.state is RefundAttemptState.CREATED:
        return TODO_NOT_SENT(label=label)
    if attempt.state is RefundAttemptState.UNKNOWN:
        return TODO_UNKNOWN(problem=problem)
    if attempt.state is RefundAttemptState.APPROVED:
        return TODO_APPROVED(label=label, amount=attempt.amount, problem=problem)
    return TODO_PENDING(label=label)
