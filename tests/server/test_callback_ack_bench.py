"""``callback_ack_p99_ms`` is measured over real processes: a short, slow run of the bench
(pos/bench/callback_ack.py) against ``kaunta-hq serve`` on this module's database, on SQLite
and PostgreSQL; every callback and webhook sent is answered as accepted and stored."""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg
import pytest

from pos.bench.callback_ack import run_callback_ack
from pos.bench.headoffice import _database
from sync.server.callbacks.models import StkCallbackRecord
from sync.server.callbacks.paypal_models import PayPalWebhookEvent


@pytest.mark.slow
def test_the_ack_bench_sends_at_its_rate_and_every_answer_is_an_acceptance(hq_db: str) -> None:
    stored = (StkCallbackRecord.objects.count(), PayPalWebhookEvent.objects.count())
    got = run_callback_ack(hq_db, rate=20.0, seconds=1.0, rounds=2)
    for kind in ("callback_ack", "paypal_webhook_ack"):
        assert got[f"{kind}_count"] == 40
        assert got[f"{kind}_errors"] == 0
        assert 0 < got[f"{kind}_p50_ms"] <= got[f"{kind}_max_ms"]
        assert got[f"{kind}_p99_min_ms"] <= got[f"{kind}_p99_ms"] <= got[f"{kind}_p99_max_ms"]
        assert got[f"{kind}_p99_pooled_ms"] <= got[f"{kind}_max_ms"]
        assert 0 < got[f"{kind}_rate_per_s"] <= 25  # paced: never faster than asked
    # every acceptance was stored by the server processes, in this database
    assert StkCallbackRecord.objects.count() == stored[0] + 40
    assert PayPalWebhookEvent.objects.count() == stored[1] + 40
    assert len(got["callback_ack_p99_rounds_ms"]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("asked", ["postgres", "sqlite"])
def test_the_headoffice_bench_measures_durable_postgres_unless_told(
    asked: str, tmp_path: Path
) -> None:
    """By default the acknowledgement figures come from PostgreSQL as deployed: every
    commit waits for its WAL flush (the test clusters run with fsync off)."""
    args = argparse.Namespace(database=asked, database_url="")
    with _database(args, tmp_path) as (url, note):
        assert note == ""
        if asked == "sqlite":
            assert url == f"sqlite:///{tmp_path / 'hq.sqlite3'}"
            return
        assert url.startswith("postgres://")
        with psycopg.connect(url) as conn:
            settings = [
                conn.execute(f"SHOW {name}").fetchone() for name in ("fsync", "synchronous_commit")
            ]
        assert settings == [("on",), ("on",)]
