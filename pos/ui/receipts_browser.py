"""The receipt browser: find any past receipt of this till, look at it, reprint it as a COPY.

A customer is back with a receipt, an M-Pesa message or "I paid 1,250 yesterday". The
cashier types (or scans) what they have into the search field and the list narrows as they
type: a receipt number or its last digits, an amount, a payment reference. The day picker
says which day's receipts are listed and which day an amount is looked for on (numbers and
references are found on any day). The chosen receipt shows on the right as it printed;
"Reprint (COPY)" makes an audited copy, marked COPY.

Searches run on the till worker (``Actions.call``), a moment after the last keystroke; a
result that arrives after a newer search was started is dropped. A scanned receipt barcode
ends with Enter: the first Enter after the text changed only runs the search and selects
the match; Enter again reprints it, so a scan never reprints the wrong receipt.

The sale screen opens it with :func:`open_receipt_browser` (F9). Each copy goes to the
receipt printer (``terminal.devices``; a printer without paper queues it) and is reported
through :attr:`ReceiptBrowser.sig_reprinted`.

A sale refunded on this till lists its refunds under its receipt; **Reprint refund**
prints the latest one again, marked COPY (audited by the refund service), with its KRA
credit-note block as it is now: signed (CREDIT NOTE, the original CU invoice number, the
QR code) once KRA signed it, else the provisional mark. Its copy shows on the right and
is reported through :attr:`ReceiptBrowser.sig_refund_reprinted`.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.receipt import Receipt, render_text
from pos.domain.refund import RefundReceipt
from pos.services.etims import KraBlock
from pos.services.receipts import ReceiptService, ReceiptSummary
from pos.services.refund_receipts import refund_text, reprint_refund
from pos.services.refunds import RefundableSale, RefundSummary
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.widgets import TOUCH_HEIGHT, action_button, set_role, show_message

#: wait this long after the last keystroke before searching (a scanner types a whole
#: number well within it: one search per scan)
SEARCH_DELAY_MS = 150
#: list rows tall enough to touch
TOUCH_ROW = 44
#: how many receipts one search lists
LIST_LIMIT = 50
#: the dialog's preferred size; it shrinks to fit a smaller till window (1024 x 768)
PREFERRED = QSize(1000, 700)
#: room left around the dialog inside the till window (its frame and title bar)
WINDOW_MARGIN = QSize(24, 56)
#: the size of a day in the calendar that drops down from the day picker
CALENDAR_CELL = QSize(60, 46)
COLUMNS = (
    QT_TRANSLATE_NOOP("ReceiptBrowser", "Receipt"),
    QT_TRANSLATE_NOOP("ReceiptBrowser", "Time"),
    QT_TRANSLATE_NOOP("ReceiptBrowser", "Total"),
    QT_TRANSLATE_NOOP("ReceiptBrowser", "Paid by"),
    "",
)
VOIDED_MARK = "VOIDED"
_VOIDED_COLOUR = QColor("#a11")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day_text(day: date) -> str:
    return i18n.day_text(day)


class ReceiptBrowser(KauntaDialog):
    """Search field, day picker, the list, the chosen receipt, Reprint (Enter), Close (Esc)."""

    #: a reprint was made (a :class:`Receipt` marked COPY): the sale screen may print it
    sig_reprinted = Signal(object)
    #: a refund's copy (:class:`pos.domain.refund.RefundReceipt`) was made
    sig_refund_reprinted = Signal(object)

    def __init__(self, parent: QWidget, act: Actions, *, select_last_paid: bool = True) -> None:
        """Loads at once (on the till worker): with ``select_last_paid``, the day of the
        last paid receipt with it chosen; else nothing until :meth:`set_today` and
        :meth:`set_day` are called."""
        super().__init__(parent, QCoreApplication.translate("ReceiptBrowser", "Receipts"))
        self.act = act
        self.service: ReceiptService = act.terminal.receipts
        self.results: list[ReceiptSummary] = []
        #: the receipt whose text is on the right (None: none chosen)
        self.shown: ReceiptSummary | None = None
        self._today: date | None = None
        self._wanted: str | None = None  # select this sale when a search lists it
        self._search_seq = 0
        self._shown_seq = 0  # the search whose results are listed
        self._receipt_seq = 0
        self._loaded: str | None = None  # the sale whose receipt text is on the right
        self._searched: tuple[str, date] | None = None  # what the list shows
        self._changed_since_enter = False
        self._enter_again = False  # say that Enter again reprints the chosen receipt
        #: sales listed from head office (another till's): shown, never reprinted here
        self._remote_ids: set[str] = set()
        #: this till's refunds of the receipt on the right (the last one is reprinted)
        self.refunds_shown: list[RefundSummary] = []

        layout = QVBoxLayout(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(
            self.tr("Receipt number or its last digits, amount, or reference")
        )
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._typed)
        self.search.installEventFilter(self)
        layout.addWidget(self.search)
        hint = QLabel(
            self.tr(
                "Scan or type a receipt number, an amount, or an M-Pesa, PayPal or "
                "card reference. Numbers and references are found on any day; amounts "
                "on the day shown."
            ),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        days = QHBoxLayout()
        self.btn_previous = action_button(
            self, self.tr("◀ Previous day"), None, lambda: self._step(-1)
        )
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.day.setMinimumHeight(TOUCH_HEIGHT)
        self.day.setMinimumWidth(190)
        self.day.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the search field
        # the calendar's drop-down as wide as a finger; the day text as large as the rest
        self.day.setStyleSheet(
            f"QDateEdit {{ font-size: 18px; padding-left: 8px; }}"
            f" QDateEdit::drop-down {{ width: {TOUCH_HEIGHT}px; }}"
        )
        self.day.setEnabled(False)  # until the shop's day is known
        calendar = self.day.calendarWidget()
        if calendar is not None:  # day cells a finger can hit (a 7 x 7 grid with its header)
            calendar.setMinimumSize(7 * CALENDAR_CELL.width(), 8 * CALENDAR_CELL.height())
            calendar.setStyleSheet(
                "QCalendarWidget QWidget { font-size: 18px; }"
                f" QCalendarWidget QToolButton {{ min-width: {TOUCH_ROW}px;"
                f" min-height: {TOUCH_ROW}px; }}"
            )
        self.day.dateChanged.connect(lambda _d: self._day_changed())
        self.btn_next = action_button(self, self.tr("Next day ▶"), None, lambda: self._step(1))
        self.btn_today = action_button(self, self.tr("Today"), None, self._go_today)
        days.addWidget(self.btn_previous)
        days.addWidget(self.day, 1)
        days.addWidget(self.btn_next)
        days.addWidget(self.btn_today)
        layout.addLayout(days)

        body = QHBoxLayout()
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) if c else c for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a scan always lands in the field
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(TOUCH_ROW)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumWidth(470)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        body.addWidget(self.table, 5)

        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(10)
        self.text.setFont(font)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # a whole 42-column receipt line, the scroll bar and the frame
        columns = self.text.fontMetrics().horizontalAdvance("M" * 42)
        self.text.setMinimumWidth(columns + 36)
        self.text.setMinimumHeight(260)
        body.addWidget(self.text, 4)
        layout.addLayout(body, 1)

        # two lines, always: nothing moves when a message comes or goes
        self.message.setFixedHeight(2 * self.message.fontMetrics().lineSpacing() + 8)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(action_button(self, self.tr("Close"), "Esc", self.reject))
        buttons.addStretch(1)
        # Enter has its own shortcut (see _enter): a scanner's Enter must not reprint
        self.btn_reprint = action_button(
            self, self.tr("Reprint (COPY)") + "\nEnter", None, self.reprint
        )
        self.btn_reprint.setProperty("role", "primary")
        self.btn_reprint.setToolTip(self.tr("Reprint the chosen receipt, marked COPY (Enter)"))
        self.btn_reprint.setMinimumWidth(220)
        self.btn_reprint.setEnabled(False)
        self.btn_reprint_refund = action_button(
            self, self.tr("Reprint refund (COPY)"), None, self.reprint_refund
        )
        self.btn_reprint_refund.setToolTip(
            self.tr("Reprint the latest refund of the chosen receipt, marked COPY")
        )
        self.btn_reprint_refund.setVisible(False)
        buttons.addWidget(self.btn_reprint_refund)
        buttons.addWidget(self.btn_reprint)
        layout.addLayout(buttons)
        for key in ("Return", "Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(self._enter)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self._update_day_buttons()
        self.search.setFocus()
        if select_last_paid:
            self.show_last_paid()

    # -- size -------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        """:data:`PREFERRED`, made smaller to fit inside the till window (never below the
        layout's minimum, which fits 1024 x 768)."""
        parent = self.parentWidget()
        if parent is None:
            return PREFERRED
        room = parent.window().size() - WINDOW_MARGIN
        return PREFERRED.boundedTo(room).expandedTo(self.minimumSizeHint())

    def open(self) -> None:
        """Open at :meth:`sizeHint` (``adjustSize`` alone stops at two thirds of the
        screen), centred on the till window."""
        super().open()
        self.resize(self.sizeHint())
        parent = self.parentWidget()
        if parent is not None:
            top = parent.window()
            centre = top.mapToGlobal(top.rect().center())
            self.move(centre.x() - self.width() // 2, max(centre.y() - self.height() // 2, 0))

    # -- opening ----------------------------------------------------------------------------
    def show_last_paid(self) -> None:
        """Open on the day of this till's last paid sale with it chosen (today, with
        nothing chosen, before the first sale). A voided sale is never the last paid."""

        def opened(found: tuple[date, ReceiptSummary | None]) -> None:
            today, last = found
            self._wanted = last.sale_id if last is not None else None
            self.set_today(today)
            self.set_day(last.day if last is not None else today)
            if last is None:
                show_message(
                    self.message, self.tr("No sale has been paid on this till yet."), error=False
                )

        svc = self.service
        self.act.call(lambda: (svc.today(), svc.last_paid()), opened, self._failed)

    def set_today(self, today: date) -> None:
        """The shop's business day now: the latest day the picker offers."""
        self._today = today
        self.day.setMaximumDate(_qdate(today))
        self.day.setEnabled(True)
        self._update_day_buttons()

    def set_day(self, day: date) -> None:
        """List ``day``'s receipts (and look for amounts on it)."""
        if self.day.date() == _qdate(day):
            self._day_changed()  # same day: search again all the same
        else:
            self.day.setDate(_qdate(day))

    def current_day(self) -> date:
        picked = self.day.date().toPython()
        assert isinstance(picked, date)
        return picked

    # -- the day picker ---------------------------------------------------------------------
    def _step(self, days: int) -> None:
        self.day.setDate(self.day.date().addDays(days))

    def _go_today(self) -> None:
        if self._today is not None:
            self.set_day(self._today)

    def _day_changed(self) -> None:
        self._update_day_buttons()
        self._search_timer.stop()
        self._run_search()

    def _update_day_buttons(self) -> None:
        known = self._today is not None
        at_today = self._today is not None and self.current_day() >= self._today
        self.btn_previous.setEnabled(known)
        self.btn_next.setEnabled(known and not at_today)
        self.btn_today.setEnabled(known and not at_today)

    # -- searching --------------------------------------------------------------------------
    def query(self) -> str:
        return self.search.text().strip()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            moves = {
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_PageUp: -8,
                Qt.Key.Key_PageDown: 8,
            }
            step = moves.get(Qt.Key(event.key()))
            if step is not None:
                self._move_selection(step)
                return True
        return super().eventFilter(watched, event)

    def _typed(self, _text: str) -> None:
        self._changed_since_enter = True
        self._enter_again = False
        self._search_timer.start()

    def _run_search(self) -> None:
        self._search_timer.stop()
        text, day = self.query(), self.current_day()
        self._search_seq += 1
        seq = self._search_seq
        svc = self.service

        def show(found: list[ReceiptSummary], remote: bool = False) -> None:
            if seq != self._search_seq:
                return  # a newer search was started meanwhile
            refunds = self.act.terminal.refunds
            # after Enter (a scan ends with it), a receipt not found here is asked of head
            # office; typing alone never asks it
            ask = self._enter_again and text.strip() and refunds.asks_head_office
            if not found and not remote and ask:
                show_message(
                    self.message,
                    self.tr("Not in this till's journal: asking head office…"),
                    error=False,
                )
                self.act.steps(
                    lambda: refunds.find_at_head_office_steps(text),
                    lambda there: show(there, remote=True),
                    lambda error: failed_there(error),
                )
                return
            self._searched = (text, day)
            self._shown_seq = seq
            self._remote_ids = {r.sale_id for r in found} if remote else set()
            self._show_results(found)
            if remote and found:
                show_message(
                    self.message,
                    self.tr(
                        "Found at head office: sold at another till of this shop. Its copy is "
                        "reprinted there; a refund is made from Refunds."
                    ),
                    error=False,
                )

        def failed_there(error: BaseException) -> None:
            if seq == self._search_seq:
                self._searched = (text, day)
                self._shown_seq = seq
                self._remote_ids = set()
                self._show_results([])
                self._failed(error)

        self.act.call(lambda: svc.find(text, day, LIST_LIMIT), show, self._failed)

    def is_settled(self) -> bool:
        """Is everything on screen up to date: the list for what is typed and the day
        shown, and the chosen receipt's text (tests and the sale screen wait on it)."""
        loaded = self.shown is None or self._loaded == self.shown.sale_id
        return self._current() and loaded

    def _current(self) -> bool:
        """Does the list show the newest search's results, for what is typed and the day
        shown (no keystroke waiting, no search running)?"""
        return (
            not self._search_timer.isActive()
            and self._shown_seq == self._search_seq
            and self._searched == (self.query(), self.current_day())
        )

    def _show_results(self, found: list[ReceiptSummary]) -> None:
        self.results = found
        keep = self._wanted or (self.shown.sale_id if self.shown is not None else None)
        self._wanted = None
        self.table.blockSignals(True)
        self.table.setRowCount(len(found))
        shown_day = self.current_day()
        for row, r in enumerate(found):
            when = r.closed_at
            time_text = (
                f"{when:%H:%M}" if r.day == shown_day else f"{when.day} {when:%b} {when:%H:%M}"
            )
            cells = (
                r.number,
                time_text,
                r.total.amount_text(),
                ", ".join(r.methods) or "—",
                VOIDED_MARK if r.voided else "",
            )
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if r.voided:
                    item.setForeground(QBrush(_VOIDED_COLOUR))
                    if col == 4:
                        bold = item.font()
                        bold.setBold(True)
                        item.setFont(bold)
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        if not found:
            self.table.clearSelection()
            self._show_receipt(None, None)
            show_message(self.message, self._nothing_found(), error=False)
            return
        rows = [i for i, r in enumerate(found) if r.sale_id == keep]
        self._select_row(rows[0] if rows else 0)
        if self.is_settled():  # the same receipt is still chosen: its text stays
            self._describe_choice()

    def _nothing_found(self) -> str:
        text, day = self.query(), self.current_day()
        if not text:
            return self.tr("No receipts on {day}.").format(day=_day_text(day))
        if self.act.terminal.refunds.asks_head_office and not self._enter_again:
            return self.tr(
                "Nothing matches “{text}” on this till (amounts are looked for on {day}): "
                "press Enter to ask head office."
            ).format(text=text, day=_day_text(day))
        return self.tr("Nothing matches “{text}” (amounts are looked for on {day}).").format(
            text=text, day=_day_text(day)
        )

    # -- choosing and showing a receipt -----------------------------------------------------
    def selected(self) -> ReceiptSummary | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.results):
            return None
        return self.results[rows[0].row()]

    def _select_row(self, row: int) -> None:
        self.table.selectRow(row)
        item = self.table.item(row, 0)
        if item is not None:
            self.table.scrollToItem(item)
        self._selection_changed()

    def _move_selection(self, step: int) -> None:
        if not self.results:
            return
        current = self.table.currentRow()
        self._select_row(max(0, min(len(self.results) - 1, current + step)))

    def _selection_changed(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        if self.shown is not None and self.shown.sale_id == chosen.sale_id:
            return
        self._receipt_seq += 1
        seq = self._receipt_seq
        svc, etims = self.service, self.act.terminal.etims

        def show(found: tuple[Receipt, KraBlock | None]) -> None:
            if seq == self._receipt_seq:
                self._show_receipt(chosen, found[0], found[1])

        self.shown = chosen
        self.btn_reprint.setEnabled(False)  # until its text is on screen
        self._no_refunds()
        if chosen.sale_id in self._remote_ids:  # another till's: head office's copy
            refunds = self.act.terminal.refunds

            def show_remote(sale: RefundableSale) -> None:
                if seq == self._receipt_seq:
                    self._show_remote(chosen, sale)

            self.act.call(lambda: refunds.refundable(chosen.sale_id), show_remote, self._failed)
            return
        # the KRA block as it is now (signed by KRA, or still provisional), read there too
        self.act.call(
            lambda: (svc.receipt(chosen.sale_id), etims.block_for(chosen.sale_id)),
            show,
            self._failed,
        )

    def _show_receipt(
        self,
        summary: ReceiptSummary | None,
        receipt: Receipt | None,
        kra: KraBlock | None = None,
    ) -> None:
        self.shown = summary
        self._loaded = summary.sale_id if summary is not None and receipt is not None else None
        self._no_refunds()
        if receipt is None:
            self.text.setPlainText("")
            self.btn_reprint.setEnabled(False)
            return
        lines = render_text(receipt, say=i18n.receipt_say())
        self.text.setPlainText(
            "\n".join([*lines, *(kra.text_lines(say=i18n.receipt_say()) if kra else [])])
        )
        self.btn_reprint.setEnabled(True)
        self._describe_choice()
        if summary is not None:  # refunds of this sale, under its receipt
            refunds, sale_id = self.act.terminal.refunds, summary.sale_id
            self.act.call(
                lambda: refunds.refunds_of_sale(sale_id),
                lambda found: self._show_refunds(sale_id, found),
                self._failed,
            )

    def _show_remote(self, summary: ReceiptSummary, sale: RefundableSale) -> None:
        """Another till's sale as head office has it: what was sold and paid and what went
        back, not a receipt (it is reprinted at the till that sold it: Reprint stays off)."""
        self.shown = summary
        self._loaded = summary.sale_id
        lines = [
            self.tr("Receipt {number} · {when}").format(
                number=sale.number, when=sale.closed_at.strftime("%d/%m/%Y %H:%M")
            ),
            self.tr("Sold at till {terminal} (head office's copy).").format(terminal=sale.sold_at),
            "",
        ]
        lines += [f"{ln.quantity} x {ln.name}  {ln.total}" for ln in sale.lines]
        lines += ["", self.tr("Total {total}").format(total=sale.total)]
        lines += [
            " ".join(p for p in (t.label, str(t.paid), t.reference) if p) for t in sale.tenders
        ]
        if sale.refunds:
            lines += [
                "",
                self.tr("Refunded before: {numbers}.").format(numbers=", ".join(sale.refunds)),
            ]
        self.text.setPlainText("\n".join(lines))
        self.btn_reprint.setEnabled(False)

    def _no_refunds(self) -> None:
        self.refunds_shown = []
        self.btn_reprint_refund.setVisible(False)

    def _show_refunds(self, sale_id: str, found: list[RefundSummary]) -> None:
        if not found or self._loaded != sale_id:
            return
        self.refunds_shown = list(found)
        self.btn_reprint_refund.setVisible(True)
        self.btn_reprint_refund.setEnabled(True)
        self.text.appendPlainText("")
        for r in found:
            self.text.appendPlainText(
                self.tr("REFUNDED {number} · {when} · -{total}").format(
                    number=r.number,
                    when=r.closed_at.astimezone(self.act.terminal.ctx.zone).strftime(
                        "%d/%m/%Y %H:%M"
                    ),
                    total=r.total,
                )
            )

    def _describe_choice(self) -> None:
        """The message line for the chosen receipt: a void is not a proof of payment;
        after a scan's (or a typed search's) Enter, how to reprint it."""
        chosen = self.shown
        parts: list[str] = []
        if chosen is not None and chosen.voided:
            parts.append(
                self.tr("{number} was voided: it is not a proof of payment.").format(
                    number=chosen.number
                )
            )
        if chosen is not None and self._enter_again:
            parts.append(
                self.tr("Press Enter again to reprint {number} as a COPY.").format(
                    number=chosen.number
                )
            )
        if parts:
            show_message(self.message, " ".join(parts), error=chosen is not None and chosen.voided)
        else:
            self.message.clear()
            set_role(self.message, "info")

    # -- reprinting -------------------------------------------------------------------------
    def _enter(self) -> None:
        """Enter: the first one after the text changed searches at once and chooses the
        top match (a scanner ends with Enter); Enter with the list up to date reprints."""
        if self._changed_since_enter:
            self._changed_since_enter = False
            self._enter_again = True
            stale = self._search_timer.isActive() or self._searched != (
                self.query(),
                self.current_day(),
            )
            # nothing here: searched again, which asks head office (another till's sale)
            if stale or (not self.results and self.act.terminal.refunds.asks_head_office):
                self._run_search()
            if self.is_settled():
                self._describe_choice()  # else: said once the match is on screen
            return
        if not self._current():
            return  # the list is about to change: never reprint what is going away
        self.reprint()

    def reprint(self) -> None:
        """Reprint the chosen receipt, marked COPY (audited); its copy shows on the right."""
        chosen = self.shown
        if chosen is None or not self.btn_reprint.isEnabled() or chosen.sale_id in self._remote_ids:
            return
        self._enter_again = False
        self.btn_reprint.setEnabled(False)
        svc, etims = self.service, self.act.terminal.etims

        def done(found: tuple[Receipt, KraBlock | None]) -> None:
            copy, kra = found
            self.btn_reprint.setEnabled(True)
            if self.shown is not None and self.shown.sale_id == chosen.sale_id:
                lines = render_text(copy, say=i18n.receipt_say())
                self.text.setPlainText(
                    "\n".join([*lines, *(kra.text_lines(say=i18n.receipt_say()) if kra else [])])
                )
            devices = self.act.terminal.devices
            printing = devices.reprint(copy, kra) if devices is not None else None
            show_message(
                self.message,
                (
                    self.tr("Copy of {number} sent to the printer, marked COPY.")
                    if printing is not None
                    else self.tr(
                        "Copy of {number} made, marked COPY (no receipt printer is set up "
                        "on this till: show it on screen)."
                    )
                ).format(number=chosen.number),
                error=False,
            )
            self.sig_reprinted.emit(copy)

        def failed(error: BaseException) -> None:
            self.btn_reprint.setEnabled(True)
            self._failed(error)

        # the copy with its KRA block as it is now: signed once KRA signed (marked COPY)
        self.act.call(
            lambda: (svc.reprint(chosen.sale_id), etims.block_for(chosen.sale_id, copy=True)),
            done,
            failed,
        )

    def reprint_refund(self) -> None:
        """Reprint the latest refund of the chosen receipt, marked COPY (audited), with
        its KRA credit-note block as it is now (read on the till worker); its copy shows
        on the right."""
        chosen = self.shown
        if chosen is None or not self.refunds_shown:
            return
        latest = self.refunds_shown[-1]
        refunds, etims = self.act.terminal.refunds, self.act.terminal.etims
        self.btn_reprint_refund.setEnabled(False)

        def copy() -> tuple[RefundReceipt, KraBlock | None]:
            receipt = refunds.receipt(latest.refund_id, reprint=True)
            return receipt, etims.block_for(latest.refund_id, copy=True)

        def done(found: tuple[RefundReceipt, KraBlock | None]) -> None:
            receipt, kra = found
            self.btn_reprint_refund.setEnabled(True)
            if self.shown is not None and self.shown.sale_id == chosen.sale_id:
                self.text.setPlainText("\n".join(refund_text(receipt, kra, i18n.receipt_say())))
            printing = reprint_refund(self.act.terminal.devices, receipt, kra)
            show_message(
                self.message,
                (
                    self.tr("Copy of refund {number} sent to the printer, marked COPY.")
                    if printing is not None
                    else self.tr(
                        "Copy of refund {number} made, marked COPY (no receipt printer is "
                        "set up on this till: show it on screen)."
                    )
                ).format(number=receipt.number),
                error=False,
            )
            self.sig_refund_reprinted.emit(receipt)

        def failed(error: BaseException) -> None:
            self.btn_reprint_refund.setEnabled(True)
            self._failed(error)

        self.act.call(copy, done, failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))


def open_receipt_browser(parent: QWidget, act: Actions) -> ReceiptBrowser:
    """Open the receipt browser over ``parent`` on the last paid receipt (F9).

    The browser is window-modal and reports through signals (``finished``,
    :attr:`ReceiptBrowser.sig_reprinted`); the caller keeps the returned dialog. To open
    it the sale screen's way instead: ``self._open(ReceiptBrowser(self, self.act))``.
    """
    browser = ReceiptBrowser(parent, act)
    browser.open()
    return browser
