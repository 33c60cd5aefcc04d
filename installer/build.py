"""Build the one-folder till (``dist/kaunta/``) with PyInstaller and report its size.

Usage (from the repository root, with the project's virtualenv)::

    .venv/bin/python installer/build.py [--dist DIR] [--work DIR]

The ``.qm`` translations are compiled first (``dev.py``'s ``build_translations``), so the
build carries the current ones. PyInstaller must be installed (``pip install pyinstaller``;
it is in the ``build`` extra). On Windows, run the same command, then compile
``installer/windows/kaunta.iss`` with Inno Setup to get the installer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    subprocess.run(cmd, cwd=ROOT, check=True)
    exe = dist / "kaunta" / ("kaunta.exe" if sys.platform == "win32" else "kaunta")
    if not exe.exists():
        raise SystemExit(f"PyInstaller finished but {exe} is missing")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    exe = build(args.dist, args.work)
    size = folder_size_mb(exe.parent)
    print(f"built {exe} in {time.perf_counter() - t0:.0f} s; folder {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
