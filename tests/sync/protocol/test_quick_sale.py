"""The quick sale check gives exactly the full parser's verdicts, and takes tills' sales.

``parse_batch(..., quick=True)`` (what the head office runs) must accept and refuse exactly
what ``parse_batch(...)`` (the full parser alone) does, with the same field and reason, the
same header and the same body. Sales come from the till's own domain and document builder
(random baskets), then are mutated: a value replaced by one of another type, a boundary,
a key removed or added, with the hash redone or not.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.domain.sale import CashRounding, Discount, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.protocol import ProtocolError, content_hash, quick
from sync.protocol.batch import Batch, ChainHead, batch_document, parse_batch
from sync.protocol.quick import CheckedSale, quick_sale

HEAD = ChainHead(3, "cd" * 32)
HEAD_TIME = datetime(2026, 3, 2, 7, 40, tzinfo=UTC)
SETTINGS = settings(
    max_examples=int(os.environ.get("KAUNTA_QUICK_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True, params=["c", "python"])
def check_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with the C check first (as the head office runs where it is
    built) and with the Python check alone (as it runs where it is not)."""
    if request.param == "python":
        monkeypatch.setattr(quick, "_native", None)
    return str(request.param)


PRODUCTS = [
    ("DAI-0001", "6168232712628", "Milk 500ml", "65", "Z"),
    ("DAI-0003", None, "UHT 500ml", "75.50", "S"),
    ("FLR-0001", "6162393385004", "Maize flour", "88", "E"),
    ("SUG-0002", None, "Sugar 2kg", "289.99", "S"),
]


def plain_sale(kit: ModuleType, picks: list[tuple[int, int]], extra: int, discount: int) -> Any:
    """A sale document as the till writes it: ``picks`` are (product, quantity); cash
    handed over is the rounded due plus ``extra`` shillings; ``discount`` percent off the
    first line when not zero (which the quick check leaves to the full parser)."""
    sale = Sale(kit.new_id(), "KES", kit.T0, kit.CASHIER)
    for n, (product, quantity) in enumerate(picks):
        sku, barcode, name, price, vat = PRODUCTS[product]
        ref = ProductRef(n + 1, sku, barcode, name, Money.parse(price, "KES"), vat)
        sale.add_product(ref, quantity, kit.new_id())
    if discount:
        sale.set_line_discount(sale.lines[0].line_id, Discount.of_percent(str(discount)))
    due = sale.totals(KENYA_VAT).due.minor
    handed = (due + 99) // 100 * 100 + extra * 100
    sale.pay_cash(
        Money(handed, "KES"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id=kit.new_id(),
        at=kit.T0,
    )
    sale.complete(KENYA_VAT)
    header = JournalHeader(
        cashier_id=kit.CASHIER,
        number="DEMO-T1-000042",
        seq=42,
        store_id="DEMO",
        terminal_id="T1",
        cashier_name="Amina",
        closed_at=kit.T0 + timedelta(minutes=2),
        business_date="2026-03-02",
        training=False,
        change=sale.change_due(KENYA_VAT),
    )
    return sale_document(
        sale, sale.totals(KENYA_VAT), KENYA_VAT, header, event_id=kit.new_id(), seq=42
    )


def both(document: Any) -> tuple[Batch, Batch]:
    doc = batch_document(
        store_id="DEMO", terminal_id="T1", sent_at=HEAD_TIME, chain_head=HEAD, events=[]
    )
    doc["events"] = [document]
    return parse_batch(copy.deepcopy(doc), quick=True), parse_batch(copy.deepcopy(doc))


def verdict(batch: Batch) -> tuple[Any, ...]:
    item = batch.items[0]
    if item.error is not None:
        return ("refused", item.event_id, item.error.field, item.error.reason)
    assert item.event is not None
    return ("accepted", item.event_id, item.event.header, item.event.body.to_json())


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*at, i))


REPLACEMENTS = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1,
        2**62,
        2**62 + 1,
        10**13,
        10**13 + 1,
        2**70,
        1.5,
        "",
        "x",
        "16",
        "16.0",
        "000000016",
        "0",
        "KES",
        "USD",
        "kes",
        "S",
        "2026-03-02",
        "2026-02-30",
        "2026-03-02T07:30:00Z",
        "2026-03-02T07:30:00+03:00",
        "2026-13-02T07:30:00Z",
        "0722 123 456",
        "\ud800",
        "٣",
        "DEMO-T1-000042",
        "DEMO-T1-",
        "1.0",
        "2.0",
        "1.1",
        "sale.voided",
        "sha256:" + "0" * 64,
        "0190a000-0000-7000-8000-000000000000",
        "0190A000-0000-7000-8000-000000000000",
        "0190a000-0000-4000-8000-000000000000",
        "0190a000-0000-7000-c000-000000000000",
        [],
        [1],
        {},
        {"minor": 1, "currency": "KES"},
        {"minor": 0, "currency": "KES", "x": 1},
        {"code": "S", "rate": "16", "exempt": False},
        "x" * 41,
        "x" * 201,
    ]
)


def baskets(max_lines: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Baskets of (product, quantity) picks, as ``plain_sale`` takes them."""
    return st.lists(
        st.tuples(st.integers(0, len(PRODUCTS) - 1), st.integers(1, 50)),
        min_size=1,
        max_size=max_lines,
    )


@st.composite
def mutated(draw: st.DrawFn, kit: ModuleType) -> Any:
    picks = draw(
        st.lists(
            st.tuples(st.integers(0, len(PRODUCTS) - 1), st.integers(1, 5)),
            min_size=1,
            max_size=4,
        )
    )
    extra = draw(st.integers(0, 3))
    discount = draw(st.sampled_from([0, 0, 0, 10]))
    doc = plain_sale(kit, picks, extra, discount)
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.sampled_from(list(paths(doc))[1:]))
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        # a copy: sampled_from hands out the same list or dict each time, and a second
        # mutation appending into it could make the document contain itself
        value = copy.deepcopy(draw(REPLACEMENTS))
        if action == "replace":
            parent[where[-1]] = value
        elif action == "drop":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent["unknown_field"] = value
        else:
            parent.append(value)
    if draw(st.booleans()) and isinstance(doc, dict) and isinstance(doc.get("body"), dict):
        with contextlib.suppress(ProtocolError):  # a float in the body: keep the old hash
            doc["hash"] = content_hash(doc["body"])
    return doc


def test_a_tills_plain_sale_takes_the_quick_path_with_the_same_result(kit: ModuleType) -> None:
    document = plain_sale(kit, [(0, 2), (1, 1), (2, 3)], 1, 0)
    event = quick_sale(document)
    assert event is not None
    assert isinstance(event.body, CheckedSale)
    assert event.body.raw is document["body"]
    quick, full = both(document)
    assert verdict(quick) == verdict(full)
    assert verdict(full)[0] == "accepted"
    assert isinstance(quick.items[0].event.body, CheckedSale)  # type: ignore[union-attr]


def test_sales_with_discounts_or_foreign_tenders_go_to_the_full_parser(kit: ModuleType) -> None:
    assert quick_sale(kit.completed_document()) is None  # discounts, PayPal in USD
    assert quick_sale(plain_sale(kit, [(0, 1)], 0, 10)) is None
    quick, full = both(kit.completed_document())
    assert verdict(quick) == verdict(full)
    assert verdict(full)[0] == "accepted"


def test_other_event_types_and_versions_go_to_the_full_parser(kit: ModuleType) -> None:
    assert quick_sale(kit.voided_document()) is None
    assert quick_sale(kit.resolved_document()) is None
    newer = plain_sale(kit, [(0, 1)], 0, 0)
    newer["version"] = "1.1"
    assert quick_sale(newer) is None
    assert verdict(both(newer)[0]) == verdict(both(newer)[1])


def test_a_rate_not_in_its_shortest_form_is_left_to_the_full_parser(kit: ModuleType) -> None:
    """The ledger projects quick sales from the raw body, whose rate column is short text:
    only the shortest form (what to_json writes) may pass the quick check."""
    doc = plain_sale(kit, [(1, 1)], 0, 0)
    for row in [ln["vat_class"] for ln in doc["body"]["lines"]] + doc["body"]["totals"]["vat"]:
        row["rate"] = "16.00"
    doc["hash"] = content_hash(doc["body"])
    assert quick_sale(doc) is None
    quick, full = both(doc)
    assert verdict(quick) == verdict(full)
    assert verdict(full)[0] == "accepted"


def test_a_wrong_hash_or_a_broken_sum_is_refused_as_before(kit: ModuleType) -> None:
    doc = plain_sale(kit, [(0, 2)], 0, 0)
    doc["body"]["lines"][0]["total"]["minor"] += 1
    assert quick_sale(doc) is None
    quick, full = both(doc)
    assert verdict(quick) == verdict(full)
    assert verdict(full)[:3] == ("refused", doc["event_id"], "hash")
    doc["hash"] = content_hash(doc["body"])
    quick, full = both(doc)
    assert verdict(quick) == verdict(full)
    assert verdict(full)[2] == "body.lines[0].gross" or verdict(full)[0] == "refused"


@SETTINGS
@given(data=st.data())
def test_quick_and_full_give_the_same_verdict_on_mutated_sales(
    kit: ModuleType, data: st.DataObject
) -> None:
    document = data.draw(mutated(kit))
    quick, full = both(document)
    assert verdict(quick) == verdict(full)


@SETTINGS
@given(data=st.data())
def test_every_unmutated_plain_sale_is_accepted_by_the_quick_check(
    kit: ModuleType, data: st.DataObject
) -> None:
    """Not dead code: every discount-free cash sale a till writes takes the quick path."""
    picks = data.draw(baskets(8))
    document = plain_sale(kit, picks, data.draw(st.integers(0, 5)), 0)
    assert quick_sale(document) is not None


def test_an_amount_whose_currency_is_a_list_is_refused_not_a_crash(kit: ModuleType) -> None:
    """Found by the differential test: the full parser's fast path for amounts looked an
    unhashable currency up in a set and raised TypeError (an HTTP 500 for the batch)."""
    doc = plain_sale(kit, [(0, 1)], 0, 0)
    doc["body"]["lines"][0]["unit_price"]["currency"] = []
    doc["hash"] = content_hash(doc["body"])
    quick, full = both(doc)
    assert verdict(quick) == verdict(full)
    assert verdict(full)[:3] == ("refused", doc["event_id"], "body.lines[0].unit_price.currency")


@settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gross=st.integers(min_value=-(10**13), max_value=10**13),
    whole=st.integers(min_value=0, max_value=100),
    decimals=st.integers(min_value=0, max_value=999_999),
    places=st.integers(min_value=0, max_value=6),
    exempt=st.booleans(),
)
def test_the_quick_checks_vat_in_integers_is_the_house_rule(
    gross: int, whole: int, decimals: int, places: int, exempt: bool
) -> None:
    """``vat_in`` (integers) answers as ``vat_of`` (decimals) for every amount the protocol
    takes and every rate it writes (at most 100, at most six decimals), halfway cases too."""
    from decimal import Decimal

    from sync.protocol.fields import decimal_text
    from sync.protocol.quick import _Rate, vat_in
    from sync.protocol.sales import vat_of

    fraction = decimals % 10**places if places else 0
    rate = Decimal(whole) + Decimal(fraction) / Decimal(10**places) if places else Decimal(whole)
    rate = min(rate, Decimal(100))
    rate = Decimal(decimal_text(rate))
    checked = _Rate(rate, *rate.as_integer_ratio())
    assert vat_in(gross, checked, exempt) == vat_of(gross, rate, exempt)


def test_vat_in_rounds_halfway_amounts_away_from_zero_as_vat_of() -> None:
    from decimal import Decimal

    from sync.protocol.quick import _Rate, vat_in
    from sync.protocol.sales import vat_of

    # a rate of 100 halves the gross: every odd amount is a halfway case
    for rate_text, gross in (("100", 7), ("100", -7), ("16", 29), ("16", 1_000_000_000_001)):
        rate = Decimal(rate_text)
        checked = _Rate(rate, *rate.as_integer_ratio())
        for g in range(gross - 3, gross + 4):
            assert vat_in(g, checked, False) == vat_of(g, rate, False), (rate_text, g)
