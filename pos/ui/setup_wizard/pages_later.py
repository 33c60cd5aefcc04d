"""The wizard's later steps, once the live database is open and the manager logged in:
head office, products, payments, and the summary (devices and eTIMS are in
:mod:`pos.ui.setup_wizard.pages_devices`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.catalog import ImportReport
from pos.services.headoffice import (
    EnrollFailed,
    EnrollFailure,
    EnrollField,
    EnrollRequest,
    EnrollResult,
)
from pos.ui import i18n
from pos.ui.actions import describe_error
from pos.ui.setup_wizard.pages import PageHost, SetupPage, _form, _row

if TYPE_CHECKING:
    from pos.ui.setup_wizard.wizard import SetupWizard


class HeadOfficePage(SetupPage):
    name = "head office"
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.url = QLineEdit(self)
        self.code = QLineEdit(self)
        self.till_name = QLineEdit(self)
        self.labels = [_row(form, w) for w in (self.url, self.code, self.till_name)]
        self.enroll_button = QPushButton(self)
        self.enroll_button.setObjectName("enroll")
        self.enroll_button.clicked.connect(self.enroll)
        self.layout_.addWidget(self.enroll_button)
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Head office"))
        self.intro.setText(
            self.tr(
                "A shop with a head office enrolls the till with a one-time code made there; "
                "the head office then sends the store's products and staff. A shop on its "
                "own skips this step."
            )
        )
        for label, text in zip(
            self.labels,
            (self.tr("Head office address"), self.tr("Enrollment code"), self.tr("Till name")),
            strict=True,
        ):
            label.setText(text)
        self.url.setPlaceholderText(self.tr("e.g. https://hq.example.co.ke"))
        self.enroll_button.setText(self.tr("Enroll"))

    def enroll(self) -> None:
        if not self.url.text().strip():
            self.show_error(self.tr("Head office address: type the address, https://…"), self.url)
            return
        if not self.code.text().strip():
            self.show_error(
                self.tr("Enrollment code: type the code shown at head office."), self.code
            )
            return
        request = EnrollRequest(
            self.url.text().strip(),
            self.code.text().strip(),
            self.till_name.text().strip() or self.setup.details.terminal_id,
        )
        self.show_info(self.tr("Enrolling…"))
        self.enroll_button.setEnabled(False)

        def enrolled(result: EnrollResult) -> None:
            self.enroll_button.setEnabled(True)
            if not result.matches_config:  # the journal key could not follow: typed ids kept
                self.show_error(
                    self.tr(
                        "Enrolled as store {store}, till {till}, but this till keeps the ids "
                        "typed on the shop page ({reason}): call support before selling."
                    ).format(store=result.store_id, till=result.terminal_id, reason=result.warning)
                )
                return
            d = self.setup.details
            d.store_id, d.terminal_id = result.store_id, result.terminal_id
            # the shop page shows them if the manager goes back (its Next keeps them)
            self.setup.shop.store_code.setText(result.store_id)
            self.setup.shop.till.setText(result.terminal_id)
            d.head_office_url = request.url.rstrip("/")
            d.enrolled = True
            self.show_info(
                self.tr("Enrolled as store {store}, till {till}.").format(
                    store=result.store_id, till=result.terminal_id
                )
            )

        def failed(error: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            self.show_error(describe_error(error), self._field_of(error))

        self.setup.enroll(request, enrolled, failed)

    def _field_of(self, error: BaseException) -> QWidget | None:
        """The field a failed enrollment points at (focused with the message)."""
        if not isinstance(error, EnrollFailed):
            return None
        if error.kind is EnrollFailure.BAD_CODE:
            return self.code
        if error.kind is EnrollFailure.UNREACHABLE:
            return self.url
        return {
            EnrollField.URL: self.url,
            EnrollField.CODE: self.code,
            EnrollField.NAME: self.till_name,
        }.get(error.field)


class CatalogPage(SetupPage):
    name = "catalog"
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.empty = QRadioButton(self)
        self.demo = QRadioButton(self)
        self.csv = QRadioButton(self)
        self.empty.setChecked(True)
        self.group = QButtonGroup(self)
        for button in (self.empty, self.demo, self.csv):
            self.group.addButton(button)
            self.layout_.addWidget(button)
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self.choose_file)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.layout_.addLayout(row)
        self.skip_errors = QCheckBox(self)
        self.layout_.addWidget(self.skip_errors)
        self.errors = QListWidget(self)
        self.errors.setVisible(False)
        self.layout_.addWidget(self.errors)
        self.path.textEdited.connect(lambda _t: self.csv.setChecked(True))
        #: the choices and the file row; hidden on an enrolled till, whose products come
        #: from head office (its products screen is read-only, an import would be wrong)
        self.choices: list[QWidget] = [
            self.empty,
            self.demo,
            self.csv,
            self.path,
            self.browse,
            self.skip_errors,
            self.errors,
        ]
        self.head_office_note = QLabel(self)
        self.head_office_note.setObjectName("catalogHeadOfficeNote")
        self.head_office_note.setWordWrap(True)
        self.head_office_note.setVisible(False)
        self.layout_.addWidget(self.head_office_note)
        self.finish_layout()

    def initializePage(self) -> None:
        """On an enrolled till show only the head-office note: nothing can be imported."""
        enrolled = self.setup.details.enrolled
        self.intro.setVisible(not enrolled)
        for widget in self.choices:
            widget.setVisible(
                not enrolled and (widget is not self.errors or self.errors.count() > 0)
            )
            widget.setEnabled(not enrolled)
        self.head_office_note.setVisible(enrolled)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Products"))
        self.intro.setText(
            self.tr(
                "Start with no products and add them later, keep the demo products to try "
                "the till, or import a CSV file (columns sku, name, price, vat_class; see "
                "docs/catalog-import.md)."
            )
        )
        self.empty.setText(self.tr("Start empty"))
        self.demo.setText(self.tr("Keep the demo products"))
        self.csv.setText(self.tr("Import a CSV file"))
        self.browse.setText(self.tr("Choose file…"))
        self.skip_errors.setText(self.tr("Import the good rows and skip the bad ones"))
        self.head_office_note.setText(
            self.tr(
                "This shop is enrolled with a head office: its products come from head "
                "office with the next sync, and nothing is imported here. Press Next."
            )
        )

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Products file"), "", self.tr("CSV files (*.csv)")
        )
        if chosen:
            self.path.setText(chosen)
            self.csv.setChecked(True)

    def check(self) -> tuple[str, QWidget | None] | None:
        if self.setup.details.enrolled:
            return None
        if self.csv.isChecked() and not self.path.text().strip():
            return self.tr("CSV file: choose the products file, or pick another choice."), self.path
        return None

    def start(self, done: Callable[[], None]) -> bool:
        if self.empty.isChecked() or self.setup.details.enrolled:
            return False  # an enrolled till's products are head office's: never import
        session = self.setup.session
        if session is None:
            return False
        path = session.demo_catalog if self.demo.isChecked() else Path(self.path.text().strip())
        skip = self.skip_errors.isChecked() or self.demo.isChecked()
        self.show_info(self.tr("Importing…"))
        self.errors.clear()
        self.errors.setVisible(False)

        def imported(report: ImportReport) -> None:
            if report.written:
                skipped = len(report.errors)
                self.show_info(
                    self.tr("Imported {count} products ({skipped} bad rows skipped).").format(
                        count=report.imported, skipped=skipped
                    )
                )
                done()
                return
            self.errors.addItems([i18n.render(e.message) for e in report.errors])
            self.errors.setVisible(True)
            self.show_error(
                self.tr(
                    "Nothing imported: {bad} of {rows} rows have errors (listed above). Fix "
                    "them, or tick the box to import the good rows."
                ).format(bad=len(report.errors), rows=report.rows)
            )

        catalog = session.terminal.catalog
        self.setup.call(
            lambda: catalog.import_csv(path, skip_errors=skip), imported, self.show_error
        )
        return True


class PaymentsHost(PageHost, Protocol):
    """The payments page's host: the wizard, or the manager's shop details screen."""

    @property
    def payment_methods(self) -> tuple[tuple[str, str], ...]:
        """The methods installed (code, label; cash first); empty until known."""

    def open_payment_keys(self) -> None:
        """The payment settings dialog (keys, Test connection)."""


class PaymentsPage(SetupPage):
    name = "payments"
    setup: PaymentsHost

    def __init__(self, wizard: PaymentsHost) -> None:
        super().__init__(wizard)
        self.boxes: dict[str, QCheckBox] = {}
        self.box_area = QVBoxLayout()
        self.layout_.addLayout(self.box_area)
        self.keys = QPushButton(self)
        self.keys.setObjectName("paymentKeys")
        self.keys.clicked.connect(wizard.open_payment_keys)
        self.layout_.addWidget(self.keys)
        self.finish_layout()

    def initializePage(self) -> None:
        methods = self.setup.payment_methods
        if not methods or self.boxes:
            return
        for code, label in methods:
            box = QCheckBox(i18n.text(label), self)  # "Cash" is "Taslimu"; brands stay
            box.setChecked(code == "cash")
            box.setEnabled(code != "cash")  # cash is always taken
            self.boxes[code] = box
            self.box_area.addWidget(box)

    def show_details(self) -> None:
        """A box for each installed method, ticked as the details offer them."""
        self.initializePage()
        for code, box in self.boxes.items():
            box.setChecked(code == "cash" or code in self.setup.details.methods)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Payments"))
        self.intro.setText(
            self.tr(
                "Tick the ways your customers pay. M-Pesa, PayPal and card payments need the "
                "keys from your provider: enter them and test the connection (they are kept "
                "in this computer's keyring, never in a file)."
            )
        )
        self.keys.setText(self.tr("Enter keys and test connection…"))

    def check(self) -> tuple[str, QWidget | None] | None:
        self.setup.details.methods = [c for c, box in self.boxes.items() if box.isChecked()] or [
            "cash"
        ]
        return None


class DonePage(SetupPage):
    name = "done"
    skippable = False
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        self.finish_layout()

    def initializePage(self) -> None:
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Ready"))
        self.intro.setText(
            self.tr("Finish writes the shop's settings and opens the till at the login screen.")
        )
        d = self.setup.details
        lines = [
            self.tr("Shop: {name} (store {store}, till {till})").format(
                name=d.shop_name, store=d.store_id, till=d.terminal_id
            ),
            self.tr("Manager: {name}").format(name=d.manager_name or "-"),
            self.tr("Payments: {methods}").format(methods=", ".join(self._labels(d.methods))),
            self.tr("Devices: {devices}").format(devices=self._devices()),
            self.tr("KRA eTIMS: {etims}").format(etims=self._etims()),
            self.tr("Settings file: {path}").format(path=self.setup.backend.config_path),
        ]
        if d.skipped:
            lines.append(
                self.tr("Skipped (do it later): {steps}").format(
                    steps=", ".join(self.setup.step_title(n) for n in d.skipped)
                )
            )
        self.summary.setText("\n".join(lines))

    def _devices(self) -> str:
        """Each device set and its port, or "none"."""
        d, page = self.setup.details, self.setup.devices
        shown = [
            f"{page.device_name(table)} ({values.get('port', '')})"
            for table, values in d.devices.items()
        ]
        return ", ".join(shown) or self.tr("none (set later in the manager's tools)")

    def _etims(self) -> str:
        d = self.setup.details
        if d.enrolled:
            return self.tr("done by head office")
        if not d.etims:
            return self.tr("not set up: nothing is sent to KRA")
        branch = d.etims.get("bhf_id", "")
        if d.etims_tested:
            return self.tr("branch {branch}, tested").format(branch=branch)
        return self.tr("branch {branch}, not tested: initialised at the first start").format(
            branch=branch
        )

    def _labels(self, codes: list[str]) -> list[str]:
        """The chosen methods as the payments page named them (M-Pesa, not mpesa; Cash
        in the screens' language)."""
        session = self.setup.session
        names = dict(session.methods) if session is not None else {}
        return [i18n.text(names.get(code, code)) for code in codes]
