"""The UI bench, run tiny: every figure is there and consistent, and no scan is lost.

A correctness test of the benchmark, not a speed test: nothing here asserts a timing.
``kaunta bench ui --json`` runs through the real command line in a process of its own (its
own QApplication, offscreen), so the sub-command, the dispatch and the JSON are covered.
A second test breaks the scan guard on purpose and checks that the bursts count the scans
that then go astray: ``scans_lost == 0`` above means something only because of it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pos.bench.ui import GOALS, STATES, goal_met

SAMPLES = 3
DIALOG_SAMPLES = 2
BURST = 3

#: Every top-level figure the bench promises, each a positive number.
NUMBERS = (
    "scan_to_paint_p50_ms",
    "scan_to_paint_p90_ms",
    "scan_to_paint_p99_ms",
    "scan_to_paint_max_ms",
    "scan_to_view_p50_ms",
    "scan_keys_p50_ms",
    "tender_open_p50_ms",
    "tender_open_p99_ms",
    "mpesa_open_p50_ms",
    "mpesa_open_p99_ms",
    "dialog_open_p99_ms",
    "scan_gap_ms",
    "cpu_count",
    "total_s",
)
#: The spreads in "detail", and how many samples each holds.
DETAIL = {
    "scan_to_paint_ms": SAMPLES,
    "scan_to_view_ms": SAMPLES,
    "scan_keys_ms": SAMPLES,
    "scan_gui_cpu_ms": SAMPLES,
    "tender_open_ms": DIALOG_SAMPLES,
    "mpesa_open_ms": DIALOG_SAMPLES,
}
SPREAD = ("n", "p50", "p90", "p99", "min", "max", "mean")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("bench-ui-home")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        # the command line reads the platform config before it dispatches: never the
        # developer's own
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
    )
    cmd = [
        sys.executable,
        "-m",
        "pos.cli",
        "bench",
        "ui",
        "--samples",
        str(SAMPLES),
        "--dialog-samples",
        str(DIALOG_SAMPLES),
        "--burst",
        str(BURST),
        "--json",
    ]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(proc.stdout)
    return parsed


def test_every_figure_is_there_and_positive(result: dict[str, Any]) -> None:
    assert result["bench"] == "ui"
    assert (result["samples"], result["dialog_samples"], result["burst"]) == (
        SAMPLES,
        DIALOG_SAMPLES,
        BURST,
    )
    for key in NUMBERS:
        assert isinstance(result[key], int | float), key
        assert result[key] > 0, key
    assert isinstance(result["closed_dialogs_alive"], int)
    assert result["closed_dialogs_alive"] >= 0
    assert result["qt_platform"] == "offscreen"
    assert result["window_size"] == "1024x768"
    for key in ("load_avg_start", "load_avg_end"):
        assert result[key] >= 0
    for key, n in DETAIL.items():
        spread = result["detail"][key]
        assert set(spread) == set(SPREAD), key
        assert spread["n"] == n, key
        assert spread["min"] <= spread["p50"] <= spread["p90"] <= spread["p99"] <= spread["max"]


def test_the_figures_agree_with_each_other(result: dict[str, Any]) -> None:
    d = result["detail"]
    # each scan: typed, then the basket redrawn, then painted (so their quantiles too)
    for q in ("p50", "p99", "max"):
        assert d["scan_keys_ms"][q] <= d["scan_to_view_ms"][q] <= d["scan_to_paint_ms"][q]
    assert result["scan_to_paint_p99_ms"] == d["scan_to_paint_ms"]["p99"]
    assert result["dialog_open_p99_ms"] == max(
        d["tender_open_ms"]["p99"], d["mpesa_open_ms"]["p99"]
    )
    assert result["goals"] == GOALS
    assert result["goals_met"] == {k: goal_met(k, result[k], v) for k, v in GOALS.items()}


def test_no_scan_is_lost_in_any_state(result: dict[str, Any]) -> None:
    assert list(result["bursts"]) == list(STATES)
    for state, burst in result["bursts"].items():
        assert burst == {"sent": BURST, "landed": BURST, "lost": 0, "extra": 0}, state
    assert result["scans_sent"] == BURST * len(STATES)
    assert result["scans_lost"] == 0
    assert result["scans_extra"] == 0
    assert result["goals_met"]["scans_lost"]


def test_the_bursts_count_scans_that_go_astray(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the scan guard a scan over a dialog ends up in the dialog's field, or is
    dropped: the bench must count those as lost (else its 0 would prove nothing)."""
    from pos.bench.ui import bench_bursts, open_till
    from pos.ui.scan_guard import ScanGuard

    monkeypatch.setattr(ScanGuard, "eventFilter", lambda _self, _obj, _event: False)
    till = open_till(tmp_path)
    try:
        till.login()
        bursts = {b.state: b for b in bench_bursts(till, BURST, random.Random(7))}
    finally:
        till.close()
    assert [bursts[s].lost for s in ("idle", "basket", "search_list")] == [0, 0, 0]
    assert bursts["tender_dialog"].lost == BURST
    assert bursts["mpesa_dialog"].lost == BURST
    assert bursts["receipt"].lost >= 1  # the first scan's Enter was "New sale"
