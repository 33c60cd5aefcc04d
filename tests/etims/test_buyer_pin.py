"""The buyer's KRA PIN, from the counter to KRA: a sale on which the cashier entered a
business's PIN reaches the OSCU simulator (real HTTP) with ``custTin`` and ``custNm`` and
is signed; its refund's credit note carries the same PIN and is signed too (the simulator
refuses a credit note whose PIN differs from its invoice's); a sale without a PIN and a
return without a receipt carry none; the receipt, on screen and on paper, shows the PIN
as the buyer's; and head office's strict parser reads the PIN from the sale's event."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select

from drivers.escpos.document import Pair
from pos.domain.receipt import render_text
from pos.etims_link import EtimsLink
from pos.services.auth import Role, UserSummary
from pos.services.devices import receipt_document
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from pos.store.models import OutboxEvent
from sync.etims.sandbox import EtimsSandbox
from sync.protocol.events import parse_event
from sync.protocol.sales import SaleCompleted
from tests.etims.test_kra_print import parts, sale  # noqa: F401
from tests.etims.test_till_link import MILK, UHT, Watch

PIN = "P051234567X"
NAME = "Duka la Mfano Ltd"


def _event(t: Terminal, aggregate_id: str) -> dict[str, Any]:
    """The outbox event of a document, as the sync agent sends it."""
    with t.db.read_session() as s:
        row = s.execute(select(OutboxEvent).where(OutboxEvent.aggregate_id == aggregate_id))
        payload = row.scalar_one().payload
    loaded: dict[str, Any] = json.loads(payload)
    return loaded


def _supervisor(t: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    t.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])


def test_a_sale_with_a_buyer_pin_is_signed_with_custtin_and_its_credit_note_carries_it(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],  # noqa: F811
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    link, box, watch = parts
    cashier.checkout.scan(UHT, 2)
    view = cashier.checkout.set_buyer(" p051234567x ", NAME)  # tidied, not refused
    assert (view.buyer_pin, view.buyer_name) == (PIN, NAME)
    receipt = sale(cashier, (MILK, 1))
    assert receipt.buyer_pin == PIN
    link.start()
    watch.until(lambda v: v.signed == 1)
    device = box.device("00")
    invoice = device.invoices[1]
    assert invoice.kind == "S"
    assert invoice.body["custTin"] == PIN
    assert invoice.body["custNm"] == NAME
    assert invoice.rcpt_sign
    _supervisor(cashier, users, pins)
    cashier.refunds.refund(RefundRequest(receipt.sale_id, {1: 1}, "wrong_item"))
    link.wake()
    watch.until(lambda v: v.signed == 2)
    credit = device.invoices[2]
    assert credit.kind == "R"
    assert credit.body["orgInvcNo"] == 1
    assert credit.body["custTin"] == PIN  # the same PIN: the simulator checked it
    assert credit.body["custNm"] == NAME
    assert credit.rcpt_sign
    # a business's PIN is not secret, but it stays out of the log (INFO is asked; not even
    # the DEBUG lines of the requests and replies carry it)
    said = [r.getMessage() for r in caplog.records]
    assert said, "the flow logs its requests (the check would prove nothing otherwise)"
    assert not [m for m in said if PIN in m or NAME in m]


def test_a_sale_without_a_pin_and_a_return_without_a_receipt_name_no_buyer(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],  # noqa: F811
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    link, box, watch = parts
    cashier.checkout.scan(UHT, 1)
    cashier.checkout.set_buyer(PIN)
    cashier.checkout.clear_buyer()  # removed before payment: the invoice names nobody
    receipt = sale(cashier)
    assert receipt.buyer_pin == ""
    link.start()
    watch.until(lambda v: v.signed == 1)
    assert box.device("00").invoices[1].body.get("custTin") is None
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    done = cashier.refunds.return_without_receipt([(UHT, 1)], "damaged", "dented tin")
    event = _event(cashier, done.refund_id)
    assert event["body"]["original"] is None
    assert event["body"]["customer"] is None


def test_the_receipt_shows_the_buyers_pin_on_screen_and_on_paper(cashier: Terminal) -> None:
    cashier.checkout.scan(UHT, 1)
    cashier.checkout.set_buyer(PIN, NAME)
    receipt = sale(cashier)
    screen = render_text(receipt)
    assert any(line.startswith("Buyer's PIN") and line.endswith(PIN) for line in screen)
    assert any(line.startswith("Buyer") and line.endswith(NAME) for line in screen)
    doc = receipt_document(receipt, 48)
    pairs = [(b.left, b.right) for b in doc.blocks if isinstance(b, Pair)]
    assert ("Buyer's PIN", PIN) in pairs
    assert ("Buyer", NAME) in pairs
    again = cashier.checkout.last_receipt()  # the reprint reads the journalled sale
    assert again is not None
    assert again.buyer_pin == PIN


def test_the_sale_event_carries_the_pin_as_the_protocols_customer(cashier: Terminal) -> None:
    cashier.checkout.scan(UHT, 1)
    cashier.checkout.set_buyer(PIN, NAME)
    receipt = sale(cashier)
    event = _event(cashier, receipt.sale_id)
    assert event["body"]["customer"] == {"tax_pin": PIN, "name": NAME}
    # head office reads it with the strict parser, as it applies the event
    completed = parse_event(event).body
    assert isinstance(completed, SaleCompleted)
    customer = completed.sale.customer
    assert customer is not None
    assert (customer.tax_pin, customer.name) == (PIN, NAME)
