"""The wizard's first pages (the shop and its manager) and what every page shares.

Each page checks its own fields when Next is pressed (a message naming the field, the
field focused) and writes its answers into the wizard's :class:`ShopDetails`. Pages whose
Next does I/O (opening the live database, importing a catalog) start it on the wizard's
worker and move on when it answers; the GUI thread never waits. Texts are set in
``retranslate_ui`` so the language chosen on the first page applies at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from pos.services.auth import PIN_MAX
from pos.ui import i18n
from pos.ui.setup_wizard import model
from pos.ui.widgets import set_role

if TYPE_CHECKING:
    from pos.ui.setup_wizard.backend import EtimsChecks
    from pos.ui.setup_wizard.wizard import SetupWizard


class PageHost(Protocol):
    """What the shop's pages (shop, currency and language, receipt, eTIMS) need of the
    window they are on: the set-up wizard, or the manager's shop details screen
    (:mod:`pos.ui.manager.shop_details`), which shows the same pages after set-up. The
    other pages are the wizard's alone (they declare ``setup: SetupWizard``)."""

    details: model.ShopDetails
    skipping: bool

    @property
    def backend(self) -> EtimsChecks: ...

    def next(self) -> None: ...

    def note_skipped(self, name: str) -> None: ...

    def page_said(self, page: SetupPage, text: str, error: bool, field: QWidget | None) -> None:
        """``page`` showed ``text`` on its message line (the host may show it too)."""

    def call(
        self, fn: Callable[[], Any], on_ok: Callable[[Any], None], on_error: Callable[[str], None]
    ) -> None: ...


class SetupPage(QWizardPage):
    """A step: its form, a message line, its check, and whether it may be skipped."""

    #: a name for the summary of skipped steps (English: the log and the summary map it)
    name = ""
    skippable = True

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard if isinstance(wizard, QWidget) else None)
        self.setup = wizard
        self.layout_ = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.layout_.addWidget(self.intro)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("wizardMessage")
        self._passed = False

    def finish_layout(self) -> None:
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.message)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Set every text in the screens' current language."""

    def show_details(self) -> None:
        """Fill the form from the details (a till set up already, on the manager's shop
        details screen); the wizard's own steps have nothing to fill."""

    # -- messages ---------------------------------------------------------------------
    def show_error(self, text: str, field: QWidget | None = None) -> None:
        set_role(self.message, "error")
        self.message.setText(text)
        if field is not None:
            field.setFocus()
        self.setup.page_said(self, text, True, field)

    def show_info(self, text: str) -> None:
        set_role(self.message, "info")
        self.message.setText(text)
        self.setup.page_said(self, text, False, None)

    # -- Next -------------------------------------------------------------------------
    def check(self) -> tuple[str, QWidget | None] | None:
        """The first bad field's message and widget, or None; stores the answers."""
        return None

    def start(self, done: Callable[[], None]) -> bool:
        """Begin this page's I/O; False when there is none (Next goes on at once)."""
        return False

    def validatePage(self) -> bool:
        if self.setup.skipping:
            self.setup.note_skipped(self.name)
            return True
        if self._passed:
            self._passed = False
            return True
        problem = self.check()
        if problem is not None:
            self.show_error(*problem)
            return False
        self.message.clear()

        def done() -> None:
            self._passed = True
            self.setup.next()

        return not self.start(done)


def _form(page: SetupPage) -> QFormLayout:
    form = QFormLayout()
    page.layout_.addLayout(form)
    return form


def _row(form: QFormLayout, widget: QWidget) -> QLabel:
    label = QLabel(widget.parentWidget())
    label.setBuddy(widget)
    form.addRow(label, widget)
    return label


class WelcomePage(SetupPage):
    """Language, then: set up the shop, or try training mode (one click)."""

    name = "welcome"
    skippable = False
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.language = QComboBox(self)
        for code, own_name in i18n.LANGUAGES.items():
            self.language.addItem(own_name, code)
        self.language_label = _row(form, self.language)
        buttons = QHBoxLayout()
        self.setup_shop = QPushButton(self)
        self.setup_shop.setObjectName("setUpShop")
        self.training = QPushButton(self)
        self.training.setObjectName("tryTraining")
        buttons.addWidget(self.setup_shop)
        buttons.addWidget(self.training)
        self.layout_.addLayout(buttons)
        self.training_note = QLabel(self)
        self.training_note.setWordWrap(True)
        self.layout_.addWidget(self.training_note)
        self.setup_shop.clicked.connect(wizard.next)
        self.training.clicked.connect(wizard.choose_training)
        self.language.currentIndexChanged.connect(
            lambda _i: wizard.set_language(str(self.language.currentData()))
        )
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Welcome to Kaunta"))
        self.intro.setText(
            self.tr(
                "This sets up the till for your shop: its details, the first manager, "
                "products, payments and head office. Every step but the manager can be "
                "skipped and done later."
            )
        )
        self.language_label.setText(self.tr("Language"))
        self.setup_shop.setText(self.tr("Set up my shop"))
        self.training.setText(self.tr("Try training mode"))
        self.training_note.setText(
            self.tr(
                "Training mode is practice: a demo shop, demo staff and products, "
                "simulated M-Pesa and card payments. Nothing in it is real, synced or "
                "sent to KRA, and it is kept apart from your shop's data."
            )
        )

    def check(self) -> tuple[str, QWidget | None] | None:
        self.setup.details.screen_language = str(self.language.currentData())
        return None


class ShopPage(SetupPage):
    name = "shop"

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.shop_name = QLineEdit(self)
        self.address = QPlainTextEdit(self)
        self.address.setFixedHeight(70)
        self.phone = QLineEdit(self)
        self.kra_pin = QLineEdit(self)
        self.vat = QCheckBox(self)
        self.vat.setChecked(True)
        self.store_code = QLineEdit(wizard.details.store_id, self)
        self.till = QLineEdit(wizard.details.terminal_id, self)
        self.labels = [
            _row(form, w)
            for w in (
                self.shop_name,
                self.address,
                self.phone,
                self.kra_pin,
                self.vat,
                self.store_code,
                self.till,
            )
        ]
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Your shop"))
        self.intro.setText(self.tr("What every receipt shows at the top."))
        texts = (
            self.tr("Shop name"),
            self.tr("Address"),
            self.tr("Phone"),
            self.tr("KRA PIN"),
            self.tr("VAT"),
            self.tr("Store code"),
            self.tr("Till number"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.vat.setText(self.tr("Registered for VAT"))
        self.kra_pin.setPlaceholderText(self.tr("e.g. P051234567X"))
        self.address.setPlaceholderText(self.tr("One line per line of the address"))

    def show_details(self) -> None:
        """Fill the form from the details (a till set up already: the shop details
        screen)."""
        d = self.setup.details
        self.shop_name.setText(d.shop_name)
        self.address.setPlainText("\n".join(d.address))
        self.phone.setText(d.phone)
        self.kra_pin.setText(d.kra_pin)
        self.vat.setChecked(d.vat_registered)
        self.store_code.setText(d.store_id)
        self.till.setText(d.terminal_id)

    def check(self) -> tuple[str, QWidget | None] | None:
        d = self.setup.details
        address = model.lines_of(self.address.toPlainText())
        registered = self.vat.isChecked()
        for problem, widget in (
            (model.check_shop_name(self.shop_name.text()), self.shop_name),
            (model.check_address(address), self.address),
            (model.check_phone(self.phone.text()), self.phone),
            (model.check_kra_pin(self.kra_pin.text(), vat_registered=registered), self.kra_pin),
            (model.check_code(self.store_code.text(), self.tr("Store code")), self.store_code),
            (model.check_code(self.till.text(), self.tr("Till number")), self.till),
        ):
            if problem is not None:
                return problem, widget
        d.shop_name = self.shop_name.text().strip()
        d.address = address
        d.phone = self.phone.text().strip()
        d.kra_pin = self.kra_pin.text().strip().upper()
        d.vat_registered = registered
        d.store_id = self.store_code.text().strip()
        d.terminal_id = self.till.text().strip()
        return None


class RegionPage(SetupPage):
    name = "region"

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.currency = QComboBox(self)
        self.currency.addItems(list(model.CURRENCIES))
        self.timezone = QComboBox(self)
        self.timezone.addItems(list(model.TIMEZONES))
        self.receipt_language = QComboBox(self)
        for code in model.RECEIPT_LANGUAGES:
            self.receipt_language.addItem(code, code)
        self.labels = [_row(form, w) for w in (self.currency, self.timezone, self.receipt_language)]
        self._shown = False
        self.finish_layout()

    def initializePage(self) -> None:
        """The first time: receipts in the language chosen for the screens."""
        if not self._shown:
            self._shown = True
            index = self.receipt_language.findData(self.setup.details.screen_language)
            self.receipt_language.setCurrentIndex(max(index, 0))

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Currency and language"))
        self.intro.setText(
            self.tr("Prices are in one currency; the time zone decides each sale's business day.")
        )
        for label, text in zip(
            self.labels,
            (self.tr("Currency"), self.tr("Time zone"), self.tr("Receipt language")),
            strict=True,
        ):
            label.setText(text)
        names = {
            "en": self.tr("English"),
            "sw": self.tr("Kiswahili"),
            "both": self.tr("English and Kiswahili"),
        }
        for index in range(self.receipt_language.count()):
            code = str(self.receipt_language.itemData(index))
            self.receipt_language.setItemText(index, names[code])

    def show_details(self) -> None:
        """Choose the details' currency, time zone and receipt language (one the lists
        do not offer, typed into the file by hand, is added so it is kept)."""
        d = self.setup.details
        self._shown = True
        for combo, value in ((self.currency, d.currency), (self.timezone, d.timezone)):
            if combo.findText(value) < 0:
                combo.addItem(value)
            combo.setCurrentIndex(combo.findText(value))
        self.receipt_language.setCurrentIndex(
            max(self.receipt_language.findData(d.receipt_language), 0)
        )

    def check(self) -> tuple[str, QWidget | None] | None:
        d = self.setup.details
        d.currency = self.currency.currentText()
        d.timezone = self.timezone.currentText()
        d.receipt_language = str(self.receipt_language.currentData())
        return None


class ReceiptPage(SetupPage):
    name = "receipt"

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.header = QPlainTextEdit(self)
        self.header.setFixedHeight(70)
        self.footer = QPlainTextEdit("\n".join(wizard.details.receipt_footer), self)
        self.footer.setFixedHeight(70)
        self.labels = [_row(form, w) for w in (self.header, self.footer)]
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Receipt header and footer"))
        self.intro.setText(
            self.tr(
                "A few lines of your own: the header under the address (opening hours), "
                "the footer at the bottom (a thank-you, the returns rule). At most 4 lines "
                "of 40 characters each."
            )
        )
        self.labels[0].setText(self.tr("Receipt header"))
        self.labels[1].setText(self.tr("Receipt footer"))

    def show_details(self) -> None:
        """Fill the two boxes from the details."""
        self.header.setPlainText("\n".join(self.setup.details.receipt_header))
        self.footer.setPlainText("\n".join(self.setup.details.receipt_footer))

    def check(self) -> tuple[str, QWidget | None] | None:
        header = model.lines_of(self.header.toPlainText())
        footer = model.lines_of(self.footer.toPlainText())
        for problem, widget in (
            (model.check_receipt_lines(header, self.tr("Receipt header")), self.header),
            (model.check_receipt_lines(footer, self.tr("Receipt footer")), self.footer),
        ):
            if problem is not None:
                return problem, widget
        self.setup.details.receipt_header = header
        self.setup.details.receipt_footer = footer
        return None


class ManagerPage(SetupPage):
    """The first manager: the live database is opened here, and the manager created (or,
    on a database that has users already, logged in)."""

    name = "manager"
    skippable = False
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        form = _form(self)
        self.manager_name = QLineEdit(self)
        self.pin = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for edit in (self.pin, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(PIN_MAX)
        self.labels = [_row(form, w) for w in (self.manager_name, self.pin, self.repeat)]
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("The first manager"))
        self.intro.setText(
            self.tr(
                "A till needs one manager: this step cannot be skipped. Cashiers and "
                "supervisors are added later from the manager's tools (or come from head "
                "office)."
            )
        )
        for label, text in zip(
            self.labels,
            (self.tr("Manager's name"), self.tr("PIN"), self.tr("PIN again")),
            strict=True,
        ):
            label.setText(text)

    def check(self) -> tuple[str, QWidget | None] | None:
        problem = model.check_manager(self.manager_name.text(), self.pin.text(), self.repeat.text())
        if problem is not None:
            field = self.manager_name if problem.startswith(self.tr("Manager's name")) else None
            return problem, field or (self.repeat if self.pin.text() else self.pin)
        self.setup.details.manager_name = self.manager_name.text().strip()
        return None

    def start(self, done: Callable[[], None]) -> bool:
        name, pin = self.manager_name.text().strip(), self.pin.text()
        self.show_info(self.tr("Opening the shop's database…"))

        def opened() -> None:
            self.pin.clear()
            self.repeat.clear()
            self.message.clear()
            done()

        self.setup.open_live_with_manager(name, pin, opened, self.show_error)
        return True
