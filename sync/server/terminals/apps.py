"""Django app config for sync.server.terminals."""

from __future__ import annotations

from django.apps import AppConfig


class Config(AppConfig):
    name = "sync.server.terminals"
    label = "hq_terminals"
    default_auto_field = "django.db.models.BigAutoField"
