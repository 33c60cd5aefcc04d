"""Service errors. Every one has a message written for the person at the till."""

from __future__ import annotations

from pos.domain.errors import DomainError
from pos.domain.messages import Message, define
from pos.store.errors import StoreError

UNKNOWN_BARCODE = define(
    "unknown_barcode",
    "No product has barcode {barcode}. Search by name, or ask a manager to add it.",
)
NEEDS_APPROVAL = define("approval_required", "{action} needs approval by {approver}.")


class ServiceError(Exception):
    """A use case could not be carried out; ``str()`` says why and what to do (English).

    :attr:`msg` is the same message as a code plus values (a plain string given here
    becomes a fixed sentence), which the UI renders in the user's language."""

    code = "service_error"

    def __init__(self, message: str | Message | None = None, *args: object) -> None:
        if message is None:
            self.msg = Message.plain(self.code)
            super().__init__()
            return
        self.msg = message if isinstance(message, Message) else Message.plain(message)
        super().__init__(str(self.msg), *args)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class NotFound(ServiceError):
    code = "not_found"


class UnknownBarcode(NotFound):
    code = "unknown_barcode"

    def __init__(self, barcode: str) -> None:
        super().__init__(UNKNOWN_BARCODE(barcode=barcode))
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

    def __init__(
        self, permissions: tuple[str, ...], action: str | Message, approver: str | Message
    ) -> None:
        super().__init__(NEEDS_APPROVAL(action=_as_message(action), approver=_as_message(approver)))
        self.permissions = permissions
        self.action = str(action)
        #: the action alone, to render in the approver's language
        self.action_msg = _as_message(action)


def _as_message(part: str | Message) -> Message:
    return part if isinstance(part, Message) else Message.plain(part)


#: Everything the UI shows as a message instead of a crash report.
USER_ERRORS: tuple[type[Exception], ...] = (DomainError, ServiceError, StoreError)
