"""Benchmarks: ``kaunta bench <target>`` (see docs/performance.md).

The bench is part of the composition root: it builds terminals over temporary databases
and drives the real services, so what it times is what the till does.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["run_bench"]


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark named by ``args.bench_target``; returns the exit code."""
    target = getattr(args, "bench_target", None)
    if target == "store":
        from pos.bench.store import run_store

        return run_store(args)
    if target == "payments":
        from pos.bench.payments import run_payments

        return run_payments(args)
    print(f"kaunta bench: unknown target {target!r} (known: store, payments)", file=sys.stderr)
    return 2
