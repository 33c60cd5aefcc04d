"""Latency samples and their summary (percentiles by linear interpolation)."""

from __future__ import annotations

import math
import statistics
import sys
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, interpolated (numpy's default)."""
    if not sorted_values:
        raise ValueError("no samples")
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _r(value: float) -> float:
    """Four significant digits: enough for a table, never rounds a tiny time to zero."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, max(0, 3 - math.floor(math.log10(abs(value)))))


def summary(values: list[float]) -> dict[str, float]:
    """p50, p90, p99, min, max, mean and count of ``values`` (in their own unit)."""
    xs = sorted(values)
    return {
        "n": len(xs),
        "p50": _r(percentile(xs, 0.50)),
        "p90": _r(percentile(xs, 0.90)),
        "p99": _r(percentile(xs, 0.99)),
        "min": _r(xs[0]),
        "max": _r(xs[-1]),
        "mean": _r(statistics.fmean(xs)),
    }


def rounded(value: float) -> float:
    return _r(value)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (0 where unsupported)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(rss) / 1024 if sys.platform != "darwin" else float(rss) / (1024 * 1024)


def backlog_figures(
    count: int, enqueue_s: float, drained_s: float, tag: str = ""
) -> dict[str, Any]:
    """The figures of a queue of ``count`` sales drained in ``drained_s`` after being
    queued in ``enqueue_s`` (``kaunta bench etims``: the till's, and head office's with
    ``tag="_hq"``), with the 10,000-sale estimate from this run's rate."""
    return {
        f"backlog{tag}_sales": count,
        f"enqueue{tag}_s": round(enqueue_s, 2),
        f"backlog{tag}_s": round(drained_s, 2),
        f"per_sale{tag}_ms": round(drained_s * 1000 / count, 3),
        f"backlog{tag}_per_s": round(count / drained_s, 1),
        f"backlog_10k{tag}_estimate_s": round(drained_s * 10_000 / count, 1),
    }
