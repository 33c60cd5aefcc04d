"""Service errors. Every one has a message written for the person at the till."""

from __future__ import annotations

from pos.domain.errors import DomainError
from pos.store.errors import StoreError


class ServiceError(Exception):
    """A use case could not be carried out; ``str()`` says why and what to do."""

    code = "service_error"

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class NotFound(ServiceError):
    code = "not_found"


class UnknownBarcode(NotFound):
    code = "unknown_barcode"

    def __init__(self, barcode: str) -> None:
        super().__init__(
            f"No product has barcode {barcode}. Search by name, or ask a manager to add it."
        )
        self.barcode = barcode


class SaleAlreadyFinished(ServiceError):
    code = "sale_already_finished"


class NotLoggedIn(ServiceError):
    code = "not_logged_in"


class InvalidLanguage(ServiceError):
    code = "invalid_language"


class WrongPin(ServiceError):
    code = "wrong_pin"


class AccountLocked(ServiceError):
    code = "account_locked"


class PermissionDenied(ServiceError):
    code = "permission_denied"


class ApprovalRequired(ServiceError):
    """The action is allowed with a supervisor's or manager's PIN on the spot."""

    code = "approval_required"

    def __init__(self, permissions: tuple[str, ...], action: str, approver: str) -> None:
        super().__init__(f"{action} needs approval by {approver}.")
        self.permissions = permissions
        self.action = action


#: Everything the UI shows as a message instead of a crash report.
USER_ERRORS: tuple[type[Exception], ...] = (DomainError, ServiceError, StoreError)
