from __future__ import annotations

from django.apps import AppConfig


class EtimsConfig(AppConfig):
    name = "sync.server.etims"
    label = "hq_etims"
    verbose_name = "KRA eTIMS"
    default_auto_field = "django.db.models.BigAutoField"
