"""``kaunta bench etims``'s strict reading and its latency option, at a small size: the
with-build ratio is the p50 of (build + submit) per invoice over the raw round trip's
p50, and ``--latency-s`` makes every simulator answer wait (so a backlog takes at least
that long a sale, in order), reported with the rate and what 10,000 would take. It never
asserts on speed beyond what the simulator's own sleep guarantees."""

from __future__ import annotations

import argparse
import json

import pytest

from pos.bench.etims import backlog, run_etims
from pos.cli import _parser


def test_the_strict_ratio_counts_the_build_and_has_the_same_goal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_etims(argparse.Namespace(samples=20, backlog=5, json=True, latency_s=0.0)) == 0
    result = json.loads(capsys.readouterr().out)
    built, raw = result["build_and_submit_ms"], result["raw_http_ms"]
    assert built["n"] == raw["n"] == 20
    assert result["submit_overhead_with_build_ratio"] == round(built["p50"] / raw["p50"], 3)
    assert len(result["submit_overhead_with_build_ratio_blocks"]) == 5
    # each invoice's build + submit is at least its submit: the strict reading is the larger
    assert built["min"] >= result["client_ms"]["min"]
    assert result["goals"]["submit_overhead_with_build_ratio"] == 1.5


def test_a_backlog_at_a_latency_waits_that_long_for_every_sale_in_order() -> None:
    result = backlog(6, latency_s=0.05)
    assert result["simulator_latency_s"] == 0.05
    assert result["gap_free"] is True
    assert result["backlog_s"] >= 6 * 0.05  # one answer after another, none overlapped
    assert result["backlog_per_s"] == pytest.approx(6 / result["backlog_s"], rel=0.05)
    assert result["backlog_10k_estimate_s"] == pytest.approx(
        result["backlog_s"] * 10_000 / 6, rel=0.05
    )


def test_the_command_line_takes_the_latency_and_refuses_a_negative_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _parser().parse_args(
        ["bench", "etims", "--samples", "10", "--backlog", "3", "--latency-s", "0.01"]
    )
    assert args.latency_s == 0.01
    assert run_etims(args) == 0
    out = capsys.readouterr().out
    assert "backlog of 3 sales at 0.01 s a simulator answer" in out
    assert "10,000 at that rate" in out
    bad = argparse.Namespace(samples=10, backlog=3, json=True, latency_s=-1.0)
    with pytest.raises(SystemExit, match="--latency-s must be 0 or more"):
        run_etims(bad)
