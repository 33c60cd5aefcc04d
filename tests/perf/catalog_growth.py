"""How scan and search cost grows with the catalog: one process, interleaved.

Separate bench runs differ by 10-20 % from run to run on a shared VM, more than the
effect being looked for. Here terminals over catalogs of several sizes are built side
by side and served the same operations in turn (same prefixes, same positions in the
catalog), so drift hits every size alike.

    .venv/bin/python tests/perf/catalog_growth.py 10000 100000 1000000 --samples 2000

Not collected by pytest (no ``test_`` prefix); prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pos.bench.catalog import barcode_of, build_catalog, search_prefixes
from pos.bench.stats import summary
from pos.bench.store import PINS, Series, bench_context
from pos.services.auth import Role
from pos.services.terminal import Terminal


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", type=int, nargs="+")
    p.add_argument("--samples", type=int, default=2000)
    args = p.parse_args(argv)
    rng = random.Random(5)
    prefixes = search_prefixes()
    with tempfile.TemporaryDirectory(prefix="kaunta-growth-") as tmp:
        terms: dict[int, Terminal] = {}
        for n in args.sizes:
            term = Terminal.open(Path(tmp) / f"c{n}.sqlite", bench_context())
            (cashier,) = term.auth.bootstrap_users([("C", Role.CASHIER, PINS[Role.CASHIER])])
            print(f"building {n:,} products...", file=sys.stderr)
            build_catalog(term, n, datetime.now(UTC))
            term.auth.login(cashier, PINS[Role.CASHIER])
            term.checkout.restore()
            terms[n] = term
        scans = {n: Series() for n in terms}
        searches = {n: Series() for n in terms}
        print("timing...", file=sys.stderr)
        for i in range(args.samples + 20):
            keep = i >= 20
            prefix = rng.choice(prefixes)
            where = rng.random()  # same relative position in every catalog
            for n, term in terms.items():
                searches[n].time(keep, term.checkout.search, prefix, 20)
                scans[n].time(keep, term.checkout.scan, barcode_of(1 + int(where * n)))
                if (i + 1) % 10 == 0:
                    term.checkout.pay_cash(term.checkout.view().cash_due)
        result = {
            str(n): {
                "scan_ms": summary(scans[n].wall),
                "scan_cpu_ms": summary(scans[n].cpu),
                "search_ms": summary(searches[n].wall),
                "search_cpu_ms": summary(searches[n].cpu),
            }
            for n in terms
        }
        for term in terms.values():
            term.close()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
