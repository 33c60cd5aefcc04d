"""URLs: the versioned terminal API, health, the OpenAPI schema and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from sync.server.api import refund_lookup, views
from sync.server.callbacks import ipn, paypal
from sync.server.callbacks import views as callbacks
from sync.server.etims import views as etims
from sync.server.ops import health, metrics

urlpatterns = [
    path("api/v1/enroll", views.enroll_view),
    path("api/v1/events", views.events_view),
    path("api/v1/changes", views.changes_view),
    path("api/v1/heartbeat", views.heartbeat_view),
    path("api/v1/sales-for-refund", refund_lookup.sales_for_refund_view),
    path("api/v1/pushes", callbacks.pushes_view),
    path("api/v1/push-results", callbacks.push_results_view),
    path("hooks/stk/<str:attempt_id>/<str:token>", callbacks.stk_callback_view),
    path("api/v1/etims-results", etims.etims_results_view),
    path("r/<str:token>", etims.customer_page_view),
    path("api/v1/paypal-orders", paypal.paypal_orders_view),
    path("api/v1/paypal-results", paypal.paypal_results_view),
    path("hooks/paypal/webhook", paypal.webhook_view),
    path("hooks/paypal/ipn", ipn.ipn_view),
    path("healthz", views.healthz_view),
    path("readyz", health.readyz_view),
    path("metrics", metrics.metrics_view),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("dashboard/", include("sync.server.dashboard.urls")),
    path("admin/", admin.site.urls),
]
