"""The WSGI application gunicorn serves."""

from __future__ import annotations

import os
import sys

from django.core.wsgi import get_wsgi_application

# A thread waiting for the GIL (a small call between its database round trips) asks the
# running one to let go after this long; Python's default 5 ms, paid at each round trip
# behind a push that is parsing, made a heartbeat's p99 hundreds of milliseconds under
# load (docs/headoffice.md, "Capacity"). 1 ms costs the push little.
sys.setswitchinterval(0.001)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
application = get_wsgi_application()
