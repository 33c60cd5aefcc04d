"""Real small and read-only disks for fault tests: a tmpfs mounted for the test.

Mounting needs root (CI containers and this project's test machine have it). Without it,
a full disk cannot be made for real and the tests that need one are skipped; the
SQLite ``max_page_count`` tests still run everywhere, since SQLite reports a database at
its page limit with the same ``SQLITE_FULL`` as a full disk. A read-only folder falls back
to permission bits (0555), which bind any user but root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> bool:
    if shutil.which("mount") is None:
        return False
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    return result.returncode == 0


def _unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextmanager
def small_disk(path: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` KiB mounted at ``path`` (skips the test when it cannot be)."""
    path.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield path
    finally:
        _unmount(path)


def fill(folder: Path) -> Path:
    """Fill the disk holding ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler.bin"
    chunk = b"\xff" * 65536
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, chunk[:size]) > 0:
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


@contextmanager
def read_only_folder(path: Path, prepare: Callable[[Path], None]) -> Iterator[Path]:
    """``path`` as a folder that cannot be written, with what ``prepare`` put in it first.

    As root: a tmpfs remounted read-only (the permission bits would not stop root). As
    anyone else: mode 0555 on the folder and everything in it.
    """
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        if not _mount("-t", "tmpfs", "-o", "size=65536k", "tmpfs", str(path)):
            pytest.skip("cannot mount a tmpfs here to make a read-only folder")
        try:
            prepare(path)
            if not _mount("-o", "remount,ro", str(path)):
                pytest.skip("cannot remount the tmpfs read-only")
            yield path
        finally:
            _unmount(path)
        return
    prepare(path)
    modes = [(p, p.stat().st_mode) for p in [path, *path.rglob("*")]]
    for p, _mode in reversed(modes):
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield path
    finally:
        for p, mode in modes:
            p.chmod(mode)
