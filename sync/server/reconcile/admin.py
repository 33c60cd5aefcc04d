"""Admin: statements imported (read only) and their exceptions, which an admin marks resolved
once explained (the only change allowed: the figures themselves are never edited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sync.server.accounts.access import RoleAdmin, role_of
from sync.server.accounts.models import HqRole
from sync.server.reconcile.models import ReconException, StatementImport


@admin.register(StatementImport)
class StatementImportAdmin(RoleAdmin):
    store_path = None  # a statement spans stores: admins and auditors only
    list_display = ("imported_at", "gateway", "file_name", "lines", "matched", "gateway_only",
                    "ledger_only", "amount_mismatch")  # fmt: skip
    exclude = ("text",)
    readonly_fields = ("gateway", "account", "file_name", "imported_at", "imported_by",
                       "period_start", "period_end", "lines", "ignored_lines", "matched",
                       "gateway_only", "ledger_only", "amount_mismatch")  # fmt: skip

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # imported on the dashboard's Reconciliation page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReconException)
class ReconExceptionAdmin(RoleAdmin):
    store_path = "store"
    list_display = ("day", "store", "outcome", "reference", "order_ref", "gateway_minor",
                    "ledger_minor", "currency", "resolved_at")  # fmt: skip
    list_filter = ("outcome", "store", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("reference", "order_ref")
    actions = ("mark_resolved",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ReconException._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.action(description="Mark the chosen exceptions resolved (explained)")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[ReconException]) -> None:
        if role_of(request) != HqRole.ADMIN:
            self.message_user(
                request, "Only head-office admins resolve exceptions.", messages.ERROR
            )
            return
        done = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"{done} exception(s) marked resolved.")
