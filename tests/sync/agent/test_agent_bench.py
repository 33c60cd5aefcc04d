"""The drain benchmark drains what it queued (its figures are measured, never asserted)."""

from __future__ import annotations

from pos.bench.sync_drain import drain_figures


def test_the_drain_bench_queues_real_documents_and_drains_them_all() -> None:
    figures = drain_figures(events=30)
    assert figures["drain_sent"] == 30  # every copy parsed and was applied at head office
    assert figures["drain_waiting_after"] == 0
    assert figures["drain_batches"] == 1
    assert set(figures) >= {"drain_10k_s", "drain_10k_till_s"}
