"""Domain errors: every one carries a message a cashier can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the sale was broken. ``str(err)`` is written for the cashier."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The cashier-readable text."""
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
