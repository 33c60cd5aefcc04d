"""A gunicorn worker loads the URL configuration (every view and DRF) when it imports the
WSGI module, at its start, not in its first request (which spent 0.9 s of CPU importing
it: a restarted worker's first callers waited a second)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import sys
import sync.server.wsgi
print(" ".join(m for m in ("sync.server.urls", "sync.server.api.views", "rest_framework.views")
               if m in sys.modules))
"""


def test_the_wsgi_module_loads_the_url_configuration_and_the_views(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "KAUNTA_HQ_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == [
        "sync.server.urls",
        "sync.server.api.views",
        "rest_framework.views",
    ]
