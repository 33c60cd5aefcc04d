"""Start-up time of the real app: ``kaunta run --smoke`` offscreen, from process start.

Run as ``python -m pos.bench.startup RUNS SOURCE_DIR [BUILT_DIR BUILT_APP] [--baseline TREE
DATA_DIR]``; prints one JSON object. ``BUILT_APP`` is a built till (``dist/kaunta/kaunta``
from ``installer/build.py``), timed beside the source checkout in the same run: the two
are started alternately (source, built, built, source, ...), so that both meet the same
machine. On a machine shared with others the load changes from minute to minute, and two
series timed one after the other would compare two machines.

``--baseline TREE DATA_DIR`` times another checkout in the same rotation, as
``"baseline"``: before and after a change, e.g. ``git worktree add /tmp/before HEAD~1``
(with its ``.qm`` translations compiled, or copied from this checkout). It is started
from its own folder, where ``python -m pos.cli`` finds that checkout's ``pos`` first.

The store bench launches this as a small helper process on purpose: on Linux a child's
``ru_maxrss`` starts from the RSS of the process it was forked from, so the smoke runs
must be started by a small process, not by the bench after it has built a million-row
catalog (its RSS would show up as the app's).

Each run gives, from ``Popen`` to the READY line the app prints (``pos.app``):
``wall_s`` (to the sale screen, the demo cashier signed in at once), ``login_s`` (to the
first turn of the event loop with the login screen up), the app's own figure ``app_s``
(from its ``pos.app`` import), ``cpu_s`` (the app's user + system CPU: the steadier
figure on a busy machine), ``rss_mb`` and ``load`` (the 1-minute load average then).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

READY = "KAUNTA-READY"
TIMEOUT_S = 120.0
#: the per-run figures, in the order they are kept
FIELDS = ("wall_s", "login_s", "app_s", "cpu_s", "rss_mb", "load")

Runs = dict[str, list[float]]


def _load_now() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def smoke_once(
    data_dir: Path, app: Path | None = None, tree: Path | None = None
) -> dict[str, float]:
    """One start of the till to its sale screen; the figures of :data:`FIELDS`.
    ``app``: a built till's executable; by default the source checkout's ``pos.cli``,
    the one in ``tree`` when given (started from that folder). A READY line without
    ``login_s``/``cpu_s`` (a build older than them) gives NaN."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # an installed build ships compiled bytecode: let the warm-up run write it (the test
    # runner switches writing off, which would make every run compile the app again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    launcher = [str(app)] if app is not None else [sys.executable, "-m", "pos.cli"]
    cmd = [*launcher, "--data-dir", str(data_dir), "run", "--smoke"]
    log = data_dir.parent / "startup-stderr.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    load = _load_now()
    with log.open("ab") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, env=env, text=True, cwd=tree
        )
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
    app_s = float(fields["startup_s"])
    # the app's two marks share one clock, so the login screen's time from Popen is the
    # sale screen's minus what passed between them
    login_app = float(fields.get("login_s", "nan"))
    return {
        "wall_s": elapsed,
        "login_s": elapsed - (app_s - login_app),
        "app_s": app_s,
        "cpu_s": float(fields.get("cpu_s", "nan")),
        "rss_mb": float(fields["rss_mb"]),
        "load": load,
    }


def _empty() -> Runs:
    return {name: [] for name in FIELDS}


def measure(
    runs: int,
    source_dir: Path,
    built: tuple[Path, Path] | None = None,
    baseline: tuple[Path, Path] | None = None,
) -> dict[str, Runs]:
    """One warm-up run of each (it seeds the demo data and writes bytecode), then ``runs``
    timed runs of each, in turn, the order reversed every round (ABBA) so that none
    always goes first. ``built``: (its data folder, its executable); ``baseline``: (another
    checkout, its data folder)."""
    targets: list[tuple[str, Path, Path | None, Path | None]] = [("source", source_dir, None, None)]
    if built is not None:
        targets.append(("built", built[0], built[1], None))
    if baseline is not None:
        targets.append(("baseline", baseline[1], None, baseline[0]))
    for _name, data_dir, app, tree in targets:
        smoke_once(data_dir, app, tree)
    out = {name: _empty() for name, _d, _a, _t in targets}
    for i in range(runs):
        for name, data_dir, app, tree in targets if i % 2 == 0 else targets[::-1]:
            figures = smoke_once(data_dir, app, tree)
            for key in FIELDS:
                out[name][key].append(figures[key])
    return out


def run_helper(work: Path, runs: int, built_app: Path | None = None) -> dict[str, Runs]:
    """:func:`measure` in a fresh small process (see the module docstring for why), with
    the data folders ``work/source/data`` and ``work/built/data``."""
    extra = [str(work / "built" / "data"), str(built_app)] if built_app is not None else []
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pos.bench.startup",
            str(runs),
            str(work / "source" / "data"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S * (runs + 1) * (2 if built_app is not None else 1),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"start-up measurement failed:\n{proc.stderr.strip()}")
    result: dict[str, Runs] = json.loads(proc.stdout)
    return result


def folder_size_mb(folder: Path) -> float:
    """Bytes of every file under ``folder`` in MB (1e6), links not followed: the size a
    built app takes on disk (as ``installer/build.py`` reports it)."""
    return (
        sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
        / 1e6
    )


USAGE = (
    "usage: python -m pos.bench.startup RUNS SOURCE_DIR [BUILT_DIR BUILT_APP] "
    "[--baseline TREE DATA_DIR]"
)


def main(argv: list[str]) -> int:
    baseline = None
    if "--baseline" in argv:
        at = argv.index("--baseline")
        if len(argv) < at + 3:
            print(USAGE, file=sys.stderr)
            return 2
        baseline = (Path(argv[at + 1]), Path(argv[at + 2]))
        argv = argv[:at] + argv[at + 3 :]
    if len(argv) not in (2, 4) or not argv[0].isdigit():
        print(USAGE, file=sys.stderr)
        return 2
    built = (Path(argv[2]), Path(argv[3])) if len(argv) == 4 else None
    print(json.dumps(measure(int(argv[0]), Path(argv[1]), built, baseline)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
