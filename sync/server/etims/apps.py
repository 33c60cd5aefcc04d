from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, post_save, pre_save


def _keep_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Re-create the signature triggers after every ``migrate``: Django's SQLite schema
    editor drops a table's triggers when a later migration rebuilds that table. Only
    while the migration that brought them is applied (a ``migrate hq_etims 0004`` back
    drops them, and before 0001 there are no tables to put them on)."""
    from django.db.migrations.recorder import MigrationRecorder

    from sync.server.etims.immutable import MIGRATION, install

    connection = connections[using]
    if MIGRATION in MigrationRecorder(connection).applied_migrations():
        install(connection)


class EtimsConfig(AppConfig):
    name = "sync.server.etims"
    label = "hq_etims"
    verbose_name = "KRA eTIMS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_keep_triggers, sender=self, dispatch_uid="hq_etims_triggers")
        from sync.server.etims.models import BranchDevice
        from sync.server.etims.tasks import backfill_on_save, note_enabled_before

        pre_save.connect(note_enabled_before, sender=BranchDevice, dispatch_uid="hq_etims_was")
        post_save.connect(backfill_on_save, sender=BranchDevice, dispatch_uid="hq_etims_backfill")
