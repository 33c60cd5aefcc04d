"""``GET /api/v1/sales-for-refund``: a till finds a sale of another till of its store, with
the refunds every terminal made of it counted; never a sale of another store, never a
training sale; authenticated and throttled. Run on SQLite and PostgreSQL (``hq_db``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sync.server.api import refund_lookup
from sync.server.ledger.models import Refund, RefundReview
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.refund_docs import refund


def _acks(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["status"] for r in response.json()["results"]]


def _lookup(client: Client, till: Till, q: str) -> Any:
    return client.get("/api/v1/sales-for-refund", {"q": q}, **till.auth)


def test_a_till_finds_another_tills_sale_by_number_with_earlier_refunds_counted(
    client: Client,
) -> None:
    store = new_store()
    one, two, three = (enroll(client, store, f"Till {n}") for n in (1, 2, 3))
    sale = one.sale("65", 3)
    assert _acks(one.push(client, [sale])) == ["applied"]
    assert _acks(three.push(client, [refund(three, sale, 1)])) == ["applied"]
    number = sale["body"]["receipt_number"]

    got = _lookup(client, two, number.lower())  # typed in lower case: still found
    assert got.status_code == 200, got.content
    [found] = got.json()["sales"]
    assert found["sale_id"] == sale["body"]["sale_id"]
    assert (found["receipt_number"], found["terminal_id"]) == (number, one.terminal_id)
    assert (found["status"], found["currency"], found["total_minor"]) == ("completed", "KES", 19500)
    [line] = found["lines"]
    assert line["line_id"] == sale["body"]["lines"][0]["line_id"]
    assert (line["quantity"], line["refunded_quantity"], line["refunded_minor"]) == (3, 1, 6500)
    assert (line["vat_code"], line["vat_exempt"], line["unit_price_minor"]) == ("S", False, 6500)
    [payment] = found["payments"]
    assert payment["payment_id"] == sale["body"]["payments"][0]["payment_id"]
    # that refund's cash tender names no original payment: nothing counted against it
    assert (payment["method"], payment["refunded_minor"]) == ("cash", 0)
    [counted] = found["refunds"]
    assert counted["terminal_id"] == three.terminal_id
    assert counted["lines"] == [{"line_id": line["line_id"], "quantity": 1, "total_minor": 6500}]
    assert found["buyer"] is None  # the sale named no buyer


def test_the_lookup_gives_the_buyer_the_sale_named(client: Client) -> None:
    """A refund made at another till must name the same KRA PIN on its credit note."""
    store = new_store()
    one, two = (enroll(client, store, f"Till {n}") for n in (1, 2))
    sale = one.sale("65", 1, buyer=("P051234567X", "Duka Ltd"))
    assert _acks(one.push(client, [sale])) == ["applied"]
    [found] = _lookup(client, two, sale["body"]["receipt_number"]).json()["sales"]
    assert found["buyer"] == {"tax_pin": "P051234567X", "name": "Duka Ltd"}


def test_the_lookup_never_shows_another_stores_or_a_training_sale(client: Client) -> None:
    mine, theirs = new_store(), new_store()
    two = enroll(client, mine, "Till 2")
    other = enroll(client, theirs, "Their till")
    sale = other.sale("65", 1)
    assert _acks(other.push(client, [sale])) == ["applied"]
    got = _lookup(client, two, sale["body"]["receipt_number"])
    assert got.status_code == 200
    assert got.json() == {"sales": []}

    one = enroll(client, mine, "Till 1")
    training = one.sale("65", 1, training=True)
    assert _acks(one.push(client, [training])) == ["applied"]
    assert _lookup(client, two, training["body"]["receipt_number"]).json() == {"sales": []}
    # the selling till's own store sees its real sale
    real = one.sale("65", 1)
    assert _acks(one.push(client, [real])) == ["applied"]
    [found] = _lookup(client, two, real["body"]["receipt_number"]).json()["sales"]
    assert found["sale_id"] == real["body"]["sale_id"]


def test_the_lookup_needs_a_terminal_token_and_a_query(client: Client) -> None:
    two = enroll(client, new_store(), "Till 2")
    anonymous = client.get("/api/v1/sales-for-refund", {"q": "X-T1-000001"})
    assert anonymous.status_code == 401
    empty = _lookup(client, two, "  ")
    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "invalid"
    assert _lookup(client, two, "x" * 101).status_code == 400
    # a control character (NUL: PostgreSQL refuses it in a query) is a bad query, not a 500
    assert _lookup(client, two, "DEMO-T1\x00-000001").status_code == 400
    assert _lookup(client, two, "DEMO\x1b[2J").status_code == 400


def test_the_lookup_is_throttled_per_terminal(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store()
    two, three = enroll(client, store, "Till 2"), enroll(client, store, "Till 3")
    monkeypatch.setattr(refund_lookup.RefundLookupThrottle, "rate", "3/min")
    answers = [_lookup(client, two, "NOPE-T1-000001").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = _lookup(client, two, "NOPE-T1-000001")
    assert int(refused["Retry-After"]) >= 1
    assert _lookup(client, three, "NOPE-T1-000001").status_code == 200  # its own budget


def test_a_refund_naming_another_stores_sale_is_rejected_and_kept_for_review(
    client: Client,
) -> None:
    mine, theirs = new_store(), new_store()
    seller = enroll(client, theirs, "Their till")
    stranger = enroll(client, mine, "My till")
    sale = seller.sale("65", 2)
    assert _acks(seller.push(client, [sale])) == ["applied"]
    back = refund(stranger, sale, 1)
    got = stranger.push(client, [back])
    [ack] = got.json()["results"]
    assert (ack["status"], ack["field"], ack["code"]) == (
        "rejected",
        "lines",
        "hq_refund_other_store",
    )
    assert ack["params"] == {"receipt": sale["body"]["receipt_number"]}
    assert not Refund.objects.filter(event_id=back["event_id"]).exists()
    review = RefundReview.objects.get(event_id=back["event_id"])
    assert review.status == RefundReview.Status.REJECTED
    assert "another store" in review.reason
    # the sale's own store still refunds both bottles: nothing was counted against it
    own = refund(seller, sale, 2)
    assert _acks(seller.push(client, [own])) == ["applied"]


def test_an_unchecked_refund_from_another_store_becomes_over_when_the_sale_arrives(
    client: Client,
) -> None:
    mine, theirs = new_store(), new_store()
    seller = enroll(client, theirs, "Their till")
    stranger = enroll(client, mine, "My till")
    sale = seller.sale("65", 1)  # not pushed yet
    early = refund(stranger, sale, 1)
    assert _acks(stranger.push(client, [early])) == ["applied"]  # unchecked, on its word
    assert _acks(seller.push(client, [sale])) == ["applied"]
    review = RefundReview.objects.get(event_id=early["event_id"])
    assert review.status == RefundReview.Status.OVER
    assert "another store" in review.reason
    # and it did not use up the sale's own refunds
    assert _acks(seller.push(client, [refund(seller, sale, 1)])) == ["applied"]
