"""The product's KRA item classification (``kra_item_class``) on the till: the CSV import's
optional, validated column (a file without it still imports and keeps the classes set),
the export, the products service (validated, audited), head office's catalog pull, and
migration 0011 on a database that already holds products."""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.catalog import RowError
from pos.services.errors import ServiceError
from pos.services.products import ProductDraft
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store.db import SCHEMA_HEAD, Database
from pos.store.models import AuditEntry, Product
from pos.store.sync_state import apply_products
from sync.agent.changes import parse_page, product_change

HEADER = "sku,name,price,vat_class,kra_item_class\n"


@pytest.fixture(autouse=True)
def _manager(terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])


def classes(t: Terminal, *skus: str) -> dict[str, str | None]:
    with t.db.read_session() as s:
        rows = s.execute(select(Product.sku, Product.kra_item_class).where(Product.sku.in_(skus)))
        return {str(sku): code for sku, code in rows}


def write(tmp_path: Path, text: str, name: str = "catalog.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_import_takes_the_column_and_an_empty_cell_means_the_branch_default(
    terminal: Terminal, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "KIC-0001,Kaunta Milk,65,Z,5022110500\n"
        + "KIC-0002,Kaunta Bread,60,Z,\n"
        + "KIC-0003,Kaunta Tea,120,S, 50201706 \n",  # spaces around a cell are trimmed
    )
    report = terminal.catalog.import_csv(path)
    assert report.ok, report.errors
    assert classes(terminal, "KIC-0001", "KIC-0002", "KIC-0003") == {
        "KIC-0001": "5022110500",
        "KIC-0002": None,
        "KIC-0003": "50201706",
    }


def test_a_bad_class_is_a_clear_error_on_its_line_and_nothing_is_written(
    terminal: Terminal, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "KIC-0101,Good,65,Z,5022110500\n"  # line 2
        + "KIC-0102,Letters,65,Z,50221105AB\n"  # 3
        + "KIC-0103,Eleven digits,65,Z,50221105001\n"  # 4
        + "KIC-0104,Dotted,65,Z,5022.1105\n",  # 5
    )
    report = terminal.catalog.import_csv(path)
    assert not report.written
    tail = "(a code from KRA's item classification list), or empty for the branch default"
    assert report.errors == [
        RowError(3, f"kra_item_class '50221105AB' must be 1 to 10 digits {tail}"),
        RowError(4, f"kra_item_class '50221105001' must be 1 to 10 digits {tail}"),
        RowError(5, f"kra_item_class '5022.1105' must be 1 to 10 digits {tail}"),
    ]
    assert classes(terminal, "KIC-0101") == {}  # all or nothing


def test_an_old_csv_without_the_column_imports_and_keeps_the_classes_set(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.catalog.import_csv(write(tmp_path, HEADER + "KIC-0201,Milk,65,Z,5022110500\n"))
    old = write(
        tmp_path,
        "sku,name,price,vat_class\nKIC-0201,Milk renamed,70,Z\nKIC-0202,New one,10,S\n",
        "old.csv",
    )
    report = terminal.catalog.import_csv(old)
    assert report.ok, report.errors
    assert report.imported == 2
    assert classes(terminal, "KIC-0201", "KIC-0202") == {"KIC-0201": "5022110500", "KIC-0202": None}
    with terminal.db.read_session() as s:
        milk = repo.product_by_sku(s, "KIC-0201")
    assert milk is not None
    assert (milk.name, milk.price) == ("Milk renamed", Money(7000, "KES"))
    # a file WITH the column and an empty cell does clear it (back to the default)
    terminal.catalog.import_csv(write(tmp_path, HEADER + "KIC-0201,Milk,65,Z,\n", "c.csv"))
    assert classes(terminal, "KIC-0201") == {"KIC-0201": None}


def test_the_export_has_the_column_and_imports_back_unchanged(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.catalog.import_csv(write(tmp_path, HEADER + "KIC-0301,Milk,65,Z,5022110500\n"))
    out = tmp_path / "export.csv"
    terminal.products.export_csv(out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["sku"]: r for r in csv.DictReader(f)}
    assert rows["KIC-0301"]["kra_item_class"] == "5022110500"
    assert rows["DAI-0001"]["kra_item_class"] == ""  # the demo catalogue has none
    report = terminal.catalog.import_csv(out)
    assert report.ok, report.errors[:3]
    assert classes(terminal, "KIC-0301", "DAI-0001") == {
        "KIC-0301": "5022110500",
        "DAI-0001": None,
    }


def test_the_products_service_sets_checks_and_audits_the_class(terminal: Terminal) -> None:
    products = terminal.products
    draft = ProductDraft("KIC-0401", "Kaunta Chai", Money(9900, "KES"), "S", "", ())
    pid = products.add(replace(draft, kra_item_class=" 5022110500 "))
    assert products.get(pid).kra_item_class == "5022110500"
    for bad in ("50221105AB", "50221105001", "-1"):
        with pytest.raises(ServiceError, match="1 to 10 digits"):
            products.edit(pid, replace(draft, kra_item_class=bad))
    assert products.get(pid).kra_item_class == "5022110500"  # unchanged by the refusals
    row = products.edit(pid, draft)  # empty: back to the branch default
    assert row.kra_item_class is None
    with terminal.db.read_session() as s:
        changed = s.scalars(
            select(AuditEntry.detail)
            .where(AuditEntry.action == "product_changed")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert changed is not None
    detail = json.loads(changed)  # the change back to the default, with what it was
    assert detail["before"]["kra_item_class"] == "5022110500"
    assert detail["after"]["kra_item_class"] is None


def test_head_offices_class_arrives_with_the_catalog_pull(terminal: Terminal) -> None:
    """The changes page's product data carries ``kra_item_class`` (null: the default);
    the till applies it, and refuses (leaves out) a change whose class is not digits."""
    base = {
        "name": "Milk",
        "barcodes": [],
        "price_minor": 6500,
        "currency": "KES",
        "vat_class": {"code": "Z", "rate": "0", "exempt": False},
        "category": "",
        "active": True,
    }
    page = parse_page(
        {
            "changes": [
                {
                    "kind": "product",
                    "id": "H-1",
                    "version": 1,
                    "data": {**base, "sku": "H-1", "kra_item_class": "5022110500"},
                },
                {
                    "kind": "product",
                    "id": "H-2",
                    "version": 2,
                    "data": {**base, "sku": "H-2", "kra_item_class": None},
                },
                {"kind": "product", "id": "H-3", "version": 3, "data": {**base, "sku": "H-3"}},
                {
                    "kind": "product",
                    "id": "H-4",
                    "version": 4,
                    "data": {**base, "sku": "H-4", "kra_item_class": "milk"},
                },
            ],
            "cursor": "v1.4",
            "more": False,
        }
    )
    assert [p.sku for p in page.products] == ["H-1", "H-2", "H-3"]
    assert len(page.problems) == 1
    assert "kra_item_class" in page.problems[0]
    with terminal.db.session() as s:
        apply_products(s, page.products, terminal.clock.now())
    assert classes(terminal, "H-1", "H-2", "H-3") == {"H-1": "5022110500", "H-2": None, "H-3": None}
    # a later change without a class clears it: head office owns the catalogue
    cleared = product_change({**base, "sku": "H-1", "kra_item_class": None})
    with terminal.db.session() as s:
        apply_products(s, [cleared], terminal.clock.now())
    assert classes(terminal, "H-1") == {"H-1": None}


def test_migration_0011_keeps_the_products_of_a_populated_till(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    db = Database(path)
    try:
        db.upgrade("0010")
    finally:
        db.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO products (sku, barcode, name, category, price_minor, currency, "
            "vat_class, active, updated_at) VALUES (?, ?, ?, '', ?, 'KES', 'S', 1, "
            "'2026-12-01 10:00:00.000000')",
            [(f"OLD-{n:04d}", None, f"Old product {n}", 100 + n) for n in range(1, 201)],
        )
    conn.close()
    db = Database(path)
    try:
        db.upgrade()
        assert db.check_openable() == SCHEMA_HEAD
        with db.session() as s:
            rows = s.execute(select(Product.sku, Product.price_minor, Product.kra_item_class)).all()
            assert len(rows) == 200
            assert {code for _, _, code in rows} == {None}
            assert sum(p for _, p, _ in rows) == sum(100 + n for n in range(1, 201))
            # the name search (FTS triggers) still finds them, and the new column is usable
            assert [i.sku for i in repo.search_products(s, "Old product 17")][:1] == ["OLD-0017"]
            s.execute(
                update(Product).where(Product.sku == "OLD-0001").values(kra_item_class="5022110500")
            )
        with db.session() as s:
            got = s.scalar(select(Product.kra_item_class).where(Product.sku == "OLD-0001"))
        assert got == "5022110500"
    finally:
        db.dispose()
