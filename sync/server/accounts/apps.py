"""Django app config for sync.server.accounts."""

from __future__ import annotations

from django.apps import AppConfig


class Config(AppConfig):
    name = "sync.server.accounts"
    label = "hq_accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sync.server.accounts import lockout  # noqa: F401  (connects the signals)
