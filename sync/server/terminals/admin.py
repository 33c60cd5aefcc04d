"""Admin: organisations, stores, terminals (make an enrollment code, revoke)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sync.server.accounts.access import RoleAdmin
from sync.server.accounts.models import HqRole
from sync.server.terminals.models import (
    ChainReport,
    ChainState,
    EnrollmentCode,
    Organisation,
    Store,
    Terminal,
)


@admin.register(Organisation)
class OrganisationAdmin(RoleAdmin):
    list_display = ("name",)


@admin.register(Store)
class StoreAdmin(RoleAdmin):
    store_path = ""
    list_display = ("code", "name", "organisation", "kra_pin")
    actions = ("make_enrollment_code",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """A store's code is kept once it exists: it is its tills' ``store_id`` (every
        batch names it, every receipt number starts with it), so a changed code would have
        head office refuse all of the store's enrolled tills."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "code") if obj is not None else fields

    @admin.action(description="Make an enrollment code (shown once)")
    def make_enrollment_code(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        if self._role(request) != HqRole.ADMIN:
            self.message_user(request, "Only a head-office admin may enroll.", messages.ERROR)
            return
        for store in queryset:
            row, code = EnrollmentCode.make(store)
            self.message_user(
                request,
                f"Enrollment code for {store.code}: {code} (works once, until "
                f"{row.expires_at:%Y-%m-%d %H:%M} UTC; type it on the new till).",
                messages.WARNING,
            )


@admin.register(Terminal)
class TerminalAdmin(RoleAdmin):
    store_path = "store"
    list_display = ("__str__", "name", "enrolled_at", "revoked_at", "last_seen_at", "chain_state")
    list_filter = ("chain_state", "store")
    readonly_fields = (
        "store",
        "code",
        "token_hash",
        "enrolled_at",
        "revoked_at",
        "last_seen_at",
        "last_heartbeat",
        "chain_seq",
        "chain_hash",
    )
    exclude: tuple[str, ...] = ()
    actions = ("revoke", "clear_chain_flag")

    @admin.action(description="Revoke (the till is refused from now on)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        chosen = list(queryset.filter(revoked_at__isnull=True))
        n = queryset.filter(pk__in=[t.pk for t in chosen], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        for terminal in chosen:  # in the admin's history: who revoked which till
            self.log_change(request, terminal, "Revoked.")
        self.message_user(request, f"{n} terminal(s) revoked.")

    @admin.action(description="Clear the audit-chain flag (after review)")
    def clear_chain_flag(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        flagged = list(queryset.exclude(chain_state=ChainState.OK))
        queryset.filter(pk__in=[t.pk for t in flagged]).update(chain_state=ChainState.OK)
        for terminal in flagged:  # the flag was evidence: who cleared it, and what it said
            self.log_change(
                request, terminal, f"Audit-chain flag cleared (was {terminal.chain_state})."
            )
        self.message_user(request, f"{len(flagged)} audit-chain flag(s) cleared.")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return super().get_actions(request) if self._role(request) == HqRole.ADMIN else {}


@admin.register(ChainReport)
class ChainReportAdmin(RoleAdmin):
    store_path = "terminal__store"
    list_display = ("terminal", "seq", "hash", "state", "received_at", "note")
    list_filter = ("state",)
