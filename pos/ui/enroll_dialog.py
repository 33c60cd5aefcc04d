"""The manager's head-office tools: the link's state (and, in training, the local head
office's pages), and enrolling this till with a head office.

Enrollment asks for the head office's address, the one-time code made there (Stores, Make
an enrollment code) and, for a head office with a private certificate, the CA bundle file
IT provides. The call runs on the network executor; its failures name what to correct: the
code (wrong, used, expired), the certificate (not trusted), the address or network
(unreachable). Only a manager may enroll (the service checks it).

Both are entries of the manager's menu (:func:`pos.ui.manager.menu.register`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.headoffice import (
    EnrollFailed,
    EnrollFailure,
    EnrollField,
    EnrollRequest,
    EnrollResult,
    SyncPhase,
    SyncView,
)
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.menu import CONTEXT, ManagerMenu, MenuEntry
from pos.ui.sync_status import SyncStatusLine
from pos.ui.widgets import set_role

#: placeholders: the shape of what to type (the same in every language)
EXAMPLE_URL = "https://ho.example.com"
EXAMPLE_CODE = "ABCD-1234-EF56-7890"


class EnrollDialog(KauntaDialog):
    """Head-office address, one-time code, optional CA bundle; Enroll."""

    def __init__(self, parent: QWidget, actions: Actions, default_url: str = "") -> None:
        super().__init__(parent, self.tr("Enroll this till"))
        self._actions = actions
        self.result_: EnrollResult | None = None
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Enroll this till with its head office"), self)
        set_role(head, "title")
        head.setWordWrap(True)
        layout.addWidget(head)
        hint = QLabel(
            self.tr(
                "Make a one-time code at head office (Stores, Make an enrollment code) and "
                "type it here. It works once, for 24 hours."
            ),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        form = QFormLayout()
        self.url = QLineEdit(default_url, self)
        self.url.setPlaceholderText(EXAMPLE_URL)
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(EXAMPLE_CODE)
        self.name = QLineEdit(self)
        terminal = actions.terminal.ctx
        self.name.setText(f"{terminal.store.name} {terminal.terminal_id}"[:80])
        self.ca_bundle = QLineEdit(self)
        self.ca_bundle.setPlaceholderText(self.tr("optional: a private CA's PEM file"))
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self._browse)
        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle, 1)
        bundle_row.addWidget(browse)
        form.addRow(self.tr("Head office address"), self.url)
        form.addRow(self.tr("One-time code"), self.code)
        form.addRow(self.tr("Name of this till"), self.name)
        form.addRow(self.tr("CA bundle"), bundle_row)
        layout.addLayout(form)
        for field in (self.url, self.code, self.name, self.ca_bundle):
            field.setMinimumWidth(360)
            field.textEdited.connect(lambda _t: self.message.clear())
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Enroll"), self.enroll)
        self.code.setFocus()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("CA bundle"), "", self.tr("Certificates (*.pem *.crt);;All (*)")
        )
        if path:
            self.ca_bundle.setText(path)

    def request(self) -> EnrollRequest:
        bundle = self.ca_bundle.text().strip()
        return EnrollRequest(
            self.url.text().strip(),
            self.code.text().strip(),
            self.name.text().strip(),
            Path(bundle) if bundle else None,
        )

    def enroll(self) -> None:
        request = self.request()
        service = self._actions.terminal.headoffice
        self.ok_button.setEnabled(False)
        self.show_info(self.tr("Asking the head office…"))
        self._actions.steps(lambda: service.enroll(request), self._enrolled, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.show_error(describe_error(error))
        if isinstance(error, EnrollFailed):
            field = {
                EnrollField.URL: self.url,
                EnrollField.CODE: self.code,
                EnrollField.NAME: self.name,
                EnrollField.CA_BUNDLE: self.ca_bundle,
            }.get(error.field) or {
                EnrollFailure.BAD_CODE: self.code,
                EnrollFailure.TLS: self.ca_bundle,
                EnrollFailure.UNREACHABLE: self.url,
            }.get(error.kind)
            if field is not None:
                field.setFocus()
                field.selectAll()

    def _enrolled(self, result: EnrollResult) -> None:
        self.result_ = result
        self.ok_button.setEnabled(True)
        if result.matches_config:
            self.show_info(
                self.tr(
                    "Enrolled as {store}/{terminal} of {org}. Sales are sent from now on."
                ).format(
                    store=result.store_id, terminal=result.terminal_id, org=result.organisation
                )
            )
        elif result.adopted:  # the settings and journal key follow: a restart does it
            self.show_info(
                self.tr(
                    "Enrolled as {store}/{terminal} of {org}. This till's settings now use "
                    "these ids: restart Kaunta to start sending."
                ).format(
                    store=result.store_id, terminal=result.terminal_id, org=result.organisation
                )
            )
        else:
            self.show_error(
                self.tr(
                    "Enrolled as {store}/{terminal}, but this till keeps its own ids "
                    "({reason}): its sealed journal carries them. Nothing is sent: call "
                    "support."
                ).format(store=result.store_id, terminal=result.terminal_id, reason=result.warning)
            )


class HeadOfficeDialog(KauntaDialog):
    """The link at a glance: the sync line, the head office's address, last error; in
    training the local head office's pages and sign-in; live, the Enroll button."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("Head office"))
        self._actions = actions
        self.enroll_dialog: EnrollDialog | None = None
        service = actions.terminal.headoffice
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Head office"), self)
        set_role(head, "title")
        layout.addWidget(head)
        self.line = SyncStatusLine(self, service)
        self.line.setWordWrap(True)
        layout.addWidget(self.line)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setMinimumWidth(460)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        extra: list[QPushButton] = []
        self.enroll_button: QPushButton | None = None
        if service.can_enroll():
            self.enroll_button = QPushButton(self.tr("Enroll this till…"), self)
            self.enroll_button.clicked.connect(self.open_enroll)
            extra.append(self.enroll_button)
        self.ok_button = self.add_buttons(layout, self.tr("Close"), self.accept, *extra)
        self.line.sig_view.connect(self._show)
        self._show(service.view())

    def _show(self, view: SyncView) -> None:
        lines: list[str] = []
        if view.head_office_url:
            lines.append(self.tr("Address: {url}").format(url=view.head_office_url))
        if view.pages_url:
            lines.append(
                self.tr("Training head office pages: {url} (sign in as {login})").format(
                    url=view.pages_url, login=view.pages_login
                )
            )
        elif view.phase is SyncPhase.STARTING:
            lines.append(self.tr("The training head office is starting; its pages follow."))
        elif view.phase is SyncPhase.TRAINING_ALONE:
            lines.append(
                self.tr(
                    "The installed app carries no training head office (it is left out to "
                    "keep the app small): training sells and keeps its sales on this till. "
                    "The training head office runs from a source checkout (docs/installer.md)."
                )
            )
        if view.problem and view.phase is not SyncPhase.TRAINING_ALONE:
            lines.append(self.tr("Problem: {problem}").format(problem=view.problem))
        if view.last_error and not view.online:
            lines.append(self.tr("Last error: {error}").format(error=view.last_error))
        if view.phase is SyncPhase.RUNNING:
            lines.append(
                self.tr("Warns the manager after {hours} h without a sync.").format(
                    hours=f"{view.warn_after.total_seconds() / 3600:g}"
                )
            )
        self.details.setText("\n".join(lines))

    def open_enroll(self) -> None:
        view = self._actions.terminal.headoffice.view()
        url = view.head_office_url or view.offered_url
        self.enroll_dialog = EnrollDialog(self, self._actions, url)
        self.enroll_dialog.open()


def _open_head_office(menu: ManagerMenu) -> None:
    menu.show_dialog(HeadOfficeDialog(menu, menu.acts))


def _decorate_head_office(menu: ManagerMenu, button: QPushButton) -> None:
    """Training: the local head office's pages under the label, to open in a browser."""
    view = menu.acts.terminal.headoffice.view()
    if view.pages_url:
        label = QCoreApplication.translate(CONTEXT, HEAD_OFFICE_LABEL)
        shortcut = button.text().partition("\n")[2]
        button.setText(f"{label}\n{view.pages_url}\n{shortcut}")
        button.setToolTip(view.pages_url)


HEAD_OFFICE_LABEL = QT_TRANSLATE_NOOP("ManagerMenu", "Head office (sync)")

#: the manager menu's entry (added by :func:`pos.ui.sync_status.register_sync_tools`)
ENTRY = MenuEntry(
    "head_office", HEAD_OFFICE_LABEL, "Alt+H", _open_head_office, _decorate_head_office
)
