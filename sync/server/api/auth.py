"""Terminal token authentication: ``Authorization: Token <token>``.

The token is kept only as its SHA-256; a revoked or unknown token is refused with 401 and
the error shape ``{"error": {"code", "message"}}`` (see errors.py).

DRF authenticates and checks permissions before it asks the throttles, so a refused call
never reached them: an address could try tokens (or call with none, or with a revoked one)
as fast as it liked. A refused call is therefore counted against its address here, by the
same per-address throttle a good call counts against (:func:`_count_refused`), and answered
429 with ``Retry-After`` once that address is over its rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from sync.server.api.throttles import AddressThrottle
from sync.server.terminals.models import Terminal, digest

#: where a connection keeps its compiled token look-up (see :func:`terminal_by_token_hash`)
_LOOKUP = "_kaunta_terminal_lookup"
_PLACEHOLDER = "token-hash-placeholder"


@dataclass(frozen=True, slots=True)
class _Lookup:
    """The token look-up compiled for one connection: its SQL, the compiler whose
    converters read its rows, where the terminal's columns are, and the populators that
    build its store and organisation."""

    sql: str
    compiler: SQLCompiler
    start: int
    end: int
    names: list[str]
    populators: list[Any]


def _compiled_lookup() -> _Lookup:
    query = (
        Terminal.objects.select_related("store", "store__organisation")
        .filter(token_hash=_PLACEHOLDER)
        .query
    )
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()  # also fills compiler.select and klass_info
    if list(params) != [_PLACEHOLDER]:  # pragma: no cover (a Django that binds otherwise)
        raise RuntimeError(f"unexpected parameters of the token look-up: {params!r}")
    fields = compiler.klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Lookup(
        sql,
        compiler,
        start,
        end,
        [f[0].target.attname for f in compiler.select[start:end]],
        get_related_populators(compiler.klass_info, compiler.select, connection.alias),
    )


def terminal_by_token_hash(token_hash: str) -> Terminal | None:
    """The terminal whose token hashes to ``token_hash``, with its store and organisation
    (one query, as ``select_related`` makes it), or None.

    Every terminal call starts here, and compiling the ORM query cost about 0.5 ms of
    CPU a call, a fifth of a heartbeat (measured: 0.6 - 0.9 ms through the ORM against
    0.12 - 0.19 ms for the same SQL). So the query is compiled once per database
    connection (each thread has its own) and kept on it; each call only runs its SQL and
    builds the instances with the compiler's own converters and Django's related-object
    populators, as the queryset does. The row is read fresh every call: a revoked
    terminal is refused at once, and the chain head a push is judged by is the stored
    one."""
    lookup: _Lookup | None = getattr(connection, _LOOKUP, None)
    if lookup is None:
        lookup = _compiled_lookup()
        setattr(connection, _LOOKUP, lookup)
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [token_hash])
        rows = cursor.fetchall()
    for row in lookup.compiler.results_iter([rows]):
        terminal = Terminal.from_db(connection.alias, lookup.names, row[lookup.start : lookup.end])
        for populator in lookup.populators:
            populator.populate(row, terminal)
        return terminal
    return None


def _count_refused(request: Request) -> None:
    """Count a call about to be refused (401) against its address; raise ``Throttled``
    (429, ``Retry-After``) instead when the address has no room left. The view's own
    throttles never run for a refused call, so it is counted once."""
    throttle = AddressThrottle()
    if not throttle.allow_request(getattr(request, "_request", request), None):
        raise exceptions.Throttled(throttle.wait())


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
            _count_refused(request)
            raise TerminalRefused("bad_token", "The Authorization header must be 'Token <token>'.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            _count_refused(request)
            raise TerminalRefused("bad_token", "The token is not valid text.") from None
        terminal = terminal_by_token_hash(digest(token))
        if terminal is None:
            _count_refused(request)
            raise TerminalRefused(
                "unknown_token", "This terminal is not known here: enroll it again."
            )
        if terminal.revoked:
            _count_refused(request)
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
        if isinstance(request.auth, Terminal):
            return True
        _count_refused(request)  # a call without a token (or another scheme's)
        return False
