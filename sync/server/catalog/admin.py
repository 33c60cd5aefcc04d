"""Admin: VAT classes, products with barcodes and prices, staff. Saving gives a new
version, which the stores' terminals pull."""

from __future__ import annotations

from typing import Any

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
    """Saving a class (rate, name, exempt, active) gives it a new version, which every
    store's tills pull and use for sales opened after it. The model's ``clean`` refuses a
    rate outside 0-100, an exempt class with a rate and a rate against its KRA tax type;
    a class in use cannot be deleted (deactivate it instead)."""

    list_display = ("code", "name", "rate", "exempt", "active", "version")
    list_filter = ("active",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: VatClass | None = None
    ) -> tuple[str, ...]:
        # the code is what products and the tills' sales name: fixed once it exists
        return ("code", "version") if obj is not None else ("version",)

    def save_model(self, request: HttpRequest, obj: VatClass, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.kra_band() is None:
            self.message_user(
                request,
                f"KRA has no tax type at {obj.rate} %: eTIMS will refuse the sales of "
                f"class {obj.code} until its rate is one KRA holds (16 or 8).",
                messages.WARNING,
            )


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
