"""The sale rows' COPY text written in C (``sync/server/ledger/_rowsc.c``) is what
PostgreSQL reads from psycopg's ``write_row`` of the tuples (``bulk.sale_tuples``).

Both go through a real ``COPY`` into twin tables of the ledger's columns, and the rows the
database holds are compared: text with every character COPY gives a meaning to, other
scripts, emoji, long values, negative and large amounts. A value the C writer was not
written for (another type, a NUL, a lone surrogate) makes it answer None, and the tuples
are written instead.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.server.ledger import bulk
from sync.server.ledger.models import LedgerEvent, Sale

TABLES = (
    ("hq_ledger_saleline", bulk._LINE_COLUMNS),
    ("hq_ledger_salevat", bulk._VAT_COLUMNS),
    ("hq_ledger_salepayment", bulk._PAY_COLUMNS),
)
AWKWARD = "Tab\there, back\\slash, new\nline, cr\r, \\N, \b\f\v, caf\u00e9 \U0001f600 \u0663"


@pytest.fixture
def pg(hq_db: str) -> None:
    if hq_db.startswith("sqlite"):
        pytest.skip("SQLite writes sales by bulk_create, not COPY")


def money(minor: int) -> dict[str, Any]:
    return {"minor": minor, "currency": "KES"}


def body(
    text: str = "Milk", minor: int = 6500, reference: Any = "", lines: int = 2
) -> dict[str, Any]:
    """A sale body with the fields the rows read (the writer does not check the rest)."""
    return {
        "lines": [
            {
                "line_id": f"0190a000-0000-7000-8000-00000000000{n}",
                "sku": f"SKU-{n}{text[:20]}",
                "name": text,
                "quantity": n + 1,
                "unit_price": money(minor),
                "total": money(minor * (n + 1)),
                "vat_class": {"code": "S", "rate": "16", "exempt": False},
                "net": money(minor - 1),
                "vat": None if n else money(-minor),
            }
            for n in range(lines)
        ],
        "totals": {
            "vat": [
                {
                    "code": "S",
                    "rate": "16",
                    "exempt": False,
                    "gross": money(minor),
                    "net": money(-minor),
                    "vat": money(0),
                },
                {
                    "code": "E",
                    "rate": "0",
                    "exempt": True,
                    "gross": money(1),
                    "net": money(1),
                    "vat": money(0),
                },
            ]
        },
        "payments": [
            {
                "payment_id": f"cash-{text[:10]}",
                "method": "cash",
                "amount": money(minor),
                "tendered": money(minor + 100),
                "change": money(100),
                "reference": reference,
            }
        ],
    }


def _twin(table: str, columns: tuple[str, ...], suffix: str) -> str:
    name = f"twin_{table}_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} AS "
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {name}")
    return name


def _rows(name: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name} ORDER BY 1, 2")
        return cursor.fetchall()


def read_back(ids: list[int], bodies: list[dict[str, Any]]) -> None:
    """Both ways into PostgreSQL; the database holds the same rows."""
    texts = bulk._rowsc.sale_rows(ids, bodies)
    assert texts is not None
    tuples = bulk.sale_tuples(ids, bodies)
    for (table, columns), text, rows in zip(TABLES, texts, tuples, strict=True):
        _both_ways(table, columns, text, rows)


def _both_ways(
    table: str, columns: tuple[str, ...], text: bytes, rows: list[Any], binary: bool = False
) -> None:
    """``text`` (the C writer's; with ``binary``, binary COPY data) and ``rows`` (through
    ``write_row``) into twin tables of ``table``'s ``columns``: the database holds the
    same rows."""
    native, reference = _twin(table, columns, "c"), _twin(table, columns, "py")
    names = ", ".join(columns)
    connection.ensure_connection()
    fmt = " (FORMAT binary)" if binary else ""
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {native} ({names}) FROM STDIN{fmt}") as cp:
            cp.write(text)
        with cursor.copy(f"COPY {reference} ({names}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    assert _rows(native) == _rows(reference)
    assert len(_rows(native)) == len(rows)


def _event(n: int, at: datetime, text: str, training: bool = False) -> bulk.EventRow:
    return bulk.EventRow(
        f"0190a000-0000-7000-8000-0000000000{n:02d}",
        "sale.completed",
        1,
        2,
        n,
        at,
        datetime(2026, 3, 2, 7, 30, 0, n, tzinfo=UTC),
        training,
        "sha256:" + "a" * 64,
        {"body": {"name": text, "n": n, "list": [1, None, True]}, "hash": "x"},
    )


def _sale(n: int, closed: datetime | None, text: str) -> bulk.SaleRow:
    return bulk.SaleRow(
        f"0190a000-0000-7000-8000-0000000000{n:02d}",
        f"0190a001-0000-7000-8000-0000000000{n:02d}",
        "completed",
        1,
        f"DEMO-T1-{text[:30]}",
        date(2026, 3, n % 28 + 1),
        closed,
        "0190a002-0000-7000-8000-000000000000",
        "KES",
        n * 100,
        -n,
        0,
        10**13,
        text[:60],
    )


MOMENTS = [
    datetime(2026, 3, 2, 7, 30, tzinfo=UTC),
    datetime(2026, 3, 2, 7, 30, 0, 1, tzinfo=UTC),
    datetime(1, 1, 1, 0, 0, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=3))),
    datetime(2026, 3, 2, 2, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2026, 3, 2, 7, 30, tzinfo=timezone(timedelta(seconds=3725))),
    datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("Africa/Nairobi")),
    datetime(2026, 3, 2, 7, 30),
]


def test_events_and_sales_read_back_as_their_tuples(pg: None) -> None:
    """The events' and sales' own rows (copy_rows): times in UTC, other offsets and none,
    dates, booleans, none, big amounts, awkward text, the document as JSON text."""
    events = [_event(n, at, AWKWARD, n % 2 == 0) for n, at in enumerate(MOMENTS)]
    text = bulk._rowsc.copy_rows(
        events, json_column=len(bulk.EVENT_COLUMNS) - 1, json_text=bulk._json_text
    )
    assert text is not None
    _both_ways(
        "hq_ledger_ledgerevent",
        bulk.EVENT_COLUMNS,
        text,
        [(*e[:-1], bulk._json_text(e.document)) for e in events],
    )
    # the documents' texts as read from the push (bytes), for every other row: the same
    # COPY text as encoding them again
    ready = [orjson.dumps(e.document) if n % 2 else None for n, e in enumerate(events)]
    assert (
        bulk._rowsc.copy_rows(
            events,
            json_column=len(bulk.EVENT_COLUMNS) - 1,
            json_text=bulk._json_text,
            json_texts=ready,
        )
        == text
    )
    sales = [_sale(n, at, AWKWARD) for n, at in enumerate([*MOMENTS, None])]
    ids = list(range(100, 100 + len(sales)))
    text = bulk._rowsc.copy_rows(sales, ids=ids)
    assert text is not None
    _both_ways(
        "hq_ledger_sale",
        bulk.SALE_COLUMNS,
        text,
        [(pk, *s) for pk, s in zip(ids, sales, strict=True)],
    )


def test_events_and_sales_read_back_from_binary_copy(pg: None) -> None:
    """The same rows as binary COPY data (copy_binary, the types from the models): what
    PostgreSQL holds is what write_row's text gives, times in every zone, ids, dates."""
    event_types = bulk.binary_types(LedgerEvent, bulk.EVENT_COLUMNS)
    sale_types = bulk.binary_types(Sale, bulk.SALE_COLUMNS)
    assert event_types == b"uv888TTbvj"
    assert sale_types == b"8uuv8vDTuv8888v"
    aware = [at for at in MOMENTS if at.tzinfo is not None]
    events = [_event(n, at, AWKWARD, n % 2 == 0) for n, at in enumerate(aware)]
    ready = [orjson.dumps(e.document) if n % 2 else None for n, e in enumerate(events)]
    data = bulk._rowsc.copy_binary(events, event_types, json_text=bulk._json_text, json_texts=ready)
    assert data is not None
    _both_ways(
        "hq_ledger_ledgerevent",
        bulk.EVENT_COLUMNS,
        data,
        [(*e[:-1], bulk._json_text(e.document)) for e in events],
        binary=True,
    )
    sales = [_sale(n, at, AWKWARD) for n, at in enumerate([*aware, None])]
    sales.append(_sale(3, aware[0], "x")._replace(business_date=date(1, 1, 1)))
    sales.append(_sale(4, aware[0], "y")._replace(business_date=date(9999, 12, 31)))
    ids = [2**62 + n for n in range(len(sales))]
    data = bulk._rowsc.copy_binary(sales, sale_types, ids=ids)
    assert data is not None
    _both_ways(
        "hq_ledger_sale",
        bulk.SALE_COLUMNS,
        data,
        [(pk, *s) for pk, s in zip(ids, sales, strict=True)],
        binary=True,
    )


@pytest.mark.parametrize(
    ("types", "value"),
    [
        (b"T", datetime(2026, 3, 2, 7, 30)),  # naive: the session's zone, as text
        (b"u", "not-a-uuid"),
        (b"u", "0190a000-0000-7000-8000-00000000000g"),
        (b"8", 2**70),
        (b"4", 2**40),
        (b"8", True),
        (b"b", 1),
        (b"D", datetime(2026, 3, 2, tzinfo=UTC)),
        (b"v", "nul\x00"),
        (b"v", 5),
        (b"x", 1),
    ],
)
def test_binary_rows_with_values_their_type_does_not_take_go_as_text(
    types: bytes, value: Any
) -> None:
    assert bulk._rowsc.copy_binary([(value,)], types) is None


@pytest.mark.parametrize(
    "value", [1.5, uuid.UUID(int=1), Decimal("1"), b"x", [1], "nul\x00", "\ud800"]
)
def test_rows_with_values_it_was_not_written_for_go_to_write_row(value: Any) -> None:
    assert bulk._rowsc.copy_rows([(1, value)]) is None


def test_copy_rows_refuses_wrong_arguments() -> None:
    with pytest.raises(TypeError):
        bulk._rowsc.copy_rows((1,))
    with pytest.raises(TypeError):
        bulk._rowsc.copy_rows([(1,)], ids=[1, 2])
    with pytest.raises(TypeError):
        bulk._rowsc.copy_rows([(1,)], json_column=0)
    with pytest.raises(TypeError):
        bulk._rowsc.copy_rows([(1,)], json_column=0, json_text=str, json_texts=[])
    assert bulk._rowsc.copy_rows([[1]]) is None
    assert bulk._rowsc.copy_rows([]) == b""


def test_the_writer_is_built() -> None:
    assert bulk._rowsc is not None, "sync/server/ledger/_rowsc.c is not built: dev.py test"
    assert bulk._native_rows is not None


def test_awkward_text_and_amounts_read_back_as_the_tuples(pg: None) -> None:
    read_back(
        [1, 2, 9_007_199_254_740_993, 4],
        [
            body(),
            body(AWKWARD, minor=10**13, reference=None),
            body("x" * 200, minor=0, reference="ref\t\\N\n"),
            {**body(AWKWARD, lines=0), "payments": []},
        ],
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=60),
    minor=st.integers(-(10**13), 10**13),
    reference=st.one_of(
        st.none(),
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=20),
    ),
)
def test_any_text_reads_back_as_the_tuples(pg: None, text: str, minor: int, reference: Any) -> None:
    read_back([7], [body(text, minor=minor, reference=reference)])


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["lines"][0].update(name=None),
        lambda b: b["lines"][0].update(quantity="2"),
        lambda b: b["lines"][0].update(quantity=True),
        lambda b: b["lines"][0].update(quantity=2**70),
        lambda b: b["lines"][0].update(unit_price={"minor": 1.5, "currency": "KES"}),
        lambda b: b["lines"][0].update(unit_price={}),
        lambda b: b["lines"][0].update(name="nul\x00"),
        lambda b: b["lines"][0].update(name="\ud800"),
        lambda b: b["lines"][0].pop("sku"),
        lambda b: b["totals"]["vat"][0].update(exempt=None),
        lambda b: b["payments"][0].update(reference=5),
        lambda b: b.update(lines=()),
        lambda b: b["lines"].append("not a line"),
    ],
)
def test_values_it_was_not_written_for_go_to_the_tuples(change: Any) -> None:
    sale = body()
    change(sale)
    assert bulk._rowsc.sale_rows([1], [sale]) is None


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(TypeError):
        bulk._rowsc.sale_rows([1], [])
    with pytest.raises(TypeError):
        bulk._rowsc.sale_rows((1,), [body()])
    assert bulk._rowsc.sale_rows(["1"], [body()]) is None
    assert bulk._rowsc.sale_rows([-1], [body()]) is None
    assert bulk._rowsc.sale_rows([], []) == (b"", b"", b"")


def test_kaunta_hq_status_says_whether_the_kernel_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.server.cli import native_kernel

    assert native_kernel() == "on"
    monkeypatch.setattr(bulk, "_native_rows", None)
    assert native_kernel().startswith("not built")
    monkeypatch.setenv("KAUNTA_NATIVE", "0")
    assert native_kernel().startswith("off (KAUNTA_NATIVE=0)")
