"""The WSGI application gunicorn serves."""

from __future__ import annotations

import os
import sys

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

# A thread waiting for the GIL (a small call between its database round trips) asks the
# running one to let go after this long; Python's default 5 ms, paid at each round trip
# behind a push that is parsing, made a heartbeat's p99 hundreds of milliseconds under
# load (docs/headoffice.md, "Capacity"). 1 ms costs the push little.
sys.setswitchinterval(0.001)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
application = get_wsgi_application()

# Load the URL configuration (every view, DRF, the schema generator) now, as each gunicorn
# worker starts, not in its first request: measured, that first request spent 0.9 s of
# CPU importing it (2.8 s across three workers in one benchmark ingest), so every
# restarted worker made its first callers wait a second and a cold server's small calls
# their p99 (docs/headoffice.md, "Capacity", session 7).
get_resolver().url_patterns  # noqa: B018 (the import is the point)
