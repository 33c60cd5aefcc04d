"""Django app config for sync.server.callbacks."""

from __future__ import annotations

from django.apps import AppConfig


class Config(AppConfig):
    name = "sync.server.callbacks"
    label = "hq_callbacks"
    default_auto_field = "django.db.models.BigAutoField"
