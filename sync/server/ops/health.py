"""``GET /readyz``: ready for traffic when the database answers and no STK callback waits
without a live STK worker; the body also says how the queues and their workers are.

The django-tasks worker does not gate readiness (the web tier can take webhooks and pushes
while that worker restarts; alert on ``worker`` and the metrics). STK callbacks do: stored
callbacks that no live STK worker will decide are payments no till learns of, so with records
waiting and the STK worker missing or stale (``stk_worker`` not ``ok``) the answer is 503,
``status`` naming why (sync/server/ops/queue.py)."""

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
    """The database answers and STK callbacks have a live worker: ready for traffic (with
    the queues' and workers' state)."""
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
    if why is not None:
        return Response({**queue, "status": why, "database": "ok"}, status=503)
    return Response({"status": "ok", "database": "ok", **queue})
