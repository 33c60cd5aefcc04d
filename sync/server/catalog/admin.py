"""Admin: VAT classes, products with barcodes and prices, staff. Saving gives a new
version, which the stores' terminals pull."""

from __future__ import annotations

from django.contrib import admin

from sync.server.accounts.access import RoleAdmin
from sync.server.catalog.models import Barcode, Product, StaffUser, VatClass


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 1


@admin.register(VatClass)
class VatClassAdmin(RoleAdmin):
    list_display = ("code", "name", "rate", "exempt")


@admin.register(Product)
class ProductAdmin(RoleAdmin):
    list_display = ("sku", "name", "price_minor", "currency", "vat_class", "active", "version")
    search_fields = ("sku", "name", "barcodes__code")
    list_filter = ("active", "vat_class", "category")
    inlines = (BarcodeInline,)


@admin.register(StaffUser)
class StaffUserAdmin(RoleAdmin):
    list_display = ("name", "role", "active", "version")
    list_filter = ("role", "active")
    filter_horizontal = ("stores",)
