"""A push's id lists go to PostgreSQL as one ``uuid[]`` literal (bulk.uuid_array) when every
id is canonical, and as the list itself otherwise: the database reads the same ids."""

from __future__ import annotations

import pytest
from django.db import connection

from sync.server.ledger.bulk import uuid_array

IDS = [f"0190a0fe-0000-7000-8abc-00000000000{n}" for n in range(1, 6)]


def test_canonical_ids_make_one_literal() -> None:
    assert uuid_array(IDS) == "{" + ",".join(IDS) + "}"
    assert uuid_array(IDS[:1]) == "{" + IDS[0] + "}"


@pytest.mark.parametrize(
    "ids",
    [[], [IDS[0].upper()], [*IDS, "x"], [IDS[0] + ",}"], [IDS[0][:-1]], ['"' + IDS[0][1:]]],
)
def test_anything_else_stays_a_list(ids: list[str]) -> None:
    assert uuid_array(ids) == ids


def test_the_database_reads_the_same_ids_either_way(hq_db: str) -> None:
    if hq_db.startswith("sqlite"):
        pytest.skip("the array parameter is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::uuid[], %s::uuid[]", [uuid_array(IDS), list(IDS)])
        literal, listed = cursor.fetchone()
    assert [str(u) for u in literal] == [str(u) for u in listed] == IDS
