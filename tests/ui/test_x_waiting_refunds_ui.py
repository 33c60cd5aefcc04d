"""The X report on the real till window (pytest-qt) with a refund still waiting: the
dialog says above the printer lines how many wait, what they come to and that they are
not counted yet and must be resolved before the Z; the printer lines, the CSV and the PDF
(written from those lines) carry the list. With nothing waiting the warning is hidden.

The waiting attempt is stored as the refund service stores one whose method has not
answered (the card terminal going away mid-refund is played out on screen in
``tests/ui/test_refund_waiting_ui.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pos.domain.money import Money
from pos.services import refund_attempts as attempts
from pos.services.refund_attempts import RefundAttemptState as S
from pos.ui.manager.reports_view import ReportDialog
from tests.ui.test_manager_shift_flow import MANAGER, MANAGER_PIN, _menu, _tool

if TYPE_CHECKING:
    from conftest import Till


def _refund_waits(till: Till, amount: Money) -> None:
    term = till.terminal
    now = term.clock.now()
    with term.db.session() as s:
        attempts.add(
            s,
            attempt="A-ui-1",
            refund_id="R-ui",
            sale_id="S-any",
            payment_id="P-any",
            terminal_id=term.ctx.terminal_id,
            method="card_zvt",
            amount=amount,
            request="{}",
            created_by="tester",
            now=now,
        )
        attempts.move(s, "A-ui-1", S.PENDING, now)


def test_the_x_screen_warns_of_a_waiting_refund_and_exports_it(till: Till, tmp_path: Path) -> None:
    _refund_waits(till, Money(6500, "KES"))
    till.login(MANAGER, MANAGER_PIN)
    menu = _menu(till)
    x = _tool(till, menu, "x_report", ReportDialog)
    till.until(x.isVisible)
    assert x.waiting.isVisible()
    warning = x.waiting.text()
    assert warning.startswith("Refunds waiting: 1 (KES 65.00).")
    assert "not counted in this report yet" in warning
    assert "before the Z" in warning
    assert "REFUNDS WAITING (1)" in x.lines
    assert "REFUNDS WAITING (1)" in x.text.toPlainText()
    csv_path = x.export_csv(tmp_path / "x.csv")
    assert csv_path is not None
    assert "refunds waiting,total,1,65.00,KES" in csv_path.read_text(encoding="utf-8")
    pdf_path = x.export_pdf(tmp_path / "x.pdf")
    assert pdf_path is not None
    assert pdf_path.read_bytes().startswith(b"%PDF")
    x.accept()

    with till.terminal.db.session() as s:
        attempts.move(s, "A-ui-1", S.DECLINED, till.terminal.clock.now())
    x = _tool(till, menu, "x_report", ReportDialog)
    till.until(x.isVisible)
    assert not x.waiting.isVisible()
    assert x.report.waiting_refunds == ()
    assert not any("WAITING" in line for line in x.lines)
