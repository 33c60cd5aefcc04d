"""Running the ``kaunta`` command as a user would, for the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith("KAUNTA_")}
ENV["QT_QPA_PLATFORM"] = "offscreen"


def kaunta(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pos.cli`` with a private HOME/XDG so no real config is read."""
    env = {
        **ENV,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "pos.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
