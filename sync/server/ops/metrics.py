"""Prometheus metrics at ``GET /metrics`` (text exposition format, prometheus_client).

Two kinds of figures:

- **per request** (counted by :class:`MetricsMiddleware` as requests are served):
  ``kaunta_hq_requests_total{method,route,status}`` and the latency histogram
  ``kaunta_hq_request_seconds{route}``. With several gunicorn workers set
  ``PROMETHEUS_MULTIPROC_DIR`` (``kaunta-hq serve`` does) so every worker's counts add up in
  one scrape; without it they are this process's own.
- **from the database at scrape time** (the same answer from any worker or machine):
  queue depth (tasks and STK records), running and failed tasks, STK callbacks waiting, the
  oldest one's age and the STK worker's heartbeat age, events ingested, callbacks that
  arrived by outcome (``kaunta_hq_callbacks_total``, a true counter: accepted, rejected) and
  stored callbacks by their state now (``kaunta_hq_stk_callbacks_by_state``, a gauge),
  rejected callbacks by reason, open reconciliation exceptions, terminals offline too long.

``KAUNTA_HQ_METRICS_TOKEN`` set: the scrape must send ``Authorization: Bearer <token>``;
unset, keep ``/metrics`` off the public side of the proxy (deploy/Caddyfile does).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sync.server.ops.clientip import client_address
from sync.server.ops.paths import safe_path
from sync.server.ops.queue import queue_state

#: One JSON line per request (method, path, route, status, duration, request id): the access
#: log, in the same format as every other line (``kaunta-hq serve`` turns gunicorn's off).
ACCESS = logging.getLogger("kaunta.hq.access")

REQUESTS = Counter("kaunta_hq_requests", "HTTP requests served", ["method", "route", "status"])
LATENCY = Histogram(
    "kaunta_hq_request_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else "unmatched"


class MetricsMiddleware:
    """Counts and times every request, and writes its access line.

    The labelled children are looked up once per (method, route, status) and kept: the
    label validation and lock of ``labels()`` were a measurable part of a small call."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _metrics_of(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        key = (method, route, status)
        found = self._children.get(key)
        if found is None:
            # routes and methods are bounded (the URL patterns; "unmatched" for the rest),
            # but a hostile client can send any method: those are counted as "other"
            if len(self._children) > 2000:
                key = ("other", route, status)
            found = (LATENCY.labels(route), REQUESTS.labels(key[0], route, str(status)))
            self._children[key] = found
        return found

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        took = time.perf_counter() - start
        route = _route(request)
        latency, requests = self._metrics_of(request.method or "", route, response.status_code)
        latency.observe(took)
        requests.inc()
        if not ACCESS.isEnabledFor(logging.INFO):
            return response
        path = safe_path(request)  # a callback's or receipt link's token never in a log
        ACCESS.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(took * 1000, 1),
                "remote": client_address(request) or "",
            },
        )
        return response


class DatabaseCollector(Collector):
    """Figures read from the tables when scraped."""

    def collect(self) -> Iterator[Metric]:
        from sync.server.dashboard.queries import terminals
        from sync.server.ledger.models import LedgerEvent
        from sync.server.reconcile.models import ReconException
        from sync.server.terminals.models import Store

        q = queue_state()
        for name, key, text in (
            ("kaunta_hq_queue_depth", "depth", "Work waiting for a worker (tasks + STK records)"),
            ("kaunta_hq_queue_running", "running", "Tasks being run"),
            ("kaunta_hq_queue_failed", "failed", "Tasks that failed (see the admin)"),
            ("kaunta_hq_stk_waiting", "stk_waiting", "STK callbacks received, due, not decided"),
            ("kaunta_hq_stk_backing_off", "stk_backing_off", "STK callbacks waiting to retry"),
            ("kaunta_hq_stk_failed", "stk_failed", "STK callbacks given up (see the admin)"),
            (
                "kaunta_hq_stk_oldest_waiting_seconds",
                "stk_oldest_age_s",
                "Age of the oldest STK callback waiting for the worker (0: none)",
            ),
            (
                "kaunta_hq_stk_worker_heartbeat_age_seconds",
                "stk_worker_seen_age_s",
                "Seconds since an STK worker last wrote its heartbeat",
            ),
        ):
            if key in q:
                yield GaugeMetricFamily(name, text, value=q[key])
        if "worker_activity_age_s" in q:
            yield GaugeMetricFamily(
                "kaunta_hq_worker_activity_age_seconds",
                "Seconds since a worker last started or finished a task",
                value=q["worker_activity_age_s"],
            )
        yield CounterMetricFamily(
            "kaunta_hq_events_ingested", "Ledger events applied", value=LedgerEvent.objects.count()
        )
        if apps.is_installed("sync.server.callbacks"):
            from sync.server.callbacks.models import RecordState, StkCallbackRecord
            from sync.server.callbacks.prune import rejected_by_reason

            refused = rejected_by_reason()  # kept plus pruned: never goes down
            # arrivals only ever grow (records are kept, refusals counted when pruned)
            arrived = CounterMetricFamily(
                "kaunta_hq_callbacks",
                "STK callback requests that arrived, by outcome (accepted and stored, rejected)",
                labels=["outcome"],
            )
            arrived.add_metric(["accepted"], StkCallbackRecord.objects.count())
            arrived.add_metric(["rejected"], sum(refused.values()))
            yield arrived
            # where stored callbacks are now: goes up and down as they are decided
            by_state = GaugeMetricFamily(
                "kaunta_hq_stk_callbacks_by_state",
                "Stored STK callbacks by their state now",
                labels=["state"],
            )
            states = dict(StkCallbackRecord.objects.values_list("state").annotate(n=Count("id")))
            for state in RecordState.values:
                by_state.add_metric([state], states.get(state, 0))
            yield by_state
            rejected = CounterMetricFamily(
                "kaunta_hq_callbacks_rejected", "Refused callbacks by reason", labels=["reason"]
            )
            for reason, n in sorted(refused.items()):
                rejected.add_metric([reason], n)
            yield rejected
            from sync.server.callbacks.paypal_models import IpnMessage, PayPalWebhookEvent

            paypal = CounterMetricFamily(
                "kaunta_hq_paypal_notifications",
                "Stored PayPal webhook events and IPN messages by kind and state",
                labels=["kind", "state"],
            )
            for state, n in PayPalWebhookEvent.objects.values_list("state").annotate(n=Count("id")):
                paypal.add_metric(["webhook", str(state)], n)
            for state, n in IpnMessage.objects.values_list("state").annotate(n=Count("id")):
                paypal.add_metric(["ipn", str(state)], n)
            yield paypal
        yield GaugeMetricFamily(
            "kaunta_hq_reconcile_open_exceptions",
            "Reconciliation exceptions not resolved",
            value=ReconException.objects.filter(resolved_at__isnull=True).count(),
        )
        from sync.server.etims.models import ChainCheckpoint

        yield GaugeMetricFamily(
            "kaunta_hq_etims_chain_broken",
            "eTIMS branches whose signed-invoice chain does not verify (kept until fixed)",
            value=ChainCheckpoint.objects.filter(broken_invc_no__isnull=False).count(),
        )
        yield GaugeMetricFamily(
            "kaunta_hq_terminals_offline",
            "Enrolled terminals not heard from for too long",
            value=sum(1 for t in terminals(Store.objects.all()) if t["offline_too_long"]),
        )


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = os.environ.get("KAUNTA_HQ_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics need the bearer token\n", status=401)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_db_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _db_registry() -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(DatabaseCollector())
    return reg
