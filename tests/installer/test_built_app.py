"""The PyInstaller build of the till: built, started offscreen in training mode, one sale
rung up and paid through its screens, every installed payment method found.

What only a frozen build can get wrong is checked here, on the built folder itself: the
distribution metadata the payment methods are found through, the migrations Alembic reads
as files, the compiled translations, the Qt platform plugins. Build size and the built
app's start-up time are printed (``-s`` shows them; docs/installer.md has the figures).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pos.payments import registry

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

sys.path.insert(0, str(ROOT / "installer"))
from build import build, folder_size_mb  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is in the dev extra")
    work = tmp_path_factory.mktemp("pyinstaller")
    return build(work / "dist", work / "work")


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
    platforms = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    assert {p.name for p in platforms.glob("*.so")} >= {"libqoffscreen.so", "libqxcb.so"}
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
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)  # nothing from the source checkout
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
    print(f"\nbuilt app: start-up {ready.group(1)} s (first start), RSS {ready.group(2)} MB")
