"""The first-run set-up wizard: from a fresh install to a live shop, or to training.

Shown by the composition root when no live configuration exists. Its pages
(:mod:`pos.ui.setup_wizard.pages`) collect the shop's details; the first manager's page
opens the live database (kept apart from training's, always) through the
:class:`SetupBackend` and creates the manager with the staff rules (PIN typed twice), who
is then logged in for the steps that need a manager (catalog import, payment keys,
head-office enrollment). Finish writes the live config file atomically. Every store or
network call runs on the wizard's own worker, never on the GUI thread.

``result_mode`` tells the caller what happened: ``"live"`` (config written),
``"training"`` (the person chose to try training mode) or ``None`` (closed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard

from pos.services.auth import Role
from pos.services.headoffice import EnrollRequest, EnrollResult
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.runner import ServiceRunner
from pos.ui.settings_dialog import SettingsDialog
from pos.ui.setup_wizard.backend import LiveSession, SetupBackend
from pos.ui.setup_wizard.model import ShopDetails
from pos.ui.setup_wizard.pages import (
    ManagerPage,
    ReceiptPage,
    RegionPage,
    SetupPage,
    ShopPage,
    WelcomePage,
)
from pos.ui.setup_wizard.pages_devices import DevicesPage, EtimsPage
from pos.ui.setup_wizard.pages_later import (
    CatalogPage,
    DonePage,
    HeadOfficePage,
    PaymentsPage,
)
from pos.ui.widgets import STYLE

T = TypeVar("T")
log = logging.getLogger(__name__)

SKIP = QWizard.WizardButton.CustomButton1


class SetupWizard(QWizard):
    """Welcome, shop, currency and language, receipt, manager, head office, products,
    payments, devices, eTIMS, done."""

    def __init__(self, backend: SetupBackend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setStyleSheet(STYLE)  # the till's look (message roles, buttons)
        self.backend = backend
        self.details = ShopDetails()
        self.session: LiveSession | None = None
        self.act: Actions | None = None
        self.result_mode: str | None = None
        self.skipping = False
        self.runner = ServiceRunner(self, name="setup")
        self.settings_dialog: SettingsDialog | None = None
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(760, 560)
        self.welcome = WelcomePage(self)
        self.shop = ShopPage(self)
        self.region = RegionPage(self)
        self.receipt = ReceiptPage(self)
        self.manager = ManagerPage(self)
        self.head_office = HeadOfficePage(self)
        self.catalog = CatalogPage(self)
        self.payments = PaymentsPage(self)
        self.devices = DevicesPage(self)
        self.etims = EtimsPage(self)
        self.done_page = DonePage(self)
        self.pages: list[SetupPage] = [
            self.welcome,
            self.shop,
            self.region,
            self.receipt,
            self.manager,
            self.head_office,
            self.catalog,
            self.payments,
            self.devices,
            self.etims,
            self.done_page,
        ]
        for page in self.pages:
            self.addPage(page)
        self.customButtonClicked.connect(lambda which: self.skip() if which == SKIP else None)
        self.currentIdChanged.connect(self._page_changed)
        self.retranslate_ui()
        self._page_changed(self.currentId())

    # -- language ---------------------------------------------------------------------
    def set_language(self, code: str) -> None:
        """Show the wizard in ``code`` at once (the first manager gets it as theirs)."""
        i18n.set_language(code)
        self.details.screen_language = code
        self.retranslate_ui()
        for page in self.pages:
            page.message.clear()
            page.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Kaunta set-up"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next >"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Finish"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.setButtonText(SKIP, self.tr("Skip"))

    def step_title(self, name: str) -> str:
        """The title of the step called ``name`` (for the summary of skipped steps)."""
        return next((p.title() for p in self.pages if p.name == name), name)

    # -- moving -----------------------------------------------------------------------
    def _page_changed(self, _page_id: int) -> None:
        page = self.currentPage()
        self.button(SKIP).setVisible(isinstance(page, SetupPage) and page.skippable)

    def skip(self) -> None:
        """Next without checking or saving this step's answers (noted for the summary)."""
        self.skipping = True
        try:
            self.next()
        finally:
            self.skipping = False

    def note_skipped(self, name: str) -> None:
        if name not in self.details.skipped:
            self.details.skipped.append(name)

    def page_said(self, page: SetupPage, text: str, error: bool, field: QWidget | None) -> None:
        """The wizard shows each page's message on the page itself: nothing more."""

    def choose_training(self) -> None:
        """The welcome page's one click to training mode: nothing is written."""
        self.result_mode = "training"
        self.done(QWizard.DialogCode.Accepted.value)

    # -- work off the GUI thread --------------------------------------------------------
    def _busy(self, busy: bool) -> None:
        for which in (
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.FinishButton,
            SKIP,
        ):
            self.button(which).setEnabled(not busy)

    def call(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None],
        on_error: Callable[[str], None],
    ) -> None:
        """``fn`` on the wizard's worker; the result (or the error, in words) here."""
        self._busy(True)

        def ok(value: T) -> None:
            self._busy(False)
            on_ok(value)

        def failed(error: BaseException) -> None:
            self._busy(False)
            on_error(describe_error(error))

        self.runner.submit(fn, ok, failed)

    def open_live_with_manager(
        self, name: str, pin: str, then: Callable[[], None], failed: Callable[[str], None]
    ) -> None:
        """Check the whole config, open the live database, create the first manager (or
        log in an existing one of that name) and keep them logged in."""
        details = self.details
        backend = self.backend

        def work() -> LiveSession | str:
            problem = backend.check(details)
            if problem is not None:
                return problem
            session = backend.open_live(details)
            auth = session.terminal.auth
            existing = {u.name: u for u in auth.users() if u.role is Role.MANAGER}
            if existing and name in existing:
                auth.login(existing[name].user_id, pin)
            elif auth.users():
                return self.tr(
                    "Manager's name: this shop's database has managers already; type the "
                    "name and PIN of one of them."
                )
            else:
                auth.bootstrap_users([(name, Role.MANAGER, pin)])
                created = next(u for u in auth.users() if u.name == name)
                auth.login(created.user_id, pin)
                if details.screen_language != "en":
                    auth.set_language(details.screen_language)
            return session

        def opened(result: LiveSession | str) -> None:
            if isinstance(result, str):
                failed(result)
                return
            self.session = result
            self.act = Actions(self.runner, result.terminal, self, failed)
            then()

        self.call(work, opened, failed)

    def enroll(
        self,
        request: EnrollRequest,
        on_ok: Callable[[EnrollResult], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Enroll through the head-office service (manager only; the HTTP call on the
        network executor)."""
        if self.session is None or self.act is None:
            on_error(RuntimeError("no live session"))
            return
        service = self.session.terminal.headoffice
        self.act.steps(lambda: service.enroll(request), on_ok, on_error)

    @property
    def payment_methods(self) -> tuple[tuple[str, str], ...]:
        """The installed methods, once the live database is open (the manager's page)."""
        return self.session.methods if self.session is not None else ()

    def open_payment_keys(self) -> None:
        """The manager's payment settings dialog (the same one as in the manager's tools)."""
        session, act = self.session, self.act
        if session is None or act is None or session.terminal.gateway_settings is None:
            self.payments.show_error(self.tr("Payment keys: not available on this till."))
            return
        service = session.terminal.gateway_settings

        def show(fields: Any) -> None:
            self.settings_dialog = SettingsDialog(self, act, service, fields, False)
            self.settings_dialog.open()

        self.call(service.fields, show, self.payments.show_error)

    # -- finish -----------------------------------------------------------------------
    def accept(self) -> None:
        """Finish: write the config file (on the worker), then close as ``live``."""
        if self.result_mode == "live":
            super().accept()
            return
        details = self.details

        def written(_path: object) -> None:
            self.result_mode = "live"
            self.accept()

        self.call(lambda: self.backend.finish(details), written, self.done_page.show_error)

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)


def run_wizard_modal(wizard: SetupWizard) -> str | None:
    """Show the wizard until it closes; returns its ``result_mode``."""
    wizard.setWindowModality(Qt.WindowModality.ApplicationModal)
    wizard.exec()
    return wizard.result_mode
