"""As-you-type product search: FTS5 name prefixes, SKU prefixes, exact barcodes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.services.terminal import Terminal
from pos.store import repositories as repo

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
BROOKSIDE = [f"DAI-000{n}" for n in range(1, 9)]  # the 8 Brookside products
BROOKSIDE_MILK = ["DAI-0001", "DAI-0002", "DAI-0003", "DAI-0007"]


def search(terminal: Terminal, query: str, limit: int = 20) -> list[str]:
    with terminal.db.session() as s:
        return [item.sku for item in repo.search_products(s, query, limit)]


def new_item(sku: str, name: str, barcode: str | None = None) -> CatalogItem:
    return CatalogItem(None, sku, barcode, name, "Test", Money(10000), "S")


def test_name_prefixes_must_all_match(terminal: Terminal) -> None:
    assert sorted(search(terminal, "brook mil")) == BROOKSIDE_MILK
    assert sorted(search(terminal, "BROOK")) == BROOKSIDE
    assert sorted(search(terminal, "  brookside   ghee ")) == ["DAI-0008"]
    assert search(terminal, "brook zzz") == []


def test_sku_prefix_is_case_insensitive(terminal: Terminal) -> None:
    expected = [f"DAI-001{n}" for n in range(10)]
    assert search(terminal, "DAI-001") == expected
    assert search(terminal, "dai-001") == expected
    assert search(terminal, "DAI-0001") == ["DAI-0001"]


def test_exact_barcode_finds_one_product(terminal: Terminal) -> None:
    assert search(terminal, "6168232712628") == ["DAI-0001"]
    assert search(terminal, "6168232712620") == []  # one digit off: nothing


def test_empty_query_finds_nothing(terminal: Terminal) -> None:
    assert search(terminal, "") == []
    assert search(terminal, "   ") == []


def test_inserted_renamed_and_deleted_products_follow_in_search(terminal: Terminal) -> None:
    with terminal.db.session() as s:
        repo.upsert_products(s, [new_item("TST-0001", "Zawadi Mango Juice 1L")], NOW)
    assert search(terminal, "zawadi mang") == ["TST-0001"]

    with terminal.db.session() as s:
        s.execute(
            text("UPDATE products SET name = 'Kipepeo Passion Juice 1L' WHERE sku = 'TST-0001'")
        )
    assert search(terminal, "zawadi") == []
    assert search(terminal, "kipe pass") == ["TST-0001"]

    with terminal.db.session() as s:  # renaming through the import upsert
        repo.upsert_products(s, [new_item("DAI-0001", "Brookside Maziwa 500ml")], NOW)
    assert "DAI-0001" not in search(terminal, "brookside fresh")
    assert search(terminal, "maziwa") == ["DAI-0001"]

    with terminal.db.session() as s:
        s.execute(text("DELETE FROM products WHERE sku = 'TST-0001'"))
    assert search(terminal, "kipepeo") == []


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ('"', ""),
        ('"brook', "brook"),
        ('brook"', "brook"),
        ("brook*", "brook"),
        ("*", ""),
        ("**brook mil*", "brook mil"),
        ("NEAR(", ""),
        ("NEAR(brook mil", "near brook mil"),
        ("NEAR(brook, mil)", "near brook mil"),
        ("-", ""),
        ("brook -milk", "brook milk"),
        ("brook - milk", "brook milk"),
        (":", ""),
        ("name:brook", "name brook"),
        ("brook:", "brook"),
        ("brook AND ghee", "brook and ghee"),
        ("brook OR", "brook or"),
        ("NOT", "not"),
        ("(brook)", "brook"),
        ("^brook", "brook"),
        ("brook'", "brook"),
        ("{brook}", "brook"),
    ],
)
def test_fts_syntax_in_the_query_is_harmless(terminal: Terminal, query: str, same_as: str) -> None:
    # same_as is the plain-words version: special characters only separate words
    assert search(terminal, query) == search(terminal, same_as)


def test_a_few_syntax_queries_have_known_results(terminal: Terminal) -> None:
    assert sorted(search(terminal, '"brook')) == BROOKSIDE
    assert sorted(search(terminal, "brook -milk")) == BROOKSIDE_MILK
    assert search(terminal, "NEAR(") == []
    assert search(terminal, "-") == []


def test_inactive_products_are_not_found(terminal: Terminal) -> None:
    with terminal.db.session() as s:
        s.execute(text("UPDATE products SET active = 0 WHERE sku = 'DAI-0001'"))
    assert search(terminal, "6168232712628") == []
    assert search(terminal, "DAI-0001") == []
    assert "DAI-0001" not in search(terminal, "brookside fresh milk")
    assert sorted(search(terminal, "brookside fresh milk")) == ["DAI-0002"]
    assert search(terminal, "DAI-000") == [f"DAI-000{n}" for n in range(2, 10)]


def test_limit_is_respected(terminal: Terminal) -> None:
    assert len(search(terminal, "brook", limit=3)) == 3
    assert set(search(terminal, "brook", limit=3)) <= set(BROOKSIDE)
    assert len(search(terminal, "DAI", limit=5)) == 5
    assert search(terminal, "DAI", limit=5) == [f"DAI-000{n}" for n in range(1, 6)]
    assert len(search(terminal, "mil", limit=1)) == 1
    assert sorted(search(terminal, "brook", limit=50)) == BROOKSIDE


def test_inactive_products_do_not_crowd_out_active_matches(terminal: Terminal) -> None:
    with terminal.db.session() as s:  # discontinue the first six Brookside products
        s.execute(
            text("UPDATE products SET active = 0 WHERE sku BETWEEN 'DAI-0001' AND 'DAI-0006'")
        )
    assert sorted(search(terminal, "brookside", limit=3)) == ["DAI-0007", "DAI-0008"]
