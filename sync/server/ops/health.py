"""``GET /readyz``: ready for traffic when the database answers; the body also says how
the queues and their workers are, and ``attention`` names a worker that is needed and gone.

No worker gates readiness. Every app server reads the one database, so a worker's state is
the same on all of them: answering 503 for a dead worker would take every app server out of
the load balancer's rotation (the shipped Caddyfile checks this URL), and a worker outage
would become an outage of pushes, callbacks and webhooks, the very traffic that keeps the
records the worker will decide once it is back. So stored STK callbacks with the STK worker
missing or stale (payments no till learns of until it runs) set ``attention`` (``stk worker
no worker`` / ``stk worker stale``, sync/server/ops/queue.py) with 200; alert on it and on
the metrics (docs/api.md, docs/deploy.md)."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.request import Request
from rest_framework.response import Response

from sync.server.ops.queue import not_ready_because, queue_state


class ReadyResponse(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
    attention = serializers.CharField(
        required=False, help_text="a worker that is needed and gone (200 all the same)"
    )
    queue = serializers.CharField(required=False)
    depth = serializers.IntegerField(
        required=False, help_text="everything waiting for a worker: tasks + STK records"
    )
    tasks_waiting = serializers.IntegerField(required=False)
    running = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)
    worker = serializers.CharField(required=False, help_text="ok, stale, no worker, unknown")
    last_worker_activity = serializers.DateTimeField(required=False, allow_null=True)
    worker_activity_age_s = serializers.FloatField(required=False)
    stk_waiting = serializers.IntegerField(
        required=False, help_text="STK callback records received and due, not yet decided"
    )
    stk_backing_off = serializers.IntegerField(required=False)
    stk_failed = serializers.IntegerField(required=False)
    stk_oldest_age_s = serializers.FloatField(required=False)
    stk_worker = serializers.CharField(required=False, help_text="ok, stale, no worker")
    stk_worker_seen = serializers.DateTimeField(required=False, allow_null=True)
    stk_worker_seen_age_s = serializers.FloatField(required=False)


@extend_schema(responses={200: ReadyResponse, 503: ReadyResponse}, auth=[])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])  # PageThrottleMiddleware counts it (not under /api/)
def readyz_view(request: Request) -> Response:
    """The database answers: ready for traffic (with the queues' and workers' state, and
    what needs a person's attention)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"
        return Response({"status": "database unreachable", "database": "down"}, status=503)
    try:
        queue = queue_state()
    except Exception as exc:  # the queue's table missing (not migrated) is not "down"
        queue = {"queue": f"unreadable: {type(exc).__name__}", "worker": "unknown"}
    why = not_ready_because(queue)
    extra = {"attention": why} if why is not None else {}
    return Response({"status": "ok", "database": "ok", **extra, **queue})
