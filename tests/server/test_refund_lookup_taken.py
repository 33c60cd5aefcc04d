"""``GET /api/v1/sales-for-refund`` says what each payment's method took and in which
currency (``taken_minor``/``taken_currency``): a PayPal tender taken in USD carries the
captured USD and its capture id (the tender's reference), so another till of the store can
refund the capture itself; a cash tender says its own amount. Run on SQLite and PostgreSQL
(``hq_db``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client

from pos.domain.money import Money
from pos.domain.sale import Payment, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from tests.server.conftest import new_store
from tests.server.factory import CASHIER, T0, Till, enroll, new_id

CAPTURE = "3C679366HH908993F"


def paypal_sale(till: Till) -> dict[str, Any]:
    """Two milk at 65.00 (KES 130.00) paid by PayPal, which took USD 1.00."""
    till.seq += 1
    sale = Sale(new_id(), "KES", T0, CASHIER)
    sale.add_product(
        ProductRef(1, "DAI-0001", "6168232712628", "Milk 500ml", Money(6500, "KES"), "S"),
        2,
        new_id(),
    )
    total = Money(13000, "KES")
    sale.add_payment(
        Payment(
            new_id(),
            "paypal",
            total,
            total,
            Money(0, "KES"),
            T0,
            CAPTURE,
            (("label", "PayPal"), ("foreign", "USD 1.00"), ("rate", "130 KES/USD")),
        ),
        KENYA_VAT,
    )
    sale.complete(KENYA_VAT)
    header = JournalHeader(
        cashier_id=CASHIER,
        number=f"{till.store_id}-{till.terminal_id}-{till.seq:06d}",
        seq=till.seq,
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        cashier_name="Amina",
        closed_at=T0 + timedelta(minutes=3),
        business_date="2026-03-02",
        training=False,
        change=sale.change_due(KENYA_VAT),
    )
    return sale_document(
        sale, sale.totals(KENYA_VAT), KENYA_VAT, header, event_id=new_id(), seq=till.seq
    )


def test_a_paypal_tender_says_the_captured_usd_and_its_capture_id_and_cash_its_own_amount(
    client: Client,
) -> None:
    store = new_store()
    one, two = (enroll(client, store, f"Till {n}") for n in (1, 2))
    paid = paypal_sale(one)
    cash = one.sale("65", 1)
    pushed = one.push(client, [paid, cash])
    assert pushed.status_code == 200, pushed.content
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "applied"]

    got = client.get("/api/v1/sales-for-refund", {"q": CAPTURE.lower()}, **two.auth)
    assert got.status_code == 200, got.content
    [found] = got.json()["sales"]
    [payment] = found["payments"]
    assert (payment["method"], payment["reference"], payment["amount_minor"]) == (
        "paypal",
        CAPTURE,
        13000,
    )
    assert (payment["taken_minor"], payment["taken_currency"]) == (100, "USD")

    number = cash["body"]["receipt_number"]
    [found] = client.get("/api/v1/sales-for-refund", {"q": number}, **two.auth).json()["sales"]
    [payment] = found["payments"]
    assert (payment["taken_minor"], payment["taken_currency"]) == (
        payment["amount_minor"],
        "KES",
    )
