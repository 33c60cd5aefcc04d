"""The PyInstaller build of the till: built, started offscreen in training mode, one sale
rung up and paid through its screens, every installed payment method found.

What only a frozen build can get wrong is checked here, on the built folder itself: the
distribution metadata the payment methods are found through, the migrations Alembic reads
as files, the compiled translations, the Qt platform plugins and the SVG plugins the icons
are drawn with, the icon drawn for Windows. The built app trains without a head office
(none is in the build) and says so without an error; a start with no standard streams
(a windowed one) leaves what it prints in the log folder; ``kaunta bench store
--built-app`` times the built binary. Build size and the built app's start-up time are
printed (``-s`` shows them; docs/installer.md has the figures).

``KAUNTA_TEST_BUILT_APP=DIR/dist/kaunta/kaunta`` runs these on a build already made with
``installer/build.py --dist DIR/dist --work DIR/work`` instead of building again.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pos.bench import run_bench
from pos.payments import registry

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

sys.path.insert(0, str(ROOT / "installer"))
from build import build, folder_size_mb  # noqa: E402
from icon import ICO_SIZES, read_ico  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("KAUNTA_TEST_BUILT_APP")
    if given:
        return Path(given)
    pytest.importorskip("PyInstaller", reason="PyInstaller is in the dev extra")
    work = tmp_path_factory.mktemp("pyinstaller")
    return build(work / "dist", work / "work")


def _env(tmp_path: Path) -> dict[str, str]:
    """The built app's environment: offscreen, nothing from the source checkout, its log
    in ``tmp_path/logs``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KAUNTA_LOG_DIR": str(tmp_path / "logs")}
    env.pop("PYTHONPATH", None)
    env.pop("KAUNTA_DATA_DIR", None)
    return env


def test_the_build_carries_what_the_app_finds_at_run_time(built: Path) -> None:
    internal = built.parent / "_internal"
    assert list(internal.glob("kaunta*.dist-info/entry_points.txt")) or list(
        internal.glob("kaunta*.egg-info/entry_points.txt")
    ), "no distribution metadata: no payment method would be found"
    assert (internal / "pos" / "store" / "migrations" / "env.py").exists()
    versions = sorted(p.name for p in (internal / "pos/store/migrations/versions").glob("0*.py"))
    source = sorted(p.name for p in (ROOT / "pos/store/migrations/versions").glob("0*.py"))
    assert versions == source
    qm = sorted(p.name for p in (internal / "kaunta_resources" / "translations").glob("*.qm"))
    ts = sorted(p.with_suffix(".qm").name for p in (ROOT / "resources/translations").glob("*.ts"))
    assert qm == ts
    assert list((internal / "kaunta_resources" / "icons").glob("kaunta.svg"))
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert {p.name for p in (plugins / "platforms").glob("*.so")} >= {
        "libqoffscreen.so",
        "libqxcb.so",
    }
    # the till's icons are SVG files: QIcon draws them through the SVG icon engine, and
    # QImage/QPixmap read them through the SVG image format (without these, blank buttons)
    assert list((plugins / "imageformats").glob("*qsvg.*")), "no SVG image-format plugin"
    assert list((plugins / "iconengines").glob("*qsvgicon.*")), "no SVG icon-engine plugin"
    # the Windows icon, drawn from the SVG into the work folder (a build output)
    ico = built.parents[2] / "work" / "kaunta.ico"
    assert [size for size, _png in read_ico(ico.read_bytes())] == list(ICO_SIZES)
    print(f"\nbuild folder: {folder_size_mb(built.parent):.0f} MB")


def _spec_constant(name: str) -> object:
    """A literal the spec assigns (the spec itself only runs inside PyInstaller)."""
    tree = ast.parse((ROOT / "installer" / "kaunta.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"installer/kaunta.spec assigns no {name}")


def _needed(library: Path) -> set[str]:
    """The shared libraries an ELF file links against (its DT_NEEDED entries)."""
    out = subprocess.run(
        ["readelf", "--dynamic", "--wide", str(library)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("readelf") is None,
    reason="ELF libraries: Linux, with readelf (binutils)",
)
def test_the_gtk_stack_left_out_is_needed_by_nothing_kept(built: Path) -> None:
    """The spec leaves out the GTK libraries that only the (left out) GTK theme plugin
    used. None of them may be in the folder, and no library kept may link against one:
    that library would fail to load on a till without GTK."""
    internal = built.parent / "_internal"
    gtk = _spec_constant("GTK_STACK")
    assert isinstance(gtk, tuple)
    assert gtk  # the list checked is the spec's own
    libraries = [p for p in internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert libraries
    left_in = sorted(p.name for p in libraries if p.name.startswith(gtk))
    assert not left_in, f"GTK libraries still in the build: {left_in}"
    needs_gtk = {}
    for library in libraries:
        wanted = sorted(n for n in _needed(library) if n.startswith(gtk))
        if wanted:
            needs_gtk[str(library.relative_to(internal))] = wanted
    assert not needs_gtk, f"kept libraries linking against the GTK stack: {needs_gtk}"
    assert not list(internal.glob("pygments")), "pygments is only Mako's optional highlighter"
    assert not list(internal.glob("django*")), "the head office is not part of the till"


def test_the_built_app_rings_up_and_pays_a_sale(built: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = subprocess.run(
        [
            str(built),
            "--data-dir",
            str(tmp_path / "data"),
            "--training",
            "run",
            "--smoke",
            "--smoke-sale",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    ready = re.search(r"KAUNTA-READY startup_s=([\d.]+) rss_mb=([\d.]+)", out)
    sale = re.search(r"KAUNTA-SALE receipt=(\S+) total=(\d+) KES lines=1 status=completed", out)
    methods = re.search(r"KAUNTA-METHODS (\S+)", out)
    assert ready, out
    assert sale, out
    assert methods, out
    assert sale.group(1) == "DEMO-T1-000001"
    assert int(sale.group(2)) > 0
    # every method this source install offers is found in the build as well
    assert set(methods.group(1).split(",")) == set(registry.discover()), out
    # training without a head office (none is in the build): said once, plainly, no error
    log = (tmp_path / "logs" / "kaunta.log").read_text(encoding="utf-8")
    said = [line for line in log.splitlines() if "training head office not started" in line]
    assert len(said) == 1, log
    assert " INFO " in said[0]
    assert "the installed app carries no head office" in said[0]
    errors = [line for line in log.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)]
    assert not errors, "\n".join(errors)
    print(f"\nbuilt app: start-up {ready.group(1)} s (first start), RSS {ready.group(2)} MB")


def test_the_built_app_without_standard_streams_prints_into_the_log_folder(
    built: Path, tmp_path: Path
) -> None:
    """Windows' windowed kaunta.exe starts with no stdout or stderr; closed streams are
    the same start on Linux: what ``--print-paths`` says lands in ``console.log``."""
    data = tmp_path / "data"
    done = subprocess.run(
        ["sh", "-c", f"exec '{built}' --data-dir '{data}' --training --print-paths 1>&- 2>&-"],
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    text = (tmp_path / "logs" / "console.log").read_text(encoding="utf-8")
    assert f"data:     {data}" in text.splitlines(), text
    assert "mode:     training" in text.splitlines(), text


def test_bench_store_times_the_start_up_of_the_built_binary(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kaunta bench store --built-app``, tiny sizes: the built app's start-up is timed,
    and it is the built binary's (its starts are in the log, from its own data folder,
    saying what only the installed app says)."""
    logs = tmp_path / "logs"
    monkeypatch.setenv("KAUNTA_LOG_DIR", str(logs))
    work = tmp_path / "bench"
    args = argparse.Namespace(
        bench_target="store",
        # tiny, but every day of the bench's year has sales (its Z and daily figures
        # need them): the size test_bench_smoke.py runs
        products=3000,
        sales=3000,
        samples=10,
        json=True,
        dir=work,
        startup_runs=1,
        built_app=built,
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_bench(args) == 0
    result = json.loads(out.getvalue())
    assert result["detail"]["startup_built_s"]["n"] == 1
    for key in ("startup_built_s", "startup_built_login_s", "startup_built_rss_mb"):
        assert result[key] > 0, key
    assert result["startup_built_ratio"] > 0
    assert result["built_folder_mb"] == pytest.approx(folder_size_mb(built.parent), abs=0.1)
    assert {"startup_built_s", "startup_built_login_s"} <= set(result["goals_met"])
    log = (logs / "kaunta.log").read_text(encoding="utf-8")
    built_data = work / "startup" / "built" / "data"
    starts = [
        line
        for line in log.splitlines()
        if "starting (training=" in line and line.endswith(f"data={built_data})")
    ]
    assert len(starts) == 2, log  # the warm-up and the one timed start
    assert log.count("the installed app carries no head office") == 2, log
