"""Throttle counts are shared by every server process: two ``kaunta-hq serve`` processes on
one database (as two gunicorn workers, or two servers behind a balancer, would be) count an
address's enrollment tries together, so the limit holds whichever process answers, and the
one that answers past it says 429 with ``Retry-After``. With per-process counters (the old
LocMemCache) each process would allow the full limit and this test fails. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.devcluster import free_port
from tests.server.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 4
HQ = [sys.executable, "-m", "sync.server.cli"]


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [*HQ, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise AssertionError("a head office process did not become ready")


@pytest.fixture(params=["sqlite", "postgresql"])
def two_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    db = fresh_database(request.param, request, tmp_path_factory.getbasetemp())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sync.server.settings",
        "DATABASE_URL": db,
        "KAUNTA_HQ_SECRET_KEY": "test-only-" + "x" * 40,
        "KAUNTA_HQ_THROTTLE_ENROLL": f"{LIMIT}/min",
        "PYTHONPATH": str(ROOT),
    }
    migrated = subprocess.run(
        [*HQ, "migrate"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    procs: list[subprocess.Popen[bytes]] = []
    try:
        urls = []
        for _ in range(2):
            proc, url = _serve(env)
            procs.append(proc)
            urls.append(url)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _enroll(url: str) -> tuple[int, str | None, dict[str, object]]:
    body = json.dumps({"code": "WRONG-CODE-1", "terminal_name": "Till"}).encode()
    req = urllib.request.Request(
        url + "/api/v1/enroll", body, {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Retry-After"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After"), json.loads(e.read())


@pytest.mark.slow
def test_two_server_processes_share_one_throttle_count(two_servers: list[str]) -> None:
    answers = [_enroll(two_servers[i % 2]) for i in range(LIMIT + 2)]
    codes = [status for status, _, _ in answers]
    # LIMIT tries in all are let through (a wrong code is refused on its merits), split over
    # both processes; every try after that is throttled, on either process
    assert all(code != 429 for code in codes[:LIMIT]), codes
    assert codes[LIMIT:] == [429, 429], codes
    for _, retry_after, body in answers[LIMIT:]:
        assert retry_after is not None
        assert int(retry_after) >= 1
        assert body["error"]["code"] == "throttled"  # type: ignore[index]
