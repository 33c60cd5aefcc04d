"""``callback_ack_p99_ms`` is measured over real processes: a short, slow run of the bench
(pos/bench/callback_ack.py) against ``kaunta-hq serve`` on this module's database, on SQLite
and PostgreSQL; every callback and webhook sent is answered as accepted and stored."""

from __future__ import annotations

import pytest

from pos.bench.callback_ack import run_callback_ack
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
        assert 0 < got[f"{kind}_rate_per_s"] <= 25  # paced: never faster than asked
    # every acceptance was stored by the server processes, in this database
    assert StkCallbackRecord.objects.count() == stored[0] + 40
    assert PayPalWebhookEvent.objects.count() == stored[1] + 40
