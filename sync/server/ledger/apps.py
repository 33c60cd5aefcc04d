"""Django app config for sync.server.ledger."""

from __future__ import annotations

from django.apps import AppConfig


class Config(AppConfig):
    name = "sync.server.ledger"
    label = "hq_ledger"
    default_auto_field = "django.db.models.BigAutoField"
