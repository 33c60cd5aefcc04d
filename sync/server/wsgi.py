"""The WSGI application gunicorn serves."""

from __future__ import annotations

import gc
import os
import sys

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

# A thread waiting for the GIL (a small call between its database round trips) asks the
# running one to let go after this long; Python's default 5 ms, paid at each round trip
# behind a push that is parsing, made a heartbeat's p99 hundreds of milliseconds under
# load (docs/headoffice.md, "Capacity"). 1 ms costs the push little.
sys.setswitchinterval(0.001)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
application = get_wsgi_application()

# The URL configuration (every view, DRF, the schema generator) is loaded here, not in a
# worker's first request, which spent 0.9 s of CPU importing it (a second's wait for that
# worker's first callers, a cold server's small-call p99). `kaunta-hq serve` preloads
# this module in gunicorn's master, so it is imported once and every worker is forked
# warm; each worker takes no more connections than it has threads and answers each
# request on a connection of its own, so warm workers share the requests instead of the
# first one taking every keep-alive connection (docs/headoffice.md, "Capacity").
# Nothing here may leave a database connection open for the workers to inherit.
get_resolver().url_patterns  # noqa: B018 (the import is the point)
connections.close_all()

# Everything loaded so far (Django, DRF, the views: some 100,000 objects) lives as long as
# the process: kept out of the cyclic collector's full passes, which a push's decoded
# batch (about 14,000 new containers) set off every few batches, each walking them all
# again (docs/headoffice.md, "Capacity"). Forked workers inherit it. Measured in one
# process, 30 batches applied on PostgreSQL: the collector's time 25 µs an event, 5 - 6
# frozen (a young generation of 7,000 instead of 700 saved about 1 µs more: not kept).
gc.collect()
gc.freeze()
