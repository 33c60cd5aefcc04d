"""The audit log as services write and check it.

Every sensitive action (logins, lockouts, approvals, voids, overrides, large discounts,
removals after tender) becomes one entry inside the same transaction as the action itself,
chained by SHA-256 to the entry before and sealed in the keyed journal chain
(:mod:`pos.store.journal_chain`) like every closed document. Start-up verifies both
(:mod:`pos.services.journal`); a break names the first entry that no longer matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pos.services.context import Clock, IdFactory, TerminalContext
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditWriter:
    """Appends audit entries with this terminal's identity and clock."""

    ctx: TerminalContext
    clock: Clock
    ids: IdFactory

    def write(
        self,
        session: Session,
        *,
        user_id: str,
        action: str,
        result: str = "ok",
        document_id: str = "",
        approved_by: str = "",
        detail: dict[str, object] | None = None,
    ) -> None:
        repo.append_audit(
            session,
            AuditEntry(
                id=self.ids.new(),
                at=self.clock.now().isoformat(),
                terminal_id=self.ctx.terminal_id,
                user_id=user_id,
                action=action,
                document_id=document_id,
                result=result,
                approved_by=approved_by,
                detail=json.dumps(detail or {}, sort_keys=True, default=str),
            ),
        )


def verify_audit_log(db: Database) -> repo.ChainCheck:
    """Recompute the whole SHA-256 chain alone, on a read snapshot (no key needed; the
    keyed check of everything is ``Terminal.journal``)."""
    with db.read_session() as s:
        return repo.verify_audit_chain(s)
