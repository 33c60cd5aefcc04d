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

The database is what a head office at scale runs on: a throwaway PostgreSQL cluster
(:func:`sync.server.devcluster.cluster`) with **durable commits** (``fsync`` and
``synchronous_commit`` on, as deployed), so an acknowledgement's time includes its WAL
flush. ``--database sqlite`` uses a fresh SQLite file instead (the one-machine install and
the demo); ``--database-url`` names another database (PostgreSQL that may be emptied). A
machine without the PostgreSQL packages falls back to SQLite and says so. The output names
the database, whether its commits were durable, and the load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "run_headoffice"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lines", type=int, default=100_000, help="statement lines to match")
    parser.add_argument(
        "--database",
        choices=("postgres", "sqlite"),
        default="postgres",
        help="a throwaway PostgreSQL cluster with durable commits (default) or a SQLite file",
    )
    parser.add_argument("--database-url", default="", help="use this database instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--ack-rate", type=float, default=200.0, help="callbacks per second")
    parser.add_argument("--ack-seconds", type=float, default=5.0, help="length of a round")
    parser.add_argument("--ack-rounds", type=int, default=5, help="rounds of each kind")
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


def _durable(url: str) -> bool | None:
    """Whether a commit on ``url`` waits for its flush to disk (None: not PostgreSQL)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        commit = cursor.fetchone()[0]
    return bool(fsync == "on" and commit != "off")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def _database(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, str]]:
    """The database URL the bench runs on, and a note when it is not the one asked for."""
    sqlite = f"sqlite:///{tmp / 'hq.sqlite3'}"
    if args.database_url:
        yield args.database_url, ""
    elif getattr(args, "database", "postgres") == "sqlite":
        yield sqlite, ""
    else:
        from sync.server.devcluster import cluster, find_bin

        if not (find_bin("initdb") and find_bin("pg_ctl")):
            yield sqlite, "PostgreSQL is not installed here: measured on SQLite"
            return
        with cluster(durable=True) as url:
            yield url, ""


def run_headoffice(args: argparse.Namespace) -> int:
    from pos.bench.reconcile import run_reconcile

    with (
        tempfile.TemporaryDirectory(prefix="kaunta-bench-hq-") as tmp,
        _database(args, Path(tmp)) as (url, note),
    ):
        _django(url)
        out: dict[str, Any] = {
            "database": url.split(":", 1)[0],
            "durable_commits": _durable(url),
            "load_avg_start": _load(),
        }
        if note:
            out["database_note"] = note
        out.update(run_reconcile(args.lines))
        from pos.bench.callback_ack import run_callback_ack

        out.update(
            run_callback_ack(
                url,
                rate=getattr(args, "ack_rate", 200.0),
                seconds=getattr(args, "ack_seconds", 5.0),
                rounds=getattr(args, "ack_rounds", 5),
            )
        )
        try:
            callbacks = importlib.import_module("pos.bench.callbacks")
        except ModuleNotFoundError:
            out["callbacks"] = "not built yet"
        else:
            out.update(callbacks.run_callbacks(args))
        out["load_avg_end"] = _load()
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}", file=sys.stdout)
    return 0
