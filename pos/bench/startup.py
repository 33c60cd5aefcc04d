"""Start-up time of the real app: ``kaunta run --smoke`` offscreen, from process start.

Run as ``python -m pos.bench.startup DATA_DIR RUNS [APP]``; prints one JSON object. ``APP``
is a built till (``dist/kaunta/kaunta`` from ``installer/build.py``) to time instead of the
source checkout. The store
bench launches it as a small helper process on purpose: on Linux a child's
``ru_maxrss`` starts from the RSS of the process it was forked from, so the smoke runs
must be started by a small process, not by the bench after it has built a million-row
catalog (its RSS would show up as the app's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

READY = "KAUNTA-READY"
TIMEOUT_S = 120.0


def smoke_once(data_dir: Path, app: Path | None = None) -> tuple[float, float, float]:
    """Seconds from Popen to the READY line, the app's own figure, and its peak RSS.
    ``app``: a built till's executable; by default the source checkout's ``pos.cli``."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # an installed build ships compiled bytecode: let the warm-up run write it (the test
    # runner switches writing off, which would make every run compile the app again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    launcher = [str(app)] if app is not None else [sys.executable, "-m", "pos.cli"]
    cmd = [*launcher, "--data-dir", str(data_dir), "run", "--smoke"]
    log = data_dir.parent / "startup-stderr.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, text=True)
        watchdog = threading.Timer(TIMEOUT_S, proc.kill)  # a hung start must not hang us
        watchdog.start()
        ready, elapsed = "", 0.0
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(READY):
                    ready, elapsed = line, time.perf_counter() - t0
                    break
            proc.stdout.read()
            proc.wait()
        finally:
            watchdog.cancel()
    if not ready:
        raise RuntimeError(f"kaunta run --smoke never printed {READY} (see {log})")
    fields = dict(f.split("=", 1) for f in ready.split()[1:])
    return elapsed, float(fields["startup_s"]), float(fields["rss_mb"])


def measure(data_dir: Path, runs: int, app: Path | None = None) -> dict[str, list[float]]:
    """One warm-up run (it seeds the demo data), then ``runs`` timed runs."""
    smoke_once(data_dir, app)
    wall: list[float] = []
    app_s: list[float] = []
    rss: list[float] = []
    for _ in range(runs):
        w, a, r = smoke_once(data_dir, app)
        wall.append(w)
        app_s.append(a)
        rss.append(r)
    return {"wall_s": wall, "app_s": app_s, "rss_mb": rss}


def run_helper(data_dir: Path, runs: int, app: Path | None = None) -> dict[str, list[float]]:
    """:func:`measure` in a fresh small process (see the module docstring for why)."""
    extra = [str(app)] if app is not None else []
    proc = subprocess.run(
        [sys.executable, "-m", "pos.bench.startup", str(data_dir), str(runs), *extra],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S * (runs + 2),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"start-up measurement failed:\n{proc.stderr.strip()}")
    result: dict[str, list[float]] = json.loads(proc.stdout)
    return result


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python -m pos.bench.startup DATA_DIR RUNS [APP]", file=sys.stderr)
        return 2
    app = Path(argv[2]) if len(argv) == 3 else None
    print(json.dumps(measure(Path(argv[0]), int(argv[1]), app)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
