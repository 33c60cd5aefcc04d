"""Admin views: pushes, stored callbacks (failed ones filterable) and refused requests."""

from __future__ import annotations

from django.contrib import admin

from sync.server.callbacks.models import PushAttempt, RejectedCallback, StkCallbackRecord


@admin.register(PushAttempt)
class PushAttemptAdmin(admin.ModelAdmin):
    list_display = ("attempt_id", "terminal", "amount_minor", "state", "receipt", "decided_at")
    list_filter = ("state",)
    search_fields = ("attempt_id", "checkout_request_id", "receipt")


@admin.register(StkCallbackRecord)
class StkCallbackRecordAdmin(admin.ModelAdmin):
    list_display = ("pk", "attempt", "received_at", "state", "tries", "last_error")
    list_filter = ("state",)


@admin.register(RejectedCallback)
class RejectedCallbackAdmin(admin.ModelAdmin):
    list_display = ("received_at", "reason", "source_ip", "path")
    list_filter = ("reason",)


# PayPal's admin views live with PayPal's models.
from sync.server.callbacks import paypal_admin  # noqa: E402, F401
