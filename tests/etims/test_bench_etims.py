"""``kaunta bench etims`` at a small size: every figure the docs name is there, the
ratio is the client's submit over the raw round trip (issue 13's definition; the mapping
reported beside it), the per-block ratios give its spread, and the backlog drained
gap-free. It never asserts on speed."""

from __future__ import annotations

import argparse
import json

import pytest

from pos.bench.etims import block_ratios, run_etims


def test_block_ratios_are_p50_over_p50_per_consecutive_slice() -> None:
    client = [2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
    raw = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    assert block_ratios(client, raw, 2) == [2.0, 3.0]
    with pytest.raises(ValueError, match="at least one per block"):
        block_ratios([1.0], [1.0], 2)
    with pytest.raises(ValueError, match="as many client as raw"):
        block_ratios([1.0, 1.0], [1.0], 1)


def test_bench_etims_reports_every_figure_with_its_definition(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_etims(argparse.Namespace(samples=20, backlog=30, json=True)) == 0
    result = json.loads(capsys.readouterr().out)
    client, raw, mapping = result["client_ms"], result["raw_http_ms"], result["map_ms"]
    assert client["n"] == raw["n"] == mapping["n"] == 20
    assert result["submit_overhead_ratio"] == round(client["p50"] / raw["p50"], 3)
    assert result["map_and_submit_ratio"] == round((client["p50"] + mapping["p50"]) / raw["p50"], 3)
    assert len(result["submit_overhead_ratio_blocks"]) == 5
    assert result["backlog_sales"] == 30
    assert result["gap_free"] is True
    assert "backlog_10k_s" not in result  # only a 10,000-sale run names that figure
    assert {"load_avg_start", "load_avg_end"} <= result.keys()
    assert result["goals"] == {
        "submit_overhead_ratio": 1.5,
        "submit_overhead_with_build_ratio": 1.5,
        "backlog_10k_s": 120,
    }
