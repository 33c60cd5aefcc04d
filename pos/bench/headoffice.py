"""``kaunta bench headoffice``: the head office's gateway work, one JSON object of figures.

One module for the issue's three figures, each from its own function:

- ``reconcile_100k_s`` (:func:`pos.bench.reconcile.run_reconcile`): a month of 100,000
  M-Pesa statement lines read, matched with the ledger and the result kept;
- ``callback_ack_p99_ms`` and ``callback_to_till_p50_s``: from ``pos.bench.callbacks``
  (``run_callbacks(args) -> dict``), written with the callback endpoints; until that module
  exists the output says ``"callbacks": "not built yet"`` rather than inventing figures.

The database is a fresh SQLite file in a temporary folder unless ``--database-url`` names
another (a PostgreSQL database that may be emptied); it is migrated first.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "run_headoffice"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lines", type=int, default=100_000, help="statement lines to match")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def run_headoffice(args: argparse.Namespace) -> int:
    from pos.bench.reconcile import run_reconcile

    with tempfile.TemporaryDirectory(prefix="kaunta-bench-hq-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'hq.sqlite3'}"
        _django(url)
        out: dict[str, Any] = {"database": url.split(":", 1)[0]}
        out.update(run_reconcile(args.lines))
        try:
            callbacks = importlib.import_module("pos.bench.callbacks")
        except ModuleNotFoundError:
            out["callbacks"] = "not built yet"
        else:
            out.update(callbacks.run_callbacks(args))
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}", file=sys.stdout)
    return 0
