"""``kaunta --live`` on a computer with no live set-up: a real process says what to do
(run the set-up wizard, and how), exits 2, and shows no traceback and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import ENV, kaunta


def _said_what_to_do(stderr: str, home: Path) -> None:
    assert "Traceback" not in stderr
    assert "Run the set-up wizard" in stderr
    assert "start Kaunta without --live" in stderr
    assert "'Set up my shop'" in stderr
    assert str(home / "config" / "kaunta" / "kaunta.toml") in stderr  # where it will be
    assert "kaunta --training" in stderr


@pytest.mark.parametrize("args", [("--live",), ("--live", "run")])
def test_live_without_a_set_up_says_to_run_the_wizard(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = kaunta(*args, home=tmp_path, timeout=60)
    assert result.returncode == 2
    _said_what_to_do(result.stderr, tmp_path)
    assert result.stdout == ""
    assert not (tmp_path / "config" / "kaunta" / "kaunta.toml").exists()
    assert not (tmp_path / "data" / "kaunta" / "kaunta.sqlite").exists()  # no live database


def test_live_forced_by_the_environment_says_to_drop_it(tmp_path: Path) -> None:
    env = {
        **ENV,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "KAUNTA_TRAINING": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pos.cli"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    _said_what_to_do(result.stderr, tmp_path)
    assert "without KAUNTA_TRAINING in the environment" in result.stderr
