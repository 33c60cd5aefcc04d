"""What the till keeps of a card payment, and how it fits the attempt's two references.

A payment attempt stores two short texts (``gateway_ref`` and ``receipt_ref``, 80
characters each). A card payment puts its terminal facts in them:

* ``gateway_ref``: ``zvt:<terminal id>:<receipt no>:<trace>`` once approved; while the
  terminal is asked, ``zvt:before:<receipt no of the terminal's last transaction>`` (what
  a restarted till compares the terminal's last transaction with);
* ``receipt_ref``: ``<approval code> <masked PAN>`` (``123456 476173******0010``).

Standalone terminals give ``manual:<last four>`` and ``<approval code> ************4242``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos.domain.messages import text

ZVT_PREFIX = "zvt:"
BEFORE = "zvt:before:"
MANUAL_PREFIX = "manual:"
_MASKED_PAN = re.compile(r"^[0-9]{0,6}\*+[0-9]{4}$")
_APPROVAL = re.compile(r"^[A-Z0-9]{2,8}$")


@dataclass(frozen=True, slots=True)
class CardProof:
    """The storable facts of one approved card payment."""

    approval_code: str
    masked_pan: str  # at most the first 6 and last 4 digits
    terminal_id: str = ""
    receipt_no: int | None = None
    trace: int | None = None

    def __post_init__(self) -> None:
        if self.masked_pan and not _MASKED_PAN.match(self.masked_pan):
            raise ValueError("a card number is stored masked (first 6 / last 4 at most)")
        digits = sum(c.isdigit() for c in self.masked_pan)
        if digits > 10:
            raise ValueError("a card number is stored masked (first 6 / last 4 at most)")

    @property
    def last4(self) -> str:
        return self.masked_pan[-4:]

    def gateway_ref(self) -> str:
        if self.terminal_id or self.receipt_no is not None:
            receipt = "" if self.receipt_no is None else f"{self.receipt_no:04d}"
            trace = "" if self.trace is None else str(self.trace)
            return f"{ZVT_PREFIX}{self.terminal_id}:{receipt}:{trace}"[:80]
        return f"{MANUAL_PREFIX}{self.last4}"

    def receipt_ref(self) -> str:
        return f"{self.approval_code} {self.masked_pan}".strip()[:80]

    def customer_text(self) -> str:
        """What the receipt prints: approval, masked card, terminal and its receipt number."""
        parts = [self.approval_code, self.masked_pan]
        if self.terminal_id:
            parts.append(f"TID {self.terminal_id}")
        if self.receipt_no is not None:
            parts.append(f"receipt {self.receipt_no:04d}")
        return " · ".join(p for p in parts if p)


def parse(gateway_ref: str, receipt_ref: str) -> CardProof | None:
    """The proof stored in an attempt's references (None if they hold no approval)."""
    approval, _, pan = receipt_ref.partition(" ")
    if not approval:
        return None
    if gateway_ref.startswith(ZVT_PREFIX) and not gateway_ref.startswith(BEFORE):
        tid, _, rest = gateway_ref[len(ZVT_PREFIX) :].partition(":")
        receipt, _, trace = rest.partition(":")
        return CardProof(
            approval,
            pan,
            tid,
            int(receipt) if receipt.isdigit() else None,
            int(trace) if trace.isdigit() else None,
        )
    return CardProof(approval, pan)


def before_ref(last_receipt_no: int | None) -> str:
    """``gateway_ref`` of an attempt the terminal is being asked for."""
    return f"{BEFORE}{'' if last_receipt_no is None else last_receipt_no}"


def parse_before(gateway_ref: str) -> tuple[bool, int | None]:
    """(is a "before" reference, the receipt number it names)."""
    if not gateway_ref.startswith(BEFORE):
        return False, None
    rest = gateway_ref[len(BEFORE) :]
    return True, int(rest) if rest.isdigit() else None


def check_approval_code(typed: str) -> str | None:
    """None if ``typed`` looks like a bank approval code (2-8 letters or digits), else
    what to correct (a marked sentence: the dialog shows it in the cashier's language)."""
    code = typed.strip().upper()
    if not code:
        return text("Type the approval code printed on the terminal's slip.")
    if not _APPROVAL.match(code):
        return text("An approval code is 2 to 8 letters or digits, as the slip prints it.")
    return None


def check_last4(typed: str) -> str | None:
    """None if ``typed`` is the card's last four digits, else what to correct."""
    digits = typed.strip()
    if len(digits) != 4 or not digits.isdigit():
        return text("Type the last 4 digits of the card, as the slip prints them.")
    return None
