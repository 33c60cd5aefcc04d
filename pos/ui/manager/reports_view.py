"""X and Z reports on screen: the printer layout, printed, or exported as CSV or PDF.

The screen shows the same lines the receipt printer prints (``report_lines``, in the
screens' language, tenders by their method's label), so what the manager checks is what
is filed. An X with refunds still waiting says so above the lines as well (how many, what
they come to, that they are not counted yet and must be resolved before the Z). Print
sends those lines, laid out for the paper's width, to the receipt printer through the
device service, the receipts' own queue: a printer offline or out of paper keeps the
report and prints it when it is ready, and the dialog says which happened. Exports go to
the folder the manager chooses; CSV cells are safe against formula injection
(``pos.domain.csv_safe``).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Money
from pos.services.devices import PrintOutcome
from pos.services.period import PeriodReport
from pos.services.report_layout import report_csv, report_lines
from pos.services.zreports import ZSummary
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.manager.reports_pdf import write_pdf
from pos.ui.widgets import action_button, set_role

log = logging.getLogger(__name__)


class ReportDialog(KauntaDialog):
    """One X or Z report: its lines, and buttons to print and export them."""

    #: how a print job ended (a ``PrintOutcome`` or the error), from the printer's thread
    sig_printed = Signal(object)

    def __init__(
        self,
        parent: QWidget,
        report: PeriodReport,
        export_dir: Path,
        zone: tzinfo | None = None,
        actions: Actions | None = None,
    ) -> None:
        """``zone``: the shop's time zone, for the period's times (stored in UTC);
        ``actions``: the till's, whose devices print the report (None: Print says there
        is no printer)."""
        title = (
            self.tr("Z report {number}").format(number=report.z_number)
            if report.kind == "Z"
            else self.tr("X report")
        )
        super().__init__(parent, title)
        self.report = report
        self.export_dir = export_dir
        self.zone = zone
        self._actions = actions
        self.sig_printed.connect(self._printed)
        self.lines = report_lines(report, say=i18n.text, zone=zone)
        layout = QVBoxLayout(self)
        self.waiting = QLabel(self)
        self.waiting.setWordWrap(True)
        set_role(self.waiting, "error")
        if report.waiting_refunds:
            amounts = ", ".join(str(Money(v, c)) for c, v in report.waiting_value())
            self.waiting.setText(
                self.tr(
                    "Refunds waiting: {count} ({amounts}). They are not counted in this "
                    "report yet: resolve each in the refund dialog (Check again, or settle "
                    "by hand) before the Z."
                ).format(count=report.waiting_count, amounts=amounts)
            )
        else:
            self.waiting.hide()
        layout.addWidget(self.waiting)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(font)
        self.text.setPlainText("\n".join(self.lines))
        self.text.setMinimumSize(460, 420)
        self.text.setMaximumHeight(560)
        layout.addWidget(self.text)
        layout.addWidget(self.message)
        self.csv_button = action_button(self, self.tr("Export CSV"), "Ctrl+E", self._csv)
        self.pdf_button = action_button(self, self.tr("Export PDF"), "Ctrl+D", self._pdf)
        self.print_button = action_button(self, self.tr("Print"), "Ctrl+P", self.print_report)
        self.ok_button = self.add_buttons(
            layout,
            self.tr("Close"),
            self.accept,
            self.print_button,
            self.csv_button,
            self.pdf_button,
        )

    def print_report(self) -> None:
        """Print the report's printer layout on the receipt printer (its own queue)."""
        devices = self._actions.terminal.devices if self._actions is not None else None
        columns = devices.report_columns if devices is not None else None
        if devices is None or columns is None:
            self.show_error(
                self.tr(
                    "No receipt printer is set up on this till: export the report as PDF instead."
                )
            )
            return
        lines = report_lines(self.report, columns, say=i18n.text, zone=self.zone)
        r = self.report
        job = f"Z{r.z_number}" if r.kind == "Z" else f"X-{r.made_at[:19]}"
        done = devices.print_report(lines, job)
        if done is None:  # the printer went away since
            self.show_error(self.tr("No receipt printer is set up on this till."))
            return
        self.show_info(self.tr("Sending the report to the printer…"))
        done.add_done_callback(self._job_done)

    def _job_done(self, done: Future[PrintOutcome]) -> None:
        """On the printer's thread: hand the outcome to the GUI thread."""
        error = done.exception()
        try:
            self.sig_printed.emit(error if error is not None else done.result())
        except RuntimeError:  # the dialog was closed meanwhile: the job itself is kept
            log.info("report print finished after its dialog closed: %s", error or "ok")

    def _printed(self, outcome: object) -> None:
        """On the GUI thread: say whether the report printed, waits for the printer (kept
        in its queue, nothing to do again), or failed."""
        if outcome is PrintOutcome.PRINTED:
            self.show_info(self.tr("The report was printed."))
        elif outcome is PrintOutcome.QUEUED:
            self.show_error(
                self.tr(
                    "The printer is not ready: the report is kept and prints as soon as the "
                    "printer is ready."
                )
            )
        else:
            self.show_error(
                self.tr("The report was not printed: {error}. Try again, or export a PDF.").format(
                    error=outcome
                )
            )

    def _csv(self) -> None:
        self.export_csv()

    def _pdf(self) -> None:
        self.export_pdf()

    def _name(self, suffix: str) -> Path:
        r = self.report
        kind = f"z{r.z_number:05d}" if r.kind == "Z" else "x-" + r.made_at[:19].replace(":", "")
        return self.export_dir / f"kaunta-{r.terminal_id}-{kind}.{suffix}"

    def export_csv(self, path: Path | None = None) -> Path | None:
        target = path or self._name("csv")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(report_csv(self.report), encoding="utf-8", newline="")
        except OSError as error:
            self.show_error(
                self.tr("Could not write {path}: {error}").format(path=target, error=error)
            )
            return None
        self.show_info(self.tr("Saved {path}").format(path=target))
        return target

    def export_pdf(self, path: Path | None = None) -> Path | None:
        target = path or self._name("pdf")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_pdf(self.lines, target, self.windowTitle())
        except OSError as error:
            self.show_error(
                self.tr("Could not write {path}: {error}").format(path=target, error=error)
            )
            return None
        self.show_info(self.tr("Saved {path}").format(path=target))
        return target

    def choose_dir(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Export to"), str(self.export_dir))
        if chosen:
            self.export_dir = Path(chosen)


class ZListDialog(KauntaDialog):
    """The till's Z reports, newest first: pick one to reprint (never re-run)."""

    def __init__(
        self, parent: QWidget, actions: Actions, zs: list[ZSummary], export_dir: Path
    ) -> None:
        super().__init__(parent, self.tr("Z reports"))
        self._actions = actions
        self._zs = zs
        self._export_dir = export_dir
        self.report_dialog: ReportDialog | None = None
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        for z in zs:
            self.list.addItem(
                self.tr("Z {number} · {day}").format(number=z.number, day=z.business_date)
            )
        if zs:
            self.list.setCurrentRow(0)
        self.list.setMinimumSize(360, 300)
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Reprint"), self._reprint)

    def _reprint(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            self.show_error(self.tr("There is no Z report yet."))
            return
        z_id = self._zs[row].z_id
        zreports = self._actions.terminal.zreports
        self._actions.call(
            lambda: zreports.reprint(z_id),
            self._show,
            lambda e: self.show_error(describe_error(e)),
        )

    def _show(self, report: PeriodReport) -> None:
        zone = self._actions.terminal.ctx.zone
        self.report_dialog = ReportDialog(self, report, self._export_dir, zone, self._actions)
        self.report_dialog.open()
