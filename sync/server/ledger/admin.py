"""Admin: the ledger, read only for everyone (evidence is never edited here)."""

from __future__ import annotations

from django.contrib import admin

from sync.server.accounts.access import ReadOnlyAdmin as ReadOnly
from sync.server.ledger.models import EventConflict, LedgerEvent, RefundReview, Sale


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnly):
    store_path = "store"
    list_display = ("type", "event_id", "terminal", "seq", "created_at", "training")
    list_filter = ("type", "training", "store")


@admin.register(Sale)
class SaleAdmin(ReadOnly):
    store_path = "store"
    list_display = ("receipt_number", "status", "business_date", "total_minor", "currency")
    list_filter = ("status", "store", "business_date")


@admin.register(EventConflict)
class EventConflictAdmin(ReadOnly):
    """Events sent again with other content: refused, shown here for review."""

    store_path = "terminal__store"
    list_display = ("event_id", "terminal", "known_hash", "received_hash", "received_at")


@admin.register(RefundReview)
class RefundReviewAdmin(ReadOnly):
    """Refunds refused for giving back more than was sold (the till parked them), and
    refunds applied before their original sale reached head office (flagged unchecked).
    Read only here too: admins mark over/rejected ones followed up on the dashboard's
    refund reviews page (who, when and their note are shown here)."""

    store_path = "terminal__store"
    list_display = (
        "receipt_number",
        "original_receipt",
        "status",
        "terminal",
        "received_at",
        "followed_up_at",
        "followed_up_by",
    )
    list_filter = ("status", ("followed_up_at", admin.EmptyFieldListFilter))
    search_fields = ("receipt_number", "original_receipt")
