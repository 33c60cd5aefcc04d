"""Dashboard URLs, mounted at ``/dashboard/``."""

from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import path

from sync.server.dashboard import etims, views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("login/", views.DashboardLogin.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page=views.LOGIN_URL), name="logout"),
    path("store/<str:code>/<str:day>/", views.store_day, name="store_day"),
    path("sale/<int:pk>/", views.sale_detail, name="sale"),
    path("terminals/", views.terminals, name="terminals"),
    path("payments/", views.payments, name="payments"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("refund-reviews/", views.refund_reviews, name="refund_reviews"),
    path("refund-reviews/<int:pk>/follow-up/", views.follow_up_review, name="follow_up_review"),
    path("etims/", etims.etims_queue, name="etims"),
]
