"""Build the one-folder till (``dist/kaunta/``) with PyInstaller and report its size.

Usage (from the repository root, with the project's virtualenv)::

    .venv/bin/python installer/build.py [--dist DIR] [--work DIR]

The ``.qm`` translations are compiled first (``dev.py``'s ``build_translations``), so the
build carries the current ones, and the Windows icon is drawn from the SVG into the work
folder (``installer/icon.py``: ``WORK/kaunta.ico``, a build output). PyInstaller must be
installed (``pip install pyinstaller``; it is in the ``build`` extra). On Windows, run the
same command, then compile ``installer/windows/kaunta.iss`` with Inno Setup to get the
installer (docs/installer.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))
from icon import make_ico  # noqa: E402 - installer/ is not a package

#: where the build goes by default (installer/windows/kaunta.iss reads both from here)
DEFAULT_DIST = ROOT / "dist"
DEFAULT_WORK = ROOT / "build" / "pyinstaller"


def folder_size_mb(folder: Path) -> float:
    """Bytes of every file under ``folder``, in MB (1e6); links are counted once, as the
    files they point to are."""
    return (
        sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
        / 1e6
    )


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller on ``installer/kaunta.spec``; returns the built executable."""
    sys.path.insert(0, str(ROOT))
    from dev import build_translations

    build_translations()
    icon = make_ico(work / "kaunta.ico")  # a build output, in the work folder
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(ROOT / "installer" / "kaunta.spec"),
    ]
    subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, "KAUNTA_BUILD_ICON": str(icon)})
    exe = dist / "kaunta" / ("kaunta.exe" if sys.platform == "win32" else "kaunta")
    if not exe.exists():
        raise SystemExit(f"PyInstaller finished but {exe} is missing")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    exe = build(args.dist, args.work)
    size = folder_size_mb(exe.parent)
    print(f"built {exe} in {time.perf_counter() - t0:.0f} s; folder {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
