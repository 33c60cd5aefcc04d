"""``python3 dev.py test`` runs the tests marked ``xcb`` on a real X server with a window
manager, so CI runs what offscreen cannot decide (who holds the keyboard).

These drive dev.py's own path: ``xvfb-run -a`` and openbox started by
:func:`dev.under_window_manager`, which must have a window manager in place before the
command runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dev

ROOT = Path(dev.__file__).resolve().parent

needs_x = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("xvfb-run", "openbox", "xprop")),
    reason="needs xvfb-run, openbox and xprop (dev.APT_X)",
)


def test_the_x_packages_are_installed_by_the_test_command() -> None:
    """.ci/run calls ``dev.py test``, which installs its apt lists: the X tools are in them."""
    for package in ("xvfb", "xauth", "openbox", "x11-utils"):
        assert package in dev.APT_X
    assert "libxcb-cursor0" in dev.APT_WINDOW  # Qt's xcb platform plug-in needs it
    source = Path(dev.__file__).read_text(encoding="utf-8")
    assert "apt_install(APT_TEST + APT_WINDOW + APT_X)" in source


@needs_x
def test_the_command_runs_with_a_window_manager_in_place() -> None:
    """The command sees openbox's window-manager check on the root window at once."""
    probe = [
        sys.executable,
        "-c",
        "import subprocess, sys; out = subprocess.run(['xprop', '-root', "
        "'_NET_SUPPORTING_WM_CHECK'], capture_output=True, text=True).stdout; "
        "sys.exit(0 if 'window id' in out else 3)",
    ]
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, str(ROOT / "dev.py"), "_wm", *probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@needs_x
def test_the_command_s_failure_is_the_result() -> None:
    """A failing xcb run fails ``dev.py test``: the exit code comes back unchanged."""
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, str(ROOT / "dev.py"), "_wm", "sh", "-c", "exit 7"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 7
