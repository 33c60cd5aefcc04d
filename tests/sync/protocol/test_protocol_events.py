"""Every event type round-trips (build -> JSON -> parse -> equal), and the envelope rules hold."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from sync.protocol import (
    PROTOCOL_VERSION,
    EventType,
    ProtocolError,
    canonical_json,
    content_hash,
    parse_event,
)
from sync.protocol.events import PARSERS
from sync.protocol.payments import LateSettled, PaymentResolved, Settlement
from sync.protocol.sales import SaleCompleted, SaleVoided

Document = dict[str, Any]
Samples = dict[EventType, Callable[[], Document]]


def rehash(doc: Document) -> Document:
    doc["hash"] = content_hash(doc["body"])
    return doc


def test_every_event_type_has_a_parser_and_a_sample(samples: Samples) -> None:
    assert set(PARSERS) == set(EventType)
    assert set(samples) == set(EventType)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_every_event_round_trips_through_json(samples: Samples, event_type: EventType) -> None:
    """build -> JSON text -> parse -> the same document and the same typed event."""
    doc = samples[event_type]()
    assert doc["type"] == event_type.value
    assert doc["version"] == PROTOCOL_VERSION
    wire = json.dumps(doc)
    event = parse_event(wire)
    assert event.type is event_type
    assert event.to_document() == doc
    assert parse_event(wire.encode("utf-8")) == event
    assert parse_event(json.loads(wire)) == event
    assert parse_event(event.to_document()) == event
    assert event.content_hash == doc["hash"] == content_hash(doc["body"])


def test_the_content_hash_is_sha256_of_canonical_json(kit: ModuleType) -> None:
    """Sorted keys, no whitespace, UTF-8: key order and spacing of the sender do not count."""
    import hashlib

    body = {"b": [1, {"z": None, "a": "Wanjiru Ūhuru"}], "a": True}
    canonical = canonical_json(body)
    assert canonical == '{"a":true,"b":[1,{"a":"Wanjiru Ūhuru","z":null}]}'.encode()
    assert content_hash(body) == "sha256:" + hashlib.sha256(canonical).hexdigest()
    doc = kit.completed_document()
    shuffled = json.dumps(dict(reversed(list(doc.items()))), indent=2, ensure_ascii=True)
    assert parse_event(shuffled).content_hash == doc["hash"]


def test_a_sale_document_carries_the_receipt_and_adds_up(kit: ModuleType) -> None:
    """What the sale body says, checked against the receipt arithmetic of the till."""
    doc = kit.completed_document()
    event = parse_event(doc)
    assert isinstance(event.body, SaleCompleted)
    sale = event.body.sale
    assert sale.receipt_number == "DEMO-T1-000001"
    assert [ln.vat_class.code for ln in sale.lines] == ["Z", "S", "E"]
    # 3 x 65 + 2 x 75.50 + 88 = 434.00; 12.5 % off 151.00 = 18.88; 10.00 off the order.
    assert sale.totals.gross.minor == 43400
    assert (sale.totals.line_discounts.minor, sale.totals.order_discounts.minor) == (1888, 1000)
    assert sale.totals.total.minor == 43400 - 1888 - 1000
    assert sum(ln.vat.minor for ln in sale.lines) == sale.totals.vat_total.minor
    assert [p.method for p in sale.payments] == ["mpesa", "paypal", "cash"]
    paypal = sale.payments[1]
    assert paypal.foreign is not None
    assert (paypal.foreign.amount.minor, paypal.foreign.amount.currency) == (100, "USD")
    assert paypal.payer_masked == "w***@example.com"
    takings = sum(p.tendered.minor for p in sale.payments) - sale.change.minor
    assert takings == sale.totals.total.minor + sale.rounding.minor
    assert doc["body"]["lines"][0]["unit_price"] == {"minor": 6500, "currency": "KES"}


def test_a_void_masks_a_phone_number_in_its_reason(kit: ModuleType) -> None:
    event = parse_event(kit.voided_document())
    assert isinstance(event.body, SaleVoided)
    assert event.body.void.reason == "customer changed mind, call 0722****56"
    assert event.body.void.returned.minor == 5000
    assert event.body.void.approved_by == kit.MANAGER


def test_payment_documents_never_carry_a_full_phone_number(kit: ModuleType) -> None:
    declined = kit.resolved_document("declined")
    assert "254712345678" not in json.dumps(declined)
    event = parse_event(declined)
    assert isinstance(event.body, PaymentResolved)
    assert event.body.message == "The customer cancelled on 2547******78."
    assert event.body.captured is None
    settled = parse_event(kit.settled_document())
    assert isinstance(settled.body, LateSettled)
    assert settled.body.note == "KES 65 cash from drawer to 0722****56"
    leaked = rehash(copy.deepcopy(declined))
    leaked["body"]["payer_masked"] = "+254 712 345 678"
    with pytest.raises(ProtocolError, match="full phone number") as excinfo:
        parse_event(rehash(leaked))
    assert excinfo.value.field == "body.payer_masked"


def test_a_foreign_tender_needs_its_rate_and_a_home_one_has_none(kit: ModuleType) -> None:
    paypal = kit.paypal_resolved_document()
    assert paypal["body"]["rate"] == "129.5"
    event = parse_event(paypal)
    assert isinstance(event.body, PaymentResolved)
    assert event.body.attempt.tendered.currency == "USD"
    no_rate = copy.deepcopy(paypal)
    no_rate["body"]["rate"] = None
    with pytest.raises(ProtocolError, match=r"body\.rate: must be a string"):
        parse_event(rehash(no_rate))
    mpesa = copy.deepcopy(kit.resolved_document())
    mpesa["body"]["rate"] = "1"
    with pytest.raises(ProtocolError, match="must be null when the tender is in the sale"):
        parse_event(rehash(mpesa))
    mpesa["body"]["rate"] = None
    mpesa["body"]["rounding"]["minor"] = 0  # 99.50 + 0 is not the 100.00 pushed
    with pytest.raises(ProtocolError, match=r"body.tendered: is not applied \+ rounding"):
        parse_event(rehash(mpesa))


@pytest.mark.parametrize(
    ("settlement", "change", "reason"),
    [
        ("refunded", {"reference": ""}, "needs the refund's reference"),
        ("refunded_by_hand", {"note": "cash"}, "must say how the money went back"),
        ("credited", {"note": "ok"}, "must say whose credit it is"),
    ],
)
def test_a_settlement_must_say_how_the_money_went(
    kit: ModuleType, settlement: str, change: dict[str, str], reason: str
) -> None:
    doc = kit.settled_document(settlement)
    assert parse_event(doc).body == parse_event(json.dumps(doc)).body
    assert Settlement(doc["body"]["settlement"]).value == settlement
    doc["body"].update(change)
    with pytest.raises(ProtocolError, match=reason):
        parse_event(rehash(doc))


def test_a_captured_attempt_names_what_was_captured(kit: ModuleType) -> None:
    doc = kit.resolved_document()
    doc["body"]["captured"] = None
    with pytest.raises(ProtocolError, match="exactly when the outcome is captured"):
        parse_event(rehash(doc))


def test_a_refund_never_gives_back_more_than_it_refunds(kit: ModuleType) -> None:
    doc = kit.refund_document()
    doc["body"]["tenders"][0]["amount"]["minor"] += 1
    with pytest.raises(ProtocolError, match="give back 21601, not the total") as excinfo:
        parse_event(rehash(doc))
    assert excinfo.value.field == "body.tenders"
    doc = kit.refund_document()
    doc["body"]["lines"][1]["total"]["minor"] = 6501
    doc["body"]["lines"][1]["net"]["minor"] = 6501
    with pytest.raises(ProtocolError, match="refunds more than quantity x unit price"):
        parse_event(rehash(doc))


def test_a_return_without_a_receipt_needs_an_approval(kit: ModuleType) -> None:
    doc = kit.refund_document(original=False)
    assert parse_event(doc).body == parse_event(json.dumps(doc)).body
    doc["body"]["approved_by"] = None
    with pytest.raises(ProtocolError, match="without a receipt needs a manager"):
        parse_event(rehash(doc))


def test_cash_up_arithmetic_is_checked(kit: ModuleType) -> None:
    """expected = float + sales - refunds + in - out; difference = counted - expected."""
    doc = kit.shift_closed_document()
    doc["body"]["cash"]["expected"]["minor"] += 100
    with pytest.raises(ProtocolError, match="float \\+ sales - refunds \\+ in - out = 681400"):
        parse_event(rehash(doc))
    doc = kit.shift_closed_document()
    doc["body"]["tenders"][0]["difference"]["minor"] = 0
    with pytest.raises(ProtocolError, match="is not counted - expected"):
        parse_event(rehash(doc))
    doc = kit.shift_opened_document()
    doc["body"]["opening_float"]["denominations"][0]["count"] = 3
    with pytest.raises(ProtocolError, match="the denominations add up to 323000"):
        parse_event(rehash(doc))


def test_a_z_report_is_chained_and_adds_up(kit: ModuleType) -> None:
    first = kit.z_document(1)
    assert parse_event(first).body == parse_event(json.dumps(first)).body
    assert first["body"]["previous"] is None
    second = kit.z_document(2)
    second["body"]["previous"] = None
    with pytest.raises(ProtocolError, match="required for every Z but the first"):
        parse_event(rehash(second))
    doc = kit.z_document(2)
    doc["body"]["net_sales"]["minor"] += 1
    with pytest.raises(ProtocolError, match="gross - discounts - refunds = 1128400"):
        parse_event(rehash(doc))


def test_a_receipt_number_belongs_to_the_terminal_that_sent_it(kit: ModuleType) -> None:
    doc = kit.completed_document()
    doc["terminal_id"] = "T2"
    with pytest.raises(ProtocolError, match="is not DEMO-T2-<number>") as excinfo:
        parse_event(doc)
    assert excinfo.value.field == "body.receipt_number"


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        (b"\xff{}", "", "is not UTF-8"),
        ("{", "", "is not JSON"),
        ("[]", "", "must be an object"),
        ('{"version": "1.0", "version": "1.0"}', "version", "appears twice"),
        ('{"seq": 1.0}', "", "is not an integer"),
        ('{"seq": NaN}', "", "NaN is not valid JSON"),
    ],
)
def test_malformed_json_is_refused(raw: str | bytes, field: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason) as excinfo:
        parse_event(raw)
    assert excinfo.value.field == field


def test_a_newer_minor_version_is_read_and_another_major_refused(kit: ModuleType) -> None:
    doc = kit.completed_document()
    newer = dict(doc, version="1.12")
    assert parse_event(newer).body == parse_event(doc).body
    assert parse_event(newer).header.minor == 12
    for version, reason in [("2.0", "major version 2 is not understood"), ("1", "MAJOR.MINOR")]:
        with pytest.raises(ProtocolError, match=reason) as excinfo:
            parse_event(dict(doc, version=version))
        assert excinfo.value.field == "version"


def test_envelope_fields_are_checked(kit: ModuleType) -> None:
    doc = kit.resolved_document()
    for change, field, reason in [
        ({"event_id": "0190f7a8-5b6c-4d2e-8f00-000000000001"}, "event_id", "not a UUIDv7"),
        ({"event_id": "0190F7A8-5B6C-7D2E-8F00-000000000001"}, "event_id", "canonical"),
        ({"event_id": "not-a-uuid"}, "event_id", "not a UUID"),
        ({"seq": 0}, "seq", "must be at least 1"),
        ({"seq": True}, "seq", "must be an integer"),
        ({"training": 0}, "training", "must be true or false"),
        ({"created_at": "2026-03-02T10:30:00+03:00"}, "created_at", "UTC ISO 8601"),
        ({"created_at": "2026-02-30T10:30:00Z"}, "created_at", "not a real date"),
        ({"store_id": "duka la mama"}, "store_id", "is not of the form"),
        ({"hash": "sha256:" + "0" * 64}, "hash", "does not match the body"),
        ({"hash": "md5:abc"}, "hash", "is not of the form"),
    ]:
        with pytest.raises(ProtocolError, match=reason) as excinfo:
            parse_event(dict(doc, **change))
        assert excinfo.value.field == field, change
