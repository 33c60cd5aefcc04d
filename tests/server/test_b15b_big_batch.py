"""A batch as the agent sends it (250 events) of basket-sized sales is larger than
Django's 2.5 MiB request limit: it is taken and applied whole, not refused with a bare 400
on every try (the till's outbox would never drain past it). A batch beyond the head office's
own limit gets a 413 in the API's error shape that says what to do."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from pos.domain.sale import ProductRef, Sale
from sync.server.api import views
from sync.server.ledger.models import LedgerEvent, SaleLine
from tests.server.conftest import new_store
from tests.server.factory import CASHIER, T0, Till, enroll, kes, new_id


def basket(till: Till, lines: int) -> dict[str, Any]:
    """A completed cash sale of ``lines`` different products (a supermarket basket)."""
    sale = Sale(new_id(), "KES", T0, CASHIER)
    for n in range(lines):
        product = ProductRef(
            n + 1, f"SKU-{n:05d}", f"6168232{n:06d}", f"Product {n} 500g", kes("65"), "S"
        )
        sale.add_product(product, 1, new_id())
    return till.paid_in_cash(sale, kes("100000"))


def push(till: Till, body: bytes) -> Any:
    return Client(raise_request_exception=False).post(
        "/api/v1/events", body, content_type="application/json", **till.auth
    )


def test_a_full_batch_of_basket_sized_sales_is_applied(client: Client) -> None:
    till = enroll(client, new_store())
    docs = [basket(till, 30) for _ in range(250)]
    body = till.batch(docs)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # Django's own limit
    got = push(till, body)
    assert got.status_code == 200, got.content[:300]
    assert {r["status"] for r in got.json()["results"]} == {"applied"}
    ids = [d["event_id"] for d in docs]
    assert LedgerEvent.objects.filter(event_id__in=ids).count() == 250
    assert SaleLine.objects.filter(sale__event_id=ids[-1]).count() == 30


def test_a_batch_beyond_the_limit_gets_413_saying_what_to_do(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = enroll(client, new_store())
    docs = [basket(till, 5) for _ in range(3)]
    body = till.batch(docs)
    monkeypatch.setattr(views, "MAX_BATCH_BYTES", len(body) - 1)
    got = push(till, body)
    assert got.status_code == 413
    assert got["Content-Type"] == "application/json"
    error = got.json()["error"]
    assert error["code"] == "batch_too_large"
    assert "fewer events" in error["message"]
    assert not LedgerEvent.objects.filter(event_id__in=[d["event_id"] for d in docs]).exists()
    monkeypatch.setattr(views, "MAX_BATCH_BYTES", len(body))
    assert [r["status"] for r in push(till, body).json()["results"]] == ["applied"] * 3
