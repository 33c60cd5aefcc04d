"""The card benchmark's function runs real payments (the figure itself is not asserted)."""

from __future__ import annotations

from pos.bench.card import card_overhead


def test_card_overhead_reports_its_figures_from_real_payments() -> None:
    result = card_overhead(runs=2, step_delay=0.0)
    assert set(result) == {"card_overhead_ms", "card_overhead_ms_p95", "card_payments"}
    assert result["card_payments"] == 2
    assert result["card_overhead_ms"] > 0
