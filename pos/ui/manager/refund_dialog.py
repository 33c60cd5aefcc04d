"""The refund screen: find the sale, choose lines and quantities, give the money back.

The sale is found as in the receipt browser (:meth:`ReceiptService.find`): its receipt
number or last digits (a scanned receipt barcode), an amount on the chosen day, or an
M-Pesa, PayPal or card reference. Choosing a receipt loads what each line can still give
back (:meth:`RefundService.refundable`: earlier refunds counted), so a quantity can never
be set above what is left. Each tender offers the ways its method can give money back
(the first is the default): through the method (PayPal's capture refund, a card method
that declares refunds), by hand (an M-Pesa reversal the manager makes, its reference typed
here) or as cash (for a non-cash tender with a manager's approval). Every figure shown is
the service's own quote; the refund itself runs as steps (gateway calls off the till
worker) with the approval dialog when a permission is missing.

Money that goes back through a card terminal is the terminal's business: the dialog says
to follow its screen (a refund to the card needs the card again; a reversal does not) and
then shows what the terminal answered (approval code, masked card, its receipt number).
A decline records nothing, and the message says what to do. A terminal that stops
answering after the refund was sent leaves the refund waiting (stored by the service before
the terminal was asked): the dialog shows a line for each waiting refund ("Card refund
waiting for the terminal's answer: …") with what to do, and **Check again** asks the
terminal (the service completes the refund once, or drops it when no money went back).
One the terminal cannot tell about (or still unanswered after Check again: a terminal
gone for good) is settled by hand (**It went back** / **It did not go back**, with what its
journal shows): a manager's action, checked and audited by the service.

A completed refund prints its own receipt on the receipt printer (in training, in the
"printed receipt" panel); **Reprint refund** prints the latest refund of the sale again,
marked COPY (audited). A refund is a credit note to KRA: its receipt waits for KRA's
signature as a sale's does (``pos.services.refund_receipts.print_refund``) and carries the
KRA block (CREDIT NOTE, the original CU invoice number, the QR code) or the provisional
mark; the dialog shows the credit note (:class:`pos.ui.credit_note.CreditNoteView`),
which turns signed on screen once KRA signs, and a reprint carries the block as it is now.

A return without a receipt is its own dialog (:class:`NoReceiptReturnDialog`): a manager's
action, a reason, cash at today's prices, audited by the service.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.refund import REASON_CODES, RefundReceipt, TenderHow
from pos.services.devices import PrintOutcome
from pos.services.etims import KraBlock
from pos.services.receipts import ReceiptSummary
from pos.services.refund_attempts import RefundAttemptState
from pos.services.refund_receipts import print_refund, reprint_refund
from pos.services.refund_recovery import WAITING_LINE
from pos.services.refunds import (
    PendingRefund,
    RefundableSale,
    RefundDone,
    RefundPlan,
    RefundRequest,
    RefundWaiting,
    RefusedRefund,
    ResolvedRefund,
)
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.credit_note import CreditNoteView
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.widgets import TOUCH_HEIGHT, action_button, set_role

CONTEXT = "RefundDialog"
#: wait this long after the last keystroke before searching (one search per scan)
SEARCH_DELAY_MS = 150
RESULTS_HEIGHT = 124
#: Qt's "no maximum" for a widget's size
QWIDGETSIZE_MAX = 16777215
REASONS: dict[str, str] = {
    "damaged": QT_TRANSLATE_NOOP("RefundDialog", "Damaged"),
    "wrong_item": QT_TRANSLATE_NOOP("RefundDialog", "Wrong item"),
    "wrong_price": QT_TRANSLATE_NOOP("RefundDialog", "Wrong price"),
    "changed_mind": QT_TRANSLATE_NOOP("RefundDialog", "Changed their mind"),
    "expired": QT_TRANSLATE_NOOP("RefundDialog", "Expired"),
    "other": QT_TRANSLATE_NOOP("RefundDialog", "Other (say why)"),
}
WAYS: dict[TenderHow, str] = {
    TenderHow.METHOD: QT_TRANSLATE_NOOP("RefundDialog", "Through the method"),
    TenderHow.BY_HAND: QT_TRANSLATE_NOOP("RefundDialog", "Reversal by hand (type its reference)"),
    TenderHow.CASH: QT_TRANSLATE_NOOP("RefundDialog", "Cash from the drawer"),
}
assert set(REASONS) == set(REASON_CODES)


def _tr(source: str) -> str:
    return QCoreApplication.translate(CONTEXT, source)


def _reason_box(parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.setMinimumHeight(TOUCH_HEIGHT)
    for code in REASON_CODES:
        box.addItem(_tr(REASONS[code]), code)
    return box


class RefundDialog(KauntaDialog):
    """Find a sale and refund chosen lines of it by its own tenders."""

    def __init__(self, parent: QWidget, actions: Actions, today: date) -> None:
        super().__init__(parent, self.tr("Refund"))
        self._actions = actions
        self.sale: RefundableSale | None = None
        self.plan: RefundPlan | None = None
        self.last_refund: RefundDone | None = None
        #: the print job of the last refund receipt sent (None: no printer)
        self.printed: Future[PrintOutcome] | None = None
        self.found: list[ReceiptSummary] = []
        self._search_no = 0
        self._quote_no = 0
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Refund: find the sale"), self)
        set_role(head, "title")
        layout.addWidget(head)

        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(
            self.tr("Scan the receipt, or type its number, the amount or the payment reference")
        )
        self.search.setMinimumHeight(TOUCH_HEIGHT)
        self.search.setMinimumWidth(420)
        self.day = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setMinimumHeight(TOUCH_HEIGHT)
        row.addWidget(self.search, 1)
        row.addWidget(QLabel(self.tr("Day"), self))
        row.addWidget(self.day)
        layout.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        # Enter in the search field (a scanner sends it after the number) searches, asking
        # head office too, and never presses Refund (the dialog's Enter shortcut)
        self.search.installEventFilter(self)
        self.search.returnPressed.connect(lambda: self.search_now(ask_head_office=True))
        self.day.dateChanged.connect(lambda _d: self.search_now())

        self.results = self._table(
            [self.tr("Receipt"), self.tr("Time"), self.tr("Total"), self.tr("Paid by")]
        )
        self.results.setMaximumHeight(RESULTS_HEIGHT)
        self.results.itemSelectionChanged.connect(self._chosen)
        layout.addWidget(self.results)

        self.sale_label = QLabel("", self)
        self.sale_label.setWordWrap(True)
        layout.addWidget(self.sale_label)
        # refunds through a method still waiting for its answer (this till's, any sale)
        self.pending: list[PendingRefund] = []
        self._asked_again = False  # Check again was pressed (settling by hand is offered)
        self.waiting_label = QLabel("", self)
        self.waiting_label.setWordWrap(True)
        set_role(self.waiting_label, "error")
        self.waiting_label.setVisible(False)
        layout.addWidget(self.waiting_label)
        # this till's refunds head office refused: money handed back it does not count
        self.refused_label = QLabel("", self)
        self.refused_label.setWordWrap(True)
        set_role(self.refused_label, "error")
        self.refused_label.setVisible(False)
        self.refused: list[RefusedRefund] = []
        layout.addWidget(self.refused_label)
        self.settle_row = QWidget(self)
        settle = QHBoxLayout(self.settle_row)
        settle.setContentsMargins(0, 0, 0, 0)
        self.settle_note = QLineEdit(self.settle_row)
        self.settle_note.setPlaceholderText(
            self.tr("Only after looking: what the terminal's journal shows (its receipt number)")
        )
        self.settle_note.setMinimumHeight(TOUCH_HEIGHT)
        self.went_back_button = action_button(
            self.settle_row, self.tr("It went back"), None, lambda: self.settle(True)
        )
        self.not_back_button = action_button(
            self.settle_row, self.tr("It did not go back"), None, lambda: self.settle(False)
        )
        settle.addWidget(self.settle_note, 1)
        settle.addWidget(self.went_back_button)
        settle.addWidget(self.not_back_button)
        self.settle_row.setVisible(False)
        layout.addWidget(self.settle_row)
        self.lines = self._table(
            [self.tr("Item"), self.tr("Sold"), self.tr("Refunded"), self.tr("Refund now")]
        )
        self.lines.setMinimumHeight(TOUCH_HEIGHT + 36)  # header and a row: room for the rest
        layout.addWidget(self.lines)
        self.spins: list[QSpinBox] = []
        self.tender_grid = QGridLayout()
        layout.addLayout(self.tender_grid)
        self.ways: dict[str, QComboBox] = {}
        self.references: dict[str, QLineEdit] = {}

        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel(self.tr("Reason"), self))
        self.reason = _reason_box(self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("What happened (needed for Other)"))
        self.note.setMinimumHeight(TOUCH_HEIGHT)
        reason_row.addWidget(self.reason)
        reason_row.addWidget(self.note, 1)
        layout.addLayout(reason_row)
        self.quote_label = QLabel("", self)
        self.quote_label.setWordWrap(True)
        font = self.quote_label.font()
        font.setBold(True)
        self.quote_label.setFont(font)
        layout.addWidget(self.quote_label)
        #: the last refund's credit note (hidden until a refund is done or reprinted)
        self.credit_note = CreditNoteView(self, height=150)
        self.credit_note.hide()
        layout.addWidget(self.credit_note)
        layout.addWidget(self.message)
        self.all_button = action_button(self, self.tr("All that is left"), "F5", self.choose_all)
        self.reprint_button = action_button(
            self, self.tr("Reprint refund"), "F6", self.reprint_latest
        )
        self.reprint_button.setEnabled(False)
        self.check_button = action_button(self, self.tr("Check again"), "F7", self.check_again)
        self.check_button.setVisible(False)
        self.ok_button = self.add_buttons(
            layout,
            self.tr("Refund"),
            self.refund,
            self.all_button,
            self.reprint_button,
            self.check_button,
        )
        self.ok_button.setEnabled(False)
        self.setMinimumWidth(900)
        self.refresh_pending()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The search field takes Enter for itself (see ``__init__``)."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            event.accept()
            return False
        return super().eventFilter(watched, event)

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(TOUCH_HEIGHT)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    # -- finding the sale ---------------------------------------------------------------
    def chosen_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def search_now(self, *, ask_head_office: bool = False) -> None:
        """Look in this till's journal; with ``ask_head_office`` (Enter, a scan) a receipt
        not found here is asked of head office (typing alone never asks it)."""
        self._timer.stop()
        self._search_no += 1
        number = self._search_no
        text, day = self.search.text(), self.chosen_day()
        receipts = self._actions.terminal.receipts
        self._actions.call(
            lambda: receipts.find(text, day),
            lambda rows: self._found(number, rows, text if ask_head_office else ""),
            self._failed,
        )

    def _found(self, number: int, rows: list[ReceiptSummary], text: str = "") -> None:
        if number != self._search_no:
            return  # a newer search was started
        refunds = self._actions.terminal.refunds
        if not rows and text.strip() and refunds.asks_head_office:
            # not this till's: another till of the store may have sold it (a network step)
            self.show_info(self.tr("Not in this till's journal: asking head office…"))
            self._actions.steps(
                lambda: refunds.find_at_head_office_steps(text),
                lambda found: self._found_at_head_office(number, found),
                lambda error: self._head_office_failed(number, error),
            )
            return
        if not rows and refunds.asks_head_office and self.search.text().strip():
            self._list(
                rows, self.tr("No receipt matches on this till: press Enter to ask head office.")
            )
            return
        self._list(rows, self.tr("No receipt matches."))

    def _found_at_head_office(self, number: int, rows: list[ReceiptSummary]) -> None:
        if number != self._search_no:
            return
        self._list(rows, self.tr("No receipt matches, on this till or at head office."))
        if self.found:
            self.show_info(self.tr("Found at head office: sold at another till of this shop."))

    def _head_office_failed(self, number: int, error: BaseException) -> None:
        if number == self._search_no:
            self._list([], "")
            self.show_error(describe_error(error))

    def _list(self, rows: list[ReceiptSummary], no_match: str) -> None:
        self.found = [r for r in rows if not r.voided]
        self.results.setRowCount(len(self.found))
        for i, r in enumerate(self.found):
            cells = (
                r.number,
                r.closed_at.strftime("%d/%m %H:%M"),
                str(r.total),
                ", ".join(r.methods),
            )
            for j, text in enumerate(cells):
                self.results.setItem(i, j, QTableWidgetItem(text))
        notes = (
            self.tr("No receipt matches."),
            self.tr("No receipt matches on this till: press Enter to ask head office."),
            self.tr("No receipt matches, on this till or at head office."),
            self.tr("Not in this till's journal: asking head office…"),
        )
        if not self.found:
            if no_match:
                self.show_info(no_match)
        else:
            if self.message.text() in notes:
                self.message.clear()  # only its own note: never a refund's result
            if len(self.found) == 1:
                self.results.selectRow(0)

    def _chosen(self) -> None:
        rows = self.results.selectionModel().selectedRows()
        if not rows:
            return
        summary = self.found[rows[0].row()]
        self.open_sale(summary.sale_id)

    def open_sale(self, sale_id: str) -> None:
        refunds = self._actions.terminal.refunds
        self._actions.call(lambda: refunds.refundable(sale_id), self._show_sale, self._failed)

    def _show_sale(self, sale: RefundableSale) -> None:
        self.sale = sale
        self.plan = None
        self.sale_label.setText(
            self.tr("Receipt {number} of {when}, total {total}.").format(
                number=sale.number, when=sale.closed_at.strftime("%d/%m/%Y %H:%M"), total=sale.total
            )
            + (
                " " + self.tr("Refunded before: {numbers}.").format(numbers=", ".join(sale.refunds))
                if sale.refunds
                else ""
            )
            + (
                " "
                + self.tr(
                    "Sold at till {terminal}, found at head office (refunds counted as of {found})."
                ).format(
                    terminal=sale.sold_at,
                    found=sale.found_at.strftime("%d/%m %H:%M") if sale.found_at else "—",
                )
                if sale.sold_at
                else ""
            )
        )
        for refused in sale.refused:  # the money went back here; head office did not count it
            self.show_error(
                self.tr(
                    "Head office refused refund {number}: {reason} Do not give that money back "
                    "again; tell head office."
                ).format(number=refused.number, reason=i18n.render(refused.reason))
            )
        self.lines.setRowCount(len(sale.lines))
        self.spins = []
        for i, line in enumerate(sale.lines):
            self.lines.setItem(i, 0, QTableWidgetItem(line.name))
            self.lines.setItem(i, 1, QTableWidgetItem(f"{line.quantity} x {line.unit_price}"))
            self.lines.setItem(i, 2, QTableWidgetItem(str(line.refunded_quantity)))
            spin = QSpinBox(self)
            spin.setRange(0, line.left)  # never more than is left
            spin.setEnabled(line.left > 0)
            spin.setMinimumHeight(TOUCH_HEIGHT)
            spin.valueChanged.connect(lambda _v: self.quote())
            self.lines.setCellWidget(i, 3, spin)
            self.spins.append(spin)
        self._show_tenders(sale)
        self.reprint_button.setEnabled(bool(sale.refunds))
        self.ok_button.setEnabled(False)
        if self.last_refund is not None and self.last_refund.number in sale.refunds:
            return  # just refunded: its result stays on screen
        if sale.waiting:
            self.quote_label.clear()  # the waiting line above says what to do
            return
        self.quote_label.setText(
            self.tr("Everything on this receipt was refunded already.")
            if sale.fully_refunded
            else self.tr("Choose how many of each item come back.")
        )

    def _show_tenders(self, sale: RefundableSale) -> None:
        while self.tender_grid.count():
            item = self.tender_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.ways, self.references = {}, {}
        for i, t in enumerate(sale.tenders):
            text = self.tr("{label}: paid {paid}, given back {back}").format(
                label=i18n.text(t.label), paid=t.paid, back=t.refunded
            )
            if t.reference:
                text += f" ({t.reference})"
            label = QLabel(text, self)
            label.setWordWrap(True)  # a card's reference is long: wrap, never widen
            self.tender_grid.addWidget(label, i, 0)
            self.tender_grid.setColumnStretch(0, 1)
            box = QComboBox(self)
            box.setMinimumHeight(TOUCH_HEIGHT)
            for how in t.ways:
                box.addItem(_tr(WAYS[how]), how.value)
            box.currentIndexChanged.connect(lambda _i: self._ways_changed())
            self.tender_grid.addWidget(box, i, 1)
            ref = QLineEdit(self)
            ref.setPlaceholderText(self.tr("Reversal reference"))
            ref.setMinimumHeight(TOUCH_HEIGHT)
            ref.setVisible(t.ways[0] is TenderHow.BY_HAND)
            self.tender_grid.addWidget(ref, i, 2)
            self.ways[t.payment_id] = box
            self.references[t.payment_id] = ref

    def _ways_changed(self) -> None:
        for pid, box in self.ways.items():
            self.references[pid].setVisible(TenderHow(box.currentData()) is TenderHow.BY_HAND)
        self.quote()

    def choose_all(self) -> None:
        for spin in self.spins:
            spin.blockSignals(True)
            spin.setValue(spin.maximum())
            spin.blockSignals(False)
        self.quote()

    # -- the refund -----------------------------------------------------------------------
    def request(self) -> RefundRequest | None:
        if self.sale is None:
            return None
        return RefundRequest(
            sale_id=self.sale.sale_id,
            quantities={n: s.value() for n, s in enumerate(self.spins, start=1) if s.value()},
            reason_code=str(self.reason.currentData()),
            reason=self.note.text(),
            how={pid: TenderHow(box.currentData()) for pid, box in self.ways.items()},
            references={pid: f.text() for pid, f in self.references.items()},
        )

    def quote(self) -> None:
        """The service's figures for what is chosen (nothing is written)."""
        request = self.request()
        if request is None or not request.quantities:
            self.plan = None
            self.ok_button.setEnabled(False)
            return
        # the reason and a by-hand reference are checked when refunding, not while choosing
        preview = RefundRequest(
            request.sale_id,
            request.quantities,
            "damaged",
            "",
            {
                pid: how if how is not TenderHow.BY_HAND else TenderHow.CASH
                for pid, how in request.how.items()
            },
        )
        self._quote_no += 1
        number = self._quote_no
        refunds = self._actions.terminal.refunds
        self._actions.call(
            lambda: refunds.quote(preview),
            lambda plan: self._quoted(number, plan),
            self._failed,
        )

    def _quoted(self, number: int, plan: RefundPlan) -> None:
        if number != self._quote_no:
            return
        self.plan = plan
        parts = ", ".join(f"{i18n.text(t.label)} {t.amount}" for t in plan.tenders)
        self.quote_label.setText(
            self.tr("To give back: {total} ({parts}).").format(total=plan.total, parts=parts)
        )
        self.ok_button.setEnabled(True)

    def refund(self) -> None:
        request = self.request()
        if request is None or not request.quantities:
            self.show_error(self.tr("Choose the items to refund and how many of each."))
            return
        refunds = self._actions.terminal.refunds
        self.ok_button.setEnabled(False)
        through = [
            i18n.text(t.label)
            for t in (self.plan.tenders if self.plan is not None else ())
            if t.how is TenderHow.METHOD and request.how.get(t.payment_id) is TenderHow.METHOD
        ]
        if through:
            self.show_info(
                self.tr(
                    "Giving the money back through {labels}: follow its screen (a card "
                    "refund may need the card again)…"
                ).format(labels=", ".join(through))
            )
        self._actions.run_steps(
            lambda approval: refunds.refund_steps(request, approval), self._refunded, self._failed
        )

    def _refunded(self, done: RefundDone) -> None:
        self.last_refund = done
        text = self.tr("Refund {number} done: {total} given back.").format(
            number=done.number, total=done.total
        )
        if done.cash_out.minor:
            text += " " + self.tr("Hand over {cash} in cash.").format(cash=done.cash_out)
        for t in done.receipt.tenders:
            if t.how is TenderHow.METHOD and t.reference:
                text += "\n" + self.tr("{label}: {reference}").format(
                    label=i18n.text(t.label), reference=t.reference
                )
        self.quote_label.setText(text)
        etims = self._actions.terminal.etims
        self.printed = print_refund(
            self._actions.terminal.devices,
            done.receipt,
            cash_out=bool(done.cash_out.minor),
            etims=etims,
        )
        self.credit_note.show_completed(done.receipt, etims)
        self.show_info(
            self.tr("The refund receipt was sent to the printer.")
            if self.printed is not None
            else self.tr("Refund done. This till has no receipt printer.")
        )
        if self.sale is not None:
            self.open_sale(self.sale.sale_id)  # what is left now

    def reprint_latest(self) -> None:
        """The latest refund of the open sale again, marked COPY (the service audits it)."""
        if self.sale is None or not self.sale.refunds:
            return
        refunds, etims = self._actions.terminal.refunds, self._actions.terminal.etims
        sale_id = self.sale.sale_id

        def copy() -> tuple[RefundReceipt, KraBlock | None]:
            latest = refunds.refunds_of_sale(sale_id)[-1]
            receipt = refunds.receipt(latest.refund_id, reprint=True)
            # the credit note's KRA block as it is now: signed once KRA signed (COPY)
            return receipt, etims.block_for(latest.refund_id, copy=True)

        self._actions.call(copy, self._reprinted, self._failed)

    def _reprinted(self, found: tuple[RefundReceipt, KraBlock | None]) -> None:
        receipt, kra = found
        self.printed = reprint_refund(self._actions.terminal.devices, receipt, kra)
        self.credit_note.show_note(receipt, kra)
        if self.printed is None:
            self.show_error(self.tr("This till has no receipt printer."))
        else:
            self.show_info(
                self.tr("Refund {number} sent to the printer again, marked COPY.").format(
                    number=receipt.number
                )
            )

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(self.plan is not None)
        if isinstance(error, RefundWaiting):  # the waiting line says the rest
            self.show_error(
                self.tr(
                    "The terminal did not answer after the refund was sent: nothing is "
                    "recorded as refunded yet. See the waiting refund above."
                )
            )
        else:
            self.show_error(describe_error(error))
        self.refresh_pending()  # a refund whose answer was lost is waiting now
        if isinstance(error, RefundWaiting) and self.sale is not None:
            self.open_sale(self.sale.sale_id)

    # -- refunds waiting for their method's answer -------------------------------------
    def refresh_pending(self) -> None:
        """Read this till's refunds still waiting for a method's answer."""
        refunds = self._actions.terminal.refunds
        self._actions.call(refunds.pending, self._show_pending, lambda _e: None)
        self._actions.call(refunds.refused_refunds, self._show_refused, lambda _e: None)

    def _show_refused(self, items: list[RefusedRefund]) -> None:
        """This till's refunds head office refused, each with the reason and what to do."""
        lines = [
            self.tr("Head office refused refund {number}: {reason}").format(
                number=item.number, reason=i18n.render(item.reason)
            )
            + " "
            + i18n.render(item.todo)
            for item in items
        ]
        self.refused_label.setText("\n".join(lines))
        self.refused_label.setVisible(bool(items))
        self.refused = items
        self._make_room()

    def _show_pending(self, items: list[PendingRefund]) -> None:
        self.pending = items
        lines = []
        for item in items:
            line = i18n.render(
                WAITING_LINE(
                    label=item.label,
                    amount=item.amount,
                    number=item.sale_number,
                    since=item.since.strftime("%d/%m %H:%M"),
                )
            )
            # what to do (for an unclear one it carries what the terminal said)
            todo = item.todo if isinstance(item.todo, str) else i18n.render(item.todo)
            lines.append(f"{line} {todo}")
        self.waiting_label.setText("\n".join(lines))
        self.waiting_label.setVisible(bool(items))
        self._make_room()
        self.check_button.setVisible(bool(items))
        self.check_button.setEnabled(bool(items))
        self.settle_row.setVisible(self._settle_target() is not None)

    def _make_room(self) -> None:
        """Waiting or refused lines take the room of the sale's lines (two rows shown, then
        scroll) and of the results, so the dialog still fits a 768-pixel screen."""
        crowded = bool(self.pending) or bool(self.refused)
        self.lines.setMaximumHeight(TOUCH_HEIGHT * 2 + 36 if crowded else QWIDGETSIZE_MAX)
        self.results.setMaximumHeight(TOUCH_HEIGHT + 36 if crowded else RESULTS_HEIGHT)

    def _settle_target(self) -> PendingRefund | None:
        """The waiting refund a manager may settle by hand: one whose method cannot tell
        (unknown) first, else one still unanswered after Check again (a terminal gone for
        good); none before the terminal was asked again."""
        states = [RefundAttemptState.UNKNOWN]
        if self._asked_again:
            states.append(RefundAttemptState.PENDING)
        for state in states:
            for item in self.pending:
                if item.state is state:
                    return item
        return None

    def check_again(self) -> None:
        """Ask the methods again about every waiting refund (never sends anything)."""
        refunds = self._actions.terminal.refunds
        self.check_button.setEnabled(False)
        self.show_info(self.tr("Asking the terminal about the waiting refunds…"))
        self._actions.steps(refunds.resolve_pending_steps, self._checked, self._failed)

    def settle(self, went_back: bool) -> None:
        """A manager settles a waiting refund by hand, from the terminal's own journal."""
        target = self._settle_target()
        if target is None:
            return
        refunds = self._actions.terminal.refunds
        note, attempt = self.settle_note.text(), target.attempt_id
        self._actions.run(
            lambda approval: refunds.settle_by_hand(attempt, went_back, note, approval),
            lambda result: self._checked([result]),
            self._failed,
        )

    def _checked(self, results: list[ResolvedRefund]) -> None:
        self._asked_again = True
        texts = []
        for result in results:
            if result.outcome == "completed" and result.done is not None:
                done = result.done
                self.last_refund = done
                texts.append(
                    self.tr("Refund {number} recorded: {total} went back.").format(
                        number=done.number, total=done.total
                    )
                )
                if done.cash_out.minor:
                    texts.append(self.tr("Hand over {cash} in cash.").format(cash=done.cash_out))
                etims = self._actions.terminal.etims
                self.printed = print_refund(
                    self._actions.terminal.devices,
                    done.receipt,
                    cash_out=bool(done.cash_out.minor),
                    etims=etims,
                )
                self.credit_note.show_completed(done.receipt, etims)
            elif result.outcome == "not_refunded":
                texts.append(
                    self.tr(
                        "No money went back: nothing is recorded as refunded, and the sale "
                        "can be refunded again."
                    )
                    + (" " + result.message if result.message else "")
                )
            elif result.outcome == "waiting":
                texts.append(self.tr("Still waiting: {problem}").format(problem=result.message))
        self.show_info(" ".join(texts) if texts else self.tr("No refund is waiting for an answer."))
        self.settle_note.clear()
        self.refresh_pending()
        if self.sale is not None:
            self.open_sale(self.sale.sale_id)


class NoReceiptReturnDialog(KauntaDialog):
    """Goods back without a receipt: items by barcode or SKU, a reason; a manager's action."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("Return without a receipt"))
        self._actions = actions
        self.last_refund: RefundDone | None = None
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Return without a receipt (manager only; cash at today's price)"))
        set_role(head, "title")
        head.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(QLabel(self.tr("One item a line: barcode or SKU, then the quantity")))
        self.items = QPlainTextEdit(self)
        self.items.setPlaceholderText("6168232712628 2")
        layout.addWidget(self.items)
        row = QHBoxLayout()
        self.reason = _reason_box(self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("What happened (always needed here)"))
        self.note.setMinimumHeight(TOUCH_HEIGHT)
        row.addWidget(self.reason)
        row.addWidget(self.note, 1)
        layout.addLayout(row)
        #: the return's credit note (with KRA's block once signed), shown when it is done
        self.credit_note = CreditNoteView(self)
        self.credit_note.setVisible(False)
        self.receipt_text = self.credit_note.text
        layout.addWidget(self.credit_note)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Give the money back"), self.give)

    def parsed(self) -> list[tuple[str, int]] | None:
        items: list[tuple[str, int]] = []
        for raw in self.items.toPlainText().splitlines():
            parts = raw.split()
            if not parts:
                continue
            if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
                self.show_error(self.tr("Write each line as a barcode or SKU and a quantity."))
                return None
            items.append((parts[0], int(parts[1]) if len(parts) == 2 else 1))
        return items

    def give(self) -> None:
        items = self.parsed()
        if items is None:
            return
        code, note = str(self.reason.currentData()), self.note.text()
        refunds = self._actions.terminal.refunds
        self._actions.run(
            lambda approval: refunds.return_without_receipt(items, code, note, approval),
            self._given,
            lambda e: self.show_error(describe_error(e)),
        )

    def _given(self, done: RefundDone) -> None:
        self.last_refund = done
        self.show_info(
            self.tr("Refund {number} done: hand over {cash} in cash.").format(
                number=done.number, cash=done.cash_out
            )
        )
        etims = self._actions.terminal.etims
        self.credit_note.show_completed(done.receipt, etims)
        self.ok_button.setEnabled(False)
        print_refund(self._actions.terminal.devices, done.receipt, cash_out=True, etims=etims)
