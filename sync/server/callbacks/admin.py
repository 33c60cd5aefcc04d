"""Admin views: pushes, stored callbacks (failed ones filterable, and tried again by an
admin) and refused requests. All read only, for every role: a stored callback is the
evidence of what the gateway said, and one edited and set waiting again would be decided
without the view's amount and phone checks."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from sync.server.accounts.access import ReadOnlyAdmin, role_of
from sync.server.accounts.models import HqRole
from sync.server.callbacks.models import (
    PushAttempt,
    RecordState,
    RejectedCallback,
    StkCallbackRecord,
)

log = logging.getLogger("kaunta.hq.callbacks")


@admin.register(PushAttempt)
class PushAttemptAdmin(ReadOnlyAdmin):
    store_path = "terminal__store"
    list_display = ("attempt_id", "terminal", "amount_minor", "state", "receipt", "decided_at")
    list_filter = ("state",)
    search_fields = ("attempt_id", "checkout_request_id", "receipt")


@admin.register(StkCallbackRecord)
class StkCallbackRecordAdmin(ReadOnlyAdmin):
    store_path = "attempt__terminal__store"
    list_display = ("pk", "attempt", "received_at", "state", "tries", "last_error")
    list_filter = ("state",)
    actions = ("try_again",)

    @admin.action(description="Try the selected failed callbacks again")
    def try_again(self, request: HttpRequest, queryset: QuerySet[StkCallbackRecord]) -> None:
        """A failed record (given up after its tries: a fault since fixed) waits again with
        its tries at zero, decided by the next wake-up like any other; only an admin may,
        each one written to the admin's history with who did it. Other states are left."""
        if role_of(request) != HqRole.ADMIN:
            self.message_user(request, "Only an admin may try callbacks again.", messages.ERROR)
            return
        from sync.server.tasks import wake_stk_worker

        with transaction.atomic():
            chosen = list(
                queryset.select_for_update().filter(state=RecordState.FAILED).order_by("pk")
            )
            for record in chosen:
                record.state = RecordState.RECEIVED
                record.tries = 0
                record.retry_at = None
                record.save(update_fields=["state", "tries", "retry_at"])
                self.log_change(request, record, "Tried again (was failed).")
            if chosen:
                wake_stk_worker()
        log.warning(
            "%s set %s failed callback(s) waiting again: %s",
            request.user,
            len(chosen),
            [r.pk for r in chosen],
        )
        self.message_user(request, f"{len(chosen)} failed callback(s) will be tried again.")


@admin.register(RejectedCallback)
class RejectedCallbackAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "reason", "source_ip", "path")
    list_filter = ("reason",)


# PayPal's admin views live with PayPal's models.
from sync.server.callbacks import paypal_admin  # noqa: E402, F401
