"""Who may see and change what in the Django admin, by head-office role.

- head-office admin (or a superuser): everything;
- auditor: read everything, change nothing;
- area manager: read only, and only their own stores' rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest

from sync.server.accounts.models import HqRole


def role_of(request: HttpRequest) -> str | None:
    user: Any = request.user
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return HqRole.ADMIN
    profile = getattr(user, "hq_profile", None)
    return profile.role if profile else None


class RoleAdmin(admin.ModelAdmin):
    """Base of every head-office admin page. ``store_path`` names the row's store."""

    store_path: str | None = None

    def _role(self, request: HttpRequest) -> str | None:
        return role_of(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._role(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        role = self._role(request)
        if role == HqRole.AREA_MANAGER:
            return self.store_path is not None
        return role is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._role(request) == HqRole.ADMIN

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._role(request) == HqRole.ADMIN

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # ledger, terminals and catalog rows are retired, not deleted

    def get_list_filter(self, request: HttpRequest) -> Any:
        """For an area manager, a filter by a related row (a store, a branch) offers only
        the rows their own list holds: Django's plain filter lists every row of the
        related table, which named every store of the chain on their pages."""
        filters = super().get_list_filter(request)
        if self._role(request) != HqRole.AREA_MANAGER:
            return filters
        return [self._own_only(spec) for spec in filters]

    def _own_only(self, spec: Any) -> Any:
        if not isinstance(spec, str):
            return spec
        try:
            field = self.model._meta.get_field(spec)
        except FieldDoesNotExist:
            return spec
        return (spec, admin.RelatedOnlyFieldListFilter) if field.is_relation else spec

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self._role(request) == HqRole.AREA_MANAGER:
            if self.store_path is None:
                return qs.none()
            user: Any = request.user
            stores = user.hq_profile.stores.all()
            key = f"{self.store_path}__in" if self.store_path else "pk__in"
            return qs.filter(**{key: stores})
        return qs


class ReadOnlyAdmin(RoleAdmin):
    """Evidence (the ledger, gateway callbacks, KRA's answers): viewed by every role within
    its stores, never added or changed here."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False
