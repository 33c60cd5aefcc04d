"""The ledger's rows through ``COPY`` (sync/server/ledger/bulk.py): text a till sends
with backslashes, tabs, newlines, carriage returns or a literal ``\\N`` in it arrives in
every column exactly as sent, on PostgreSQL (``COPY``) and SQLite (``bulk_create``).
(Written for a COPY text the ledger made itself, which was undone: measured in one process,
old and new alternated batch by batch, it saved nothing against psycopg's ``write_row``;
kept as the check that whatever formats the rows escapes them. Since 8 Dec the sale rows'
text is written in C again, ``_rowsc.c``, which did save time; each test here runs with it
and without.)"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from sync.protocol import content_hash, quick
from sync.server.ledger import bulk
from sync.server.ledger.models import LedgerEvent, Sale, SaleLine, SalePayment
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

#: every character COPY's text format gives a meaning to, and its NULL marker
AWKWARD = "Tab\there, back\\slash, new\nline, cr\r, \\N and \\\\N, \\t typed"


@pytest.fixture(autouse=True, params=["native", "python"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """With the native ingest kernel (as built here) and without it (the Python code)."""
    if request.param == "python":
        monkeypatch.setattr(bulk, "_native_rows", None)
        monkeypatch.setattr(quick, "_native", None)
    return str(request.param)


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


def _awkward_sale(till: Till) -> dict[str, Any]:
    doc = till.sale("65", 2)
    body = doc["body"]
    line = body["lines"][0]
    line["name"] = AWKWARD
    line["sku"] = "SKU\\1\t2"
    body["payments"][0]["reference"] = "ref\t\\N"
    doc["hash"] = content_hash(body)
    return doc


def test_awkward_text_reaches_every_column_as_sent(client: Client, till: Till) -> None:
    doc = _awkward_sale(till)
    got = till.push(client, [doc, till.sale("100")])
    assert got.status_code == 200, got.content
    assert [r["status"] for r in got.json()["results"]] == ["applied", "applied"]
    sale = Sale.objects.get(event_id=doc["event_id"])
    line = SaleLine.objects.get(sale=sale)
    assert (line.name, line.sku) == (AWKWARD, "SKU\\1\t2")
    assert SalePayment.objects.get(sale=sale).reference == "ref\t\\N"
    assert sale.receipt_number == doc["body"]["receipt_number"]
    assert sale.closed_at is not None
    assert sale.closed_at.isoformat() == "2026-03-02T07:33:00+00:00"
    stored = LedgerEvent.objects.get(event_id=doc["event_id"])
    assert stored.document == json.loads(json.dumps(doc))
    assert stored.document["body"]["lines"][0]["name"] == AWKWARD
    assert stored.content_hash == doc["hash"]
    assert stored.created_at == datetime.fromisoformat(doc["created_at"])
    assert stored.received_at is not None
    assert (stored.store_id, stored.terminal_id, stored.seq) == (
        sale.store_id,
        stored.terminal.pk,
        doc["seq"],
    )
    # the event after it in the same COPY block is whole too
    other = Sale.objects.exclude(pk=sale.pk).get(store_id=sale.store_id)
    assert other.total_minor == 10000
    assert SaleLine.objects.get(sale=other).name == "Milk 500ml"


def test_awkward_text_sent_again_is_a_duplicate(client: Client, till: Till) -> None:
    """The stored hash and document are the ones sent: the same event again is a
    duplicate, not a conflict."""
    doc = _awkward_sale(till)
    assert till.push(client, [doc]).json()["results"][0]["status"] == "applied"
    again = till.push(client, [doc]).json()["results"][0]
    assert again["status"] == "duplicate"
