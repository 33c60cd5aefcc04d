"""``kaunta bench etims --hq`` at a small size, as a real process: head office's backlog
is drained on PostgreSQL (a throwaway cluster with durable commits) through the worker's
rounds and the OSCU simulator, gap-free, and reported beside the till's figure. It never
asserts on speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sync.server.devcluster import find_bin

pytestmark = pytest.mark.slow
SMALL = ("--samples", "20", "--backlog", "40")


@pytest.mark.skipif(
    not (find_bin("initdb") and find_bin("pg_ctl")), reason="PostgreSQL is not installed"
)
def test_bench_etims_hq_drains_head_offices_queue_gap_free_beside_the_tills() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "pos.cli", "bench", "etims", "--hq", "--json", *SMALL],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # the till's figure as before, head office's beside it
    assert result["backlog_sales"] == result["backlog_hq_sales"] == 40
    assert result["gap_free"] is True
    assert result["gap_free_hq"] is True
    assert result["hq_database"] == "postgres"
    assert result["hq_durable_commits"] is True
    assert result["hq_rounds"] >= 1
    assert result["backlog_hq_s"] > 0
    assert result["backlog_10k_hq_estimate_s"] == pytest.approx(
        result["backlog_hq_s"] * 10_000 / 40, rel=0.05, abs=0.2
    )
    assert "backlog_10k_hq_s" not in result  # only a 10,000-sale run names that figure
    assert result["goals"]["backlog_10k_hq_s"] == 120
    assert {"load_avg_start", "load_avg_hq_start", "load_avg_end"} <= result.keys()
