"""``python3 dev.py test`` runs the tests marked ``xcb`` on a real X server with a window
manager, so CI runs what offscreen cannot decide (who holds the keyboard).

These drive dev.py's own path: ``xvfb-run -a`` and openbox started by
:func:`dev.under_window_manager`, which must have a window manager in place before the
command runs.
"""

from __future__ import annotations

import os
import random
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


def _under_wm(command: list[str], result: Path) -> None:
    """``xvfb-run -a dev.py _wm COMMAND``, as dev.py test runs it (its exit code: ``result``)."""
    for _attempt in range(3):  # as dev.py does: its own display, again if X did not come up
        first = str(random.randrange(200, 60000))
        subprocess.run(
            ["xvfb-run", "-a", "-n", first, sys.executable, str(ROOT / "dev.py"), "_wm", *command],
            cwd=ROOT,
            env={**os.environ, dev.WM_RESULT: str(result)},
            capture_output=True,
            timeout=60,
        )
        if result.exists():
            return


@needs_x
def test_the_command_runs_with_a_window_manager_in_place(tmp_path: Path) -> None:
    """The command sees openbox's window-manager check on the root window at once."""
    probe = [
        sys.executable,
        "-c",
        "import subprocess, sys; out = subprocess.run(['xprop', '-root', "
        "'_NET_SUPPORTING_WM_CHECK'], capture_output=True, text=True).stdout; "
        "sys.exit(0 if 'window id' in out else 3)",
    ]
    result = tmp_path / "rc"
    _under_wm(probe, result)
    assert result.read_text() == "0"


@needs_x
def test_the_command_s_exit_code_is_kept(tmp_path: Path) -> None:
    """The command's own exit code comes back, whatever xvfb-run's own clean-up says."""
    result = tmp_path / "rc"
    _under_wm(["sh", "-c", "exit 7"], result)
    assert result.read_text() == "7"


@needs_x
def test_a_failing_xcb_test_fails_the_run_and_a_passing_one_passes(tmp_path: Path) -> None:
    """dev.test_under_x, the step of ``dev.py test``: pytest -m xcb under Xvfb + openbox."""
    failing = tmp_path / "test_failing_x.py"
    failing.write_text(
        "import os\nimport pytest\n\n\n@pytest.mark.xcb\ndef test_x() -> None:\n"
        "    assert os.environ['QT_QPA_PLATFORM'] == 'xcb'\n    assert False\n"
    )
    passing = tmp_path / "test_passing_x.py"
    passing.write_text(
        "import os\nimport pytest\n\n\n@pytest.mark.xcb\ndef test_x() -> None:\n"
        "    assert os.environ['QT_QPA_PLATFORM'] == 'xcb'\n"
    )
    assert dev.test_under_x([str(failing), "-q"]) == 1
    assert dev.test_under_x([str(passing), "-q"]) == 0
