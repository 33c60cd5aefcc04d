"""The products screen: the shop's own catalog on a standalone till.

A list (search by SKU, barcode or name, inactive products greyed; while eTIMS runs, each
product's KRA registration and item class) and a form: SKU (fixed once the product
exists: sales and head office know it by it), name, category, price, VAT class, KRA item
class (digits from KRA's list; empty: the branch's ``[etims] item_class``) and the
barcodes, one a line (the first is the main one). Save adds or changes the
product, Deactivate / Reactivate takes it out of (or back into) scanning, Export writes the
catalog as CSV. The service checks the manager's permission, the barcodes' check digits and
that no barcode belongs to another product, and audits every change; a new price takes
effect for new scans only.

On a till enrolled with a head office the catalog belongs to head office: the screen says
so and the form is read-only (the service refuses writes too).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.services.catalog import ImportReport
from pos.services.etims import KraItem
from pos.services.products import ProductDraft, ProductRow
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import TOUCH_HEIGHT, action_button, set_role

_INACTIVE = QColor("#888")
#: bad rows listed on the screen; the full report of a longer list goes to a file
SHOWN_ERRORS = 1000
#: the full report's name, in the exports folder
ERRORS_FILE = "catalog-import-errors.txt"


class _ImportProgress(QObject):
    """Carries the import's progress from the till worker to the screen (a queued
    signal: the import calls ``sig_progress.emit`` on the worker thread)."""

    sig_progress = Signal(str, int, int)  # phase ("check" / "write"), done, total


class ProductsDialog(KauntaDialog):
    """Add, edit, deactivate and export the till's products."""

    def __init__(self, parent: QWidget, actions: Actions, export_dir: Path) -> None:
        super().__init__(parent, self.tr("Products"))
        self._actions = actions
        self._export_dir = export_dir
        self.rows: list[ProductRow] = []
        self.current: ProductRow | None = None
        self.read_only = actions.terminal.products.owned_by_head_office()
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Products"), self)
        set_role(head, "title")
        layout.addWidget(head)
        self.owner = QLabel(
            self.tr(
                "This till is enrolled: head office owns the products. They are shown "
                "here read-only; change them at head office."
            ),
            self,
        )
        self.owner.setWordWrap(True)
        self.owner.setVisible(self.read_only)
        layout.addWidget(self.owner)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by SKU, barcode or name"))
        self.search.setMinimumHeight(TOUCH_HEIGHT)
        self.search.textChanged.connect(lambda _t: self.refresh())
        left.addWidget(self.search)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("SKU"),
                self.tr("Price"),
                self.tr("KRA"),
                self.tr("KRA item class"),
            ]
        )
        # shown while eTIMS runs (registered or not, and with which class)
        self.table.setColumnHidden(3, True)
        self.table.setColumnHidden(4, True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name wraps
        for column in (1, 2, 3, 4):  # whole codes, prices, KRA's status and class
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._chosen)
        left.addWidget(self.table)
        # KRA eTIMS: what KRA knows of each SKU (``saveItem``); None while eTIMS is off
        self.registered: dict[str, KraItem] | None = None
        self.kra_note = QLabel("", self)
        self.kra_note.setWordWrap(True)
        self.kra_note.hide()
        left.addWidget(self.kra_note)
        body.addLayout(left, 3)

        form = QFormLayout()
        self.sku = QLineEdit(self)
        self.name = QLineEdit(self)
        self.category = QLineEdit(self)
        self.price = QLineEdit(self)
        self.vat = QComboBox(self)
        for code in actions.terminal.ctx.tax_table.codes():
            self.vat.addItem(code, code)
        self.kra_class = QLineEdit(self)
        self.kra_class.setPlaceholderText(self.tr("Empty: the branch default"))
        self.kra_class.setMaxLength(10)
        self.barcodes = QPlainTextEdit(self)
        self.barcodes.setPlaceholderText(self.tr("One barcode a line"))
        self.barcodes.setMaximumHeight(110)
        self.state = QLabel("", self)
        for field in (self.sku, self.name, self.category, self.price, self.kra_class):
            field.setMinimumHeight(TOUCH_HEIGHT)
            self.clears_errors(field)
        form.addRow(self.tr("SKU"), self.sku)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Price ({currency})").format(currency=self._currency), self.price)
        form.addRow(self.tr("VAT class"), self.vat)
        form.addRow(self.tr("KRA item class"), self.kra_class)
        form.addRow(self.tr("Barcodes"), self.barcodes)
        form.addRow("", self.state)
        body.addLayout(form, 2)
        layout.addLayout(body)

        # the CSV import: progress while it runs, then its report (one line per bad row)
        self.importing = False
        self._import_progress = _ImportProgress(self)
        self._import_progress.sig_progress.connect(self._progressed)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.skip_errors = QCheckBox(
            self.tr("When importing, import the good rows and skip the bad ones"), self
        )
        self.skip_errors.setEnabled(not self.read_only)
        layout.addWidget(self.skip_errors)
        self.import_errors = QListWidget(self)
        self.import_errors.setVisible(False)
        self.import_errors.setMaximumHeight(160)
        layout.addWidget(self.import_errors)
        layout.addWidget(self.message)

        self.new_button = action_button(self, self.tr("New product"), "F2", self.new)
        self.active_button = action_button(self, self.tr("Deactivate"), "F8", self.toggle_active)
        self.import_button = action_button(self, self.tr("Import CSV"), "F9", self.choose_import)
        self.export_button = action_button(self, self.tr("Export CSV"), "F10", self.export)
        self.ok_button = self.add_buttons(
            layout,
            self.tr("Save"),
            self.save,
            self.new_button,
            self.active_button,
            self.import_button,
            self.export_button,
        )
        for widget in (self.new_button, self.active_button, self.ok_button, self.import_button):
            widget.setEnabled(not self.read_only)
        for field in (self.sku, self.name, self.category, self.price, self.kra_class):
            field.setReadOnly(self.read_only)
        self.barcodes.setReadOnly(self.read_only)
        self.vat.setEnabled(not self.read_only)
        self.setMinimumWidth(960)
        self.new()

    @property
    def _currency(self) -> str:
        return self._actions.terminal.ctx.currency

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        products, etims = self._actions.terminal.products, self._actions.terminal.etims
        text = self.search.text()
        self._actions.call(
            lambda: (products.find(text), etims.kra_items()), self._found, self._failed
        )

    def _found(self, found: tuple[list[ProductRow], dict[str, KraItem] | None]) -> None:
        self.registered = found[1]
        self._listed(found[0])

    def _listed(self, rows: list[ProductRow]) -> None:
        self.rows = rows
        registered = self.registered
        self.table.setColumnHidden(3, registered is None)
        self.table.setColumnHidden(4, registered is None)
        missing = refused = again = 0
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            kra = kra_class = reason = ""
            if registered is not None:
                known = registered.get(row.sku)
                kra, kra_class, reason = self._kra_cells(row, known)
                if (known is None or not known.registered) and row.active:
                    missing += 1
                    refused += bool(reason)
                elif known is not None and known.refused and row.active:
                    again += 1
            cells = (row.name, row.sku, str(row.price), kra, kra_class)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not row.active:
                    item.setForeground(QBrush(_INACTIVE))
                if reason and j in (3, 4):
                    item.setToolTip(reason)
                self.table.setItem(i, j, item)
        self.table.blockSignals(False)
        self.kra_note.setVisible(bool(missing or again))
        notes = []
        if missing:
            note = (
                self.tr(
                    "1 listed product is not registered with KRA yet. Kaunta registers it "
                    "while KRA is online, and always before a sale of it is sent."
                )
                if missing == 1
                else self.tr(
                    "{n} listed products are not registered with KRA yet. Kaunta registers "
                    "them while KRA is online, and always before a sale of one is sent."
                ).format(n=missing)
            )
            if refused:
                note += " " + (
                    self.tr(
                        "KRA refused it: point at it for the reason (often an item class "
                        "KRA does not list)."
                    )
                    if missing == 1
                    else self.tr(
                        "KRA refused {n} of them: point at one for the reason (often an "
                        "item class KRA does not list)."
                    ).format(n=refused)
                )
            notes.append(note)
        if again:
            notes.append(
                self.tr(
                    "KRA refused to register 1 listed product again (a new item class or "
                    "VAT band): point at it for the reason."
                )
                if again == 1
                else self.tr(
                    "KRA refused to register {n} listed products again (a new item class "
                    "or VAT band): point at one for the reason."
                ).format(n=again)
            )
        self.kra_note.setText(" ".join(notes))

    def _kra_cells(self, row: ProductRow, known: KraItem | None) -> tuple[str, str, str]:
        """The KRA status, the KRA item class and the detail (tool tip) of one row.
        The class shown is the product's own (or "branch default"), short enough for
        its column at 1024 pixels; what KRA has instead goes in the detail. A product
        whose latest registration KRA refused says "refused", even when KRA still has
        it from an earlier one (saveItem again after a new class or VAT band): never
        "registered" while KRA refuses what the product is now."""
        wanted = row.kra_item_class or self.tr("branch default")
        if known is not None and known.refused:
            if known.registered and known.item_class:
                still = self.tr("KRA still has it as {now}.").format(now=known.item_class)
                return self.tr("refused"), wanted, f"{known.refused}\n{still}"
            return self.tr("refused"), wanted, known.refused
        if known is None or not known.registered:
            return self.tr("not registered"), wanted, ""
        now = known.item_class
        if row.kra_item_class and now and now != row.kra_item_class:
            detail = self.tr("Registered as {now}; Kaunta registers it again as {wanted}.")
            return self.tr("registering again"), wanted, detail.format(now=now, wanted=wanted)
        return self.tr("registered"), now or wanted, ""

    def _chosen(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if selected:
            self.show_product(self.rows[selected[0].row()])

    def show_product(self, row: ProductRow) -> None:
        self.current = row
        self.sku.setText(row.sku)
        self.sku.setReadOnly(True)
        self.name.setText(row.name)
        self.category.setText(row.category)
        self.price.setText(str(row.price.to_decimal()))
        self.vat.setCurrentIndex(max(0, self.vat.findData(row.vat_class)))
        self.kra_class.setText(row.kra_item_class or "")
        self.barcodes.setPlainText("\n".join(row.barcodes))
        self.state.setText(self.tr("Active") if row.active else self.tr("Deactivated"))
        self.active_button.setText(self.tr("Deactivate") if row.active else self.tr("Reactivate"))
        self.active_button.setEnabled(not self.read_only)

    def new(self) -> None:
        """An empty form for a new product."""
        self.current = None
        self.table.clearSelection()
        for field in (self.sku, self.name, self.category, self.price, self.kra_class):
            field.clear()
        self.sku.setReadOnly(self.read_only)
        self.barcodes.clear()
        self.state.setText(self.tr("New product"))
        self.active_button.setEnabled(False)

    # -- writing --------------------------------------------------------------------------
    def draft(self) -> ProductDraft | None:
        try:
            price = Money.parse(self.price.text().strip(), self._currency)
        except DomainError:
            self.show_error(self.tr("Type the price as a number, e.g. 65 or 65.50."))
            return None
        return ProductDraft(
            sku=self.sku.text(),
            name=self.name.text(),
            price=price,
            vat_class=str(self.vat.currentData()),
            category=self.category.text(),
            barcodes=tuple(b for b in self.barcodes.toPlainText().split() if b),
            kra_item_class=self.kra_class.text(),
        )

    def save(self) -> None:
        draft = self.draft()
        if draft is None:
            return
        products = self._actions.terminal.products
        current = self.current
        if current is None:
            self._actions.call(lambda: products.get(products.add(draft)), self._saved, self._failed)
        else:
            pid = current.product_id
            self._actions.call(lambda: products.edit(pid, draft), self._saved, self._failed)

    def _saved(self, row: ProductRow) -> None:
        self.show_product(row)
        self.show_info(self.tr("Saved {name}.").format(name=row.name))
        self.refresh()

    def toggle_active(self) -> None:
        row = self.current
        if row is None:
            return
        products = self._actions.terminal.products
        pid, active = row.product_id, not row.active

        def toggle() -> ProductRow:
            products.set_active(pid, active)
            return products.get(pid)

        self._actions.call(toggle, self._saved, self._failed)

    def export(self) -> None:
        products = self._actions.terminal.products
        self._export_dir.mkdir(parents=True, exist_ok=True)
        path = self._export_dir / "catalog.csv"
        self._actions.call(
            lambda: products.export_csv(path),
            lambda n: self.show_info(
                self.tr("{count} products written to {path}.").format(count=n, path=path)
            ),
            self._failed,
        )

    # -- importing ------------------------------------------------------------------------
    def choose_import(self) -> None:
        """Ask for the products file, then import it."""
        if self.read_only or self.importing:
            return
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Products file"), "", self.tr("CSV files (*.csv)")
        )
        if chosen:
            self.import_file(Path(chosen))

    def import_file(self, path: Path) -> None:
        """Import ``path`` on the till worker (the service checks the manager and that
        this till owns its products); the report comes back to :meth:`_imported`."""
        if self.importing:
            return
        products = self._actions.terminal.products
        catalog = self._actions.terminal.catalog
        skip = self.skip_errors.isChecked()
        signal = self._import_progress.sig_progress
        report_path = self._export_dir / ERRORS_FILE

        def emit(phase: str, done: int, total: int) -> None:
            # the screen closed meanwhile (its signal deleted): the import goes on
            with contextlib.suppress(RuntimeError):
                signal.emit(phase, done, total)

        def run() -> tuple[ImportReport, Path | None]:
            report = products.import_csv(catalog, path, skip_errors=skip, progress=emit)
            if len(report.errors) <= SHOWN_ERRORS:
                return report, None
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(
                "".join(f"{error}\n" for error in report.errors), encoding="utf-8"
            )
            return report, report_path

        self.importing = True
        self.import_button.setEnabled(False)
        self.import_errors.clear()
        self.import_errors.setVisible(False)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setFormat(self.tr("Reading {name}…").format(name=path.name))
        self.progress.setVisible(True)
        self.show_info(self.tr("Importing {name}…").format(name=path.name))
        self._actions.call(run, self._imported, self._import_failed)

    def _progressed(self, phase: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        text = (
            self.tr("Checking lines: {done} of {total}")
            if phase == "check"
            else self.tr("Writing products: {done} of {total}")
        )
        self.progress.setFormat(text.format(done=f"{done:,}", total=f"{total:,}"))

    def _import_done(self) -> None:
        self.importing = False
        self.import_button.setEnabled(not self.read_only)
        self.progress.setVisible(False)

    def _imported(self, result: tuple[ImportReport, Path | None]) -> None:
        report, full = result
        self._import_done()
        errors = report.errors
        self.import_errors.addItems([i18n.render(e.message) for e in errors[:SHOWN_ERRORS]])
        if full is not None:
            self.import_errors.addItem(
                self.tr("… and {more} more bad rows: all of them are listed in {path}.").format(
                    more=len(errors) - SHOWN_ERRORS, path=full
                )
            )
        self.import_errors.setVisible(bool(errors))
        if report.written:
            self.show_info(
                self.tr("Imported {count} products ({skipped} bad rows skipped).").format(
                    count=report.imported, skipped=len(errors)
                )
            )
            self.refresh()
            return
        self.show_error(
            self.tr(
                "Nothing imported: {bad} of {rows} rows have errors (listed above). Fix "
                "them, or tick the box to import the good rows."
            ).format(bad=len(errors), rows=report.rows)
        )

    def _import_failed(self, error: BaseException) -> None:
        self._import_done()
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))
