"""A scan's result that comes back while the next barcode is being typed loses nothing.

On a busy till (a backup, a slow disk, the head office's sync) the worker can answer the
first scan while the scanner is already typing the second barcode into the scan field.
Putting the cursor back in the scan field then must not select what is there: the
scanner's next digit would replace the half-typed barcode, its rest would be looked up as
a barcode of its own ("no such product") and the item would be missing from the basket.
"""

from __future__ import annotations

import csv
import threading

from PySide6.QtCore import Qt

from pos.demo import CATALOG_CSV
from tests.ui.conftest import Till

UNKNOWN = "4006381333931"  # a valid EAN-13 that the demo catalog does not sell


def _products(n: int) -> list[tuple[str, str]]:
    """The first ``n`` demo products with a barcode: (barcode, name as the basket shows it)."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        rows = [(r["barcode"], r["name"]) for r in csv.DictReader(f) if r["barcode"]]
    assert UNKNOWN not in {code for code, _ in rows}
    return rows[:n]


def _hold_worker(till: Till) -> threading.Event:
    """Keep the till worker busy until the returned event is set (a slow till)."""
    release = threading.Event()
    till.window.actions_.call(lambda: release.wait(30))
    return release


def test_the_first_scans_answer_arriving_mid_barcode_keeps_the_second(selling: Till) -> None:
    till = selling
    (first, first_name), (second, second_name) = _products(2)
    field = till.window.sale.scan
    release = _hold_worker(till)
    till.qtbot.keyClicks(field, first)
    till.qtbot.keyClick(field, Qt.Key.Key_Return)
    till.qtbot.keyClicks(field, second[:6])  # the scanner is on to the next barcode
    release.set()  # the worker answers the first scan now
    till.until(lambda: len(till.rows()) == 1, failing=lambda: f"basket {till.rows()}")
    till.qtbot.keyClicks(field, second[6:])
    till.qtbot.keyClick(field, Qt.Key.Key_Return)
    till.idle()
    till.until(
        lambda: len(till.rows()) == 2,
        failing=lambda: f"basket {till.rows()}; message {till.window.sale.message.text()!r}",
    )
    assert [row[0] for row in till.rows()] == [first_name, second_name]


def test_an_error_arriving_mid_barcode_keeps_the_next_scan(selling: Till) -> None:
    """The same with a refused scan (an unknown barcode): its message comes back while
    the next barcode is half typed, and the next one still goes in."""
    till = selling
    ((code, name),) = _products(1)
    field = till.window.sale.scan
    release = _hold_worker(till)
    till.qtbot.keyClicks(field, UNKNOWN)
    till.qtbot.keyClick(field, Qt.Key.Key_Return)
    till.qtbot.keyClicks(field, code[:6])
    release.set()
    till.until(lambda: bool(till.window.sale.message.text()))
    till.qtbot.keyClicks(field, code[6:])
    till.qtbot.keyClick(field, Qt.Key.Key_Return)
    till.idle()
    till.until(
        lambda: len(till.rows()) == 1,
        failing=lambda: f"basket {till.rows()}; message {till.window.sale.message.text()!r}",
    )
    assert till.rows()[0][0] == name
