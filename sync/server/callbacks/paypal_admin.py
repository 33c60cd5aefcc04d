"""Admin views for PayPal: the tills' orders, webhook events and results, IPN messages (read
only for every role: evidence of what PayPal said)."""

from __future__ import annotations

from django.contrib import admin

from sync.server.accounts.access import ReadOnlyAdmin
from sync.server.callbacks.paypal_models import (
    IpnMessage,
    PayPalOrder,
    PayPalResult,
    PayPalWebhookEvent,
)


@admin.register(PayPalOrder)
class PayPalOrderAdmin(ReadOnlyAdmin):
    store_path = "terminal__store"
    list_display = ("order_id", "terminal", "amount_minor", "currency", "capture_id")
    search_fields = ("order_id", "capture_id")


@admin.register(PayPalWebhookEvent)
class PayPalWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "event_type", "order_id", "received_at", "state", "tries")
    list_filter = ("state", "event_type", "verified_by")
    search_fields = ("event_id", "transmission_id", "order_id", "resource_id")


@admin.register(PayPalResult)
class PayPalResultAdmin(ReadOnlyAdmin):
    store_path = "order__terminal__store"
    list_display = ("seq", "order", "state", "amount_minor", "currency", "decided_at")
    list_filter = ("state",)


@admin.register(IpnMessage)
class IpnMessageAdmin(ReadOnlyAdmin):
    list_display = ("txn_id", "payment_status", "mc_gross", "mc_currency", "state", "received_at")
    list_filter = ("state", "payment_status")
    search_fields = ("txn_id", "custom")
