"""Fixtures for driving the real till window (pytest-qt, offscreen, real SQLite file).

Self-sufficient on purpose: nothing here depends on ``tests/conftest.py``.

``make_till`` builds what ``pos.app.open_terminal`` builds (a training-mode terminal over
a database in ``tmp_path``, seeded with the demo users and catalog), but with cheap PIN
hashing, and wraps the real :class:`MainWindow` in a :class:`Till` with user-like helpers:
type into the real widgets, press real keys, click real buttons, and wait for the service
worker to go idle instead of sleeping.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from pytestqt.qtbot import QtBot

from pos.app import demo_hint
from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.services.auth import Role
from pos.services.terminal import DemoUser, Terminal
from pos.ui.dialogs import ApprovalDialog
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ManagerMenu

#: Generous upper bound for one service round trip (scrypt at 2**10 is ~1 ms); high so a
#: loaded 2-core CI machine never fails a test by waiting too little (a pass is not slower).
WAIT_MS = 15000

CASHIER_NAME, _, CASHIER_PIN = next(u for u in DEMO_USERS if u[1] == Role.CASHIER.value)


def demo_products() -> list[dict[str, str]]:
    """The shipped demo catalog rows (sku, barcode, name, category, price, vat_class)."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def button_with(parent: QWidget, text: str) -> QPushButton:
    """The one visible push button under ``parent`` whose label contains ``text``."""
    found = [
        b for b in parent.findChildren(QPushButton) if text in b.text() and b.isVisibleTo(parent)
    ]
    assert len(found) == 1, f"expected one button with {text!r}, got {[b.text() for b in found]}"
    return found[0]


@dataclasses.dataclass
class Till:
    """A running till window plus helpers that act like the person at the counter."""

    qtbot: QtBot
    config: Config
    terminal: Terminal
    window: MainWindow
    closed: bool = False

    # -- waiting ---------------------------------------------------------------------------
    def idle(self, timeout: int = WAIT_MS) -> None:
        """Wait until every queued service call has run and its result was delivered."""
        self.qtbot.waitUntil(lambda: self.window.runner.pending == 0, timeout=timeout)

    def until(
        self,
        predicate: Callable[[], object],
        timeout: int = WAIT_MS,
        failing: Callable[[], str] | None = None,
    ) -> None:
        """Wait for ``predicate``; ``failing`` says what the screen showed if it never held."""
        try:
            self.qtbot.waitUntil(lambda: bool(predicate()), timeout=timeout)
        except WaitTimedOut as timed_out:
            if failing is None:
                raise
            raise AssertionError(f"waited {timeout} ms: {failing()}") from timed_out

    # -- finding things on screen ----------------------------------------------------------
    @staticmethod
    def button(parent: QWidget, text: str) -> QPushButton:
        return button_with(parent, text)

    @staticmethod
    def products() -> list[dict[str, str]]:
        return demo_products()

    def click(self, button: QPushButton) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.idle()

    # -- users -----------------------------------------------------------------------------
    def user_id(self, name: str) -> str:
        ids = {u.name: u.user_id for u in self.window.users()}
        return ids[name]

    def user_button(self, name: str) -> QPushButton:
        """The login screen's current button for a user (the list is rebuilt after logins)."""
        self.idle()
        buttons = [b for b in self.window.login.group.buttons() if name in b.text()]
        assert len(buttons) == 1, [b.text() for b in self.window.login.group.buttons()]
        return buttons[0]

    def choose_user(self, name: str) -> None:
        """Click the user's big button on the login screen."""
        button = self.user_button(name)
        self.until(button.isVisible)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert self.window.login.selected_user() == self.user_id(name)

    def type_pin(self, pin: str) -> None:
        """Type a PIN into the login screen's PIN field and press Enter."""
        field = self.window.login.pin
        self.until(lambda: field.isEnabled() and field.isVisible())
        self.qtbot.keyClicks(field, pin)
        self.qtbot.keyClick(field, Qt.Key.Key_Return)
        self.idle()

    def login_in(self, language: str, name: str = CASHIER_NAME, pin: str = CASHIER_PIN) -> None:
        """Log in choosing ``language`` with the login screen's buttons (the translator is
        process-wide: a test that switches it puts English back afterwards)."""
        self.choose_user(name)
        self.qtbot.mouseClick(
            self.window.login.language_buttons[language], Qt.MouseButton.LeftButton
        )
        QApplication.processEvents()  # the language change's posted events, before the PIN
        self.idle()
        self.type_pin(pin)
        self.until(
            lambda: self.window.stack.currentWidget() is self.window.sale, failing=self.state
        )
        self.idle()

    def login(self, name: str = CASHIER_NAME, pin: str = CASHIER_PIN) -> None:
        self.choose_user(name)
        self.type_pin(pin)
        self.until(
            lambda: self.window.stack.currentWidget() is self.window.sale, failing=self.state
        )
        self.idle()  # the basket restore that follows the login

    def state(self) -> str:
        """What the till showed (for a wait that timed out): the screen, the login screen's
        message and PIN field, the worker's queue, the user, the windows and the focus."""
        window = self.window
        login = window.login
        shown = [
            f"{top.__class__.__name__}({top.windowTitle()!r})"
            for top in QApplication.topLevelWidgets()
            if top.isVisible()
        ]
        return (
            f"screen {window.stack.currentWidget().__class__.__name__}, "
            f"login message {login.message.text()!r}, PIN field {login.pin.text()!r} "
            f"(enabled {login.pin.isEnabled()}), chosen {login.selected_user()!r}, "
            f"pending {window.runner.pending}, user {window.terminal.auth.current!r}, "
            f"alert {window.alert.text()!r} (shown {window.alert.isVisible()}), "
            f"focus {QApplication.focusWidget().__class__.__name__}, "
            f"modal {QApplication.activeModalWidget()!r}, windows {shown}"
        )

    # -- sale screen -----------------------------------------------------------------------
    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner: the digits, then Enter, into the scan field."""
        field = self.window.sale.scan
        self.qtbot.keyClicks(field, code)
        self.qtbot.keyClick(field, Qt.Key.Key_Return)
        self.idle()

    def activate(self) -> None:
        """After a dialog closed, the window manager hands activation back to the till
        window; the offscreen platform does not, so do what the window manager would."""
        if not self.window.isActiveWindow():
            self.window.activateWindow()
            self.until(self.window.isActiveWindow)

    def scan_has_focus(self) -> bool:
        """Is the cursor back in the scan field (ready for the next scan)?"""
        self.activate()
        return self.window.sale.scan.hasFocus()

    def press(
        self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        """A key pressed on the keyboard while the till window is in front.

        Like a real keyboard, the key goes to the widget that has the focus (on the sale
        screen: the scan field), so a focused widget that claims the key for itself (a
        ``ShortcutOverride``) wins over the window's shortcuts, as it would at the till.
        """
        self.activate()
        target = QApplication.focusWidget() or self.window
        self.qtbot.keyClick(target, key, modifier)
        self.idle()

    def rows(self) -> list[tuple[str, ...]]:
        """The basket table as the cashier reads it: one tuple of cell texts per row."""
        table = self.window.sale.table
        return [
            tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]

    def open_manager_menu(self) -> ManagerMenu:
        """Ctrl+M: the manager's tools, open and settled (waits for them)."""
        self.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
        self.until(
            lambda: self.window.manager_menu is not None and self.window.manager_menu.isVisible()
        )
        menu = self.window.manager_menu
        assert menu is not None
        self.idle()
        return menu

    def dialog(self) -> QDialog:
        """The sale screen's open dialog (waits for it)."""
        self.until(
            lambda: self.window.sale.dialog is not None and self.window.sale.dialog.isVisible()
        )
        dialog = self.window.sale.dialog
        assert dialog is not None
        return dialog

    def approval(self) -> ApprovalDialog:
        """The supervisor/manager approval dialog (waits for it)."""
        self.until(
            lambda: (
                self.window.actions_.approval_dialog is not None
                and self.window.actions_.approval_dialog.isVisible()
            )
        )
        dialog = self.window.actions_.approval_dialog
        assert dialog is not None
        return dialog

    @staticmethod
    def approval_title(dialog: ApprovalDialog) -> str:
        """The big line of an approval dialog: what is being approved."""
        titles = [
            label.text()
            for label in dialog.findChildren(QLabel)
            if label.property("role") == "title"
        ]
        assert len(titles) == 1, titles
        return titles[0]

    @staticmethod
    def approvers(dialog: ApprovalDialog) -> list[str]:
        """The names offered as approvers (the checkable name buttons)."""
        return [
            b.text().split("\n")[0] for b in dialog.findChildren(QPushButton) if b.isCheckable()
        ]

    def approve(self, name: str, pin: str) -> ApprovalDialog:
        """Choose the approver in the open approval dialog, type the PIN, press Enter."""
        dialog = self.approval()
        self.qtbot.mouseClick(button_with(dialog, name), Qt.MouseButton.LeftButton)
        self.qtbot.keyClicks(dialog.pin, pin)
        self.qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        self.idle()
        return dialog

    # -- shutting down ---------------------------------------------------------------------
    def close(self) -> None:
        """Close like the app does at exit: window (stops the worker), then the database."""
        if self.closed:
            return
        self.closed = True
        try:
            self.idle()
        finally:
            # Esc on each dialog; a payment waiting on the customer's phone only warns at
            # the first Esc (the customer can still pay), so Esc again, as the cashier
            # would. A dialog left open stays the active window after this test, and the
            # next test's Enter at its login screen would fire that dialog's shortcut.
            for dialog in self.window.findChildren(QDialog):
                dialog.reject()
            for dialog in self.window.findChildren(QDialog):
                if dialog.isVisible():
                    dialog.reject()
                if dialog.isVisible():  # whatever still refused to close
                    dialog.done(QDialog.DialogCode.Rejected)
            self.window.close_confirmed = True  # closing with a basket open asks first
            self.window.close()
            QApplication.processEvents()
            self.terminal.close()


MakeTill = Callable[..., Till]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    # an empty config file of our own: the developer's ~/.config/kaunta/kaunta.toml is
    # never read by the tests
    config_file = tmp_path / "kaunta.toml"
    config_file.write_text("", encoding="utf-8")
    config = load_config(config_path=config_file, data_dir=tmp_path, training=True, env={})
    assert config.training
    assert config.database_path.is_relative_to(tmp_path)
    return config


@pytest.fixture
def make_till(qtbot: QtBot, config: Config) -> Iterator[MakeTill]:
    """Build a till window over ``config``'s data dir (call again to "restart" the app)."""
    tills: list[Till] = []

    def make(*, training: bool = True, idle_lock_seconds: int = 120) -> Till:
        cfg = (
            config
            if training == config.training
            else dataclasses.replace(config, training=training)
        )
        ctx = cfg.terminal_context()
        ctx = dataclasses.replace(
            ctx,
            policy=dataclasses.replace(
                ctx.policy, pin_kdf_log2_n=10, idle_lock_seconds=idle_lock_seconds
            ),
        )
        terminal = Terminal.open(cfg.database_path, ctx)
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        window = MainWindow(terminal, demo_hint=demo_hint(cfg))
        qtbot.addWidget(window)
        till = Till(qtbot, cfg, terminal, window)
        tills.append(till)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        till.until(lambda: len(window.users()) == len(DEMO_USERS))
        till.idle()
        return till

    yield make
    for till in tills:
        till.close()


@pytest.fixture
def till(make_till: MakeTill) -> Till:
    """A fresh training till showing the login screen."""
    return make_till()


@pytest.fixture
def selling(till: Till) -> Till:
    """The till with the demo cashier logged in at the (empty) sale screen."""
    till.login()
    assert till.window.sale.scan.hasFocus()
    return till


@pytest.fixture
def make_paying_till(qtbot: QtBot, config: Config) -> Iterator[MakeTill]:
    """Like ``make_till``, with payments started as ``pos.app.run_gui`` does: after the
    terminal is opened and before the window is built. In training mode that starts the
    M-Pesa and PayPal sandboxes on free local ports and the simulated customer phone.
    At teardown the tills are closed first, then the sandboxes are stopped."""
    from PySide6.QtCore import QTimer

    from pos.app import Payments, start_payments

    tills: list[Till] = []
    started: list[Payments] = []

    def make(*, idle_lock_seconds: int = 120) -> Till:
        ctx = config.terminal_context()
        ctx = dataclasses.replace(
            ctx,
            policy=dataclasses.replace(
                ctx.policy, pin_kdf_log2_n=10, idle_lock_seconds=idle_lock_seconds
            ),
        )
        terminal = Terminal.open(config.database_path, ctx)
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        started.append(start_payments(config, terminal))
        window = MainWindow(terminal, demo_hint=demo_hint(config))
        till = Till(qtbot, config, terminal, window)
        tills.append(till)
        # pytest-qt closes its widgets before fixtures are torn down: close the till the
        # app's way first, while the window's worker still runs (an open payment dialog
        # sends its cancel to it when rejected)
        qtbot.addWidget(window, before_close_func=lambda _w: close(till))
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        till.until(lambda: len(window.users()) == len(DEMO_USERS))
        till.idle()
        return till

    def close(till: Till) -> None:
        phone = till.window.phone_window
        if phone is not None:
            # closing the window only hides the phone; its refresh timer would go on
            # submitting to the closed window's worker (see test_payments_ui.py)
            for timer in phone.findChildren(QTimer):
                timer.stop()
        till.close()

    yield make
    for till in tills:
        close(till)
    for payments in started:
        payments.close()
