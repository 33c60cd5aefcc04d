"""``kaunta run --smoke --smoke-sale``: ring up and pay one sale through the real widgets.

The installer test (``tests/installer/``) starts the *built* app this way, so the check
covers what only a frozen build can get wrong: Qt plugins, translations, migrations found
as files, and the payment methods found through the distribution's entry points. It types
as a cashier would: a demo barcode into the scan field with Enter, F12, Enter on the empty
amount (exact cash), then reads the receipt the till wrote. Training mode only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos.demo import CATALOG_CSV
from pos.payments import registry
from pos.services.terminal import Terminal
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.main_window import MainWindow

#: how long each step may take before the smoke run gives up (ms)
STEP_MS = 20_000


def first_demo_barcode() -> str:
    """The barcode of the demo catalog's first product."""
    lines = CATALOG_CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    return lines[1].split(",")[header.index("barcode")]


def _wait(
    predicate: Callable[[], object],
    then: Callable[[], None],
    fail: Callable[[str], None],
    what: str,
    waited: int = 0,
) -> None:
    if predicate():
        then()
    elif waited >= STEP_MS:
        fail(f"gave up waiting for {what}")
    else:
        QTimer.singleShot(20, lambda: _wait(predicate, then, fail, what, waited + 20))


def ring_up_one_sale(window: MainWindow, terminal: Terminal, done: Callable[[int], None]) -> None:
    """Scan, pay exact cash, print ``KAUNTA-SALE`` and ``KAUNTA-METHODS``, then ``done(0)``
    (or ``done(1)`` with ``KAUNTA-SMOKE-FAILED`` on the way)."""
    sale = window.sale

    def fail(why: str) -> None:
        print(f"KAUNTA-SMOKE-FAILED {why}", flush=True)
        done(1)

    def scan() -> None:
        QTest.keyClicks(sale.scan, first_demo_barcode())
        QTest.keyClick(sale.scan, Qt.Key.Key_Return)
        _wait(lambda: sale.view is not None and len(sale.view.lines) == 1, pay, fail, "the line")

    def pay() -> None:
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F12)
        _wait(lambda: isinstance(sale.dialog, TenderDialog), exact, fail, "the cash dialog")

    def exact() -> None:
        tender = sale.dialog
        assert isinstance(tender, TenderDialog)
        QTest.keyClick(tender.amount, Qt.Key.Key_Return)  # nothing typed: the exact amount
        _wait(lambda: isinstance(sale.dialog, ReceiptDialog), report, fail, "the receipt")

    def report() -> None:
        receipt = terminal.checkout.last_receipt()
        if receipt is None:
            fail("the till shows a receipt but none is in the journal")
            return
        total = receipt.total
        print(
            f"KAUNTA-SALE receipt={receipt.number} total={total.minor} {total.currency} "
            f"lines={len(receipt.lines)} status={receipt.status.value}",
            flush=True,
        )
        print(f"KAUNTA-METHODS {','.join(sorted(registry.discover()))}", flush=True)
        done(0)

    QTimer.singleShot(0, scan)
