"""Admin: VAT classes, products with barcodes and prices, staff. Saving gives a new
version, which the stores' terminals pull."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from sync.server.accounts.access import RoleAdmin
from sync.server.accounts.models import HqRole
from sync.server.catalog.models import Barcode, Product, StaffUser, VatClass


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 1


@admin.register(VatClass)
class VatClassAdmin(RoleAdmin):
    list_display = ("code", "name", "rate", "exempt")


@admin.register(Product)
class ProductAdmin(RoleAdmin):
    list_display = (
        "sku",
        "name",
        "price_minor",
        "currency",
        "vat_class",
        "kra_item_class",
        "active",
        "version",
    )
    search_fields = ("sku", "name", "barcodes__code")
    list_filter = ("active", "vat_class", "category")
    inlines = (BarcodeInline,)


@admin.register(StaffUser)
class StaffUserAdmin(RoleAdmin):
    list_display = ("name", "role", "active", "version")
    list_filter = ("role", "active")
    filter_horizontal = ("stores",)
    actions = ("make_setup_code",)

    @admin.action(description="Make a PIN set-up code (shown once)")
    def make_setup_code(self, request: HttpRequest, queryset: QuerySet[StaffUser]) -> None:
        if self._role(request) != HqRole.ADMIN:
            self.message_user(
                request, "Only a head-office admin may make set-up codes.", messages.ERROR
            )
            return
        for user in queryset:
            with transaction.atomic():
                code = user.make_setup_code()
            self.message_user(
                request,
                f"PIN set-up code for {user.name}: {code} (give it to them only; valid 24 "
                "hours, once on each of their tills: Manager's tools, Set my PIN).",
                messages.WARNING,
            )
