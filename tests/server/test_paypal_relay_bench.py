"""``kaunta bench headoffice``'s PayPal relay figure runs end to end and reports whole rounds.

Two rounds of :func:`pos.bench.callbacks.run_paypal_webhook_to_till` (real ``kaunta-hq serve``
and ``worker`` processes, the PayPal sandbox's signed webhooks over HTTP, a till whose agent
applies the relayed result): every payment reached the till (the function raises otherwise),
and the figures are consistent with each other. No time limit is asserted: the machine's load
decides the numbers.
"""

from __future__ import annotations

import argparse

import pytest

from pos.bench.callbacks import run_paypal_webhook_to_till
from pos.bench.headoffice import add_arguments


@pytest.mark.slow
def test_the_paypal_webhook_to_till_figure_is_measured_over_whole_rounds() -> None:
    out = run_paypal_webhook_to_till(2)

    assert out["paypal_webhook_to_till_rounds"] == 2
    low, mid, high = (
        out["paypal_webhook_to_till_min_s"],
        out["paypal_webhook_to_till_p50_s"],
        out["paypal_webhook_to_till_max_s"],
    )
    assert 0 < low <= mid <= high
    # head office's part (webhook stored -> result made) is inside the whole path
    assert 0 <= out["paypal_webhook_decided_p50_s"] <= out["paypal_webhook_decided_max_s"]
    assert out["paypal_webhook_decided_max_s"] < high


def test_the_headoffice_bench_takes_the_paypal_rounds() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).paypal_rounds == 15
    assert parser.parse_args(["--paypal-rounds", "0"]).paypal_rounds == 0
