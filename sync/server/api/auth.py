"""Terminal token authentication: ``Authorization: Token <token>``.

The token is kept only as its SHA-256; a revoked or unknown token is refused with 401 and
the error shape ``{"error": {"code", "message"}}`` (see errors.py).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from sync.server.terminals.models import Terminal, digest


class TerminalRefused(exceptions.AuthenticationFailed):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code)


class TerminalTokenAuthentication(BaseAuthentication):
    keyword = b"token"

    def authenticate(self, request: Request) -> tuple[Any, Terminal] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise TerminalRefused("bad_token", "The Authorization header must be 'Token <token>'.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TerminalRefused("bad_token", "The token is not valid text.") from None
        terminal = (
            Terminal.objects.select_related("store", "store__organisation")
            .filter(token_hash=digest(token))
            .first()
        )
        if terminal is None:
            raise TerminalRefused(
                "unknown_token", "This terminal is not known here: enroll it again."
            )
        if terminal.revoked:
            raise TerminalRefused(
                "revoked", "This terminal was revoked at head office: ask head office."
            )
        return (None, terminal)

    def authenticate_header(self, request: Request) -> str:
        return "Token"


def terminal_of(request: Request) -> Terminal:
    auth = request.auth
    assert isinstance(auth, Terminal)
    return auth


def touch(terminal: Terminal) -> None:
    """Note that the terminal called (at most one write a minute)."""
    now = timezone.now()
    if terminal.last_seen_at is None or (now - terminal.last_seen_at).total_seconds() > 60:
        Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
        terminal.last_seen_at = now


class IsTerminal(BasePermission):
    message = "This call needs a terminal's token: Authorization: Token <token>."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Terminal)
