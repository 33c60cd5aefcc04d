"""The shop details wiring costs the till's start-up nothing it does not need: the
wizard's pages, the device and eTIMS tests and the screen itself are imported when a
manager first opens Shop details, not on the way to the login screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LATER = [
    "pos.shop_checks",
    "pos.setup_checks",
    "pos.ui.setup_wizard.pages",
    "pos.ui.setup_wizard.pages_devices",
    "pos.ui.manager.shop_details",
]


def test_starting_the_shop_details_service_imports_no_screen_or_test_code() -> None:
    probe = (
        "import pos.app, pos.shop_link, sys, json\n"
        f"print(json.dumps([m for m in {LATER!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    # and the module named exists: a renamed module would make this pass for nothing
    for name in LATER:
        assert (ROOT / (name.replace(".", "/") + ".py")).is_file(), name
