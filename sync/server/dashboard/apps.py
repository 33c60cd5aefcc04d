"""The dashboard app (templates and views only; it keeps no tables of its own)."""

from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "sync.server.dashboard"
    label = "hq_dashboard"
    verbose_name = "Dashboard"
