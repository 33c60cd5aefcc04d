"""Operations: readiness with queue and worker state, metrics, request ids in JSON logs,
security headers, the production profile's deploy check, and throttles on every endpoint."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from sync.server.logs import JsonFormatter
from sync.server.ops import security
from sync.server.ops.requestid import RequestIdFilter, RequestIdMiddleware
from tests.server.conftest import new_store
from tests.server.factory import enroll


def test_readiness_reports_database_queue_and_worker(client: Client) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    if not apps.is_installed("django_tasks_db"):
        assert body["queue"] == "no queue"
        return
    from django_tasks_db.models import DBTaskResult

    assert body["worker"] == "no worker"  # nothing was ever run
    before = body["depth"]
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="sync.server.tasks.process_stk_callback",
        backend_name="default",
        run_after=timezone.now(),
    )
    after = client.get("/readyz").json()
    assert after["depth"] == before + 1
    assert after["worker"] == "no worker"


def test_metrics_count_requests_events_and_queue(client: Client) -> None:
    till = enroll(client, new_store())
    assert till.push(client, [till.sale(), till.sale()]).status_code == 200
    from sync.server.ledger.models import LedgerEvent

    text = client.get("/metrics").content.decode()
    assert f"kaunta_hq_events_ingested_total {float(LedgerEvent.objects.count())}" in text
    assert 'kaunta_hq_requests_total{method="POST",route="/api/v1/events",status="200"}' in text
    assert 'kaunta_hq_request_seconds_bucket{le="0.005",route="/api/v1/events"}' in text
    assert "kaunta_hq_terminals_offline" in text
    assert "kaunta_hq_reconcile_open_exceptions 0.0" in text
    if apps.is_installed("django_tasks_db"):
        assert "kaunta_hq_queue_depth" in text
    if apps.is_installed("sync.server.callbacks"):
        assert 'kaunta_hq_callbacks_total{outcome="rejected"}' in text


def test_metrics_want_the_token_when_one_is_set(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAUNTA_HQ_METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert ok.status_code == 200


def test_every_answer_carries_a_request_id_and_sane_ones_are_kept(client: Client) -> None:
    fresh = client.get("/healthz")["X-Request-ID"]
    assert len(fresh) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == (
        "lb-1234abcd"
    )
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert forged["X-Request-ID"] != "x\r\nSet-Cookie: a=b"


def test_log_lines_written_while_serving_carry_the_request_id() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("kaunta.test.requestid")
    log.addHandler(handler)
    log.propagate = False

    def view(request: HttpRequest) -> HttpResponse:
        log.warning("pushed %s events", 3)
        return HttpResponse("ok")

    try:
        RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-abcdef12"))
        log.warning("outside any request")
    finally:
        log.removeHandler(handler)
    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert inside["request_id"] == "req-abcdef12"
    assert inside["message"] == "pushed 3 events"
    assert "request_id" not in outside


def test_pages_carry_security_headers(client: Client) -> None:
    got = client.get("/dashboard/login/")
    assert "default-src 'self'" in got["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in got["Content-Security-Policy"]
    assert got["X-Frame-Options"] == "DENY"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in got["Permissions-Policy"]


def _run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("KAUNTA_HQ_")}
    full.update(env, DJANGO_SETTINGS_MODULE="sync.server.settings_production")
    full["KAUNTA_HQ_DATA_DIR"] = os.environ["KAUNTA_HQ_DATA_DIR"]
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean_with_the_production_profile() -> None:
    done = _run_check(
        {
            "KAUNTA_HQ_SECRET_KEY": secrets.token_urlsafe(60),
            "KAUNTA_HQ_ALLOWED_HOSTS": "hq.duka.example",
            "KAUNTA_HQ_PUBLIC_URL": "https://hq.duka.example",
        }
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


_KEY_AND_HOSTS = {"KAUNTA_HQ_SECRET_KEY": "k" * 60, "KAUNTA_HQ_ALLOWED_HOSTS": "hq.duka.example"}


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"KAUNTA_HQ_ALLOWED_HOSTS": "hq.duka.example"}, "KAUNTA_HQ_SECRET_KEY"),
        ({"KAUNTA_HQ_SECRET_KEY": "k" * 60}, "KAUNTA_HQ_ALLOWED_HOSTS"),
        ({"KAUNTA_HQ_SECRET_KEY": "k" * 60, "KAUNTA_HQ_ALLOWED_HOSTS": "*"}, "no \\*"),
        # the CallBackURL Daraja is handed: unset, plain http, this machine
        ({**_KEY_AND_HOSTS}, "KAUNTA_HQ_PUBLIC_URL must be set"),
        ({**_KEY_AND_HOSTS, "KAUNTA_HQ_PUBLIC_URL": "http://hq.duka.example"}, "not an https"),
        ({**_KEY_AND_HOSTS, "KAUNTA_HQ_PUBLIC_URL": "https://127.0.0.1:8000"}, "this machine"),
        ({**_KEY_AND_HOSTS, "KAUNTA_HQ_PUBLIC_URL": "https://localhost"}, "this machine"),
        ({**_KEY_AND_HOSTS, "KAUNTA_HQ_PUBLIC_URL": "https://[::1]/"}, "this machine"),
        # a trusted proxy that is no network is refused at start-up, by name
        (
            {
                **_KEY_AND_HOSTS,
                "KAUNTA_HQ_PUBLIC_URL": "https://hq.duka.example",
                "KAUNTA_HQ_TRUSTED_PROXIES": "caddy",
            },
            "KAUNTA_HQ_TRUSTED_PROXIES",
        ),
    ],
)
def test_production_profile_refuses_a_missing_key_or_open_hosts(
    env: dict[str, str], words: str
) -> None:
    done = _run_check(env)
    assert done.returncode != 0
    assert words.replace("\\", "") in done.stderr


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            out += _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(("/" + prefix + str(p.pattern), p.callback))
    return out


def test_every_endpoint_is_throttled() -> None:
    """Views under /api/ and /hooks/ carry throttle classes (DRF's, or a plain view's own
    ``throttle_classes``, the STK callback's); everything else passes the page throttle
    middleware (which uses the same counting throttle)."""
    from django.conf import settings

    assert "sync.server.ops.security.PageThrottleMiddleware" in settings.MIDDLEWARE
    unthrottled = []
    for route, view in _patterns(get_resolver()):
        cls = getattr(view, "cls", None)
        classes = (
            cls().get_throttles() if cls is not None else getattr(view, "throttle_classes", ())
        )
        if route.startswith(security.DRF_PREFIXES) and not classes:
            unthrottled.append(route)
    assert unthrottled == []


@pytest.mark.parametrize("path", ["/dashboard/login/", "/readyz", "/healthz", "/metrics"])
def test_pages_answer_429_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    cache.clear()
    monkeypatch.setattr(security.PageThrottle, "THROTTLE_RATES", {"pages": "3/min"})
    answers = [client.get(path) for _ in range(4)]
    assert [a.status_code for a in answers][:3] != [429] * 3
    assert answers[3].status_code == 429
    assert int(answers[3]["Retry-After"]) >= 1
    assert answers[3].json()["error"]["code"] == "throttled"


def test_each_request_is_one_json_access_line_with_its_request_id(client: Client) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("kaunta.hq.access")
    access.addHandler(handler)
    try:
        client.get("/healthz", HTTP_X_REQUEST_ID="probe-0001abcd")
    finally:
        access.removeHandler(handler)
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["request_id"] == "probe-0001abcd"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["route"] == "/healthz"
    assert line["duration_ms"] >= 0
