"""KRA eTIMS on the real till window (pytest-qt), with the eTIMS worker submitting to the
OSCU simulator over real HTTP: the sale screen's eTIMS line (offline, refused, the
queue-age alert, and OFF on a live till), a receipt shown provisional during an outage
that turns into the signed block with its QR code once KRA signs, F9 showing and
reprinting the signed block, and the manager's eTIMS queue screen (reached from the
manager menu): a sale refused by KRA listed with KRA's reason and put back in the queue,
then signed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from pos.etims_link import ENROLLED_HOLD, NOT_SET_UP, EtimsLink
from pos.services.etims import EtimsPhase, EtimsView
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.etims_queue import EtimsQueueDialog, EtimsStatusLine
from pos.ui.manager.products_dialog import ProductsDialog
from pos.ui.receipts_browser import ReceiptBrowser
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox, Fault
from sync.etims.settings import Branch, EtimsSettings

if TYPE_CHECKING:
    from conftest import MakeTill, Till

    from pos.config import Config

MILK = "6168232712628"  # 65.00, zero-rated
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
WAIT_MS = 20_000


@pytest.fixture
def kra(make_till: MakeTill, tmp_path: Path) -> Iterator[tuple[Till, EtimsLink, EtimsSandbox]]:
    """A training till whose eTIMS worker submits to a simulator on 127.0.0.1."""
    till = make_till()
    with EtimsSandbox() as box:
        link = EtimsLink(
            till.terminal.db,
            till.terminal.etims,
            queue_path=tmp_path / "etims-ui.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=2.0
            ),
            secrets=_Secrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
        ).start()
        try:
            yield till, link, box
        finally:
            link.stop()


class _Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


def _view(till: Till) -> EtimsView:
    return till.terminal.etims.view()


def _pay(till: Till, barcode: str, amount: str) -> ReceiptDialog:
    till.scan(barcode)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, amount)
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    return receipt


def test_an_outage_receipt_turns_signed_on_screen_and_f9_shows_and_reprints_it(
    kra: tuple[Till, EtimsLink, EtimsSandbox],
) -> None:
    till, _link, box = kra
    till.login()
    line = till.window.sale.etims_line
    assert isinstance(line, EtimsStatusLine)
    till.until(lambda: _view(till).phase is EtimsPhase.ONLINE, WAIT_MS)
    till.until(lambda: line.kind == "ok", WAIT_MS)
    box.refuse()
    dialog = _pay(till, MILK, "100")
    assert "NOT YET A TAX INVOICE" in dialog.text.toPlainText()
    assert dialog.kra_qr.isHidden()
    # offline may be said (a code-list refresh refused) before the sale's count arrives
    till.until(
        lambda: line.kind == "offline" and "not yet signed by KRA: 1" in line.text(), WAIT_MS
    )
    box.accept()
    # the open receipt follows: the signed block and its QR code, without a click
    till.until(lambda: dialog.kra is not None and dialog.kra.signed, WAIT_MS)
    shown = dialog.text.toPlainText()
    assert "TAX INVOICE" in shown
    assert "NOT YET A TAX INVOICE" not in shown
    assert not dialog.kra_qr.isHidden()
    assert dialog.kra_qr.toolTip().startswith(box.verify_host)
    sign = box.device("00").invoices[1].rcpt_sign
    assert dialog.kra_qr.toolTip().endswith(f"{DEMO_TIN}00{sign}")
    till.until(lambda: line.kind == "ok", WAIT_MS)
    assert "every sale signed" in line.text()
    till.qtbot.keyClick(dialog, Qt.Key.Key_Enter)
    till.until(lambda: till.window.sale.dialog is None)
    # F9: the receipt with its signed block; the copy says COPY in the block
    till.press(Qt.Key.Key_F9)
    browser = till.dialog()
    assert isinstance(browser, ReceiptBrowser)
    till.until(browser.is_settled)
    till.until(lambda: "TAX INVOICE" in browser.text.toPlainText(), WAIT_MS)
    with till.qtbot.waitSignal(browser.sig_reprinted, timeout=WAIT_MS):
        till.click(browser.btn_reprint)
    till.until(lambda: "TAX INVOICE (COPY)" in browser.text.toPlainText(), WAIT_MS)


def test_the_queue_screen_shows_a_refused_sale_with_kras_reason_and_puts_it_back(
    kra: tuple[Till, EtimsLink, EtimsSandbox],
) -> None:
    till, _link, box = kra
    till.login(MANAGER, MANAGER_PIN)
    till.until(lambda: _view(till).phase is EtimsPhase.ONLINE, WAIT_MS)
    box.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))
    dialog = _pay(till, MILK, "100")
    till.qtbot.keyClick(dialog, Qt.Key.Key_Enter)
    till.until(lambda: till.window.sale.dialog is None)
    till.until(lambda: _view(till).parked == 1, WAIT_MS)
    line = till.window.sale.etims_line
    till.until(lambda: line.kind == "warning", WAIT_MS)
    assert "refused by KRA" in line.text()
    # Manager > KRA eTIMS queue
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert menu is not None
    till.until(menu.isVisible)
    entry = menu.buttons["etims_queue"]
    assert "(1)" in entry.text()
    till.click(entry)
    till.until(lambda: isinstance(menu.dialog, EtimsQueueDialog))
    queue = menu.dialog
    assert isinstance(queue, EtimsQueueDialog)
    cells = [queue.table.item(0, c).text() for c in range(queue.table.columnCount())]
    assert cells[0] == "DEMO-T1-000001"
    assert cells[2] == "Refused by KRA"
    assert "910" in cells[6] or "Simulated failure" in cells[6]
    assert cells[3] == ""  # the number was given back: KRA did not record it
    assert not queue.btn_unpark.isEnabled()  # nothing chosen yet
    queue.table.selectRow(0)
    assert queue.btn_unpark.isEnabled()
    till.click(queue.btn_unpark)
    till.until(lambda: _view(till).signed == 1, WAIT_MS)
    till.until(lambda: queue.table.item(0, 2).text() == "Signed by KRA", WAIT_MS)
    assert queue.table.item(0, 3).text() == "1"
    assert sorted(box.device("00").invoices) == [1]
    assert not queue.btn_unpark.isEnabled()


def test_the_line_raises_the_alert_when_the_oldest_waiting_sale_is_too_old(
    kra: tuple[Till, EtimsLink, EtimsSandbox],
) -> None:
    till, _link, box = kra
    till.login()
    till.until(lambda: _view(till).phase is EtimsPhase.ONLINE, WAIT_MS)
    box.refuse()
    dialog = _pay(till, MILK, "100")
    till.qtbot.keyClick(dialog, Qt.Key.Key_Enter)
    till.until(lambda: _view(till).waiting + _view(till).in_doubt == 1, WAIT_MS)
    later = datetime.now(UTC) + timedelta(hours=25)
    line = EtimsStatusLine(till.window.sale, till.terminal.etims, clock=lambda: later)
    assert line.kind == "warning"
    assert "more than 24 h" in line.text()
    assert "not yet signed by KRA: 1" in line.text()
    soon = EtimsStatusLine(till.window.sale, till.terminal.etims)
    assert soon.kind == "offline"
    box.accept()


def test_a_live_till_without_etims_says_in_red_that_sales_are_not_submitted(
    make_till: MakeTill,
) -> None:
    till = make_till(training=False)
    till.terminal.etims.publish(EtimsView(phase=EtimsPhase.OFF, reason=NOT_SET_UP))
    line = EtimsStatusLine(till.window, till.terminal.etims)
    assert line.kind == "warning"
    assert "NOT being submitted to KRA" in line.text()
    training = dataclasses.replace(_view(till), training=True)
    till.terminal.etims.publish(training)
    till.until(lambda: line.kind == "quiet")
    till.terminal.etims.publish(EtimsView(phase=EtimsPhase.HEAD_OFFICE, reason=ENROLLED_HOLD))
    till.until(lambda: "submitted to KRA by head office" in line.text())
    assert line.kind == "quiet"


def test_the_products_screen_marks_products_not_registered_with_kra(
    make_till: MakeTill, tmp_path: Path
) -> None:
    till = make_till()
    with EtimsSandbox() as box:
        box.refuse()  # KRA away: nothing registered yet
        link = EtimsLink(
            till.terminal.db,
            till.terminal.etims,
            queue_path=tmp_path / "etims-products.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=2.0
            ),
            secrets=_Secrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
        ).start()
        try:
            till.login(MANAGER, MANAGER_PIN)
            till.until(lambda: _view(till).phase is EtimsPhase.OFFLINE, WAIT_MS)
            till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
            till.until(lambda: till.window.manager_menu is not None)
            menu = till.window.manager_menu
            assert menu is not None
            till.until(menu.isVisible)
            till.click(menu.buttons["products"])
            till.until(lambda: isinstance(menu.dialog, ProductsDialog))
            products = menu.dialog
            assert isinstance(products, ProductsDialog)
            till.until(lambda: products.table.rowCount() > 0)
            till.idle()
            assert not products.table.isColumnHidden(3)
            marks = {products.table.item(r, 3).text() for r in range(products.table.rowCount())}
            assert marks == {"not registered"}
            assert products.kra_note.isVisibleTo(products)
            assert "not registered with KRA yet" in products.kra_note.text()
            box.accept()  # KRA back: the catalogue is registered ahead of any sale
            till.until(lambda: len(link.registered_skus()) >= 20, WAIT_MS)
            assert box.calls["saveTrnsSalesOsdc"] == 0
            products.search.setText("DAI-")  # the dairy shelf: the first products registered

            def marked() -> set[str]:
                table = products.table
                return {
                    table.item(r, 1).text()
                    for r in range(table.rowCount())
                    if table.item(r, 3) is not None and table.item(r, 3).text() == "registered"
                }

            till.until(lambda: bool(marked()), WAIT_MS)
            assert marked() <= link.registered_skus()  # marked only when KRA has it
        finally:
            link.stop()


def test_the_products_screen_hides_the_kra_column_when_etims_is_off(
    make_till: MakeTill,
) -> None:
    till = make_till()
    till.login(MANAGER, MANAGER_PIN)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert menu is not None
    till.until(menu.isVisible)
    till.click(menu.buttons["products"])
    till.until(lambda: isinstance(menu.dialog, ProductsDialog))
    products = menu.dialog
    assert isinstance(products, ProductsDialog)
    till.until(lambda: products.table.rowCount() > 0)
    till.idle()
    assert products.table.isColumnHidden(3)
    assert not products.kra_note.isVisibleTo(products)


def test_the_sale_screen_prints_the_signed_kra_block_on_the_emulated_printer(
    qtbot: QtBot, config: Config, tmp_path: Path
) -> None:
    """The whole path of a cash sale at a training till with its printer emulator on a
    pty: the sale screen waits for KRA's signature (off the GUI thread), then the
    printer prints the signed block and the verification QR code."""
    from pos.app import demo_hint
    from pos.demo import CATALOG_CSV, DEMO_USERS
    from pos.device_link import start_devices
    from pos.services.auth import Role
    from pos.services.terminal import DemoUser, Terminal
    from pos.ui.main_window import MainWindow

    ctx = config.terminal_context()
    ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, pin_kdf_log2_n=10))
    terminal = Terminal.open(config.database_path, ctx)
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    devices = start_devices(config, terminal)
    terminal.devices = devices
    training = devices.training
    if training is None or training.printer is None:
        devices.close()
        terminal.close()
        pytest.skip("no pty for the printer emulator here")
    with EtimsSandbox() as box:
        link = EtimsLink(
            terminal.db,
            terminal.etims,
            queue_path=tmp_path / "etims-print.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=2.0
            ),
            secrets=_Secrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
        ).start()
        window = MainWindow(terminal, demo_hint=demo_hint(config))
        qtbot.addWidget(window)
        try:
            window.show()
            qtbot.waitUntil(lambda: len(window.users()) == len(DEMO_USERS), timeout=WAIT_MS)
            users = {u.name: u.user_id for u in window.users()}
            name, pin = next((n, p) for n, r, p in DEMO_USERS if r == "cashier")
            window.login.select_user(users[name])
            window.login.pin.setText(pin)
            window.login.pin.returnPressed.emit()
            qtbot.waitUntil(lambda: terminal.auth.current is not None, timeout=WAIT_MS)
            qtbot.waitUntil(
                lambda: terminal.etims.view().phase is EtimsPhase.ONLINE, timeout=WAIT_MS
            )
            sale = window.sale
            sale.scan.setText(MILK)
            sale.scan.returnPressed.emit()
            qtbot.waitUntil(
                lambda: sale.view is not None and not sale.view.is_empty, timeout=WAIT_MS
            )
            sale.pay()
            qtbot.waitUntil(lambda: isinstance(sale.dialog, TenderDialog), timeout=WAIT_MS)
            tender = sale.dialog
            assert isinstance(tender, TenderDialog)
            tender.amount.setText("100")
            tender.amount.returnPressed.emit()
            qtbot.waitUntil(lambda: bool(training.printed()), timeout=WAIT_MS)
            paper = [line.strip() for line in training.printed()[-1]]
            sign = box.device("00").invoices[1].rcpt_sign
            assert "TAX INVOICE" in paper
            assert not any("NOT YET A TAX INVOICE" in line for line in paper)
            assert f"[QR {box.verify_host}" in " ".join(paper)
            assert any(line.replace("-", "").endswith(sign) for line in paper)
        finally:
            link.stop()
            for dialog in window.findChildren(QDialog):
                dialog.reject()
            window.close_confirmed = True
            window.close()
            devices.close()
            terminal.close()
