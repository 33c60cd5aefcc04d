"""A push reserves its sales' ids in blocks (one ``nextval``, migration ``hq_ledger``
0006): every id unique and ascending, next to sales written one at a time, and a sequence
left at increment 1 still gives one id a call."""

from __future__ import annotations

import pytest
from django.db import connection

from sync.server.ledger.bulk import SALE_ID_BLOCK, reserve_ids
from sync.server.ledger.models import Sale


def _sequence() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('hq_ledger_sale', 'id')")
        return str(cursor.fetchone()[0])


def _next() -> int:
    """The sequence's next value (taken, as a row's DEFAULT takes it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval('{_sequence()}')")
        return int(cursor.fetchone()[0])


@pytest.fixture
def pg(hq_db: str) -> None:
    if hq_db.startswith("sqlite"):
        pytest.skip("SQLite writes sales by bulk_create: no sequence to reserve from")


def test_a_push_takes_its_ids_in_as_few_blocks_as_it_needs(pg: None) -> None:
    first = reserve_ids(Sale, 200)
    assert len(first) == len(set(first)) == 200
    assert first == list(range(first[0], first[0] + 200))
    assert _next() == first[0] + SALE_ID_BLOCK  # the 200 took one nextval
    many = reserve_ids(Sale, SALE_ID_BLOCK + 1)
    assert len(set(many)) == SALE_ID_BLOCK + 1
    assert min(many) > max(first)
    assert not set(many) & set(first)


def test_blocks_never_meet_the_ids_of_sales_written_one_at_a_time(pg: None) -> None:
    blocks = reserve_ids(Sale, 3)
    single = _next()
    after = reserve_ids(Sale, 3)
    assert max(blocks) < single < min(after)


def test_a_sequence_of_increment_one_still_gives_one_id_a_call(pg: None) -> None:
    sequence = _sequence()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    try:
        ids = reserve_ids(Sale, 5)
        assert len(set(ids)) == 5
        assert ids == list(range(ids[0], ids[0] + 5))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {SALE_ID_BLOCK}")
