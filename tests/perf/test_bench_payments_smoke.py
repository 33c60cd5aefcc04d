"""The payments bench, run tiny: every figure is there, positive and consistent.

A correctness test of the benchmark, not a speed test: nothing here asserts a timing.
Through the real command line (``kaunta bench payments --samples 3 --json``), so the
sub-command, the dispatch and the JSON output are covered too. About 10 s: most of it is
the approval test, where the customer approves 0.5-3 s after each push.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from pos.bench.payments import GOALS
from pos.cli import main as cli_main

SAMPLES = 3

#: Every top-level figure the bench promises, each a positive number.
NUMBERS = (
    "samples",
    "approval_samples",
    "mpesa_overhead_ratio",
    "mpesa_payment_p50_ms",
    "mpesa_raw_p50_ms",
    "mpesa_raw_requests_p50_ms",
    "mpesa_requests_ratio",
    "mpesa_http_calls",
    "paypal_overhead_ratio",
    "paypal_payment_p50_ms",
    "paypal_raw_p50_ms",
    "paypal_raw_requests_p50_ms",
    "paypal_requests_ratio",
    "paypal_http_calls",
    "approval_to_receipt_ms",
    "mpesa_approval_to_receipt_p50_ms",
    "mpesa_approval_to_receipt_p90_ms",
    "mpesa_approval_to_receipt_p99_ms",
    "mpesa_approval_to_receipt_max_ms",
    "mpesa_receipt_poll_p50_ms",
    "paypal_approval_to_receipt_p50_ms",
    "paypal_approval_to_receipt_p90_ms",
    "paypal_approval_to_receipt_p99_ms",
    "paypal_approval_to_receipt_max_ms",
    "paypal_receipt_poll_p50_ms",
    "cpu_count",
    "total_s",
)
DETAIL = (
    "mpesa_payment_ms",
    "mpesa_raw_ms",
    "mpesa_raw_requests_ms",
    "mpesa_requests_ratio",
    "mpesa_overhead_ratio",
    "mpesa_http_calls",
    "paypal_payment_ms",
    "paypal_raw_ms",
    "paypal_raw_requests_ms",
    "paypal_requests_ratio",
    "paypal_overhead_ratio",
    "paypal_http_calls",
    "mpesa_approval_to_receipt_ms",
    "mpesa_receipt_poll_ms",
    "mpesa_polls_per_sale",
    "mpesa_approve_after_s",
    "paypal_approval_to_receipt_ms",
    "paypal_receipt_poll_ms",
    "paypal_polls_per_sale",
    "paypal_approve_after_s",
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("data")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(
            ["--data-dir", str(data_dir), "bench", "payments", "--samples", str(SAMPLES), "--json"]
        )
    assert code == 0
    parsed: dict[str, Any] = json.loads(out.getvalue())  # one JSON object, nothing else
    return parsed


def test_every_figure_is_a_positive_number(result: dict[str, Any]) -> None:
    for key in NUMBERS:
        value = result[key]
        assert isinstance(value, int | float), key
        assert not isinstance(value, bool), key
        assert value > 0, key
    assert (result["samples"], result["approval_samples"]) == (SAMPLES, SAMPLES)
    for key in DETAIL:
        spread = result["detail"][key]
        assert spread["n"] == SAMPLES, key
        for q in ("p50", "p90", "p99", "min", "max", "mean"):
            assert spread[q] > 0, (key, q)
        assert spread["min"] <= spread["p50"] <= spread["p90"] <= spread["p99"] <= spread["max"]
    for key in ("python", "platform", "requests_version", "approval_to_receipt_note", "ratio_note"):
        assert isinstance(result[key], str), key
        assert result[key], key
    assert result["poll_schedule_s"]
    assert all(s > 0 for s in result["poll_schedule_s"])


def test_goals_and_ratios_are_consistent(result: dict[str, Any]) -> None:
    assert result["goals"] == GOALS
    assert set(result["goals_met"]) == set(GOALS)
    for key, limit in GOALS.items():
        assert result["goals_met"][key] == (result[key] <= limit), key
    # the yardstick is plain requests; the ratio to bare http.client is information only
    assert set(GOALS) == {"mpesa_requests_ratio", "paypal_requests_ratio", "approval_to_receipt_ms"}
    for code in ("mpesa", "paypal"):
        # each headline ratio is the median of the per-payment ratios listed in "detail"
        for kind in ("requests", "overhead"):
            key = f"{code}_{kind}_ratio"
            assert result[key] == result["detail"][key]["p50"], key
        # and lies between the extremes the per-payment times allow
        payment, requests = (
            result["detail"][f"{code}_payment_ms"],
            result["detail"][f"{code}_raw_requests_ms"],
        )
        ratio = result[f"{code}_requests_ratio"]
        assert payment["min"] / requests["max"] <= ratio <= payment["max"] / requests["min"]
    worse = max(
        result["mpesa_approval_to_receipt_p50_ms"], result["paypal_approval_to_receipt_p50_ms"]
    )
    assert result["approval_to_receipt_ms"] == worse


def test_calls_per_payment_are_the_flows(result: dict[str, Any]) -> None:
    """Token cached: M-Pesa is push + query; PayPal is create + GET + capture."""
    assert result["mpesa_http_calls"] == 2
    assert result["paypal_http_calls"] == 3


def test_approval_delays_are_in_the_window(result: dict[str, Any]) -> None:
    for code in ("mpesa", "paypal"):
        spread = result["detail"][f"{code}_approve_after_s"]
        assert 0.5 <= spread["min"] <= spread["max"] <= 3.0
        assert result["detail"][f"{code}_polls_per_sale"]["min"] >= 1


def test_cli_refuses_zero_samples(tmp_path: Path) -> None:
    code = cli_main(["--data-dir", str(tmp_path), "bench", "payments", "--samples", "0"])
    assert code == 2
