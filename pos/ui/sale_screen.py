"""The sale screen: scan or search, the basket, the totals, and every cashier action.

Focus lives in the scan field. A keyboard-wedge scanner types digits and Enter there,
exactly like a person typing a barcode. Letters search the catalog as you type; Up/Down
pick a result (or a basket line when no results are shown), Enter adds it. ``3*<barcode>``
adds three. Every action has a shortcut, printed on its button.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.barcode import is_valid_gtin
from pos.domain.catalog import CatalogItem
from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.domain.receipt import Receipt
from pos.domain.sale import Discount
from pos.services.auth import Approval
from pos.services.checkout import CashResult, ParkedSummary, SaleView, VoidResult
from pos.services.etims import FOLLOW_S, PRINT_GRACE_S, KraBlock
from pos.services.gateway_settings import FieldStatus
from pos.services.payments import AttemptView
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.buyer_dialog import BuyerDialog
from pos.ui.device_status import DeviceHooks
from pos.ui.dialogs import (
    DiscountDialog,
    KauntaDialog,
    NumberDialog,
    ParkedDialog,
    ReasonDialog,
    ReceiptDialog,
    TenderDialog,
)
from pos.ui.etims_queue import EtimsStatusLine, follow_kra
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.payment_dialogs import GatewayDialog
from pos.ui.receipts_browser import ReceiptBrowser
from pos.ui.resources import payment_icon
from pos.ui.settings_dialog import SettingsDialog
from pos.ui.sync_status import SyncStatusLine, register_sync_tools
from pos.ui.widgets import (
    ClosedDialogs,
    action_button,
    message_label,
    set_role,
    show_message,
)

SEARCH_DELAY_MS = 120
#: the buyer's KRA PIN on the open sale (K for KRA; the F keys are all taken)
BUYER_KEY = "Ctrl+K"
_QTY_PREFIX = re.compile(r"^\s*(\d{1,4})\s*[*xX]\s*(\S+)\s*$")
_TRAILING_CODE = re.compile(r"(\d{8,14})$")
VOID_REASONS = (
    QT_TRANSLATE_NOOP("SaleScreen", "Customer changed mind"),
    QT_TRANSLATE_NOOP("SaleScreen", "Wrong items rung up"),
    QT_TRANSLATE_NOOP("SaleScreen", "Customer cannot pay"),
    QT_TRANSLATE_NOOP("SaleScreen", "Test sale"),
)
#: the right column (totals and buttons) never gets narrower than this
RIGHT_MIN_WIDTH = 380
#: payment-method buttons per row (more methods wrap onto another row)
GATEWAYS_PER_ROW = 3
#: the message row: two lines, fixed, so the basket never jumps when a message appears
MESSAGE_HEIGHT = 46
#: basket rows tall enough to touch
TOUCH_ROW = 44
#: the floating search results: at most this tall (about eight rows)
RESULTS_MAX_HEIGHT = 340

PARK_NOTES = (
    QT_TRANSLATE_NOOP("SaleScreen", "Customer fetching money"),
    QT_TRANSLATE_NOOP("SaleScreen", "Customer still shopping"),
    QT_TRANSLATE_NOOP("SaleScreen", "Price check"),
)
COLUMNS = (
    QT_TRANSLATE_NOOP("SaleScreen", "Item"),
    QT_TRANSLATE_NOOP("SaleScreen", "Qty"),
    QT_TRANSLATE_NOOP("SaleScreen", "Price"),
    QT_TRANSLATE_NOOP("SaleScreen", "Discount"),
    QT_TRANSLATE_NOOP("SaleScreen", "Total"),
    QT_TRANSLATE_NOOP("SaleScreen", "VAT"),
)

log = logging.getLogger(__name__)


class _ColumnScroll(QScrollArea):
    """The right column: as wide as its contents need at least (Kiswahili labels are
    longer: the column widens and the basket narrows, instead of the totals and the right
    buttons being cut off), and scrolling only vertically when the screen is too low."""

    def __init__(self, parent: QWidget, content: QWidget) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        content = self.widget()
        if content is None:
            return hint
        need = content.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(RIGHT_MIN_WIDTH, need), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # retranslated labels: ask the screen's layout again
        return super().eventFilter(watched, event)


class SaleScreen(QWidget):
    """Everything the cashier does between login and receipt."""

    sig_lock = Signal()
    #: money the manager must settle appeared (a void with gateway money on it)
    sig_late_payments = Signal()
    sig_switch_user = Signal()
    sig_view_changed = Signal(object)  # SaleView, for tests and the pole display later

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent)
        self.act = actions
        self.checkout = actions.terminal.checkout
        self.view: SaleView | None = None
        self.selected_line: str | None = None
        self.results: list[CatalogItem] = []
        self.dialog: KauntaDialog | None = None
        self.last_receipt: Receipt | None = None
        #: gateway attempts whose receipt this screen has shown, and those their payment
        #: dialog saw paid (newest last, a few kept): a relayed result and the dialog's own
        #: poll can both bring one paid attempt, in either order; its receipt is shown
        #: once, and never as "arrived after you stopped waiting" when its dialog saw it
        self._shown_paid: deque[str] = deque(maxlen=32)
        self._dialog_paid: deque[str] = deque(maxlen=32)
        self._search_seq = 0
        self._queued_scans: list[str] = []  # scanned while a dialog was open, in order
        self._closed_dialogs = ClosedDialogs()

        root = QHBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        left = QVBoxLayout()
        root.addLayout(left, 3)
        # the right column never scrolls at 1024x768 and up; below that it scrolls rather
        # than clip the pay buttons
        right_box = QWidget(self)
        right = QVBoxLayout(right_box)
        right.setContentsMargins(0, 0, 0, 0)
        right_scroll = _ColumnScroll(self, right_box)
        root.addWidget(right_scroll, 2)

        self.scan = QLineEdit(self)
        self.scan.setPlaceholderText(
            self.tr("Scan a barcode, or type a name or SKU to search   (F1)")
        )
        self.scan.returnPressed.connect(self._enter)
        self.scan.textEdited.connect(self._typed)
        self.scan.installEventFilter(self)
        left.addWidget(self.scan)
        # a fixed two-line message row: nothing below it moves when a message comes or goes
        self.message = message_label(self)
        self.message.setFixedHeight(MESSAGE_HEIGHT)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        left.addWidget(self.message)

        # search results float over the basket instead of pushing it down
        self.result_list = QListWidget(self)
        self.result_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.result_list.setFrameShape(QFrame.Shape.Box)
        self.result_list.itemClicked.connect(lambda _i: self._add_selected_result())
        self.result_list.hide()

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH_ROW)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._table_selection)
        left.addWidget(self.table, 1)
        # the buyer's KRA PIN on the tax invoice, under the basket: the basket gives up the
        # row (the right column, the totals and the pay buttons keep their height)
        buyer_row = QHBoxLayout()
        buyer_row.addWidget(QLabel(self.tr("Buyer's PIN"), self))
        #: the PIN on the open sale, or a dash
        self.lbl_buyer = QLabel(self)
        set_role(self.lbl_buyer, "subtitle")
        buyer_row.addWidget(self.lbl_buyer, 1)
        left.addLayout(buyer_row)
        # the head-office link: online/offline, events waiting, last sync (the offline counter)
        self.sync_line = SyncStatusLine(self, actions.terminal.headoffice)
        register_sync_tools()  # the manager menu's head-office and refused-events entries
        left.addWidget(self.sync_line)
        # KRA eTIMS: online/offline, sales waiting, refused, the queue-age alert
        self.etims_line = EtimsStatusLine(self, actions.terminal.etims)
        left.addWidget(self.etims_line)
        # printer, display, scanner, card terminal: status line, receipts, pole display
        devices = actions.terminal.devices
        self.devices = DeviceHooks(self, devices) if devices is not None else None
        if self.devices is not None:
            left.addWidget(self.devices.line)

        # totals: every row always there (zeros when empty), so buttons never move
        totals = QFrame(right_box)
        totals.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(totals)
        grid.setVerticalSpacing(2)
        self.lbl_items = QLabel(totals)
        self.lbl_subtotal = QLabel(totals)
        self.lbl_discounts = QLabel(totals)
        self.lbl_vat = QLabel(totals)
        self.lbl_total_small = QLabel(totals)
        self.lbl_paid = QLabel(totals)
        self._captions: dict[QLabel, QLabel] = {}
        for row, (name, label) in enumerate(
            (
                (self.tr("Items"), self.lbl_items),
                (self.tr("Subtotal"), self.lbl_subtotal),
                (self.tr("Discounts"), self.lbl_discounts),
                (self.tr("VAT included"), self.lbl_vat),
                (self.tr("Total"), self.lbl_total_small),
                (self.tr("Paid"), self.lbl_paid),
            )
        ):
            caption = QLabel(name, totals)
            self._captions[label] = caption
            grid.addWidget(caption, row, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 1)
        # the big figure: what the customer must pay now (the total, or what is still due)
        self.lbl_big_caption = QLabel(self.tr("TO PAY"), totals)
        set_role(self.lbl_big_caption, "subtitle")
        self.lbl_total = QLabel(totals)
        set_role(self.lbl_total, "total")
        self.lbl_total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.lbl_big_caption, 6, 0)
        grid.addWidget(self.lbl_total, 6, 1)
        right.addWidget(totals)

        buttons = QGridLayout()
        b = action_button
        self.btn_pay = b(self, self.tr("Pay cash"), "F12", self.pay, role="pay", icon="pay-cash")
        specs: list[tuple[str, str | None, Callable[[], None], str, str]] = [
            # English names: the keys of ``self.buttons``; the buttons show them translated
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Quantity"),
                "F2",
                self.change_quantity,
                "",
                "quantity",
            ),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Remove line"),
                "Del",
                self.remove_line,
                "danger",
                "remove",
            ),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Line discount"),
                "F3",
                self.line_discount,
                "",
                "discount",
            ),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Order discount"),
                "F4",
                self.order_discount,
                "",
                "discount-order",
            ),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Change price"),
                "F5",
                self.override_price,
                "",
                "price",
            ),
            (QT_TRANSLATE_NOOP("SaleScreen", "Park sale"), "F6", self.park, "", "park"),
            (QT_TRANSLATE_NOOP("SaleScreen", "Recall sale"), "F7", self.recall, "", "recall"),
            (QT_TRANSLATE_NOOP("SaleScreen", "Void sale"), "F8", self.void, "danger", "void"),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Receipts"),
                "F9",
                self.show_last_receipt,
                "",
                "receipt",
            ),
            (QT_TRANSLATE_NOOP("SaleScreen", "Lock"), "Ctrl+L", self.sig_lock.emit, "", "lock"),
            (
                QT_TRANSLATE_NOOP("SaleScreen", "Switch user"),
                "Ctrl+U",
                self.sig_switch_user.emit,
                "",
                "switch-user",
            ),
            (QT_TRANSLATE_NOOP("SaleScreen", "Search"), "F1", self.focus_scan, "", "search"),
        ]
        self.buttons: dict[str, QPushButton] = {}
        #: keys the screen itself uses: a payment method cannot take them
        self._screen_keys = {
            "F12",
            "Ctrl+,",
            BUYER_KEY,
            *(key for _t, key, _s, _r, _i in specs if key),
        }
        for i, (text, key, slot, role, icon) in enumerate(specs):
            button = b(self, self.tr(text), key, slot, role=role, icon=icon)
            self.buttons[text] = button
            buttons.addWidget(button, i // 3, i % 3)
        right.addLayout(buttons)
        buyer_button = b(self, self.tr("Buyer PIN"), BUYER_KEY, self.buyer_pin, icon="buyer-pin")
        self.buttons["Buyer PIN"] = buyer_button  # English name, as the others
        buyer_row.addWidget(buyer_button)
        gateways = QHBoxLayout()
        self.gateway_buttons: dict[str, QPushButton] = {}
        # the methods' buttons live in a box of their own, rebuilt when settings change
        self._gateway_row = QHBoxLayout()
        self._gateway_box: QWidget | None = None
        gateways.addLayout(self._gateway_row, 1)
        #: Settings takes the grid's next cell (beside it, it took the width the methods'
        #: labels need: "Card (PDQ)" was clipped at 1024x768)
        self._settings_button: QPushButton | None = None
        if actions.terminal.gateway_settings is not None:
            self._settings_button = b(
                self, self.tr("Settings"), "Ctrl+,", self.open_settings, icon="settings"
            )
        right.addLayout(gateways)
        self.build_gateway_buttons()
        right.addWidget(self.btn_pay)
        right.addStretch(1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)
        self.show_sale(None)

    # -- entering / leaving ---------------------------------------------------------------
    def enter(self) -> None:
        """After login: bring back whatever basket was open on this till."""
        self.message.clear()  # the previous user's messages are not this user's
        self.act.call(self.checkout.restore, self.show_sale)
        self.focus_scan()

    def keep_clear(self) -> QRect:
        """The totals panel, in global coordinates: a dialog over the sale (a gateway's)
        is placed beside it, so TOTAL and what is due stay in view while it is open."""
        panel = self.lbl_total.parentWidget()
        assert panel is not None
        return QRect(panel.mapToGlobal(panel.rect().topLeft()), panel.size())

    def focus_scan(self) -> None:
        """The cursor into the scan field with its text selected (F1, a dialog closed, a
        basket row clicked): what is typed next replaces what was there."""
        self.scan.setFocus()
        self.scan.selectAll()

    def _back_to_scan(self) -> None:
        """The cursor back into the scan field after a service call answered, leaving its
        text as it is: a scan empties the field when it goes in, so whatever is there by
        the time its answer comes is the next barcode being typed, and selecting it would
        let the scanner's next digit replace it (the item lost, the rest of its digits
        refused as a short barcode)."""
        self.scan.setFocus()

    def show_error(self, text: str) -> None:
        show_message(self.message, text, error=True)
        self._back_to_scan()

    def show_info(self, text: str) -> None:
        show_message(self.message, text, error=False)

    # -- scanning and searching ---------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scan and event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed == "Del" and self.scan.text():
                # something typed: Del edits it (the line edit claims the key), as in any
                # text field; with nothing typed it removes the basket line
                return super().eventFilter(watched, event)
            if pressed in self._screen_keys:
                # QLineEdit binds some of these itself (Ctrl+U deletes the line on X11):
                # the till's shortcut wins, whatever has the focus
                event.ignore()
                return True
        if watched is self.scan and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._move_selection(-1 if key == Qt.Key.Key_Up else 1)
                return True
            if key == Qt.Key.Key_Escape:
                self.scan.clear()
                self._hide_results()
                return True
            if key == Qt.Key.Key_Delete and not self.scan.text():
                # the text field would swallow Del; with nothing typed it removes the line
                self.remove_line()
                return True
        return super().eventFilter(watched, event)

    def _typed(self, text: str) -> None:
        self.message.clear()
        stripped = text.strip()
        if not stripped or (stripped.isdigit() and len(stripped) >= 6):
            # barcodes are submitted with Enter; don't search on every digit of a scan
            self._search_timer.stop()
            if not stripped:
                self._hide_results()
            return
        self._search_timer.start()

    def _search(self) -> None:
        query = self.scan.text().strip()
        match = _QTY_PREFIX.match(query)
        if match:
            query = match.group(2)
        if len(query) < 2:
            self._hide_results()
            return
        self._search_seq += 1
        seq = self._search_seq

        def show(items: list[CatalogItem]) -> None:
            if seq != self._search_seq:
                return  # an older search finished after a newer one was typed
            self._show_results(items)

        self.act.call(lambda: self.checkout.search(query), show)

    def _show_results(self, items: list[CatalogItem]) -> None:
        self.results = items
        self.result_list.clear()
        if not items:
            self.result_list.addItem(self.tr("No product matches. Check the spelling, or scan it."))
            self.result_list.show()
            self._place_results()
            return
        for item in items:
            row = QListWidgetItem(f"{item.name}    {item.sku}    {item.price}")
            self.result_list.addItem(row)
        self.result_list.setCurrentRow(0)
        self.result_list.show()
        self._place_results()

    def _place_results(self) -> None:
        """Float the results under the scan field, over the basket (which stays put)."""
        if not self.result_list.isVisible():
            return
        top_left = self.scan.geometry().bottomLeft()
        rows = max(self.result_list.count(), 1)
        height = min(rows * (self.result_list.sizeHintForRow(0) + 2) + 8, RESULTS_MAX_HEIGHT)
        self.result_list.setGeometry(top_left.x(), top_left.y() + 2, self.scan.width(), height)
        self.result_list.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_results()

    def _hide_results(self) -> None:
        self._search_seq += 1
        self.results = []
        self.result_list.clear()
        self.result_list.hide()

    def _move_selection(self, step: int) -> None:
        if self.result_list.isVisible() and self.results:
            row = max(0, min(len(self.results) - 1, self.result_list.currentRow() + step))
            self.result_list.setCurrentRow(row)
            return
        if self.view and self.view.lines:
            ids = [ln.line_id for ln in self.view.lines]
            i = ids.index(self.selected_line) if self.selected_line in ids else len(ids)
            i = max(0, min(len(ids) - 1, i + step))
            self._select_line(ids[i])

    def _enter(self) -> None:
        self._search_timer.stop()
        text = self.scan.text().strip()
        qty = 1
        match = _QTY_PREFIX.match(text)
        if match:
            qty, text = int(match.group(1)), match.group(2)
        scanned = _TRAILING_CODE.search(text)
        if scanned and not text.isdigit() and is_valid_gtin(scanned.group(1)):
            # a scanner fired while a search was typed: the barcode wins
            text = scanned.group(1)
        elif self.result_list.isVisible() and self.results and not text.isdigit():
            self._add_selected_result(qty)
            return
        if not text:
            return
        if text.isdigit():
            self.scan.clear()
            self._hide_results()
            self.act.run(lambda a: self.checkout.scan(text, qty, a), self._added)
            return
        self._search()  # letters + Enter before the search came back: search now

    def _add_selected_result(self, qty: int = 1) -> None:
        row = self.result_list.currentRow()
        if not (0 <= row < len(self.results)):
            return
        item = self.results[row]
        self.scan.clear()
        self._hide_results()
        product_id = item.product_id
        assert product_id is not None
        self.act.run(lambda a: self.checkout.add_product(product_id, qty, a), self._added)

    def _added(self, view: SaleView) -> None:
        before = {ln.line_id: ln.quantity for ln in (self.view.lines if self.view else ())}
        changed = [ln.line_id for ln in view.lines if before.get(ln.line_id) != ln.quantity]
        self.show_sale(view)
        if changed:
            self._select_line(changed[-1])
        self._back_to_scan()

    # -- rendering --------------------------------------------------------------------------
    def show_sale(self, view: SaleView | None) -> None:
        previous = self.view.sale_id if self.view is not None else None
        if (view.sale_id if view is not None else None) != previous:
            # another sale (new, recalled, finished): the last one's messages are stale
            self.message.clear()
        self.view = view
        lines = view.lines if view else ()
        self.table.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            name = ln.name + ("  " + self.tr("(price changed)") if ln.price_overridden else "")
            values = (
                name,
                str(ln.quantity),
                ln.unit_price.amount_text(),
                f"-{ln.discount.amount_text()}" if ln.discount else "",
                ln.total.amount_text(),
                ln.vat_class,
            )
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if c:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, cell)
        ids = [ln.line_id for ln in lines]
        if self.selected_line not in ids:
            self.selected_line = ids[-1] if ids else None
        if self.selected_line:
            self._select_line(self.selected_line)
        zero = Money.zero(self.act.terminal.ctx.currency)
        t = view.totals if view is not None else None
        self.lbl_items.setText(str(t.item_count) if t else "0")
        self.lbl_subtotal.setText((t.subtotal if t else zero).amount_text())
        disc = f"-{t.discounts.amount_text()}" if t and t.discounts else "0.00"
        if view is not None and view.order_discount_text:
            disc += self.tr("  (order {discount})").format(discount=view.order_discount_text)
        self.lbl_discounts.setText(disc)
        vat = t.vat_total if t else zero
        self.lbl_vat.setText(vat.amount_text())
        self.lbl_vat.setToolTip(
            "\n".join(
                self.tr("{label}: {vat} of {gross}").format(
                    label=i18n.text(v.tax_class.label),
                    vat=v.vat.amount_text(),
                    gross=v.gross.amount_text(),
                )
                for v in (t.vat if t else ())
            )
        )
        self.lbl_total_small.setText((t.total if t else zero).amount_text())
        started = bool(view is not None and view.tender_started)
        self.lbl_paid.setText((t.paid if t and started else zero).amount_text())
        if t is not None and started:
            self.lbl_big_caption.setText(self.tr("STILL DUE"))
            self.lbl_total.setText(f"{t.currency} {t.due.amount_text()}")
        else:
            self.lbl_big_caption.setText(self.tr("TO PAY"))
            total = t.payable if t is not None else zero
            self.lbl_total.setText(f"{total.currency} {total.amount_text()}")
        self.btn_pay.setEnabled(bool(lines) or bool(view and view.tender_started))
        # the PIN alone (eleven characters: the column keeps its width); the name, which
        # can be long, in the tool tip
        self.lbl_buyer.setText((view.buyer_pin if view is not None else "") or "-")
        self.lbl_buyer.setToolTip(view.buyer_name if view is not None else "")
        self.sig_view_changed.emit(view)

    def _select_line(self, line_id: str) -> None:
        if not self.view:
            return
        ids = [ln.line_id for ln in self.view.lines]
        if line_id in ids:
            self.selected_line = line_id
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(line_id))
            self.table.blockSignals(False)

    def _table_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and self.view and rows[0].row() < len(self.view.lines):
            self.selected_line = self.view.lines[rows[0].row()].line_id
        self.focus_scan()

    def _line(self) -> str | None:
        if not self.view or not self.view.lines or not self.selected_line:
            self.show_error(self.tr("The basket is empty: scan an item first."))
            return None
        return self.selected_line

    # -- dialogs plumbing ------------------------------------------------------------------
    def _open(self, dialog: KauntaDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(self._dialog_closed)
        dialog.finished.connect(lambda _r, d=dialog: self._closed_dialogs.closed(d))
        dialog.open()
        if self.devices is not None:
            self.devices.dialog_opened(dialog)  # tender: the total on the pole display

    def _dialog_closed(self) -> None:
        self.dialog = None
        self.focus_scan()
        self._flush_scans()

    # -- scans that arrive while something else has the keyboard ---------------------------
    def scanned_elsewhere(self, code: str) -> None:
        """A barcode scanned while a dialog had the keyboard (see ``pos.ui.scan_guard``).

        Over a receipt it starts the next sale with that item (cashiers scan the next
        customer at once); over any other dialog it waits, visibly, until the dialog
        closes, then goes into the basket in the order scanned."""
        dialog = self.dialog
        approval = self.act.approval_dialog
        if isinstance(dialog, ReceiptDialog) and approval is None:
            dialog.accept()
            self._scan_code(code)
            return
        if dialog is None and approval is None:
            self._scan_code(code)
            return
        self._queued_scans.append(code)
        shown = approval if approval is not None else dialog
        assert shown is not None
        waiting = len(self._queued_scans)
        show_message(
            shown.message,
            (
                self.tr(
                    "Scanned {code}: it goes into the basket when this window closes "
                    "({waiting} scans waiting)."
                )
                if waiting > 1
                else self.tr("Scanned {code}: it goes into the basket when this window closes.")
            ).format(code=code, waiting=f"{waiting:,}"),
            error=False,
        )
        if approval is not None and dialog is None:
            approval.finished.connect(lambda _r: self._flush_scans())

    def _flush_scans(self) -> None:
        if self.dialog is not None or self.act.approval_dialog is not None:
            return
        queued, self._queued_scans = self._queued_scans, []
        for code in queued:
            self._scan_code(code)

    def _scan_code(self, code: str) -> None:
        self.act.run(lambda a: self.checkout.scan(code, 1, a), self._added)

    def _apply(
        self,
        dialog: QWidget,
        fn: Callable[[Approval | None], SaleView],
        on_ok: Callable[[SaleView], None] | None = None,
    ) -> None:
        """Run a basket change for a dialog: close it on success, show errors inside it."""

        def ok(view: SaleView) -> None:
            dialog.accept()  # type: ignore[attr-defined]
            (on_ok or self.show_sale)(view)

        self.act.run(fn, ok, lambda e: dialog.show_error(describe_error(e)))  # type: ignore[attr-defined]

    # -- actions ----------------------------------------------------------------------------
    def change_quantity(self) -> None:
        line_id = self._line()
        if line_id is None or self.view is None:
            return
        current = next(ln for ln in self.view.lines if ln.line_id == line_id)
        dialog = NumberDialog(
            self,
            self.tr("Quantity"),
            self.tr("New quantity for {name}").format(name=current.name),
            str(current.quantity),
            whole_number=True,  # a keypad of digits only: no "." and no "00"
        )

        def chosen(text: str) -> None:
            if not text.isdigit():
                dialog.show_error(self.tr("Quantity must be a whole number, e.g. 3."))
                return
            qty = int(text)
            self._apply(dialog, lambda a: self.checkout.set_quantity(line_id, qty, a))

        dialog.sig_value.connect(chosen)
        self._open(dialog)

    def remove_line(self) -> None:
        line_id = self._line()
        if line_id is None:
            return
        self.act.run(lambda a: self.checkout.remove_line(line_id, a), self.show_sale)

    def line_discount(self) -> None:
        line_id = self._line()
        if line_id is None or self.view is None:
            return
        line = next(ln for ln in self.view.lines if ln.line_id == line_id)
        dialog = DiscountDialog(
            self,
            self.tr("Discount on {name}").format(name=line.name),
            line.total.currency,
            line.discount_text,
        )

        def chosen(discount: Discount | None) -> None:
            self._apply(dialog, lambda a: self.checkout.set_line_discount(line_id, discount, a))

        dialog.sig_discount.connect(chosen)
        self._open(dialog)

    def order_discount(self) -> None:
        if self._line() is None or self.view is None:
            return
        dialog = DiscountDialog(
            self,
            self.tr("Discount on the whole order"),
            self.view.totals.currency,
            self.view.order_discount_text,
        )

        def chosen(discount: Discount | None) -> None:
            self._apply(dialog, lambda a: self.checkout.set_order_discount(discount, a))

        dialog.sig_discount.connect(chosen)
        self._open(dialog)

    def buyer_pin(self) -> None:
        """Ctrl+K: the buyer's KRA PIN (and name) on the open sale's tax invoice, before
        payment; the same dialog removes it. Refusals show in the dialog, nothing changes."""
        view = self.view
        if view is None or view.sale_id is None or view.is_empty:
            self.show_error(self.tr("Scan the items first, then add the buyer's KRA PIN."))
            return
        if view.tender_started:
            self.show_error(
                self.tr("Money was taken on this sale: the buyer's KRA PIN can no longer change.")
            )
            return
        dialog = BuyerDialog(self, view.buyer_pin, view.buyer_name)

        def chosen(pin: str, name: str) -> None:
            self._apply(dialog, lambda _a: self.checkout.set_buyer(pin, name))

        def removed() -> None:
            self._apply(dialog, lambda _a: self.checkout.clear_buyer())

        dialog.sig_buyer.connect(chosen)
        dialog.sig_remove.connect(removed)
        self._open(dialog)

    def override_price(self) -> None:
        line_id = self._line()
        if line_id is None or self.view is None:
            return
        line = next(ln for ln in self.view.lines if ln.line_id == line_id)
        dialog = NumberDialog(
            self,
            self.tr("Change price"),
            self.tr("New unit price for {name} (list {price})").format(
                name=line.name, price=line.list_price
            ),
            line.unit_price.amount_text().replace(",", ""),
        )

        def chosen(text: str) -> None:
            try:
                price = Money.parse(text, line.unit_price.currency)
            except DomainError as exc:
                dialog.show_error(describe_error(exc))
                return
            self._apply(dialog, lambda a: self.checkout.override_price(line_id, price, a))

        dialog.sig_value.connect(chosen)
        self._open(dialog)

    def park(self) -> None:
        if self._line() is None:
            return
        dialog = ReasonDialog(
            self,
            self.tr("Park sale"),
            self.tr("Note (optional), to find it again:"),
            tuple(self.tr(n) for n in PARK_NOTES),
            False,
        )

        def chosen(note: str) -> None:
            def ok(view: SaleView) -> None:
                dialog.accept()
                self.show_sale(view)
                self.show_info(self.tr("Sale parked. Recall it with F7."))

            self.act.call(
                lambda: self.checkout.park(note), ok, lambda e: dialog.show_error(describe_error(e))
            )

        dialog.sig_reason.connect(chosen)
        self._open(dialog)

    def recall(self) -> None:
        zone = self.act.terminal.ctx.zone

        def show(parked: list[ParkedSummary]) -> None:
            rows = [
                (
                    p.sale_id,
                    f"{p.updated_at.astimezone(zone).strftime('%H:%M')}   "
                    f"{i18n.count_items(p.item_count)}   {p.total}   {p.note}",
                )
                for p in parked
            ]
            dialog = ParkedDialog(self, rows)

            def chosen(sale_id: str) -> None:
                def ok(view: SaleView) -> None:
                    dialog.accept()
                    self.show_sale(view)

                self.act.call(
                    lambda: self.checkout.recall(sale_id),
                    ok,
                    lambda e: dialog.show_error(describe_error(e)),
                )

            dialog.sig_recall.connect(chosen)
            self._open(dialog)

        self.act.call(self.checkout.parked, show)

    def void(self) -> None:
        if self.view is None or not (self.view.lines or self.view.tender_started):
            self.show_error(self.tr("The basket is empty: there is nothing to void."))
            return
        dialog = ReasonDialog(
            self,
            self.tr("Void sale"),
            self.tr("Why is this sale voided?"),
            tuple(self.tr(r) for r in VOID_REASONS),
            True,
        )

        def chosen(reason: str) -> None:
            def ok(result: VoidResult) -> None:
                dialog.accept()
                self.show_sale(None)
                text = self.tr("Sale voided ({number}).").format(number=result.receipt.number)
                if result.cash_to_return:
                    text += " " + self.tr("Give back {amount} cash to the customer.").format(
                        amount=result.cash_to_return
                    )
                for label, amount in result.for_the_manager:
                    text += " " + self.tr(
                        "{method} {amount} is not cash: the manager gives it back "
                        "(Settle…), do not pay it from the drawer."
                    ).format(method=label, amount=amount)
                self.show_info(text)
                if result.for_the_manager:
                    self.sig_late_payments.emit()

            self.act.run(
                lambda a: self.checkout.void(reason, a),
                ok,
                lambda e: dialog.show_error(describe_error(e)),
            )

        dialog.sig_reason.connect(chosen)
        self._open(dialog)

    def pay(self) -> None:
        if self.view is None or not (self.view.lines or self.view.tender_started):
            self.show_error(self.tr("The basket is empty: scan an item first."))
            return
        view = self.view
        if not view.totals.due:
            # nothing left to pay (100 % discount, or paid before goods were removed)
            self.act.call(self.checkout.complete_paid, self._completed)
            return
        payments = self.act.terminal.payments
        methods = tuple(
            (m.code, i18n.text(m.label), m.description.hotkey or "")
            for m in (payments.methods() if payments else [])
        )
        dialog = TenderDialog(self, view.cash_due, view.totals.due, methods)

        def other_method(code: str) -> None:
            dialog.reject()
            QTimer.singleShot(0, lambda: self.pay_with(code))

        dialog.sig_other_method.connect(other_method)
        request_id = str(uuid.uuid4())  # one submission = one payment, however often tapped

        def pay(tendered: Money, partial: bool) -> None:
            def ok(result: CashResult) -> None:
                dialog.accept()
                if result.receipt is None:
                    self.show_sale(result.view)
                    self.show_info(
                        self.tr("Part payment taken. Still due: {due}.").format(
                            due=result.view.totals.due
                        )
                    )
                    return
                self._completed(result)

            def failed(error: BaseException) -> None:
                dialog.set_busy(False)
                dialog.show_error(describe_error(error))

            dialog.set_busy(True)
            self.act.call(
                lambda: self.checkout.pay_cash(tendered, partial=partial, request_id=request_id),
                ok,
                failed,
            )

        dialog.sig_pay.connect(pay)
        self._open(dialog)

    def pay_with(self, code: str) -> None:
        """M-Pesa or PayPal for what is due (or part of it: split tender)."""
        payments = self.act.terminal.payments
        method = next((m for m in payments.methods() if m.code == code), None) if payments else None
        if payments is None or method is None:
            self.show_error(self.tr("That payment method is not set up on this till."))
            return
        if self.view is None or not (self.view.lines or self.view.tender_started):
            self.show_error(self.tr("The basket is empty: scan an item first."))
            return
        due = self.view.totals.due
        if not due:
            self.pay()
            return
        dialog = GatewayDialog(self, self.act, payments, method, due)
        dialog.sig_paid.connect(self._paid_in_dialog)
        self._open(dialog)

    def build_gateway_buttons(self) -> None:
        """One button per payment method the till has now, labelled and keyed as the
        method declares (methods installed from other packages included)."""
        if self._gateway_box is not None:
            self._gateway_row.removeWidget(self._gateway_box)
            if self._settings_button is not None:
                self._settings_button.setParent(self)  # kept: it is not a method's button
            self._gateway_box.deleteLater()  # its shortcuts go with it
        box = QWidget(self)
        # a grid, three to a row: more methods add a row instead of widening the panel
        # past the screen (a long label is clipped, never the totals; its tool tip is whole)
        row = QGridLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.gateway_buttons = {}
        payments = self.act.terminal.payments
        taken = set(self._screen_keys)
        for method in payments.methods() if payments else []:
            pay_with = functools.partial(self.pay_with, method.code)
            key = method.description.hotkey
            if key in taken:
                log.warning("%s asks for %s, which is taken: no key for it", method.code, key)
                key = None
            if key:
                taken.add(key)
            icon = payment_icon(method.description.dialog)
            button = action_button(box, method.label, key, pay_with, role="primary", icon=icon)
            self.gateway_buttons[method.code] = button
            policy = button.sizePolicy()
            policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
            button.setSizePolicy(policy)
            button.setToolTip(method.label)
            index = len(self.gateway_buttons) - 1
            row.addWidget(button, index // GATEWAYS_PER_ROW, index % GATEWAYS_PER_ROW)
        if self._settings_button is not None:
            index = len(self.gateway_buttons)
            row.addWidget(
                self._settings_button, index // GATEWAYS_PER_ROW, index % GATEWAYS_PER_ROW
            )
            self._settings_button.show()
        self._gateway_row.addWidget(box)
        self._gateway_box = box

    def open_settings(self) -> None:
        """Payment keys (managers only: the service refuses anyone else)."""
        service = self.act.terminal.gateway_settings
        if service is None:
            return
        training = self.act.terminal.ctx.training

        def show(fields: list[FieldStatus]) -> None:
            dialog = SettingsDialog(self, self.act, service, fields, training)
            # saved keys rebuilt the methods: show their buttons as they are now
            dialog.finished.connect(lambda _r: self.build_gateway_buttons())
            self._open(dialog)

        self.act.call(service.fields, show)

    def shown_paid(self, attempt_id: str) -> bool:
        """Has this screen already shown the receipt of that gateway attempt?"""
        return attempt_id in self._shown_paid

    def _paid_in_dialog(self, attempt: AttemptView) -> None:
        """The payment dialog saw its attempt paid (its own poll, or a relay it was given)."""
        self._dialog_paid.append(attempt.attempt_id)
        self._gateway_paid(attempt)

    def arrived_later(self, attempt: AttemptView) -> None:
        """A payment the cashier had stopped waiting for came through after all: the
        sale it completed is shown with its receipt, and the message says what happened.
        When its dialog saw it paid (its poll heard the relayed result first, without the
        receipt) the receipt is shown as usual; when it is on screen already, nothing."""
        if self.shown_paid(attempt.attempt_id):
            return
        seen = attempt.attempt_id in self._dialog_paid
        self._gateway_paid(attempt)
        if attempt.receipt is not None and not seen:
            self.show_error(
                self.tr(
                    "{method} {amount} arrived after you stopped waiting: sale {number} is paid "
                    "and complete. Give the customer the receipt."
                ).format(
                    method=attempt.label, amount=attempt.applied, number=attempt.receipt.number
                )
            )

    def _gateway_paid(self, attempt: AttemptView) -> None:
        if attempt.receipt is not None:
            if self.shown_paid(attempt.attempt_id):
                return  # the relay and the dialog's poll both brought it
            self._shown_paid.append(attempt.attempt_id)
            receipt = attempt.receipt
            self.show_sale(None)
            self.last_receipt = receipt
            printing = self._print(receipt)

            # open after the payment dialog has closed
            def show() -> None:
                kra = self._kra(receipt.sale_id)
                dialog = ReceiptDialog(self, receipt, None, printing=printing, kra=kra)
                self._open_receipt(dialog, receipt.sale_id, kra)

            QTimer.singleShot(0, show)
            return
        if attempt.sale_view is not None:
            self.show_sale(attempt.sale_view)
            self.show_info(
                self.tr("{method} payment of {amount} received. Still due: {due}.").format(
                    method=attempt.label, amount=attempt.applied, due=attempt.sale_view.totals.due
                )
            )

    def _completed(self, result: CashResult) -> None:
        assert result.receipt is not None
        self.show_sale(None)
        self.last_receipt = result.receipt
        printing = self._print(result.receipt)
        kra = self._kra(result.receipt.sale_id)
        dialog = ReceiptDialog(self, result.receipt, result.change, printing=printing, kra=kra)
        self._open_receipt(dialog, result.receipt.sale_id, kra)

    def _kra(self, sale_id: str) -> KraBlock | None:
        """A sale just completed: KRA has not signed it yet (the eTIMS worker queues it),
        so the receipt shows the provisional mark; None when eTIMS is off."""
        return self.act.terminal.etims.provisional(sale_id)

    def _open_receipt(self, dialog: ReceiptDialog, sale_id: str, kra: KraBlock | None) -> None:
        """Show the receipt; while it is provisional, it changes to the signed KRA block
        as soon as KRA signs (``pos.ui.etims_queue.follow_kra``)."""
        self._open(dialog)
        if kra is not None and not kra.signed:
            follow_kra(dialog, self.act.terminal.etims, sale_id, FOLLOW_S, dialog.show_kra)

    def _print(self, receipt: Receipt) -> bool:
        """Print a completed sale's receipt (``pos.ui.device_status``); whether it went
        to a printer (it may wait there for paper; the cashier is told). With eTIMS it
        prints once KRA signed the sale, or provisional after ``PRINT_GRACE_S``."""
        if self.devices is None:
            return False
        hooks = self.devices
        follow_kra(
            self,
            self.act.terminal.etims,
            receipt.sale_id,
            PRINT_GRACE_S,
            lambda kra: hooks.sale_completed(receipt, kra),
        )
        return self.devices.printing

    def show_last_receipt(self) -> None:
        """F9: the receipt browser, on the last paid receipt (any older one a search away;
        a reprint is marked COPY)."""
        self._open(ReceiptBrowser(self, self.act))
