"""Refunds checked against the central ledger: never more of a line than was sold, counting
the refunds every terminal sent before. Two tills refunding one receipt: the second is
rejected with the reason (only that event; the rest of its batch goes in), kept for review,
and the till parks it. A refund whose sale is not at head office yet is applied and flagged.
Run on SQLite and PostgreSQL (the ``hq_db`` fixture)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from sync.server.ledger.models import LedgerEvent, Refund, RefundReview
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll, new_id
from tests.server.refund_docs import refund


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["results"])


def race(pushes: list[tuple[Till, bytes]]) -> list[list[str]]:
    """Push each ``(till, batch)`` from a thread of its own, all released at once (each
    thread its own database connection); the ack statuses of each push."""
    start = threading.Barrier(len(pushes))
    answers: list[list[str]] = []
    errors: list[BaseException] = []

    def push(till: Till, raw: bytes) -> None:
        try:
            start.wait()
            got = Client().post("/api/v1/events", raw, content_type="application/json", **till.auth)
            answers.append([r["status"] for r in results(got)])
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=push, args=p) for p in pushes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return answers


@pytest.fixture(autouse=True)
def _pushes_race_in_one_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The threads below stand for tills pushing to different gunicorn workers, each with
    its own push thread (sync/server/api/views.py): here they share one process, so its
    one push thread is made sixteen, or they would take turns and never race."""
    from sync.server.api import views

    wide = ThreadPoolExecutor(16, "race-push")
    monkeypatch.setattr(views, "_PUSHES", wide)
    yield
    wide.shutdown()


@pytest.fixture
def tills(client: Client) -> tuple[Till, Till]:
    store = new_store()
    return enroll(client, store, "Till 1"), enroll(client, store, "Till 2")


def test_the_second_till_refunding_the_same_line_is_rejected_with_the_reason(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, two = tills
    sale = one.sale("65", 2)
    assert [r["status"] for r in results(one.push(client, [sale]))] == ["applied"]
    first = refund(one, sale, 2)
    assert [r["status"] for r in results(one.push(client, [first]))] == ["applied"]

    second = refund(two, sale, 1)
    cash = two.cash_out()
    got = results(two.push(client, [cash, second]))
    # only the refund is refused: the cash movement of the same batch is applied
    assert [r["status"] for r in got] == ["applied", "rejected"]
    assert got[1]["field"] == "lines"
    assert "2 sold, 2 already refunded" in got[1]["reason"]
    assert sale["body"]["receipt_number"] in got[1]["reason"]
    assert LedgerEvent.objects.filter(event_id=cash["event_id"]).exists()
    assert not LedgerEvent.objects.filter(event_id=second["event_id"]).exists()
    assert not Refund.objects.filter(event_id=second["event_id"]).exists()
    review = RefundReview.objects.get(event_id=second["event_id"])
    assert review.status == RefundReview.Status.REJECTED
    assert review.terminal.code == two.terminal_id
    assert review.reason == got[1]["reason"]
    assert str(review.original_sale_id) == sale["body"]["sale_id"]

    # the till offers a parked event again later: refused again, still one review row
    again = results(two.push(client, [second]))
    assert [r["status"] for r in again] == ["rejected"]
    assert RefundReview.objects.filter(event_id=second["event_id"]).count() == 1


def test_partial_refunds_from_two_tills_add_up_to_what_was_sold_and_no_more(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, two = tills
    sale = one.sale("65", 3)
    results(one.push(client, [sale]))
    assert results(one.push(client, [refund(one, sale, 1)]))[0]["status"] == "applied"
    assert results(two.push(client, [refund(two, sale, 2)]))[0]["status"] == "applied"
    late = results(one.push(client, [refund(one, sale, 1)]))[0]
    assert late["status"] == "rejected"
    assert "3 sold, 3 already refunded" in late["reason"]
    assert Refund.objects.filter(original_sale_id=sale["body"]["sale_id"]).count() == 2


def test_two_refunds_of_one_line_in_the_same_batch_the_second_is_rejected(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, _ = tills
    sale = one.sale("65", 1)
    got = results(one.push(client, [sale, refund(one, sale, 1), refund(one, sale, 1)]))
    assert [r["status"] for r in got] == ["applied", "applied", "rejected"]
    assert "1 sold, 1 already refunded" in got[2]["reason"]


def test_a_refund_whose_sale_is_not_at_head_office_yet_is_applied_and_flagged(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, two = tills
    sale = one.sale("65", 1)  # till one is offline: its sale has not been pushed
    back = refund(two, sale, 1)
    assert results(two.push(client, [back]))[0]["status"] == "applied"
    assert Refund.objects.filter(event_id=back["event_id"]).exists()
    review = RefundReview.objects.get(event_id=back["event_id"])
    assert review.status == RefundReview.Status.UNCHECKED
    assert "not at head office yet" in review.reason


def test_unchecked_refunds_are_checked_when_their_sale_arrives(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, two = tills
    sale = one.sale("65", 1)  # till one offline; two tills refund its one milk meanwhile
    first, second = refund(two, sale, 1), refund(two, sale, 1)
    assert [r["status"] for r in results(two.push(client, [first]))] == ["applied"]
    assert [r["status"] for r in results(two.push(client, [second]))] == ["applied"]
    mine = RefundReview.objects.filter(event_id__in=[first["event_id"], second["event_id"]])
    assert sorted(mine.values_list("status", flat=True)) == ["unchecked", "unchecked"]

    results(one.push(client, [sale]))  # till one comes back online
    ok = RefundReview.objects.get(event_id=first["event_id"])
    assert ok.status == RefundReview.Status.CHECKED
    over = RefundReview.objects.get(event_id=second["event_id"])
    assert over.status == RefundReview.Status.OVER
    assert "1 sold, 1 already refunded" in over.reason
    assert Refund.objects.filter(original_sale_id=sale["body"]["sale_id"]).count() == 2


def test_a_refund_before_its_sale_in_one_batch_is_checked_at_the_end_of_the_batch(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, _ = tills
    sale = one.sale("65", 1)
    back = refund(one, sale, 1)
    got = results(one.push(client, [back, sale]))
    assert [r["status"] for r in got] == ["applied", "applied"]
    assert RefundReview.objects.get(event_id=back["event_id"]).status == "checked"


def test_a_refund_of_a_line_not_on_the_receipt_is_rejected(
    client: Client, tills: tuple[Till, Till]
) -> None:
    one, _ = tills
    sale = one.sale("65", 1)
    results(one.push(client, [sale]))
    other = dict(sale, body=dict(sale["body"], lines=[dict(sale["body"]["lines"][0])]))
    other["body"]["lines"][0]["line_id"] = new_id()  # a line that is not on the receipt
    got = results(one.push(client, [refund(one, other, 1)]))[0]
    assert got["status"] == "rejected"
    assert "is not on receipt" in got["reason"]


def test_tills_racing_on_one_receipt_at_the_same_moment_only_one_refund_goes_in(
    client: Client, hq_db: str
) -> None:
    store = new_store()
    racers = [enroll(client, store, f"Till {n}") for n in range(1, 7)]
    sale = racers[0].sale("65", 1)
    results(racers[0].push(client, [sale]))
    answers = [a for [a] in race([(t, t.batch([refund(t, sale, 1)])) for t in racers])]
    assert sorted(answers) == ["applied"] + ["rejected"] * (len(racers) - 1)
    assert Refund.objects.filter(original_sale_id=sale["body"]["sale_id"]).count() == 1
    assert RefundReview.objects.filter(status="rejected").count() >= len(racers) - 1


def test_the_review_list_in_the_admin_shows_a_rejected_refund(
    client: Client, tills: tuple[Till, Till]
) -> None:
    from django.contrib.auth.models import User

    one, two = tills
    sale = one.sale("65", 1)
    results(one.push(client, [sale, refund(one, sale, 1)]))
    results(two.push(client, [refund(two, sale, 1)]))
    User.objects.create_superuser("hq-admin-refunds", "", "pw-long-enough-123")
    assert client.login(username="hq-admin-refunds", password="pw-long-enough-123")
    page = client.get("/admin/hq_ledger/refundreview/")
    assert page.status_code == 200
    assert sale["body"]["receipt_number"] in page.content.decode()
    assert "rejected" in page.content.decode()


def test_two_tills_refunding_two_receipts_in_opposite_orders_both_get_answers(
    client: Client, hq_db: str
) -> None:
    """Each batch locks the two sales in its own order; on PostgreSQL that can deadlock,
    and the batch PostgreSQL ends is run again, so every push gets its acks (no 500)."""
    store = new_store()
    one, two = enroll(client, store, "Till 1"), enroll(client, store, "Till 2")
    for _ in range(8):
        x, y = one.sale("65", 2), one.sale("65", 2)
        results(one.push(client, [x, y]))
        answers = race(
            [
                (one, one.batch([refund(one, x, 1), refund(one, y, 1)])),
                (two, two.batch([refund(two, y, 1), refund(two, x, 1)])),
            ]
        )
        assert answers == [["applied", "applied"]] * 2
