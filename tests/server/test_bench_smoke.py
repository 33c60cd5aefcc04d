"""``kaunta bench sync``'s server half runs end to end (tiny sizes; no timing asserted):
every pushed event applied (the 200-event batches and the single pushes after them), the
whole catalog pulled, every figure present."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync.server.devcluster import find_bin

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_server_benchmark_applies_every_event_and_pulls_the_whole_catalog() -> None:
    if find_bin("initdb") is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-m", "pos.bench.sync_server", "1", "1500"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    figures = json.loads(out.stdout)
    assert figures["ingest_failures"] == []
    assert figures["ingest_events"] == 8 * 200
    assert figures["catalog_products_pulled"] == 1500
    assert figures["catalog_pages"] == 2
    for key in ("ingest_events_per_s", "ingest_raw_ratio", "api_p99_ms", "catalog_initial_100k_s"):
        assert figures[key] > 0
    assert figures["push_single_count"] == 300
    assert 0 < figures["push_single_p50_ms"] <= figures["push_single_p99_ms"]
    if sys.platform.startswith("linux"):  # CPU per event from /proc: app and database
        assert figures["ingest_app_cpu_ms_per_event"] > 0
        assert figures["ingest_db_cpu_ms_per_event"] > 0
