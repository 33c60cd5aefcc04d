"""The quick sale check in C (``sync/protocol/_quickc.c``) is held to the Python one.

The C check may only ever be stricter than ``quick.py``'s: whatever it accepts, the Python
check accepts with the same header; whatever it is unsure of goes to the Python check. On
the documents tills write it must accept (or it would be dead weight), and for ASCII values
of the fields it checks by hand (times, dates, rates, ids, codes, free text) it must give
exactly the Python check's verdict. ``test_quick_sale.py`` runs the whole quick path (C
first) against the full parser, with and without the C check.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.protocol import content_hash, quick
from sync.protocol.envelope import PROTOCOL_VERSION
from sync.protocol.events import Event
from sync.protocol.sales import vat_of
from tests.sync.protocol.test_quick_sale import SETTINGS, baskets, mutated, plain_sale


def c_check(document: Any) -> tuple[Any, ...] | None:
    """The C check's answer (it does not compare the content hash)."""
    assert quick._quickc is not None
    return quick._quickc.check(document, quick._ENVELOPE, PROTOCOL_VERSION, quick._SALE_TYPE)


def c_quick(document: Any) -> Event | None:
    """The event the C path makes: its check, then the hash compared (``quick._checked``)."""
    found = c_check(document)
    return None if found is None else quick._checked(*found)


@contextlib.contextmanager
def python_only() -> Iterator[None]:
    saved = quick._native
    quick._native = None
    try:
        yield
    finally:
        quick._native = saved


def python_quick(document: Any) -> Event | None:
    with python_only():
        return quick.quick_sale(document)


def rehash(document: dict[str, Any]) -> dict[str, Any]:
    document["hash"] = content_hash(document["body"])
    return document


def same_verdict(document: Any) -> None:
    """C and Python agree: both accept (with the same header) or both decline."""
    event, reference = c_quick(document), python_quick(document)
    assert (event is None) == (reference is None), (event, reference)
    if event is not None and reference is not None:
        assert event.header == reference.header


def test_the_kernel_is_built() -> None:
    """The suite's set-up builds it (dev.py installs gcc and the Python headers): without
    it every test here would test nothing."""
    assert quick.NATIVE, "sync/protocol/_quickc.c is not built: run `python3 dev.py test`"


@SETTINGS
@given(data=st.data())
def test_every_plain_sale_a_till_writes_passes_the_c_check(
    kit: ModuleType, data: st.DataObject
) -> None:
    picks = data.draw(baskets(40))
    document = plain_sale(kit, picks, data.draw(st.integers(0, 5)), 0)
    found = c_check(document)
    assert found is not None
    assert found[-1] is document["body"]
    reference = python_quick(document)
    event = quick.quick_sale(document)
    assert reference is not None
    assert event is not None
    assert event.header == reference.header
    assert event.body.to_json() == reference.body.to_json()


@SETTINGS
@given(data=st.data())
def test_the_c_check_never_accepts_what_the_python_check_declines(
    kit: ModuleType, data: st.DataObject
) -> None:
    document = data.draw(mutated(kit))
    event = c_quick(document)
    if event is not None:
        reference = python_quick(document)
        assert reference is not None
        assert event.header == reference.header


DIGITS = "0123456789"
TIMES = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{0,8})?"
    r"(Z|\+00:00|\+03:00|z|)",
    fullmatch=True,
)


@SETTINGS
@given(data=st.data(), value=TIMES)
def test_times_are_checked_exactly_as_python_reads_them(
    kit: ModuleType, data: st.DataObject, value: str
) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    where = data.draw(st.sampled_from(["created_at", "closed_at", "opened_at", "at"]))
    if where == "created_at":
        document["created_at"] = value
    elif where == "at":
        document["body"]["payments"][0]["at"] = value
    else:
        document["body"][where] = value
    same_verdict(rehash(document))


@SETTINGS
@given(
    value=st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{8,11}|[0-9]{4}-W[0-9]{2}", fullmatch=True
    )
)
def test_business_dates_are_checked_exactly_as_python_reads_them(
    kit: ModuleType, value: str
) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    document["body"]["business_date"] = value
    same_verdict(rehash(document))


def test_leap_days_and_the_first_year(kit: ModuleType) -> None:
    """Spot checks of the calendar the C check carries (the property tests find these
    only by chance)."""
    for day, good in (
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2000-02-29", True),
        ("1900-02-29", False),
        ("0001-01-01", True),
        ("0000-12-31", False),
        ("2026-04-31", False),
        ("2026-12-31", True),
    ):
        document = plain_sale(kit, [(0, 1)], 0, 0)
        document["body"]["business_date"] = day
        document["body"]["closed_at"] = f"{day}T23:59:59.999999Z"
        rehash(document)
        same_verdict(document)
        assert (c_quick(document) is not None) is good, day


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-02T07:30:59Z",
        "2026-03-02T07:30:60Z",
        "2026-03-02T07:59:00Z",
        "2026-03-02T07:60:00Z",
        "2026-03-02T23:00:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T07:30:00.1Z",
        "2026-03-02T07:30:00.123456Z",
        "2026-03-02T07:30:00.1234567Z",
        "2026-03-02T07:30:00.Z",
        "2026-03-02T07:30:00+00:00",
        "2026-03-02T07:30:00.5+00:00",
        "2026-03-02T07:30:00-00:00",
        "2026-03-02T07:30:00",
        "2026-03-02 07:30:00Z",
        "2026-00-02T07:30:00Z",
        "2026-03-00T07:30:00Z",
    ],
)
def test_times_at_their_limits(kit: ModuleType, value: str) -> None:
    for where in ("created_at", "closed_at"):
        document = plain_sale(kit, [(0, 1)], 0, 0)
        if where == "created_at":
            document["created_at"] = value
        else:
            document["body"]["closed_at"] = value
        same_verdict(rehash(document))
        if where == "created_at" and c_quick(document) is not None:
            reference = python_quick(document)
            assert reference is not None
            assert c_quick(document).header.created_at == reference.header.created_at  # type: ignore[union-attr]


RATES = st.from_regex(r"[0-9]{1,10}(\.[0-9]{0,7})?|0+|100(\.0*1)?", fullmatch=True)


@SETTINGS
@given(rate=RATES, unit=st.integers(1, 10**7), quantity=st.integers(1, 30), exempt=st.booleans())
def test_vat_rates_and_their_vat_are_checked_exactly_as_in_python(
    kit: ModuleType, rate: str, unit: int, quantity: int, exempt: bool
) -> None:
    """One line of any rate: its VAT and the VAT row worked out by ``vat_of`` (the house
    rule), so the C check's integer VAT, shortest-form rule and limit are all tried."""
    document = plain_sale(kit, [(1, 1)], 0, 0)
    body = document["body"]
    line = body["lines"][0]
    gross = unit * quantity
    try:
        vat = vat_of(gross, Decimal(rate), exempt)
    except (InvalidOperation, ValueError):
        vat = 0
    for key, minor in (("unit_price", unit), ("list_price", unit), ("gross", gross)):
        line[key]["minor"] = minor
    line["quantity"] = quantity
    line["total"]["minor"], line["net"]["minor"], line["vat"]["minor"] = gross, gross - vat, vat
    line["vat_class"].update(rate=rate, exempt=exempt)
    row = body["totals"]["vat"][0]
    row.update(rate=rate, exempt=exempt)
    row["gross"]["minor"], row["net"]["minor"], row["vat"]["minor"] = gross, gross - vat, vat
    totals = body["totals"]
    totals["gross"]["minor"] = totals["total"]["minor"] = gross
    totals["vat_total"]["minor"] = vat
    pay = body["payments"][0]
    pay["amount"]["minor"] = pay["tendered"]["minor"] = gross
    pay["change"]["minor"] = body["change"]["minor"] = body["rounding"]["minor"] = 0
    same_verdict(rehash(document))
    if c_quick(document) is not None:  # a VAT one minor unit off is refused by both
        row["vat"]["minor"] += 1
        row["net"]["minor"] -= 1
        same_verdict(rehash(document))
        assert c_quick(document) is None


SEPARATORS = " -.()/+\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
FREE = st.text(alphabet=DIGITS + SEPARATORS + "ab*", max_size=90)


@SETTINGS
@given(value=FREE | st.text(max_size=90), where=st.sampled_from(["payer", "detail", "customer"]))
def test_digit_runs_in_free_text_are_found_exactly_as_the_pattern_finds_them(
    kit: ModuleType, value: str, where: str
) -> None:
    """ASCII text is searched in C (``\\s`` is also ``\\x1c`` - ``\\x1f`` in Python), any
    other by the Python pattern itself."""
    document = plain_sale(kit, [(0, 1)], 0, 0)
    body = document["body"]
    if where == "payer":
        body["payments"][0]["payer_masked"] = value
    elif where == "detail":
        body["payments"][0]["details"] = {"note": value}
    else:
        body["customer"] = {"tax_pin": None, "name": value}
    same_verdict(rehash(document))


@pytest.mark.parametrize(
    "value",
    [
        "12345678",
        "123456789",
        "1 2 3 4 5 6 7 8 9",
        "1-2.3(4)5/6+7\t8\x1c9",
        "12345678\x1f9",
        "1234a56789",
        "12345678a9",
        "tel +254 722 000 000",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
        "\u00e9 12345678",
        "\u00e9 123456789",
        "1234\u00a056789",
    ],
)
def test_digit_runs_at_their_limits(kit: ModuleType, value: str) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    document["body"]["payments"][0]["payer_masked"] = value
    same_verdict(rehash(document))


IDS = st.from_regex(r"[A-Za-z0-9_.:\-]{0,70}|[a-z][a-z0-9_]{0,45}", fullmatch=True)


@SETTINGS
@given(value=IDS, where=st.sampled_from(["payment_id", "method", "detail_key", "pin", "code"]))
def test_ids_and_codes_are_checked_exactly_as_their_patterns(
    kit: ModuleType, value: str, where: str
) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    body = document["body"]
    if where == "payment_id":
        body["payments"][0]["payment_id"] = value
    elif where == "method":
        body["payments"][0]["method"] = value
    elif where == "detail_key":
        body["payments"][0]["details"] = {value: "x"}
    elif where == "pin":
        body["customer"] = {"tax_pin": value.upper(), "name": None}
    else:
        code = value[:10]
        body["lines"][0]["vat_class"]["code"] = code
        body["totals"]["vat"][0]["code"] = code
    same_verdict(rehash(document))


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("store_id", "DEMO:1"),
        ("store_id", "D" * 40),
        ("store_id", "D" * 41),
        ("store_id", "_DEMO"),
        ("payment_id", "cash:1"),
        ("payment_id", "c" * 64),
        ("payment_id", "c" * 65),
        ("payment_id", ".cash"),
        ("method", "m" * 40),
        ("method", "m" * 41),
        ("method", "Cash"),
        ("method", "9cash"),
    ],
)
def test_ids_and_codes_at_their_limits(kit: ModuleType, where: str, value: str) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    if where == "store_id":
        document["store_id"] = value
        document["body"]["receipt_number"] = f"{value}-T1-000042"
    else:
        document["body"]["payments"][0][where] = value
    same_verdict(rehash(document))


@SETTINGS
@given(tail=st.from_regex(r"[0-9]{0,14}|[0-9]{1,3}[a-z]?", fullmatch=True))
def test_receipt_numbers_are_checked_exactly_as_python(kit: ModuleType, tail: str) -> None:
    document = plain_sale(kit, [(0, 1)], 0, 0)
    document["body"]["receipt_number"] = f"DEMO-T1-{tail}"
    same_verdict(rehash(document))


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*at, i))
    else:
        yield at, value


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _variants(value: Any) -> list[Any]:
    """Values one step away from ``value``: every number one off, each text a little
    changed (a uuid's version and variant too)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value - 1, value + 1]
    out = [value + "0", value[:-1], value.upper(), value.lower()]
    if len(value) == 36 and value[8] == "-":
        out += [value[:14] + "4" + value[15:], value[:19] + "c" + value[20:]]
    return [v for v in out if v != value]


def test_every_value_one_step_off_gets_the_python_verdict(kit: ModuleType) -> None:
    """Every number of a sale one off and every text a little changed, the hash redone:
    each sum, each limit and each pattern the C check carries is met head on (random
    mutations meet most of them only by chance)."""
    document = plain_sale(kit, [(0, 2), (2, 1), (3, 3)], 2, 0)
    document["body"]["payments"][0]["details"] = {"note": "x"}
    tried = 0
    for path, value in list(_paths(document)):
        if path == ("hash",):
            continue
        for variant in _variants(value):
            changed = copy.deepcopy(document)
            _set(changed, path, variant)
            same_verdict(rehash(changed) if path[0] == "body" else changed)
            tried += 1
    assert tried > 150


def test_every_two_numbers_moved_together_get_the_python_verdict(kit: ModuleType) -> None:
    """Sums hold with two numbers moved at once (the change up and the rounding down, a
    tender's amount and its change): each of the checks that look redundant is met."""
    document = plain_sale(kit, [(0, 2), (3, 1)], 2, 0)
    numbers = [
        (path, value)
        for path, value in _paths(document)
        if path[0] == "body" and type(value) is int
    ]
    tried = 0
    for n, (first, a) in enumerate(numbers):
        for second, b in numbers[n + 1 :]:
            for da, db in ((1, -1), (-1, 1), (1, 1)):
                changed = copy.deepcopy(document)
                _set(changed, first, a + da)
                _set(changed, second, b + db)
                same_verdict(rehash(changed))
                tried += 1
    assert tried > 1000


def test_a_vat_row_named_twice_is_declined(kit: ModuleType) -> None:
    """Two classes without VAT (zero-rated and exempt): a row repeated in place of the
    other adds up the same, and only the rule "one row per class" refuses it."""
    document = plain_sale(kit, [(0, 1), (2, 1)], 0, 0)
    rows = document["body"]["totals"]["vat"]
    assert {r["code"] for r in rows} == {"Z", "E"}
    first = next(r for r in rows if r["code"] == "Z")
    document["body"]["totals"]["vat"] = [first, copy.deepcopy(first)]
    rehash(document)
    same_verdict(document)
    assert c_quick(document) is None


def test_sums_broken_in_ways_that_add_up_elsewhere_are_declined(kit: ModuleType) -> None:
    """Three changes a one- or two-number move cannot make, each broken sum hidden from
    every other check: only the rule it breaks refuses it."""
    cases = []
    # two lines of one class: a shilling moved from one line's total to the other's
    document = plain_sale(kit, [(1, 1), (3, 1)], 0, 0)
    first, second = document["body"]["lines"]
    assert first["vat_class"] == second["vat_class"]
    for line, step in ((first, 1), (second, -1)):
        line["total"]["minor"] += step
        line["net"]["minor"] += step
    cases.append(document)
    # the totals' gross and total up, the rounding down: paid exactly, lines not summed
    document = plain_sale(kit, [(0, 1)], 0, 0)
    body = document["body"]
    body["totals"]["gross"]["minor"] += 1
    body["totals"]["total"]["minor"] += 1
    body["rounding"]["minor"] -= 1
    cases.append(document)
    # a class without VAT left out of the VAT rows: the VAT still adds up
    document = plain_sale(kit, [(1, 1), (2, 1)], 0, 0)
    rows = document["body"]["totals"]["vat"]
    document["body"]["totals"]["vat"] = [r for r in rows if r["code"] != "E"]
    assert len(document["body"]["totals"]["vat"]) == 1
    cases.append(document)
    for document in cases:
        rehash(document)
        same_verdict(document)
        assert c_quick(document) is None


def test_text_that_is_not_ascii_is_left_to_the_python_check(kit: ModuleType) -> None:
    """Python's ``\\d`` takes other scripts' digits: the C check declines such a value and
    the Python check decides, so the verdict is the Python one."""
    document = plain_sale(kit, [(0, 1)], 0, 0)
    document["body"]["receipt_number"] = "DEMO-T1-\u0663\u0664"
    rehash(document)
    assert c_check(document) is None
    event, reference = quick.quick_sale(document), python_quick(document)
    assert reference is not None
    assert event is not None
    assert event.header == reference.header


@pytest.mark.parametrize("bad", [None, 1, "x", [1], {}])
def test_the_c_check_refuses_wrong_arguments_and_shapes(bad: Any) -> None:
    assert c_check(bad) is None
    assert quick._quickc is not None
    with pytest.raises(TypeError):
        quick._quickc.check({}, 10, PROTOCOL_VERSION)
    with pytest.raises(TypeError):
        quick._quickc.init(None)
