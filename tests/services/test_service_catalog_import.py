"""Catalog CSV import: every bad row reported by line, nothing half-imported."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.catalog import CatalogImportError, RowError
from pos.services.errors import NotLoggedIn, PermissionDenied
from pos.services.terminal import Terminal
from pos.store import repositories as repo

HEADER = "sku,barcode,name,category,price,vat_class\n"


@pytest.fixture(autouse=True)
def _manager_logged_in(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    """Importing is a manager's job (the service checks); the tests below act as one."""
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])


NEW_BARCODE = "6000000000011"  # valid EAN-13, not in the demo catalog
NEW_BARCODE_2 = "6000000000028"

BROKEN = (
    HEADER
    + "OK-0001,,Good Item One,Test,10.00,S\n"  # line 2
    + "BAD-0001,,Bad Price Decimals,Test,12.345,S\n"  # 3
    + "BAD-0002,,Bad Price Letters,Test,abc,S\n"  # 4
    + "BAD-0003,,Negative Price,Test,-5,S\n"  # 5
    + "BAD-0004,,,Test,10.00,S\n"  # 6
    + "BAD-0005,,Bad Vat,Test,10.00,X\n"  # 7
    + "BAD-0006,6168232712629,Bad Check Digit,Test,10.00,S\n"  # 8
    + "OK-0001,,Duplicate Sku,Test,10.00,S\n"  # 9
    + f"OK-0002,{NEW_BARCODE},Good Item Two,Test,20.00,Z\n"  # 10
    + f"BAD-0007,{NEW_BARCODE},Duplicate Barcode,Test,20.00,Z\n"  # 11
    + "BAD-0008,,Too Many Fields,Test,10.00,S,surprise\n"  # 12
)
BROKEN_ERRORS = [
    RowError(3, "price: KES amounts have at most 2 decimals: '12.345'."),
    RowError(4, "price: 'abc' is not an amount. Type digits, e.g. 1250.50."),
    RowError(5, "price -5 must be more than zero"),
    RowError(6, "name is missing"),
    RowError(7, "VAT class 'X' is not one of S, Z, E"),
    RowError(8, "Barcode 6168232712629 has a wrong check digit (expected 8)"),
    RowError(9, "SKU OK-0001 is also on line 2"),
    RowError(11, f"barcode {NEW_BARCODE} is also on line 10"),
    RowError(12, "fields beyond the header's columns: 1"),
]


def write(tmp_path: Path, content: str | bytes, name: str = "catalog.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def product(terminal: Terminal, sku: str) -> CatalogItem | None:
    with terminal.db.session() as s:
        return repo.product_by_sku(s, sku)


def skus(terminal: Terminal, query: str) -> list[str]:
    with terminal.db.session() as s:
        return [i.sku for i in repo.search_products(s, query)]


def test_demo_catalog_was_imported(terminal: Terminal) -> None:
    assert terminal.catalog.count() == 347


def test_good_file_imports(terminal: Terminal, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Price,Name,SKU,VAT_Class,Barcode,Active,Category\n"  # any order, any case
        f'"1,250.00",Sunlight Soap Bar 1kg,HSE-9001,s,{NEW_BARCODE},yes,Household\n'
        "75,Kasuku Matchbox 10 pack,HSE-9002,E,,,Household\n"
        f"40.5,Old Stock Biscuit,HSE-9003,Z,{NEW_BARCODE_2},no,Snacks\n",
    )
    report = terminal.catalog.import_csv(path)
    assert (report.rows, report.imported, report.written, report.ok) == (3, 3, True, True)
    assert report.errors == []
    assert terminal.catalog.count() == 350
    soap = product(terminal, "HSE-9001")
    assert soap is not None
    assert (soap.barcode, soap.name, soap.category) == (
        NEW_BARCODE,
        "Sunlight Soap Bar 1kg",
        "Household",
    )
    assert (soap.price, soap.vat_class, soap.active) == (Money(125000), "S", True)
    matches = product(terminal, "HSE-9002")
    assert matches is not None
    assert (matches.barcode, matches.price, matches.vat_class) == (None, Money(7500), "E")
    old = product(terminal, "HSE-9003")
    assert old is not None
    assert (old.price, old.active) == (Money(4050), False)
    assert skus(terminal, "sunlight soap") == ["HSE-9001"]
    assert skus(terminal, "old stock") == []  # inactive


def test_excel_utf8_with_bom_imports(terminal: Terminal, tmp_path: Path) -> None:
    path = write(
        tmp_path, ("\ufeff" + HEADER + "TST-1,,Chai Masala Tea 50g,Tea,99.00,S\n").encode()
    )
    report = terminal.catalog.import_csv(path)
    assert (report.imported, report.errors) == (1, [])
    assert skus(terminal, "chai masala") == ["TST-1"]


def test_broken_rows_are_all_reported_and_nothing_is_written(
    terminal: Terminal, tmp_path: Path
) -> None:
    report = terminal.catalog.import_csv(write(tmp_path, BROKEN))
    assert report.errors == BROKEN_ERRORS
    assert str(report.errors[0]) == "line 3: price: KES amounts have at most 2 decimals: '12.345'."
    assert (report.rows, report.imported, report.written, report.ok) == (11, 0, False, False)
    assert terminal.catalog.count() == 347
    assert product(terminal, "OK-0001") is None
    assert product(terminal, "OK-0002") is None


def test_skip_errors_writes_the_good_rows(terminal: Terminal, tmp_path: Path) -> None:
    report = terminal.catalog.import_csv(write(tmp_path, BROKEN), skip_errors=True)
    assert report.errors == BROKEN_ERRORS
    assert (report.rows, report.imported, report.written) == (11, 2, True)
    assert terminal.catalog.count() == 349
    one = product(terminal, "OK-0001")
    assert one is not None
    assert (one.name, one.price) == ("Good Item One", Money(1000))  # the first row wins
    two = product(terminal, "OK-0002")
    assert two is not None
    assert (two.barcode, two.vat_class) == (NEW_BARCODE, "Z")
    assert product(terminal, "BAD-0007") is None


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("sku,name,vat_class\n", "price"),
        ("barcode,name,price\n", "sku, vat_class"),
        ("", "sku, name, price, vat_class"),
    ],
)
def test_missing_required_columns(
    terminal: Terminal, tmp_path: Path, header: str, missing: str
) -> None:
    path = write(tmp_path, header + "X-1,Thing,10.00\n" if header else "")
    with pytest.raises(CatalogImportError) as excinfo:
        terminal.catalog.import_csv(path)
    assert f"catalog.csv lacks these columns: {missing}." in str(excinfo.value)
    assert terminal.catalog.count() == 347


def test_non_utf8_file_is_refused(terminal: Terminal, tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + "TST-1,,Caf\xe9 Latte,Drinks,120.00,S\n").encode("latin-1"))
    with pytest.raises(
        CatalogImportError, match=r"is not UTF-8 text\. Save it from the spreadsheet as 'CSV UTF-8'"
    ):
        terminal.catalog.import_csv(path)
    assert terminal.catalog.count() == 347


def test_missing_file(terminal: Terminal, tmp_path: Path) -> None:
    with pytest.raises(CatalogImportError, match="Cannot read"):
        terminal.catalog.import_csv(tmp_path / "nope.csv")


def test_reimport_updates_by_sku(terminal: Terminal, tmp_path: Path) -> None:
    before = product(terminal, "DAI-0001")
    assert before is not None
    path = write(
        tmp_path,
        HEADER + "DAI-0001,6168232712628,Brookside Maziwa Lala Promo 500ml,Dairy,70.00,Z\n",
    )
    report = terminal.catalog.import_csv(path)
    assert (report.imported, report.errors) == (1, [])
    assert terminal.catalog.count() == 347
    after = product(terminal, "DAI-0001")
    assert after is not None
    assert after.product_id == before.product_id  # same row: old sale lines still point at it
    assert (after.name, after.price, after.barcode) == (
        "Brookside Maziwa Lala Promo 500ml",
        Money(7000),
        "6168232712628",
    )
    assert skus(terminal, "maziwa promo") == ["DAI-0001"]
    assert "DAI-0001" not in skus(terminal, "brookside fresh")


def test_barcode_owned_by_another_sku_is_reported(terminal: Terminal, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "TST-0001,,Fine Row,Test,10.00,S\n"
        + "TST-0002,6168232712628,Steals The Milk Barcode,Test,10.00,S\n",
    )
    report = terminal.catalog.import_csv(path)
    assert report.errors == [
        RowError(3, "barcode 6168232712628 already belongs to SKU DAI-0001 in the catalog")
    ]
    assert not report.written
    assert terminal.catalog.count() == 347
    milk = product(terminal, "DAI-0001")
    assert milk is not None
    assert milk.barcode == "6168232712628"


def test_imported_product_can_be_sold(
    terminal: Terminal, tmp_path: Path, users: dict[Role, UserSummary]
) -> None:
    terminal.catalog.import_csv(write(tmp_path, HEADER + f"TST-1,{NEW_BARCODE},Thing,T,12.50,S\n"))
    terminal.auth.login(users[Role.CASHIER].user_id, "1111")
    view = terminal.checkout.scan(NEW_BARCODE)
    assert [(ln.sku, ln.total) for ln in view.lines] == [("TST-1", Money(1250))]


def test_import_needs_a_manager_or_a_named_operator(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    path = write(tmp_path, HEADER + "TST-9,,Thing,T,12.50,S\n")
    terminal.auth.logout()
    with pytest.raises(NotLoggedIn):
        terminal.catalog.import_csv(path)
    terminal.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    with pytest.raises(PermissionDenied, match="Importing the catalog"):
        terminal.catalog.import_csv(path)
    with terminal.db.session() as s:
        assert repo.product_by_sku(s, "TST-9") is None
    report = terminal.catalog.import_csv(path, operator="cli:shopkeeper")
    assert report.written


def test_imports_are_audited_with_the_file_hash(terminal: Terminal, tmp_path: Path) -> None:
    good = write(tmp_path, HEADER + "TST-8,,Thing,T,12.50,S\n")
    terminal.catalog.import_csv(good)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "TST-7,,Thing,T,abc,S\n", encoding="utf-8")
    terminal.catalog.import_csv(bad)
    with terminal.db.session() as s:
        entries = [e for e in repo.recent_audit(s) if e.action == "catalog_import"]
    ours = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (good, bad)}
    results = sorted(
        (e.result, json.loads(e.detail)["sha256"])
        for e in entries
        if json.loads(e.detail)["sha256"] in ours
    )
    assert results == sorted(
        [
            ("ok", hashlib.sha256(good.read_bytes()).hexdigest()),
            ("refused", hashlib.sha256(bad.read_bytes()).hexdigest()),
        ]
    )


# -- what the CSV reader cannot take, and what must not reach a receipt -------------------

HOSTILE = (
    HEADER
    + "OK-0101,,Good Before,Test,10.00,S\n"  # line 2
    + "BAD-0101,,"
    + "x" * 140_000
    + ",Test,10.00,S\n"  # 3: over csv's field limit
    + 'BAD-0102,,"Two\nLines",Test,10.00,S\n'  # 4-5: a line break inside a name
    + "\n"  # 6: blank
    + "BAD-0103,,Nul\x00Name,Test,10.00,S\n"  # 7
    + "BAD-0104,,Bell\x07Name,Test,10.00,S\n"  # 8
    + "BAD-0105,,Fine Name,Cat\x1bgory,10.00,S\n"  # 9: escape in the category
    + "OK-0102,,Good After,Test,20.00,S\n"  # 10
)


def test_a_field_over_the_csv_limit_is_reported_on_its_line_not_a_traceback(
    terminal: Terminal, tmp_path: Path
) -> None:
    report = terminal.catalog.import_csv(write(tmp_path, HOSTILE))
    assert RowError(3, "a field is longer than 131,072 characters") in report.errors
    assert (report.written, terminal.catalog.count()) == (False, 347)


def test_nul_bytes_line_breaks_and_control_characters_are_refused_per_line(
    terminal: Terminal, tmp_path: Path
) -> None:
    report = terminal.catalog.import_csv(write(tmp_path, HOSTILE), skip_errors=True)
    assert report.errors == [
        RowError(3, "a field is longer than 131,072 characters"),
        RowError(4, "name holds a line break; type it on one line"),
        RowError(7, "name holds a NUL byte; type it on one line"),
        RowError(8, "name holds the control character U+0007; type it on one line"),
        RowError(9, "category holds the control character U+001B; type it on one line"),
    ]
    assert (report.rows, report.imported) == (7, 2)
    assert product(terminal, "OK-0101") is not None
    assert product(terminal, "OK-0102") is not None
    for sku in ("BAD-0101", "BAD-0102", "BAD-0103", "BAD-0104", "BAD-0105"):
        assert product(terminal, sku) is None


def test_spaces_and_tabs_around_a_value_are_trimmed_not_refused(
    terminal: Terminal, tmp_path: Path
) -> None:
    report = terminal.catalog.import_csv(
        write(tmp_path, HEADER + "TAB-1,,\tTabbed Tea \t,Tea,99.00,S\n")
    )
    assert report.errors == []
    found = product(terminal, "TAB-1")
    assert found is not None
    assert found.name == "Tabbed Tea"


def _marked(source: str, disambiguation: str | None) -> str:
    """A translation that wraps the import's own texts in « », leaving others as they are:
    what a reader's language does to each part of a line shows where it came from."""
    if disambiguation and disambiguation.startswith("catalog.import."):
        return f"«{source}»"
    return source


@pytest.mark.parametrize("content", [BROKEN, HOSTILE], ids=["broken", "hostile"])
def test_every_bad_line_is_a_coded_message_for_the_readers_language(
    terminal: Terminal, tmp_path: Path, content: str
) -> None:
    """Each line's report is ``catalog.import.row`` around a ``catalog.import.*`` problem
    (the screens render it through the reader's translation); ``str()`` stays English."""
    report = terminal.catalog.import_csv(write(tmp_path, content))
    assert report.errors
    for error in report.errors:
        assert error.problem is not None
        assert error.problem.code.startswith("catalog.import."), error
        assert error.message.code == "catalog.import.row"
        assert str(error.message) == str(error) == f"line {error.line}: {error.reason}"
        shown = error.message.render(_marked)
        assert shown.startswith(f"«line {error.line}: «"), shown
        assert shown.endswith("»"), shown
    by_line = {e.line: e.message.render(_marked) for e in report.errors}
    if content is BROKEN:  # the amount's own message is Money's, translated on its own
        assert by_line[4] == "«line 4: «price: 'abc' is not an amount. Type digits, e.g. 1250.50.»»"
        assert by_line[9] == "«line 9: «SKU OK-0001 is also on line 2»»"
    else:  # the control character's words are a message inside the message
        assert by_line[4] == "«line 4: «name holds «a line break»; type it on one line»»"


def test_a_barcode_taken_in_the_catalog_is_a_coded_message(
    terminal: Terminal, tmp_path: Path
) -> None:
    path = write(tmp_path, HEADER + "TST-0002,6168232712628,Steals The Milk,Test,10.00,S\n")
    [error] = terminal.catalog.import_csv(path).errors
    assert error.problem is not None
    assert error.problem.code == "catalog.import.barcode_taken"
    assert error.problem.values() == {"value": "6168232712628", "owner": "DAI-0001"}
