"""``kaunta-hq serve`` forks its gunicorn workers warm, and spreads requests over them.

The WSGI module loads the URL configuration (every view, DRF, the schema generator) as it
is imported, and ``serve`` has gunicorn import it once in its master (``--preload``):
a worker's first request used to spend 0.9 s of CPU importing it. A worker takes no more
connections than it has threads and answers each request on a connection of its own, so a
request goes to a worker with a thread free for it: warm workers otherwise let the first
one take every keep-alive connection (docs/headoffice.md, "Capacity")."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.devcluster import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sync.server.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'hq.sqlite3'}",
        "KAUNTA_HQ_SECRET_KEY": "test-only-" + "w" * 40,
        "KAUNTA_HQ_DATA_DIR": str(tmp),
        "PYTHONPATH": str(ROOT),
    }


def test_importing_the_wsgi_module_loads_the_urls_and_leaves_no_connection_open(
    tmp_path: Path,
) -> None:
    script = (
        "import sys\n"
        "import sync.server.wsgi\n"
        "from django.db import connections\n"
        "print(sorted(m for m in ('sync.server.urls', 'sync.server.api.views',"
        " 'rest_framework.views') if m in sys.modules))\n"
        "print([c.alias for c in connections.all() if c.connection is not None])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded, open_connections = out.stdout.strip().splitlines()
    assert loaded == "['rest_framework.views', 'sync.server.api.views', 'sync.server.urls']"
    # a connection made in gunicorn's master would be shared by every forked worker
    assert open_connections == "[]"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``kaunta-hq serve`` with 2 workers of 3 threads on a migrated SQLite file; yields
    (port, the gunicorn master's pid)."""
    env = _env(tmp_path)
    migrate = [sys.executable, "-m", "sync.server.cli", "migrate"]
    subprocess.run(migrate, env=env, cwd=ROOT, capture_output=True, timeout=120, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.server.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "3",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("the head office did not become ready") from None
                time.sleep(0.05)
        yield port, proc.pid  # serve execs gunicorn: its pid is the master's
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_preloads_the_app_and_bounds_each_workers_connections(
    served: tuple[int, int],
) -> None:
    _, master = served
    argv = Path(f"/proc/{master}/cmdline").read_bytes().split(b"\0")
    args = [a.decode() for a in argv if a]
    assert "gunicorn" in " ".join(args)
    assert "--preload" in args
    # as many connections as threads, each request on its own connection
    assert args[args.index("--worker-connections") + 1] == "3"
    assert args[args.index("--keep-alive") + 1] == "0"


def test_a_response_closes_its_connection_so_the_next_request_may_go_to_another_worker(
    served: tuple[int, int],
) -> None:
    port, _ = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz", headers={"Connection": "keep-alive"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Connection", "").lower() == "close"
    response.read()
    # http.client opens a new connection for the next request, as the tills' client does
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    conn.close()
