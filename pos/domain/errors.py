"""Domain errors: every one carries a message a cashier can act on."""

from __future__ import annotations

from pos.domain.messages import Message


class DomainError(Exception):
    """A rule of the sale was broken. ``str(err)`` is the English text, written for the
    cashier; :attr:`msg` is the same message as a code plus values, which the UI renders in
    the cashier's language."""

    code: str = "domain_error"

    def __init__(self, message: str | Message, *, code: str | None = None) -> None:
        self.msg = message if isinstance(message, Message) else Message.plain(message)
        super().__init__(str(self.msg))
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The cashier-readable text (English)."""
        return str(self.args[0])


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class InvalidDiscount(DomainError):
    code = "invalid_discount"


class SaleStateError(DomainError):
    """The action does not fit the sale's state (e.g. changing a completed sale)."""

    code = "sale_state"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class InsufficientTender(DomainError):
    code = "insufficient_tender"
