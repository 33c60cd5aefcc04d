"""Enrollment: a one-time code from head office becomes a terminal identity and token."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sync.server.terminals.models import EnrollmentCode, Terminal, digest

log = logging.getLogger("kaunta.hq.enroll")


class EnrollRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Enrolled:
    terminal: Terminal
    token: str


def normalise(code: str) -> str:
    """The code as :meth:`EnrollmentCode.make` shows it (``XXXX-XXXX-XXXX-XXXX``), however
    it was typed: any case, with spaces or other dashes between the groups, or none."""
    plain = "".join(ch for ch in code.upper() if not ch.isspace() and ch not in "-_")
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def enroll(code: str, terminal_name: str) -> Enrolled:
    """Trade ``code`` for a new terminal of its store; the code works once, before it expires."""
    with transaction.atomic():
        row = (
            EnrollmentCode.objects.select_for_update()
            .select_related("store", "store__organisation")
            .filter(code_hash=digest(normalise(code)))
            .first()
        )
        if row is None:
            raise EnrollRefused(
                "bad_code", "This enrollment code is not known: check it, or ask head office."
            )
        if row.used_at is not None:
            raise EnrollRefused(
                "used_code", "This enrollment code was used already: ask head office for a new one."
            )
        if row.expires_at <= timezone.now():
            raise EnrollRefused(
                "expired_code", "This enrollment code has expired: ask head office for a new one."
            )
        store = row.store
        taken = set(Terminal.objects.filter(store=store).values_list("code", flat=True))
        n = len(taken) + 1
        while f"T{n}" in taken:
            n += 1
        token = secrets.token_urlsafe(32)
        terminal = Terminal.objects.create(
            store=store, code=f"T{n}", name=terminal_name, token_hash=digest(token)
        )
        row.used_at = timezone.now()
        row.terminal = terminal
        row.save(update_fields=["used_at", "terminal"])
    log.info("terminal enrolled", extra={"terminal": str(terminal)})
    return Enrolled(terminal, token)
