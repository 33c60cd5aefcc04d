"""The manager's shop details screen (Manager's tools, Alt+I): what the set-up wizard
asked about the shop, changed after set-up.

It shows the wizard's own pages (:mod:`pos.ui.setup_wizard.pages`: the shop, currency
and language, receipt header and footer, KRA eTIMS) as tabs, with the same fields and the
same checks, each message naming its field; this screen is their host instead of the
wizard (:class:`pos.ui.setup_wizard.pages.PageHost`). Saving goes through
``terminal.shop_details`` (:mod:`pos.services.shop_details`), which checks the manager,
audits, writes the config file and applies what it can at once.

What the screen makes plain: the store code and till number are fixed (shown, not
editable); on an enrolled till head office owns them, the currency and eTIMS; the
currency is fixed once money was recorded in it; and after a save, what applies from
the next receipt and what when Kaunta starts again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos.services.shop_details import SaveResult, ShopDetailsService, ShopScreen
from pos.services.steps import NetCall, Steps
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.settings_dialog import SettingsDialog
from pos.ui.setup_wizard import model
from pos.ui.setup_wizard.backend import EtimsCheck, EtimsChecks
from pos.ui.setup_wizard.pages import ReceiptPage, RegionPage, SetupPage, ShopPage
from pos.ui.setup_wizard.pages_devices import EtimsPage
from pos.ui.setup_wizard.pages_later import PaymentsPage
from pos.ui.widgets import action_button, clear_error, set_role


class _NoChecks:
    """No composition root: the eTIMS test says it is not available here."""

    def check(self, details: model.ShopDetails) -> str | None:
        return None

    def test_etims(self, details: model.ShopDetails, key: str = "") -> EtimsCheck:
        return EtimsCheck(
            False,
            "settings",
            QCoreApplication.translate(
                "ShopDetails", "the eTIMS test is not available on this till"
            ),
        )


class ShopDetailsDialog(KauntaDialog):
    """The wizard's shop pages as tabs, Save and Close."""

    def __init__(
        self, parent: QWidget, acts: Actions, service: ShopDetailsService, screen: ShopScreen
    ) -> None:
        super().__init__(parent, QCoreApplication.translate("ShopDetails", "Shop details"))
        self.setObjectName("shopDetails")
        self.acts = acts
        self.service = service
        self.state = screen
        # what the pages read and write, as in the wizard
        self.details = model.details_of(screen.settings, enrolled=screen.enrolled)
        self.skipping = False
        # the composition root's config check and eTIMS test (none without one)
        made = service.screen_checks() if service.screen_checks is not None else None
        self._backend: EtimsChecks = made if made is not None else _NoChecks()
        self.saved: SaveResult | None = None
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Shop details"), self)
        set_role(head, "title")
        layout.addWidget(head)
        self.owner = QLabel(self)
        self.owner.setObjectName("shopOwner")
        self.owner.setWordWrap(True)
        layout.addWidget(self.owner)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("shopTabs")
        # every tab in view at once (the dialog grows to fit them: 1024 pixels hold the
        # five, Kiswahili's longer names too), never a tab hidden behind scroll arrows
        self.tabs.setUsesScrollButtons(False)
        self.shop = ShopPage(self)
        self.region = RegionPage(self)
        self.receipt = ReceiptPage(self)
        self.etims = EtimsPage(self)
        self.pages: list[SetupPage] = [self.shop, self.region, self.receipt, self.etims]
        self.payments: PaymentsPage | None = None
        self.settings_dialog: SettingsDialog | None = None
        if screen.installed:  # which methods the till offers (a till built without any: not)
            self.payments = PaymentsPage(self)
            self.pages.append(self.payments)
        for page in self.pages:
            page.show_details()
            # each page scrolls inside its tab: the shop page's seven rows of touch-sized
            # fields are taller than a 768-pixel screen leaves room for with the buttons
            scroll = QScrollArea(self.tabs)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, page.title())
        self.tabs.currentChanged.connect(lambda _i: clear_error(self.message))
        layout.addWidget(self.tabs, 1)
        self.currency_note = QLabel(self)
        self.currency_note.setObjectName("currencyFixed")
        self.currency_note.setWordWrap(True)
        self.region.layout_.insertWidget(1, self.currency_note)
        self.when = QLabel(self)
        self.when.setWordWrap(True)
        layout.addWidget(self.when)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        # Close, not Cancel: what was saved stays saved; what was not is left as it was
        row.addWidget(action_button(self, self.tr("Close"), "Esc", self.reject))
        self.save_button = action_button(self, self.tr("Save"), "Enter", self.save, role="primary")
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self._fixed_fields()
        # the wizard's words for its own step ("Skip to ..."): this screen's instead
        self.etims.intro.setText(
            self.tr(
                "The branch's eTIMS device as KRA registered it on the eTIMS portal. Test "
                "connection initialises it with KRA; the communication key KRA sends is "
                "kept in this computer's keyring, never in a file. Leave it empty on a till "
                "that does not submit its sales to KRA (docs/etims.md)."
            )
        )
        self.setMinimumWidth(720)
        self.tabs.setMinimumHeight(300)

    def open(self) -> None:
        """As every dialog, kept inside the till's window (a 1024x768 screen)."""
        parent = self.parentWidget()
        if parent is not None:
            self.setMaximumHeight(max(parent.window().height(), 480))
        super().open()

    def _scroll_of(self, page: SetupPage) -> QScrollArea | None:
        for index in range(self.tabs.count()):
            scroll = self.tabs.widget(index)
            if isinstance(scroll, QScrollArea) and scroll.widget() is page:
                return scroll
        return None

    def show_page(self, page: SetupPage) -> None:
        """Bring ``page``'s tab to the front."""
        scroll = self._scroll_of(page)
        if scroll is not None:
            self.tabs.setCurrentWidget(scroll)

    # -- what cannot change here -------------------------------------------------------------
    def _fixed_fields(self) -> None:
        """Store code and till number: shown, never edited; the currency and eTIMS as
        the till's state allows; every fixed thing says who owns it."""
        enrolled = self.state.enrolled
        for edit in (self.shop.store_code, self.shop.till):
            edit.setReadOnly(True)
            edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            edit.setStyleSheet("background:#eceff1; color:#52606d;")  # looks fixed
            edit.setToolTip(
                self.tr("Set by head office at enrollment.")
                if enrolled
                else self.tr("Fixed at set-up: it begins every receipt number.")
            )
        self.owner.setText(
            self.tr(
                "This till is enrolled with a head office, which owns its store code and "
                "till number, its currency and KRA eTIMS: they are shown here and changed "
                "at head office."
            )
            if enrolled
            else self.tr(
                "What the set-up wizard asked about the shop. The store code and till "
                "number are fixed at set-up: they begin every receipt number."
            )
        )
        fixed = self.state.currency_fixed
        self.region.currency.setEnabled(not fixed)
        self.currency_note.setVisible(fixed)
        if enrolled:
            self.currency_note.setText(self.tr("Currency: head office's (the store's books)."))
        elif fixed:
            self.currency_note.setText(
                self.tr(
                    "Currency: fixed, since this till has recorded sales, shifts or products "
                    "in {currency}; a till keeps one currency for its books."
                ).format(currency=self.state.settings.currency)
            )
        self.when.setText(
            self.tr(
                "Used from the next receipt; the currency, time zone, KRA eTIMS and "
                "payment methods when Kaunta starts again."
            )
        )

    # -- what the pages call (the wizard's part) ---------------------------------------------
    @property
    def backend(self) -> EtimsChecks:
        return self._backend

    @property
    def payment_methods(self) -> tuple[tuple[str, str], ...]:
        return self.state.installed

    def open_payment_keys(self) -> None:
        """The manager's payment settings dialog, as the wizard's payments page opens it."""
        service = self.acts.terminal.gateway_settings
        if service is None:
            self.show_error(self.tr("Payment keys: not available on this till."))
            return

        def show(fields: Any) -> None:
            self.settings_dialog = SettingsDialog(self, self.acts, service, fields, False)
            self.settings_dialog.open()

        self.acts.call(service.fields, show, self._failed)

    def next(self) -> None:
        """The pages' "go on" after their own I/O: nothing to go on to here."""

    def note_skipped(self, name: str) -> None:
        """Nothing is skipped on this screen."""

    def page_said(self, page: SetupPage, text: str, error: bool, field: QWidget | None) -> None:
        """A page's message (a refused field, how the eTIMS test went) on this screen's
        own message line, always in view (the page's own line may be scrolled away), and
        the field scrolled into view."""
        page.message.clear()
        if error:
            self.show_error(text)
        else:
            self.show_info(text)
        scroll = self._scroll_of(page)
        if field is not None and scroll is not None:
            self.show_page(page)
            scroll.ensureWidgetVisible(field)

    def call(
        self, fn: Callable[[], Any], on_ok: Callable[[Any], None], on_error: Callable[[str], None]
    ) -> None:
        """``fn`` (the config check, the eTIMS test: it calls KRA) on the network executor,
        never the till worker, and the answer back here; closing the screen meanwhile
        waits for nothing."""

        def steps() -> Steps[Any]:
            return (yield NetCall(fn, "shop details: eTIMS"))

        self.acts.steps(steps, on_ok, lambda error: on_error(describe_error(error)))

    # -- save ----------------------------------------------------------------------------------
    def _checked(self) -> bool:
        """Every page's own checks, the first bad field shown on its tab."""
        keep_without_etims = not self.state.settings.etims and self.etims.is_empty()
        for page in self.pages:
            page.message.clear()
            if page is self.etims and keep_without_etims and not self.details.enrolled:
                self.details.etims = {}
                continue
            problem = page.check()
            if problem is None and page is self.etims and self.etims.key.text().strip():
                problem = (
                    self.tr(
                        "Communication key: press Test connection and initialise to check it "
                        "with KRA; it is kept in this computer's keyring, not saved here."
                    ),
                    self.etims.key,
                )
            if problem is not None:
                self.show_page(page)
                page.show_error(*problem)  # shown here too (page_said), the field in view
                return False
        return True

    def save(self) -> None:
        if not self._checked():
            return  # the page's message names the field, on this screen's message line
        new = model.shop_settings(self.details, self.state.settings)
        self.save_button.setEnabled(False)
        self.acts.call(lambda: self.service.save(new), self._saved, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.show_error(describe_error(error))

    def _saved(self, result: SaveResult) -> None:
        self.save_button.setEnabled(True)
        self.saved = result
        if not result.changed:
            self.show_info(self.tr("Nothing changed."))
            return
        self.state = ShopScreen(
            model.shop_settings(self.details, self.state.settings),
            self.state.enrolled,
            self.state.recorded,
            self.state.path,
        )
        owner = self.parentWidget()  # the manager's menu, on the till's window
        while owner is not None and not callable(getattr(owner, "refresh_shop", None)):
            owner = owner.parentWidget()
        if owner is not None:
            owner.refresh_shop()  # type: ignore[attr-defined]  # title, status, login name it
        parts = []
        if result.now:
            parts.append(self.tr("Saved: the next receipt shows the new details."))
        if result.restart:
            names = {
                "currency": self.tr("Currency"),
                "timezone": self.tr("Time zone"),
                "screen_language": self.tr("Language"),
                "etims": self.tr("KRA eTIMS"),
                "methods": self.tr("Payments"),
            }
            parts.append(
                self.tr(
                    "Saved. {fields}: used when Kaunta starts again; close Kaunta and start "
                    "it again to use them."
                ).format(fields=", ".join(names[n] for n in result.restart))
            )
        self.show_info(" ".join(parts))


def open_shop_details(menu: Any) -> None:
    """The manager menu's entry: the screen, once the service let this user in."""
    service = menu.acts.terminal.shop_details
    if service is None:
        menu.show_error(
            QCoreApplication.translate("ShopDetails", "Shop details: not available on this till.")
        )
        return

    def show(screen: ShopScreen) -> None:
        menu.show_dialog(ShopDetailsDialog(menu, menu.acts, service, screen))

    menu.acts.call(service.screen, show, menu.failed)
