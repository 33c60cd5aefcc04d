"""Admin: branch devices are set up by head-office admins (PIN, branch id, serial); the
queue and KRA's signatures are read only (evidence, never edited here). A device's store,
PIN, branch id and serial are read only too once it is set up with KRA or has anything in
its queue (the model refuses the change as well: ``BranchDevice.clean``/``save``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sync.server.accounts.access import RoleAdmin
from sync.server.etims.models import (
    BranchDevice,
    QueueAction,
    QueueEntry,
    SignedInvoice,
)


@admin.register(BranchDevice)
class BranchDeviceAdmin(RoleAdmin):
    store_path = "store"
    list_display = ("store", "tin", "bhf_id", "device_serial", "enabled", "last_invc_no")
    #: the counters are the queue's (each moved under the branch's row lock), never typed
    readonly_fields = (
        "device",
        "codes",
        "items",
        "last_invc_no",
        "last_result_seq",
        "created_at",
        "last_round_at",
        "last_stopped",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The branch identity is read only once the device is in use: a new PIN or
        branch id would carry its counter, its chain and its key's name to another
        branch; a new store, its queued sales (``BranchDevice.frozen_fields``)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if isinstance(obj, BranchDevice):
            fields += obj.frozen_fields()
        return fields


class _ReadOnly(RoleAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(QueueEntry)
class QueueEntryAdmin(_ReadOnly):
    store_path = "branch__store"
    list_display = ("id", "branch", "kind", "state", "invc_no", "attempts", "enqueued_at")
    list_filter = ("state", "kind", "branch")
    search_fields = ("doc_id", "reason")


@admin.register(SignedInvoice)
class SignedInvoiceAdmin(_ReadOnly):
    store_path = "branch__store"
    list_display = ("branch", "invc_no", "signed_at", "hash")
    list_filter = ("branch",)


@admin.register(QueueAction)
class QueueActionAdmin(_ReadOnly):
    """Who put a refused sale back in the queue, when, and what they fixed: evidence."""

    store_path = "entry__branch__store"
    list_display = ("at", "entry", "action", "username", "note")
    list_filter = ("action",)
    search_fields = ("username", "note", "kra_reason")
