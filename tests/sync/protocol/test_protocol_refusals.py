"""Hypothesis: sales the till can make always parse; mutated documents are refused, with the
field and the reason named; unknown newer fields are ignored.

Valid documents come from real domain sales (random lines, discounts, tenders, rounding)
through the till's own mapping (``pos.services.sync_events``), so the parser is proven
against what the till really writes, not against a hand-made sample.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.domain.sale import CashRounding, Discount, Payment, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from sync.protocol import EventType, ProtocolError, content_hash, parse_event

Document = dict[str, Any]
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: A small catalog: every VAT class, odd cents, a free item.
CATALOG = [
    ProductRef(1, "DAI-0001", "6168232712628", "Milk 500ml", Money(6500), "Z"),
    ProductRef(2, "DAI-0003", "6168232799285", "UHT 500ml", Money(7550), "S"),
    ProductRef(3, "FLR-0001", "6162393385004", "Maize flour 1kg", Money(8800), "E"),
    ProductRef(4, "SWT-0001", None, "Sweets", Money(1), "S"),
    ProductRef(5, "BAG-0000", None, "Paper bag", Money(0), "S"),
    ProductRef(6, "OIL-0005", "6161100540103", "Cooking oil 5L", Money(129999), "S"),
]


def _discount(draw: st.DrawFn, base: int) -> Discount | None:
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "percent":
        cents = draw(st.integers(1, 10000))
        return Discount.of_percent(Decimal(cents) / 100)
    if kind == "amount" and base > 0:
        return Discount.of_amount(Money(draw(st.integers(1, base))))
    return None


@st.composite
def baskets(draw: st.DrawFn, kit: ModuleType) -> Sale:
    sale = Sale(kit.new_id(), "KES", kit.T0, kit.CASHIER)
    for _ in range(draw(st.integers(1, 5))):
        sale.add_product(draw(st.sampled_from(CATALOG)), draw(st.integers(1, 30)), kit.new_id())
    for line in list(sale.lines):
        sale.set_line_discount(line.line_id, _discount(draw, line.gross.minor))
    sale.set_order_discount(_discount(draw, sale.order_discount_base().minor))
    return sale


def _cash(draw: st.DrawFn, sale: Sale, kit: ModuleType, *, partial: bool = False) -> None:
    increment = draw(st.sampled_from([1, 100, 500]))
    mode = draw(st.sampled_from(list(CashRounding)))
    if partial:  # less than is left even in coins, so the sale stays open as the till does
        left = min(sale.totals(KENYA_VAT).due, sale.cash_due(KENYA_VAT, increment, mode))
        tendered = draw(st.integers(1, max(1, left.minor - 1)))
        if tendered >= left.minor:
            return
    else:
        tendered = sale.cash_due(KENYA_VAT, increment, mode).minor + draw(st.integers(0, 200000))
    sale.pay_cash(
        Money(tendered),
        table=KENYA_VAT,
        increment=increment,
        mode=mode,
        payment_id=kit.new_id(),
        at=kit.T0,
        allow_partial=partial,
    )


@st.composite
def completed_sales(draw: st.DrawFn, kit: ModuleType) -> Document:
    sale = draw(baskets(kit))
    due = sale.totals(KENYA_VAT).due.minor
    if due > 200 and draw(st.booleans()):  # a gateway part payment, whole shillings pushed
        part = draw(st.integers(1, due // 100)) * 100
        rounding = Money(0)
        details = (("payer", "2547******49"),)
        mpesa = Payment(
            kit.new_id(), "mpesa", Money(part), Money(part), Money(0), kit.T0, "QKJ3ABC123", details
        )
        sale.add_payment(mpesa, KENYA_VAT, rounding=rounding)
    if sale.totals(KENYA_VAT).due.minor > 100 and draw(st.booleans()):
        _cash(draw, sale, kit, partial=True)
    if sale.totals(KENYA_VAT).due.minor > 0:
        _cash(draw, sale, kit)
    sale.complete(KENYA_VAT)
    totals = sale.totals(KENYA_VAT)
    header = kit.header(draw(st.integers(1, 999999)), change=sale.change_due(KENYA_VAT))
    seq = draw(st.integers(1, 2**40))
    return sale_document(sale, totals, KENYA_VAT, header, event_id=kit.new_id(), seq=seq)


@st.composite
def voided_sales(draw: st.DrawFn, kit: ModuleType) -> Document:
    sale = draw(baskets(kit))
    if sale.totals(KENYA_VAT).due.minor > 100 and draw(st.booleans()):
        _cash(draw, sale, kit, partial=True)
    sale.void(draw(st.sampled_from(["wrong item", "customer left", "call 0722 000 111"])))
    header = kit.header(draw(st.integers(1, 999999)))
    totals = sale.totals(KENYA_VAT)
    return sale_document(
        sale, totals, KENYA_VAT, header, event_id=kit.new_id(), seq=1, approved_by=kit.MANAGER
    )


def sale_documents(kit: ModuleType) -> st.SearchStrategy[Document]:
    return st.one_of(completed_sales(kit), voided_sales(kit))


def rehash(doc: Document) -> Document:
    doc["hash"] = content_hash(doc["body"])
    return doc


def keys(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any], str]]:
    """Every (path, parent object, key) in a document; free-form ``details`` maps are data."""
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{path}.{key}" if path else key
            yield at, value, key
            if key != "details":
                yield from keys(item, at)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from keys(item, f"{path}[{i}]")


def objects(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object in a document with its path (``details`` maps excluded)."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            if key != "details":
                yield from objects(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from objects(item, f"{path}[{i}]")


def refused(doc: Document) -> ProtocolError:
    with pytest.raises(ProtocolError) as excinfo:
        parse_event(json.dumps(doc))
    return excinfo.value


# -- what the till makes, the head office reads ----------------------------------------------
@SETTINGS
@given(data=st.data())
def test_every_sale_the_till_can_make_parses_back_equal(
    kit: ModuleType, data: st.DataObject
) -> None:
    doc = data.draw(sale_documents(kit))
    event = parse_event(json.dumps(doc))
    assert event.to_document() == doc
    body = doc["body"]
    takings = sum(p["tendered"]["minor"] for p in body["payments"]) - body["change"]["minor"]
    if doc["type"] == EventType.SALE_COMPLETED:
        assert takings == body["totals"]["total"]["minor"] + body["rounding"]["minor"]
    assert sum(ln["vat"]["minor"] for ln in body["lines"]) == body["totals"]["vat_total"]["minor"]


# -- mutations --------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_a_zero_or_negative_quantity_is_refused(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    i = data.draw(st.integers(0, len(doc["body"]["lines"]) - 1))
    doc["body"]["lines"][i]["quantity"] = data.draw(st.integers(-(10**6), 0))
    error = refused(rehash(doc))
    assert error.field == f"body.lines[{i}].quantity"
    assert error.reason.startswith("must be at least 1")


@SETTINGS
@given(data=st.data())
def test_a_discount_beyond_its_line_is_refused(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    i = data.draw(st.integers(0, len(doc["body"]["lines"]) - 1))
    line = doc["body"]["lines"][i]
    if data.draw(st.booleans()):
        too_much = {
            "minor": line["gross"]["minor"] + data.draw(st.integers(1, 10**6)),
            "currency": "KES",
        }
        line["discount"] = {"kind": "amount", "percent": None, "amount": too_much}
        line["line_discount"] = too_much
        expected = (f"body.lines[{i}].discount", "is larger than the line")
    else:
        line["discount"] = {
            "kind": "percent",
            "percent": data.draw(st.sampled_from(["100.01", "150", "1000"])),
            "amount": None,
        }
        expected = (f"body.lines[{i}].discount.percent", "must be at most 100")
    error = refused(rehash(doc))
    assert (error.field, error.reason[: len(expected[1])]) == expected


@SETTINGS
@given(data=st.data())
def test_a_completed_sale_that_is_not_paid_is_refused(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(completed_sales(kit))
    body = doc["body"]
    paying = [i for i, p in enumerate(body["payments"]) if p["amount"]["minor"] > 0]
    assume(paying)
    i = data.draw(st.sampled_from(paying))
    payment = body["payments"][i]
    if data.draw(st.booleans()):  # a tender dropped
        del body["payments"][i]
        body["change"]["minor"] -= payment["change"]["minor"]
    else:  # a tender short
        short = data.draw(st.integers(1, payment["amount"]["minor"]))
        payment["amount"]["minor"] -= short
        payment["tendered"]["minor"] -= short
    error = refused(rehash(doc))
    assert error.field == "body.payments"
    assert "a completed sale must be paid exactly" in error.reason


def money_paths(doc: Document) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, obj)
        for path, obj in objects(doc["body"], "body")
        if set(obj) == {"minor", "currency"} and ".foreign." not in path
    ]


@SETTINGS
@given(data=st.data())
def test_mixed_currencies_are_refused_at_the_field(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    path, money = data.draw(st.sampled_from(money_paths(doc)))
    money["currency"] = data.draw(st.sampled_from(["USD", "EUR", "UGX", "TZS"]))
    error = refused(rehash(doc))
    assert error.field == f"{path}.currency"
    assert error.reason.endswith("in a KES document (currencies never mix)")


@SETTINGS
@given(data=st.data())
def test_a_body_changed_after_hashing_is_refused(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    if data.draw(st.booleans()):
        digit = data.draw(st.integers(7, len(doc["hash"]) - 1))
        flipped = "0" if doc["hash"][digit] != "0" else "1"
        doc["hash"] = doc["hash"][:digit] + flipped + doc["hash"][digit + 1 :]
    else:
        i = data.draw(st.integers(0, len(doc["body"]["lines"]) - 1))
        doc["body"]["lines"][i]["name"] += data.draw(st.text(min_size=1, max_size=5))
    error = refused(doc)
    assert error.field == "hash"
    assert error.reason.startswith("does not match the body")


@SETTINGS
@given(data=st.data())
def test_an_unknown_event_type_is_refused_by_name(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    known = {e.value for e in EventType}
    doc["type"] = data.draw(st.text(max_size=30).filter(lambda t: t not in known))
    error = refused(doc)
    assert error.field == "type"
    assert "is not one of: sale.completed, sale.voided" in error.reason


@SETTINGS
@given(data=st.data())
def test_a_missing_field_is_refused_by_its_path(kit: ModuleType, data: st.DataObject) -> None:
    doc = data.draw(sale_documents(kit))
    path, parent, key = data.draw(st.sampled_from(list(keys(doc))))
    del parent[key]
    if path.startswith("body.") and path != "body":
        rehash(doc)
    error = refused(doc)
    assert (error.field, error.reason) == (path, "is missing")


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


@SETTINGS
@given(data=st.data())
def test_unknown_newer_fields_are_ignored(kit: ModuleType, data: st.DataObject) -> None:
    """A newer minor version may add fields anywhere; an older reader ignores them."""
    doc = data.draw(sale_documents(kit))
    before = parse_event(doc)
    newer = copy.deepcopy(doc)
    places = list(objects(newer))
    for _ in range(data.draw(st.integers(1, 4))):
        _path, obj = data.draw(st.sampled_from(places))
        name = data.draw(st.from_regex(re.compile(r"x_[a-z]{1,10}"), fullmatch=True))
        obj[name] = data.draw(json_values())
    newer["version"] = f"1.{data.draw(st.integers(1, 999))}"
    after = parse_event(json.dumps(rehash(newer)))
    assert after.body == before.body
    assert after.header.event_id == before.header.event_id
    assert after.to_document() == doc
