"""Django app config for sync.server.catalog."""

from __future__ import annotations

from django.apps import AppConfig


class Config(AppConfig):
    name = "sync.server.catalog"
    label = "hq_catalog"
    default_auto_field = "django.db.models.BigAutoField"
