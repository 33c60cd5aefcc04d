"""Documents and terminals for head-office tests, built with the till's own code."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import Client

from pos.domain.buyer import Buyer
from pos.domain.ids import uuid7
from pos.domain.money import Money
from pos.domain.sale import CashRounding, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.protocol.batch import ChainHead, batch_document
from sync.protocol.builders import cash_moved

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
_counter = itertools.count(1)


def new_id() -> str:
    n = next(_counter)
    return str(uuid7(int(T0.timestamp() * 1000) + n, n.to_bytes(10, "big")))


CASHIER = new_id()


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


@dataclass
class Till:
    """An enrolled terminal as a test drives it: ids, token, and its outbox numbering."""

    store_id: str
    terminal_id: str
    token: str
    seq: int = 0
    chain: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Token {self.token}"}

    def sale(
        self,
        price: str = "65",
        quantity: int = 1,
        *,
        training: bool = False,
        buyer: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """A completed cash sale; ``buyer`` (KRA PIN, name) names the buyer on it."""
        sale = Sale(new_id(), "KES", T0, CASHIER)
        sale.add_product(
            ProductRef(1, "DAI-0001", "6168232712628", "Milk 500ml", kes(price), "S"),
            quantity,
            new_id(),
        )
        if buyer is not None:
            sale.set_buyer(Buyer.of(*buyer))
        return self.paid_in_cash(sale, kes("10000"), training=training)

    def paid_in_cash(
        self, sale: Sale, tendered: Money, *, training: bool = False
    ) -> dict[str, Any]:
        """``sale`` paid with ``tendered`` in cash, completed, as this till's next event."""
        self.seq += 1
        sale.pay_cash(
            tendered,
            table=KENYA_VAT,
            increment=100,
            mode=CashRounding.NEAREST,
            payment_id=new_id(),
            at=T0,
        )
        sale.complete(KENYA_VAT)
        header = JournalHeader(
            cashier_id=CASHIER,
            number=f"{self.store_id}-{self.terminal_id}-{self.seq:06d}",
            seq=self.seq,
            store_id=self.store_id,
            terminal_id=self.terminal_id,
            cashier_name="Amina",
            closed_at=T0 + timedelta(minutes=3),
            business_date="2026-03-02",
            training=training,
            change=sale.change_due(KENYA_VAT),
        )
        return sale_document(
            sale, sale.totals(KENYA_VAT), KENYA_VAT, header, event_id=new_id(), seq=self.seq
        )

    def cash_out(self, amount: str = "200") -> dict[str, Any]:
        self.seq += 1
        return cash_moved(
            event_id=new_id(),
            store_id=self.store_id,
            terminal_id=self.terminal_id,
            seq=self.seq,
            created_at=T0,
            training=False,
            movement_id=new_id(),
            shift_id=new_id(),
            at=T0,
            direction="out",
            kind="paid_out",
            amount=kes(amount),
            reason="milk delivery",
            by=CASHIER,
            approved_by=None,
        )

    def batch(self, events: list[dict[str, Any]], head: ChainHead | None = None) -> bytes:
        if head is None:
            self.chain += 1
            head = ChainHead(self.chain, f"{self.chain:064x}")
        doc = batch_document(
            store_id=self.store_id,
            terminal_id=self.terminal_id,
            sent_at=T0,
            chain_head=head,
            events=events,
        )
        return json.dumps(doc).encode()

    def push(self, client: Client, events: list[dict[str, Any]], **kw: Any) -> Any:
        return client.post(
            "/api/v1/events", self.batch(events, **kw), content_type="application/json", **self.auth
        )


def enroll(client: Client, store: Any, name: str = "Till 1") -> Till:
    from sync.server.terminals.models import EnrollmentCode

    _, code = EnrollmentCode.make(store)
    got = client.post(
        "/api/v1/enroll", {"code": code, "terminal_name": name}, content_type="application/json"
    )
    assert got.status_code == 201, got.content
    body = got.json()
    return Till(body["store_id"], body["terminal_id"], body["token"])
