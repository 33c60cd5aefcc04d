"""What M-Pesa can be asked to take: whole shillings, at least 1, at most a limit.

Daraja's ``Amount`` is whole shillings only (a due of KES 99.50 cannot be pushed as is).
The rule Kaunta uses, in one place so the sale, the receipt and the push agree:

* **Round up, never down.** A due with cents is pushed as the next whole shilling and the
  difference is returned *explicitly* (``mpesa_amount`` → ``(push, rounding_added)``), so
  the sale records it (as change owed or a rounding line) instead of silently losing it.
  Truncating would under-collect on every sale with cents.
* **Minimum 1 shilling.**
* **Maximum per payment** is configurable. Sources conflict on the real limit (150,000 vs
  250,000 KES per transaction; no STK-specific figure is documented), so the default of
  250,000 is a GUESS: a shop can lower it, and over the limit the cashier is told to split
  the payment.
"""

from __future__ import annotations

from pos.domain.errors import InvalidAmount
from pos.domain.messages import define
from pos.domain.money import Money

__all__ = ["DEFAULT_MAX_KES", "InvalidAmount", "mpesa_amount", "whole_shillings"]

#: Largest amount of one STK push, in shillings (GUESS, configurable: see module docstring).
DEFAULT_MAX_KES = 250_000

_CENTS_PER_KES = 100

SHILLINGS_ONLY = define(
    "mpesa.shillings_only", "M-Pesa takes Kenya shillings only, not {currency}."
)
OVER_MAX = define(
    "mpesa.over_max",
    "{amount} is more than M-Pesa takes in one payment ({limit}). Split the payment: take up "
    "to {limit} by M-Pesa, then the rest as a second payment.",
)
HAS_CENTS = define(
    "mpesa.has_cents",
    "M-Pesa takes whole shillings only; {amount} has cents. "
    "Round the amount up to the next shilling first.",
)


def _check_common(amount: Money, max_kes: int) -> None:
    if amount.currency != "KES":
        raise InvalidAmount(SHILLINGS_ONLY(currency=amount.currency), code="mpesa.currency")
    if amount.minor < _CENTS_PER_KES:
        raise InvalidAmount(
            "M-Pesa payments must be at least KES 1.00.", code="mpesa.amount_too_small"
        )
    if max_kes < 1:
        raise ValueError(f"max_kes must be at least 1, got {max_kes}")


def _over_max(amount: Money, max_kes: int) -> InvalidAmount:
    limit = Money(max_kes * _CENTS_PER_KES, "KES")
    return InvalidAmount(OVER_MAX(amount=amount, limit=limit), code="mpesa.amount_too_large")


def whole_shillings(amount: Money, *, max_kes: int = DEFAULT_MAX_KES) -> int:
    """The amount as the integer Daraja wants, or :class:`InvalidAmount`.

    Cents are an error here, not a rounding: the caller decides the rounding with
    :func:`mpesa_amount` first, so the sale knows about it.
    """
    _check_common(amount, max_kes)
    whole, cents = divmod(amount.minor, _CENTS_PER_KES)
    if cents:
        raise InvalidAmount(HAS_CENTS(amount=amount), code="mpesa.amount_cents")
    if whole > max_kes:
        raise _over_max(amount, max_kes)
    return whole


def mpesa_amount(due: Money, *, max_kes: int = DEFAULT_MAX_KES) -> tuple[Money, Money]:
    """``due`` → ``(amount to push, rounding added)`` under the round-up rule.

    ``KES 99.50`` → ``(KES 100.00, KES 0.50)``; ``KES 100.00`` → ``(KES 100.00, KES 0.00)``.
    The pushed amount is always ≥ ``due`` and less than one shilling above it.
    """
    if due.currency != "KES":
        raise InvalidAmount(SHILLINGS_ONLY(currency=due.currency), code="mpesa.currency")
    if due.minor <= 0:
        raise InvalidAmount("The amount to pay must be more than zero.", code="mpesa.amount_zero")
    whole = -(-due.minor // _CENTS_PER_KES)  # ceiling division: round UP to the shilling
    push = Money(whole * _CENTS_PER_KES, "KES")
    _check_common(push, max_kes)
    if whole > max_kes:
        raise _over_max(due, max_kes)
    return push, push - due
