"""The products screen's Import CSV (the wizard's products step, done later): a file with
good and bad lines is refused whole with its report one line per bad row, then imported
with the bad rows skipped; a long file shows its progress; an enrolled till cannot import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from pos.services.headoffice import SyncPhase
from pos.store import repositories as repo
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.products_dialog import ProductsDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
HEADER = "sku,barcode,name,category,price,vat_class\n"
MIXED = (
    HEADER
    + "IMP-0001,,Chapati (5),Bakery,50.00,S\n"  # line 2: good
    + "IMP-0002,,Bad Price,Bakery,abc,S\n"  # 3: bad price
    + "IMP-0003,,Samosa (3),Bakery,90.00,S\n"  # 4: good
    + "IMP-0004,,,Bakery,10.00,S\n"  # 5: no name
    + "IMP-0005,,Bad Vat,Bakery,10.00,X\n"  # 6: unknown VAT class
)
MIXED_REPORT = [
    "line 3: price: 'abc' is not an amount. Type digits, e.g. 1250.50.",
    "line 5: name is missing",
    "line 6: VAT class 'X' is not one of S, Z, E",
]


def _products_screen(till: Till) -> tuple[ManagerMenu, ProductsDialog]:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    till.click(menu.buttons["products"])
    till.until(lambda: isinstance(menu.dialog, ProductsDialog))
    dialog = menu.dialog
    assert isinstance(dialog, ProductsDialog)
    till.until(lambda: len(dialog.rows) > 0)
    return menu, dialog


def _skus(till: Till, prefix: str) -> set[str]:
    with till.terminal.db.session() as s:
        return {
            sku
            for sku in (f"{prefix}{n:04d}" for n in range(1, 6))
            if repo.product_by_sku(s, sku) is not None
        }


def _import_audits(till: Till) -> list[tuple[str, int]]:
    with till.terminal.db.session() as s:
        return [
            (e.result, int(json.loads(e.detail)["errors"]))
            for e in reversed(repo.recent_audit(s))
            if e.action == "catalog_import" and json.loads(e.detail)["file"] == "mixed.csv"
        ]


def test_import_csv_reports_each_bad_line_then_imports_the_good_ones(
    till: Till, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    till.login(MANAGER, MANAGER_PIN)
    _menu, products = _products_screen(till)
    assert products.import_button.isEnabled()
    # F9 asks for the file (the file chooser answers with ours) and imports it
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "*.csv"))
    )
    till.qtbot.keyClick(products, Qt.Key.Key_F9)
    till.until(lambda: not products.importing and products.import_errors.count() > 0)
    shown = [products.import_errors.item(i).text() for i in range(products.import_errors.count())]
    assert shown == MIXED_REPORT
    assert products.import_errors.isVisible()
    assert "Nothing imported: 3 of 5 rows" in products.message.text()
    assert _skus(till, "IMP-") == set()  # nothing half-written
    assert products.import_button.isEnabled()
    assert not products.progress.isVisible()
    # the box ticked: the good lines go in, the bad ones are still listed by line
    products.skip_errors.setChecked(True)
    products.import_file(path)
    till.until(lambda: not products.importing)
    till.idle()
    shown = [products.import_errors.item(i).text() for i in range(products.import_errors.count())]
    assert shown == MIXED_REPORT
    assert "Imported 2 products (3 bad rows skipped)" in products.message.text()
    assert _skus(till, "IMP-") == {"IMP-0001", "IMP-0003"}
    products.search.setText("IMP-")  # the imported products are on the screen's list
    till.until(lambda: {r.sku for r in products.rows} == {"IMP-0001", "IMP-0003"})
    assert _import_audits(till) == [("refused", 3), ("ok", 3)]


def test_a_long_import_shows_its_progress_and_keeps_a_full_report(
    till: Till, tmp_path: Path
) -> None:
    lines = [HEADER]
    for n in range(1, 6001):
        price = "abc" if n % 5 == 0 else "10.00"  # 1,200 bad rows: more than the list shows
        lines.append(f"LONG-{n:05d},,Long Item {n},Test,{price},S\n")
    path = tmp_path / "long.csv"
    path.write_text("".join(lines), encoding="utf-8")
    till.login(MANAGER, MANAGER_PIN)
    _menu, products = _products_screen(till)
    heard: list[tuple[str, int, int]] = []
    products._import_progress.sig_progress.connect(lambda *p: heard.append(p))
    products.skip_errors.setChecked(True)
    products.import_file(path)
    assert products.importing
    assert products.progress.isVisible()
    assert not products.import_button.isEnabled()  # one import at a time
    till.until(lambda: not products.importing, timeout=60_000)
    till.idle()
    checked = [done for phase, done, total in heard if phase == "check" and total == 6000]
    assert checked == [1999, 3999, 5999]  # every 2,000 lines read (the header is line 1)
    assert any(phase == "write" for phase, _done, _total in heard)
    assert "Imported 4800 products (1200 bad rows skipped)" in products.message.text()
    full = products._export_dir / "catalog-import-errors.txt"
    assert products.import_errors.count() == 1001  # 1,000 listed and where the rest are
    assert str(full) in products.import_errors.item(1000).text()
    written = full.read_text(encoding="utf-8").splitlines()
    assert len(written) == 1200
    assert written[0] == "line 6: price: 'abc' is not an amount. Type digits, e.g. 1250.50."
    with till.terminal.db.session() as s:
        assert repo.product_by_sku(s, "LONG-06000") is None  # bad (6000 % 5 == 0)
        assert repo.product_by_sku(s, "LONG-05999") is not None


def test_an_enrolled_till_cannot_import(make_till: MakeTill, tmp_path: Path) -> None:
    till = make_till(training=False)
    till.terminal.headoffice.update(phase=SyncPhase.RUNNING)
    till.login(MANAGER, MANAGER_PIN)
    till.until(lambda: till.window.shift_dialog is not None)  # a new till has no shift
    assert till.window.shift_dialog is not None
    till.window.shift_dialog.reject()
    _menu, products = _products_screen(till)
    assert not products.import_button.isEnabled()
    assert not products.skip_errors.isEnabled()
    # and the service refuses it too, whatever the screen shows
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    products.read_only = False
    products.import_file(path)
    till.until(lambda: not products.importing)
    till.idle()
    assert "head office owns its products" in products.message.text()
    assert _skus(till, "IMP-") == set()
