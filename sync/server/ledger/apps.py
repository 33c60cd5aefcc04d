"""Django app config for sync.server.ledger."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _keep_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Re-create the ledger's integrity triggers after every ``migrate``: Django's SQLite
    schema editor drops a table's triggers when a later migration rebuilds that table
    (``sync.server.ledger.integrity``). Only while the migration that brought them is
    applied."""
    from django.db.migrations.recorder import MigrationRecorder

    from sync.server.ledger.integrity import MIGRATION, install

    connection = connections[using]
    if MIGRATION in MigrationRecorder(connection).applied_migrations():
        install(connection)


class Config(AppConfig):
    name = "sync.server.ledger"
    label = "hq_ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_keep_triggers, sender=self, dispatch_uid="hq_ledger_triggers")
