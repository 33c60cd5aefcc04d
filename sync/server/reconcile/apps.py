"""The reconciliation app (statements imported, lines kept, exceptions reported)."""

from __future__ import annotations

from django.apps import AppConfig


class ReconcileConfig(AppConfig):
    name = "sync.server.reconcile"
    label = "hq_reconcile"
    verbose_name = "Reconciliation"
    default_auto_field = "django.db.models.BigAutoField"
