"""A return without a receipt on the real till window (pytest-qt), with the eTIMS worker
submitting to the OSCU simulator over real HTTP: the refund credits no KRA invoice, so
the queue settles it as "no credit note" (nothing sent, nothing refused), the manager's
eTIMS queue screen lists it so with the reason, and the queue-age alert stays off two
days later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.domain.money import Money
from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase
from pos.ui.etims_queue import EtimsQueueDialog, EtimsStatusLine
from pos.ui.manager.refund_dialog import NoReceiptReturnDialog
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from sync.etims.words import NO_CREDIT_NOTE

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # 65.00, zero-rated
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
WAIT_MS = 20_000


class _Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


@pytest.fixture
def kra(make_till: MakeTill, tmp_path: Path) -> Iterator[tuple[Till, EtimsSandbox]]:
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
            yield till, box
        finally:
            link.stop()


def test_a_return_without_a_receipt_is_listed_as_no_credit_note_and_raises_no_alert(
    kra: tuple[Till, EtimsSandbox],
) -> None:
    till, box = kra
    etims = till.terminal.etims
    till.login(MANAGER, MANAGER_PIN)
    till.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change")
    till.until(lambda: etims.view().phase is EtimsPhase.ONLINE, WAIT_MS)
    # Manager > Return without a receipt
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    till.click(menu.buttons["no_receipt"])
    till.until(lambda: isinstance(menu.dialog, NoReceiptReturnDialog))
    back = menu.dialog
    assert isinstance(back, NoReceiptReturnDialog)
    back.items.setPlainText(f"{MILK} 1")
    back.note.setText("sour on opening")
    till.click(back.ok_button)
    till.until(lambda: back.last_refund is not None)
    till.until(lambda: etims.view().no_credit_note == 1, WAIT_MS)
    view = etims.view()
    assert (view.waiting, view.in_doubt, view.parked, view.signed) == (0, 0, 0, 0)
    assert box.calls["saveTrnsSalesOsdc"] == 0  # KRA got nothing
    # its receipt carries no KRA block: no "not yet a tax invoice" promise of a credit
    # note that never comes
    assert back.last_refund is not None
    assert etims.block_for(back.last_refund.refund_id) is None
    # nor does the credit note on screen, from the moment it is shown
    shown = back.credit_note.text.toPlainText()
    assert back.last_refund.number in shown
    assert "NOT YET A TAX INVOICE" not in shown
    assert back.credit_note.kra is None
    later = datetime.now(UTC) + timedelta(days=2)
    assert not view.alert(later)
    line = EtimsStatusLine(till.window.sale, etims, clock=lambda: later)
    assert line.kind == "ok"
    # the manager's queue screen lists it, with the reason
    back.reject()
    till.until(lambda: menu.dialog is None or not menu.dialog.isVisible())
    till.click(menu.buttons["etims_queue"])
    till.until(lambda: isinstance(menu.dialog, EtimsQueueDialog))
    queue = menu.dialog
    assert isinstance(queue, EtimsQueueDialog)
    cells = [queue.table.item(0, c).text() for c in range(queue.table.columnCount())]
    assert cells[1] == "Credit note"
    assert cells[2] == "No credit note"
    assert cells[3] == ""
    assert cells[6] == NO_CREDIT_NOTE
    assert "settled without a credit note: 1" in queue.summary.text()
    queue.table.selectRow(0)
    assert not queue.btn_unpark.isEnabled()  # nothing to put back
