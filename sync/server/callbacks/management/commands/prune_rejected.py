"""``django-admin prune_rejected [--days N] [--batch N]``: delete refused callback requests
older than the keep time (``KAUNTA_HQ_REJECTED_KEEP_DAYS``, default 30 days), in batches
(:func:`sync.server.callbacks.prune.prune_rejected`), and print what was deleted as JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sync.server.callbacks.prune import DEFAULT_BATCH, prune_rejected


class Command(BaseCommand):
    help = "Delete refused callback requests older than the keep time (default 30 days)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="keep this many days (default: the setting)"
        )
        parser.add_argument(
            "--batch", type=int, default=DEFAULT_BATCH, help="rows deleted per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = prune_rejected(days=options["days"], batch=options["batch"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        out = {
            "deleted": report.deleted,
            "batches": report.batches,
            "cutoff": report.cutoff.isoformat(),
        }
        self.stdout.write(json.dumps(out))
