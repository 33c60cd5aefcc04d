"""The till's reading of head office's eTIMS results answer (``sync.agent.etims_results``):
``held`` (what head office holds unsigned) is optional, and an answer without it (an older
head office) is "not known", never "none"; a malformed one applies nothing; a refund
settled without a credit note (``no_credit``) is a result like the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.agent.etims_results import HeldAtHeadOffice, parse_answer


def _result(seq: int, state: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "doc_id": f"doc-{seq}",
        "kind": "refund",
        "state": state,
        "receipt_number": f"DEMO-T1-{seq}",
        "branch": "P051234567X-00",
        "invc_no": None,
        "org_invc_no": None,
        "reason": "no credit note: the refunded sale was not a KRA invoice",
        "signature": None,
        "device": None,
        "verify_host": "https://etims.example",
    }


def test_an_answer_without_held_is_not_known_rather_than_none() -> None:
    results, after, held = parse_answer({"results": [], "next_after": 4}, 4)
    assert (results, after, held) == ([], 4, None)


def test_held_is_read_with_its_oldest_time() -> None:
    body = {
        "results": [_result(5, "no_credit")],
        "next_after": 5,
        "held": {"count": 2, "oldest_made_at": "2026-03-02T07:33:00+00:00"},
    }
    results, after, held = parse_answer(body, 4)
    assert [(r.seq, r.state) for r in results] == [(5, "no_credit")]
    assert after == 5
    assert held == HeldAtHeadOffice(2, datetime(2026, 3, 2, 7, 33, tzinfo=UTC))
    nothing = parse_answer(
        {"results": [], "next_after": 5, "held": {"count": 0, "oldest_made_at": None}}, 5
    )[2]
    assert nothing == HeldAtHeadOffice(0, None)


@pytest.mark.parametrize(
    "held",
    [
        "3",
        {"count": -1, "oldest_made_at": None},
        {"count": True, "oldest_made_at": None},
        {"count": 2, "oldest_made_at": None},
        {"count": 2, "oldest_made_at": "yesterday"},
        {"count": 2, "oldest_made_at": "2026-03-02T07:33:00"},  # no time zone
    ],
)
def test_a_malformed_held_is_not_known_and_the_results_beside_it_still_count(
    held: Any,
) -> None:
    """A bad ``held`` alone does not throw away the signatures beside it (review r14d):
    logged, taken as not known."""
    results, after, got = parse_answer(
        {"results": [_result(1, "no_credit")], "next_after": 1, "held": held}, 0
    )
    assert [(r.seq, r.state) for r in results] == [(1, "no_credit")]
    assert (after, got) == (1, None)


def test_a_state_this_till_does_not_know_is_passed_not_a_stop() -> None:
    """A newer head office's state: skipped, the cursor past it, the rest applied; a
    till that refused the page would ask for it again for ever (review r14d)."""
    results, after, _held = parse_answer(
        {"results": [_result(1, "lost"), _result(2, "no_credit")], "next_after": 2}, 0
    )
    assert [(r.seq, r.state) for r in results] == [(2, "no_credit")]
    assert after == 2


def test_head_offices_alert_limit_is_read_with_held() -> None:
    body = {
        "results": [],
        "next_after": 0,
        "held": {"count": 0, "oldest_made_at": None, "alert_after_hours": 6},
    }
    held = parse_answer(body, 0)[2]
    assert held == HeldAtHeadOffice(0, None, timedelta(hours=6))
    body["held"] = {"count": 0, "oldest_made_at": None, "alert_after_hours": 0}
    assert parse_answer(body, 0)[2] is None  # not a limit: held not known
