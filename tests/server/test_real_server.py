"""The head office as it runs: ``kaunta-hq migrate``, ``create-admin``, ``status`` and
``serve`` (gunicorn) in processes of their own, spoken to over real HTTP on 127.0.0.1 by
the till's own sync client (enroll, push, pull, heartbeat; a revoked terminal refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.agent.client import ClientSettings, HeadOfficeClient
from sync.server.devcluster import free_port
from tests.server.factory import Till

ROOT = Path(__file__).resolve().parents[2]


def hq(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def django_shell(env: dict[str, str], code: str) -> str:
    script = "import django; django.setup()\n" + code
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("hq-real")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sync.server.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'hq.sqlite3'}",
        "KAUNTA_HQ_SECRET_KEY": "test-only-" + "x" * 40,
        "KAUNTA_HQ_ADMIN_PASSWORD": "mango-tree-river-42",
        "PYTHONPATH": str(ROOT),
    }
    assert hq(env, "migrate").returncode == 0
    made = hq(env, "create-admin", "wanjiru")
    assert made.returncode == 0, made.stderr
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
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the head office did not become ready")
        yield url, env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_a_till_enrolls_pushes_pulls_and_beats_over_real_http(
    server: tuple[str, dict[str, str]],
) -> None:
    url, env = server
    code = django_shell(
        env,
        "from sync.server.terminals.models import Organisation, Store, EnrollmentCode\n"
        "org = Organisation.objects.create(name='Real Chain')\n"
        "store = Store.objects.create(organisation=org, code='NBO1', name='Nairobi 1')\n"
        "from sync.server.catalog.models import Product, VatClass\n"
        "Product(organisation=org, sku='DAI-0001', name='Milk', price_minor=6500,"
        " vat_class=VatClass.objects.get(code='S')).save()\n"
        "print(EnrollmentCode.make(store)[1])",
    )
    client = HeadOfficeClient(ClientSettings(url))
    enrolled = client.enroll(code, "Front till")
    assert (enrolled.store_id, enrolled.terminal_id) == ("NBO1", "T1")
    assert enrolled.store["name"] == "Nairobi 1"
    till = Till(enrolled.store_id, enrolled.terminal_id, enrolled.token)
    authed = HeadOfficeClient(ClientSettings(url), token=enrolled.token)
    docs = [till.sale(), till.sale()]
    acks = authed.push_raw(till.batch(docs))
    assert [a.status.value for a in acks] == ["applied", "applied"]
    acks = authed.push_raw(till.batch(docs))
    assert [a.status.value for a in acks] == ["duplicate", "duplicate"]
    page = authed.changes(None, 100)
    assert [c["data"]["sku"] for c in page["changes"] if c["kind"] == "product"] == ["DAI-0001"]
    authed.heartbeat(
        {
            "at": "2026-03-02T07:30:00Z",
            "outbox_waiting": 0,
            "last_sync_at": None,
            "app_version": "1.0",
        }
    )
    status = json.loads(hq(env, "status").stdout)
    assert status["ledger_events"] == 2
    assert status["terminals"] == 1
    assert status["pending_migrations"] == 0
    django_shell(
        env,
        "from django.utils import timezone\n"
        "from sync.server.terminals.models import Terminal\n"
        "Terminal.objects.update(revoked_at=timezone.now())",
    )
    request = urllib.request.Request(
        url + "/api/v1/changes", headers={"Authorization": f"Token {enrolled.token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    body: dict[str, Any] = json.loads(refused.value.read())
    assert body["error"]["code"] == "revoked"


def test_serve_refuses_the_development_key(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env.pop("KAUNTA_HQ_SECRET_KEY", None)
    got = hq(env, "serve")
    assert got.returncode == 2
    assert "KAUNTA_HQ_SECRET_KEY" in got.stderr


def test_create_admin_refuses_a_short_password(server: tuple[str, dict[str, str]]) -> None:
    _, env = server
    got = hq({**env, "KAUNTA_HQ_ADMIN_PASSWORD": "short"}, "create-admin", "otieno")
    assert got.returncode == 2
    assert "at least 12" in got.stderr
