"""installer/linux/install.sh puts a build, its command, its menu entry and the app's icon
where a Linux desktop finds them, for one user; run on a folder shaped like a build."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "linux" / "install.sh"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A folder shaped like installer/build.py's (an executable and the resources)."""
    folder = tmp_path / "dist" / "kaunta"
    icons = folder / "_internal" / "kaunta_resources" / "icons"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "kaunta.svg", icons / "kaunta.svg")
    exe = folder / "kaunta"
    exe.write_text('#!/bin/sh\necho kaunta "$@"\n', encoding="utf-8")
    exe.chmod(0o755)
    return folder


def test_install_makes_the_command_the_menu_entry_and_the_icon(build: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "home" / ".local"
    for _ in range(2):  # again: replaces the program, same result
        done = subprocess.run(
            ["sh", str(SCRIPT), str(build), str(prefix)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    command = prefix / "bin" / "kaunta"
    assert subprocess.run([str(command), "run"], capture_output=True, text=True).stdout == (
        "kaunta run\n"
    )
    entry = (prefix / "share" / "applications" / "kaunta.desktop").read_text(encoding="utf-8")
    assert f"Exec={prefix}/lib/kaunta/kaunta run" in entry.splitlines()
    assert "Icon=kaunta" in entry.splitlines()
    icon = prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / "kaunta.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "kaunta.svg").read_bytes()
    validate = shutil.which("desktop-file-validate")
    if validate is not None:
        checked = subprocess.run([validate, str(prefix / "share/applications/kaunta.desktop")])
        assert checked.returncode == 0


def test_install_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    done = subprocess.run(
        ["sh", str(SCRIPT), str(tmp_path / "nothing"), str(tmp_path / "p")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no built till" in done.stderr
    assert not (tmp_path / "p").exists()
