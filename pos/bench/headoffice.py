"""``kaunta bench headoffice``: the head office's gateway work, one JSON object of figures.

One module for the issue's three figures, each from its own function:

- ``reconcile_100k_s`` (:func:`pos.bench.reconcile.run_reconcile`): a month of 100,000
  M-Pesa statement lines read, matched with the ledger and the result kept;
- ``callback_ack_p99_ms`` (:func:`pos.bench.callback_ack.run_callback_ack`): M-Pesa STK
  callbacks at 200/s, open-loop, against ``kaunta-hq serve`` with a worker running, and the
  same for signed PayPal webhooks (``paypal_webhook_ack_*``); median p99 of the rounds with
  the lowest and highest;
- ``callback_to_till_p50_s``: from ``pos.bench.callbacks`` (``run_callbacks(args) -> dict``);
  until that module exists the output says ``"callbacks": "not built yet"``;
- ``paypal_webhook_to_till_p50_s`` (:func:`pos.bench.callbacks.run_paypal_webhook_to_till`,
  from the same ``run_callbacks``): a signed PayPal capture webhook received at head office
  → the payment applied on the till through the PayPal result pull (``--paypal-rounds``
  payments; 0 leaves it out).

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
    parser.add_argument("--ack-rate", type=float, default=200.0, help="callbacks per second")
    parser.add_argument("--ack-seconds", type=float, default=5.0, help="length of a round")
    parser.add_argument("--ack-rounds", type=int, default=3, help="rounds of each kind")
    parser.add_argument(
        "--paypal-rounds", type=int, default=15, help="PayPal payments relayed to the till"
    )


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
        from pos.bench.callback_ack import run_callback_ack

        out.update(
            run_callback_ack(
                url,
                rate=getattr(args, "ack_rate", 200.0),
                seconds=getattr(args, "ack_seconds", 5.0),
                rounds=getattr(args, "ack_rounds", 3),
            )
        )
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
