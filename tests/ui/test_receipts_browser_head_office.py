"""The receipts browser asks head office too when a receipt is not in this till's journal:
typing alone never asks it, Enter (a scan ends with it) does; another till's sale is
listed and shown as head office has it (sold at which till, lines, tenders), and never
reprinted here. Head office's answer is given by hand (the endpoint has its own tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from tests.services.test_refund_remote import NUMBER, HeadOffice, _sale
from tests.ui.test_receipts_browser import listed, open_browser, pay_cash, reprints, settle

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"


def test_a_receipt_of_another_till_is_found_at_head_office_on_enter_and_not_reprinted(
    selling: Till,
) -> None:
    till = selling
    pay_cash(till, MILK, "100")  # this till's DEMO-T1-000001
    hq = HeadOffice()
    hq.answers.append([_sale()])
    till.terminal.refunds.use_lookup(hq)
    browser = open_browser(till)

    till.qtbot.keyClicks(browser.search, NUMBER)
    settle(till, browser)
    assert listed(browser) == []
    assert "press Enter to ask head office" in browser.message.text()
    assert hq.asked == []  # typing never asks head office

    till.qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    till.until(lambda: bool(hq.asked) and browser.is_settled())
    till.idle()
    assert hq.asked == [NUMBER]
    assert listed(browser) == [(NUMBER, "")]
    assert browser.shown is not None
    assert browser.shown.number == NUMBER
    shown = browser.text.toPlainText()
    assert "Sold at till T2" in shown
    assert "2 x Brookside Fresh Milk 500ml" in shown
    assert "SGR7ABC123" in shown  # the M-Pesa tender's reference
    assert "Found at head office" in browser.message.text()
    assert not browser.btn_reprint.isEnabled()
    till.qtbot.keyClick(browser.search, Qt.Key.Key_Return)  # Enter again: no reprint
    till.idle()
    assert reprints(till) == []
    assert hq.asked == [NUMBER]  # asked once

    # this till's own receipts are still found here, without asking head office
    browser.search.clear()
    till.qtbot.keyClicks(browser.search, "DEMO-T1-000001")
    till.qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    settle(till, browser)
    assert listed(browser) == [("DEMO-T1-000001", "")]
    assert browser.btn_reprint.isEnabled()
    assert hq.asked == [NUMBER]
