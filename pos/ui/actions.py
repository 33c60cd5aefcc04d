"""Carrying out a cashier's action: off the GUI thread, with approval on the spot.

``Actions.run(fn, on_ok)`` calls ``fn(approval)`` in the service worker. When the service
answers :class:`ApprovalRequired`, a supervisor/manager PIN dialog opens; once approved,
the same action runs again with the single-use approval. Errors meant for people are shown
as they are; anything else is logged and shown as "unexpected", never as a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from pos.services.auth import ROLE_PERMISSIONS, Approval, Permission, UserSummary
from pos.services.errors import USER_ERRORS, ApprovalRequired
from pos.services.steps import NetCall
from pos.services.terminal import Terminal
from pos.ui import i18n
from pos.ui.dialogs import ApprovalDialog
from pos.ui.runner import ServiceRunner
from pos.ui.widgets import ClosedDialogs

T = TypeVar("T")
log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """The text a person sees for an error raised by a service."""
    if isinstance(error, USER_ERRORS):
        return i18n.describe(error)  # in the screens' language
    log.error("unexpected error in a service call", exc_info=error)
    return QCoreApplication.translate(
        "actions",
        "Unexpected error ({kind}). Nothing was lost: the sale is saved. "
        "Try again; if it repeats, call support (details are in the log file).",
    ).format(kind=type(error).__name__)


class Actions:
    """Runs service calls for the screens and handles approvals."""

    def __init__(
        self,
        runner: ServiceRunner,
        terminal: Terminal,
        parent: QWidget,
        show_error: Callable[[str], None],
    ) -> None:
        self.runner = runner
        self.terminal = terminal
        self._parent = parent
        self._show_error = show_error
        self.users: list[UserSummary] = []
        self.approval_dialog: ApprovalDialog | None = None
        self._closed_dialogs = ClosedDialogs()

    def approvers(self, permissions: list[Permission]) -> list[UserSummary]:
        """Users whose role holds every one of ``permissions``."""
        return [u for u in self.users if all(p in ROLE_PERMISSIONS[u.role] for p in permissions)]

    def call(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Plain background call; errors go to ``on_error`` or the screen's message line."""
        self.runner.submit(fn, on_ok, on_error or (lambda e: self._show_error(describe_error(e))))

    def steps(
        self,
        make: Callable[[], Generator[NetCall[Any], Any, T]],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        background: bool = False,
    ) -> None:
        """A use case that calls the network (see ``pos.services.steps``): its gateway
        calls run on the network executor, never on the till worker (``background``: see
        :meth:`pos.ui.runner.ServiceRunner.submit_steps`)."""
        self.runner.submit_steps(
            make,
            on_ok,
            on_error or (lambda e: self._show_error(describe_error(e))),
            background=background,
        )

    def run(
        self,
        fn: Callable[[Approval | None], T],
        on_ok: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Call ``fn(None)``; if approval is needed, ask for it and call ``fn(approval)``."""
        self._with_approval(lambda a, ok, err: self.call(lambda: fn(a), ok, err), on_ok, on_error)

    def run_steps(
        self,
        make: Callable[[Approval | None], Generator[NetCall[Any], Any, T]],
        on_ok: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """``run`` for a use case written as steps (network calls off the till worker)."""
        self._with_approval(
            lambda a, ok, err: self.steps(lambda: make(a), ok, err), on_ok, on_error
        )

    def _with_approval(
        self,
        go: Callable[[Approval | None, Callable[[T], None], Callable[[BaseException], None]], None],
        on_ok: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        def failed(error: BaseException) -> None:
            if isinstance(error, ApprovalRequired):
                self.ask_approval(
                    i18n.describe(error),
                    [Permission(p) for p in error.permissions],
                    lambda approval: go(approval, on_ok, failed_again),
                )
            elif on_error is not None:
                on_error(error)
            else:
                self._show_error(describe_error(error))

        def failed_again(error: BaseException) -> None:
            (on_error or (lambda e: self._show_error(describe_error(e))))(error)

        go(None, on_ok, failed)

    def ask_approval(
        self, action: str, permissions: list[Permission], then: Callable[[Approval], None]
    ) -> ApprovalDialog:
        dialog = ApprovalDialog(self._parent, action, self.approvers(permissions))
        self.approval_dialog = dialog

        def approved(approval: Approval) -> None:
            dialog.accept()
            then(approval)

        def approve(user_id: str, pin: str) -> None:
            self.call(
                lambda: self.terminal.auth.approve(user_id, pin, permissions),
                approved,
                lambda error: dialog.show_error(describe_error(error)),
            )

        dialog.sig_approve.connect(approve)
        dialog.finished.connect(lambda _r: setattr(self, "approval_dialog", None))
        dialog.finished.connect(lambda _r: self._closed_dialogs.closed(dialog))
        dialog.open()
        return dialog

    def refresh_users(self, then: Callable[[list[UserSummary]], Any] | None = None) -> None:
        def store(users: list[UserSummary]) -> None:
            self.users = users
            if then is not None:
                then(users)

        self.call(self.terminal.auth.users, store)
