"""``GET /readyz``: ready for traffic when the database answers; the body also says how the
queue and its workers are (those do not gate readiness: the web tier can take callbacks and
pushes while workers are restarted; alert on ``worker`` and the metrics instead)."""

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

from sync.server.ops.queue import queue_state


class ReadyResponse(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
    queue = serializers.CharField(required=False)
    depth = serializers.IntegerField(required=False)
    running = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)
    worker = serializers.CharField(required=False, help_text="ok, stale, no worker, unknown")
    last_worker_activity = serializers.DateTimeField(required=False, allow_null=True)
    worker_activity_age_s = serializers.FloatField(required=False)


@extend_schema(responses={200: ReadyResponse, 503: ReadyResponse}, auth=[])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])  # PageThrottleMiddleware counts it (not under /api/)
def readyz_view(request: Request) -> Response:
    """The database answers: ready for traffic (with the queue's and workers' state)."""
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
    return Response({"status": "ok", "database": "ok", **queue})
