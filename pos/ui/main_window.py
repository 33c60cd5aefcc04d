"""The till's one window: training banner, login/lock screen, sale screen, status bar.

The idle lock lives here: any key, click or touch restarts a timer; when it runs out the
till locks (the open sale stays) and the user's PIN, or another user's, unlocks it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos.domain.messages import Message
from pos.services.auth import CurrentUser, Permission, UserSummary
from pos.services.backups import BackupDone, BackupService
from pos.services.errors import AccountLocked
from pos.services.etims import EtimsView
from pos.services.payments import AttemptView
from pos.services.refund_receipts import print_refund
from pos.services.refund_values import ResolvedRefund
from pos.services.terminal import DemoUser, StartupReport, Terminal
from pos.services.training import CustomerPhone
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.confirm import ConfirmDialog
from pos.ui.customer_phone import CustomerPhoneWindow
from pos.ui.etims_queue import follow_views
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.late_payments import LatePaymentsDialog
from pos.ui.login import LoginScreen
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.shift_dialogs import OpenShiftDialog
from pos.ui.payment_dialogs import GatewayDialog
from pos.ui.resources import app_icon
from pos.ui.runner import ServiceRunner, network_executor
from pos.ui.sale_screen import SaleScreen
from pos.ui.scan_guard import ScanGuard
from pos.ui.tray import TillTray, make_tray
from pos.ui.widgets import STYLE

TRAINING_TEXT = QT_TRANSLATE_NOOP(
    "MainWindow", "TRAINING MODE — practice only: sales are not real and receipts are marked"
)
#: the status bar's mode badge: which till this is, on every screen (login, sale)
LIVE_BADGE = QT_TRANSLATE_NOOP("MainWindow", "LIVE")
TRAINING_BADGE = QT_TRANSLATE_NOOP("MainWindow", "TRAINING")
#: the badge's colours: green for the shop's real till, amber for practice
_BADGE = "font-weight:bold; padding:2px 10px; border-radius:4px;"
MODE_STYLE = {
    False: f"background:#1b7f3b; color:white; {_BADGE}",
    True: f"background:#f0a500; color:#1f2933; {_BADGE}",
}
#: the red alert lines above the screens (the journal's, the eTIMS signatures')
ALERT_STYLE = "background:#b71c1c; color:white; font-weight:bold; padding:6px;"
#: the window's margin left and right of its screens and its status bar
SIDE_MARGIN = 8
#: room between the training phone's frame and the status lines below it
PHONE_GAP = 6
#: when the phone is placed again once the window manager has framed it
PHONE_REPLACE_MS = 300
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    sig_sale_screen_ready = Signal()
    #: a short sentence about an error nobody caught (emitted from any thread)
    sig_uncaught = Signal(str)
    #: an AttemptView the sync agent settled from a result head office relayed (any thread)
    sig_payment_relayed = Signal(object)

    def __init__(
        self,
        terminal: Terminal,
        *,
        demo_hint: str | Sequence[DemoUser] = "",
        backups: BackupService | None = None,
    ) -> None:
        super().__init__()
        self.terminal = terminal
        self.backups = backups
        ctx = terminal.ctx
        self.setStyleSheet(STYLE)
        self.setWindowIcon(app_icon())
        # maximised by the app (or full screen in kiosk mode); this is the size it falls
        # back to when the window manager restores it: the usual 15-inch till screen
        self.resize(1024, 768)
        self.setMinimumSize(800, 560)
        # gateway and other network calls: shared daemon threads, never waited for
        self.network = network_executor()
        self.runner = ServiceRunner(self, network=self.network)
        # Long read-only checks get their own thread so they never queue ahead of a login.
        self.background = ServiceRunner(self, network=self.network, name="background")
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(SIDE_MARGIN, 4, SIDE_MARGIN, 4)
        self.banner = QLabel(self.tr(TRAINING_TEXT), central)
        self.banner.setObjectName("trainingBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setVisible(ctx.training)
        layout.addWidget(self.banner)
        self.alert = QLabel("", central)
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet(ALERT_STYLE)
        self.alert.hide()
        alert_row = QHBoxLayout()
        alert_row.addWidget(self.alert, 1)
        self.settle_button = QPushButton(self.tr("Settle…"), central)
        self.settle_button.setToolTip(
            self.tr("Refund or credit money that no sale needed (manager)")
        )
        self.settle_button.clicked.connect(self.open_late_payments)
        self.settle_button.hide()
        alert_row.addWidget(self.settle_button)
        layout.addLayout(alert_row)
        # the stored KRA signatures changed outside Kaunta (the eTIMS worker's start-up
        # check): a line of its own, so the other alerts (a late payment settled, a
        # backup) never hide it; it stays for the session, as the evidence does
        self.etims_alert = QLabel("", central)
        self.etims_alert.setObjectName("etimsTampered")
        self.etims_alert.setWordWrap(True)
        self.etims_alert.setStyleSheet(ALERT_STYLE)
        self.etims_alert.hide()
        layout.addWidget(self.etims_alert)
        self._etims_tampered: Message | None = None
        self.stack = QStackedWidget(central)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.login = LoginScreen(self.stack, ctx.store.name, demo_hint, training=ctx.training)
        self.actions_ = Actions(self.runner, terminal, self, self._show_error)
        self.sale = SaleScreen(self.stack, self.actions_)
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.sale)
        self.login.sig_login.connect(self._login)
        self.login.sig_unlock_user.connect(self._unlock_user)
        self.login.sig_set_pin.connect(self._set_my_pin)
        self.sale.sig_lock.connect(self.lock)
        self.sale.sig_switch_user.connect(self.switch_user)
        self.sale.sig_late_payments.connect(self.refresh_late_alert)

        self.status_user = QLabel("", self)
        self.status_till = QLabel("", self)
        # which till this is, on the login screen and the sale screen alike: a live till
        # has no training banner, so without this nothing said it was the real one
        self.mode_badge = QLabel(self.tr(TRAINING_BADGE if ctx.training else LIVE_BADGE), self)
        self.mode_badge.setObjectName("modeBadge")
        self.mode_badge.setStyleSheet(MODE_STYLE[ctx.training])
        self.status_clock = QLabel("", self)
        bar = self.statusBar()
        # the bar's text keeps the window's side margin at both ends (the clock touched
        # the right edge): the same 8 px as the screens above it
        bar.setContentsMargins(SIDE_MARGIN, 0, SIDE_MARGIN, 0)
        bar.addWidget(self.status_user, 1)
        bar.addPermanentWidget(self.mode_badge)
        bar.addPermanentWidget(self.status_till)
        bar.addPermanentWidget(self.status_clock)
        # the notification area's icon, where the desktop has one (named by refresh_shop)
        self.tray: TillTray | None = make_tray(
            self, ctx.store.name, ctx.terminal_id, training=ctx.training
        )
        self.refresh_shop()
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(max(ctx.policy.idle_lock_seconds, 5) * 1000)
        self.idle_timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

        self.phone_window: CustomerPhoneWindow | None = None
        if terminal.phone is not None:
            self.attach_phone(terminal.phone)
        self._resolving = False
        self._resolved_once = False
        self._refunds_resolving = False
        self._resolve_timer = QTimer(self)
        self._resolve_timer.timeout.connect(self.resolve_payments)
        self._resolve_timer.start(30_000)

        # backups: a worker of their own (the online backup API reads its own snapshot)
        self.backup_runner = ServiceRunner(self, network=self.network, name="backup")
        self._backup_timer = QTimer(self)
        self._backup_timer.timeout.connect(lambda: self.backup_now("every few hours"))
        if backups is not None:
            self._backup_timer.start(backups.policy.interval_ms)

        self.close_confirmed = False  # closing with an open sale was confirmed
        self.sig_uncaught.connect(self._show_error)
        self.sig_payment_relayed.connect(self._payment_relayed)
        self.scan_guard = ScanGuard(self, watched=self._scan_elsewhere)
        self.scan_guard.sig_scanned.connect(self._scanned_elsewhere)
        if app is not None:
            app.installEventFilter(self.scan_guard)
        # the manager's tools (shifts, X/Z, daily totals): Ctrl+M on the sale screen (F10 and
        # F11 are taken by payment methods)
        self.manager_menu: ManagerMenu | None = None
        self.pin_setup: QDialog | None = None  # the login screen's "Set my PIN", while open
        self.shift_dialog: OpenShiftDialog | None = None
        manager_key = QShortcut(QKeySequence("Ctrl+M"), self)
        manager_key.activated.connect(self.open_manager)
        self.stack.setCurrentWidget(self.login)
        self.actions_.refresh_users(self.login.set_users)
        self.background.submit(terminal.startup_checks, self._startup_checked, self._alert_error)
        # the eTIMS worker checks its stored KRA signatures on its own thread when it
        # starts (before or after this window is up): its news arrives as a queued signal
        self._etims_follower = follow_views(self, terminal.etims, self._etims_news)
        self._etims_news(terminal.etims.view())

    # -- status -----------------------------------------------------------------------------
    def refresh_shop(self) -> None:
        """Name the shop where the window does (title, status line, login screen): at
        start, and when the manager's shop details screen saved a new name."""
        ctx = self.terminal.ctx
        # times in messages and screens (a VAT class received, a lockout's end) are the
        # shop's, as the status bar's clock is: without this they showed UTC
        i18n.set_zone(ctx.zone)
        self.setWindowTitle(
            (
                self.tr("Kaunta · {store} · till {till} · TRAINING")
                if ctx.training
                else self.tr("Kaunta · {store} · till {till}")
            ).format(store=ctx.store.name, till=ctx.terminal_id)
        )
        self.status_till.setText(
            (
                self.tr("{store} · till {till} · TRAINING")
                if ctx.training
                else self.tr("{store} · till {till}")
            ).format(store=ctx.store.name, till=ctx.terminal_id)
        )
        self.login.set_store_name(ctx.store.name)
        if self.tray is not None:
            self.tray.set_shop(ctx.store.name, ctx.terminal_id, training=ctx.training)

    def _tick(self) -> None:
        now = datetime.now(self.terminal.ctx.zone)
        self.status_clock.setText(i18n.clock_text(now))

    def _startup_checked(self, report: StartupReport) -> None:
        if not report.can_sell:  # the journal's rules or key are gone: no selling at all
            found = report.audit_problem if report.audit_problem != report.selling_refused else ""
            self.alert.setText("\n".join(filter(None, (report.selling_refused, found))))
            self.alert.show()
            self.stack.setEnabled(False)  # the store refuses sales too; this says so at once
            return
        if not report.audit_ok:
            self.alert.setText(report.audit_problem)
            self.alert.show()

    def _etims_news(self, view: EtimsView) -> None:
        """The eTIMS worker's news (on the GUI thread): a tampering finding of its
        start-up check shows in the red alert, in the till's language, until a manager
        acknowledges it (Manager > KRA eTIMS queue: the service then publishes views
        without it; until then every view carries it, whoever publishes). Sales are not
        held up: the worker goes on and the file stays as found."""
        if view.tampered == self._etims_tampered:
            return
        self._etims_tampered = view.tampered
        if view.tampered is None:
            self.etims_alert.hide()
            return
        self._show_etims_alert()

    def _show_etims_alert(self) -> None:
        tampered = getattr(self, "_etims_tampered", None)  # (a change during __init__)
        if tampered is None:
            return
        self.etims_alert.setText(i18n.render(tampered))
        self.etims_alert.show()

    def changeEvent(self, event: QEvent) -> None:
        """The language changed (login, the login screen's buttons): the eTIMS alert,
        built from values, is rendered again in it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._show_etims_alert()

    def resolve_payments(self, *, everything: bool = False) -> None:
        """Ask the gateways about unfinished payments (after a crash, or abandoned ones).

        The gateway calls run on the network executor and their results are applied on the
        till worker (applying a payment changes the open basket). The first pass after
        start-up (and each login, ``everything``) asks about every open attempt; the 30-second
        timer only about those whose backed-off re-check is due. A pass still waiting on a
        slow gateway is not started twice."""
        payments = self.terminal.payments
        if (
            payments is None
            or self.terminal.auth.current is None
            or self.terminal.auth.screen_locked
            or self._resolving
        ):
            return
        everything = everything or not self._resolved_once
        self._resolving = True

        def finished() -> None:
            self._resolving = False
            self._resolved_once = True

        def failed(error: BaseException) -> None:
            finished()
            log.warning("resolving payments failed: %s", error)

        def resolved(views: list[AttemptView]) -> None:
            finished()
            for view in views:
                if view.receipt is not None:
                    self.sale.arrived_later(view)
                elif view.sale_view is not None:
                    self.sale.show_sale(view.sale_view)
            self.actions_.call(payments.late_payments, self._late_alert, lambda _e: None)

        self.actions_.steps(
            lambda: payments.resolve_unfinished_steps(everything=everything),
            resolved,
            failed,
            background=True,  # nobody waits on it: a queued scan goes first
        )

    def resolve_refunds(self) -> None:
        """Ask the methods about refunds whose answer was lost (a card terminal that
        stopped answering, a till that closed meanwhile), after each login: one that went
        through is completed once (its receipt printed, as the refund dialog does), one
        that did not is dropped; what stays unclear waits in the refund dialog. Background
        work: a scan queued meanwhile goes first."""
        if self._refunds_resolving or self.terminal.auth.current is None:
            return
        self._refunds_resolving = True
        refunds = self.terminal.refunds

        def failed(error: BaseException) -> None:
            self._refunds_resolving = False
            log.warning("resolving waiting refunds failed: %s", error)

        def resolved(results: list[ResolvedRefund]) -> None:
            self._refunds_resolving = False
            for result in results:
                done = result.done
                if result.outcome != "completed" or done is None:
                    continue
                cash = bool(done.cash_out.minor)
                print_refund(
                    self.terminal.devices, done.receipt, cash_out=cash, etims=self.terminal.etims
                )
                text = self.tr(
                    "A refund that was waiting for its terminal's answer went through: "
                    "refund {number} recorded ({total})."
                ).format(number=done.number, total=done.total)
                if cash:
                    text += " " + self.tr("Hand over {cash} in cash.").format(cash=done.cash_out)
                self.sale.show_info(text)

        self.actions_.steps(refunds.resolve_pending_steps, resolved, failed, background=True)

    def _payment_relayed(self, view: AttemptView) -> None:
        """A relayed M-Pesa result was applied on the till worker. Its payment dialog, if
        still open, finishes with it as if its own poll had heard it (the receipt, as
        usual); otherwise it is shown as a payment the background checks found (the
        receipt, or what is still due), or the alert."""
        dialog = self.sale.dialog
        if (
            isinstance(dialog, GatewayDialog)
            and dialog.isVisible()
            and dialog.attempt is not None
            and dialog.attempt.attempt_id == view.attempt_id
        ):
            dialog.show_attempt(view)
            self.refresh_late_alert()
            return
        if view.receipt is not None:
            self.sale.arrived_later(view)  # (nothing if its dialog's poll showed it first)
        elif view.sale_view is not None:
            self.sale.show_sale(view.sale_view)
        self.refresh_late_alert()

    def refresh_late_alert(self) -> None:
        payments = self.terminal.payments
        if payments is not None:
            self.actions_.call(payments.late_payments, self._late_alert, lambda _e: None)

    def open_late_payments(self) -> None:
        payments = self.terminal.payments
        if payments is None:
            return

        def show(late: list[AttemptView]) -> None:
            if not late:
                self.alert.hide()
                self.settle_button.hide()
                return
            dialog = LatePaymentsDialog(self, self.actions_, payments, late)
            dialog.sig_settled.connect(
                lambda: self.actions_.call(payments.late_payments, self._late_alert)
            )
            dialog.open()

        self.actions_.call(payments.late_payments, show)

    def _late_alert(self, late: list[AttemptView]) -> None:
        if not late:
            if self.settle_button.isVisible():
                self.alert.hide()
                self.settle_button.hide()
            return
        self.settle_button.show()
        total = ", ".join(f"{v.label} {v.tender}" for v in late)
        self.alert.setText(
            self.tr(
                "Money received that no open sale needed: {total}. Manager: give it back to "
                "the customer or keep it as their credit (Settle…)."
            ).format(total=total)
        )
        self.alert.show()

    def attach_phone(self, phone: CustomerPhone) -> None:
        """Training: the simulated customers' window (once; training mode starts its
        sandboxes just after this window shows: ``pos.app.TrainingSimulators``)."""
        if self.phone_window is not None:
            return
        self.phone_window = CustomerPhoneWindow(phone, self.background, self)
        if self.stack.currentWidget() is self.sale:
            self._show_phone(True)

    def _show_phone(self, visible: bool) -> None:
        """The training customer-phone belongs to the sale screen, not the login screen."""
        if self.phone_window is None:
            return
        if not visible:
            self.phone_window.hide()
            return
        self._place_phone()
        self.phone_window.show()  # shown without activation: the till keeps the keyboard
        # the window manager frames the phone only once it is shown (its title bar was
        # estimated above): put it in place again then, if it is still idle
        QTimer.singleShot(PHONE_REPLACE_MS, self, self._place_idle_phone)

    def _status_top(self) -> int:
        """The screen y of the highest status line of the sale screen (head office, KRA
        eTIMS, devices), or of the status bar below them."""
        sale = self.sale
        lines: list[QWidget] = [sale.sync_line, sale.etims_line]
        if sale.devices is not None:
            lines.append(sale.devices.line)
        shown = [line for line in lines if line.isVisibleTo(self)] or [self.statusBar()]
        return min(line.mapToGlobal(QPoint(0, 0)).y() for line in shown)

    def _place_phone(self) -> None:
        """Bottom-left over the empty part of the basket, its lower edge just above the
        sale screen's status lines, so the cashier can always read whether the till
        reaches head office and KRA: no line is covered at any size (it used to sit 70 px
        above the window's bottom, over both lines)."""
        phone = self.phone_window
        if phone is None:
            return
        for widget in (self.centralWidget(), self.sale):  # positions at the current size
            layout = widget.layout() if widget is not None else None
            if layout is not None:
                layout.activate()
        phone.fit_pin_hint()
        phone.adjustSize()
        chrome = phone.frameGeometry().height() - phone.height()  # title bar and borders
        if chrome <= 0:  # not framed yet: the till's own title bar is the best guess
            chrome = max(self.frameGeometry().height() - self.geometry().height(), 0)
        bottom = self._status_top() - PHONE_GAP  # the frame's lowest row stays above this
        top = self.screen().availableGeometry().top() if self.screen() is not None else 0
        phone.move(self.geometry().left() + 24, max(bottom - phone.height() - chrome, top))

    def _place_idle_phone(self) -> None:
        """Place the phone again when it waits for no request (a phone showing a request
        may have stepped aside from the cashier's dialog: it stays where it is)."""
        phone = getattr(self, "phone_window", None)  # (a resize during __init__)
        if phone is not None and phone.isVisible() and phone.prompt is None:
            self._place_phone()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # the status lines moved with the window: the idle phone follows once laid out
        QTimer.singleShot(0, self, self._place_idle_phone)

    def backup_now(self, reason: str) -> None:
        """A checked backup on the backup worker; a failure is shown in the alert line."""
        if self.backups is not None:
            backups = self.backups
            self.backup_runner.submit(
                lambda: backups.backup_now(reason), self._backed_up, self._backup_failed
            )

    def _backed_up(self, done: BackupDone) -> None:
        log.info("backup ready: %s", done.path)

    def _backup_failed(self, error: BaseException) -> None:
        self.alert.setText(self.tr("Backup failed: {error}").format(error=describe_error(error)))
        self.alert.show()

    def _alert_error(self, error: BaseException) -> None:
        self.alert.setText(
            self.tr("Start-up check failed: {error}").format(error=describe_error(error))
        )
        self.alert.show()

    def _scan_elsewhere(self, obj: QObject) -> bool:
        """Where a scanner burst is a scan the scan field did not get: a dialog, or the
        login screen (where it must never count as a PIN)."""
        if obj is self.sale.scan or not isinstance(obj, QWidget):
            return False
        top = obj.window()
        if isinstance(top, QDialog):
            owner = top.parentWidget()
            return owner is not None and owner.window() is self
        return top is self and self.stack.currentWidget() is self.login

    def _scanned_elsewhere(self, code: str) -> None:
        if self.stack.currentWidget() is self.login:
            self.login.show_error(
                self.tr(
                    "That was a scan ({code}), not a PIN: log in first, then scan again."
                ).format(code=code)
            )
            return
        self.sale.scanned_elsewhere(code)

    def _show_error(self, text: str) -> None:
        if self.stack.currentWidget() is self.sale:
            self.sale.show_error(text)
        else:
            self.login.show_error(text)

    # -- idle lock ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.stack.currentWidget() is self.sale:
            self.idle_timer.start()
        return False

    # -- login, lock, switch --------------------------------------------------------------------
    def _login(self, user_id: str, pin: str) -> None:
        auth = self.terminal.auth
        current = auth.current
        if current is not None and auth.screen_locked and current.user_id == user_id:
            self.actions_.call(lambda: auth.unlock_screen(pin), self._logged_in, self._login_failed)
        else:
            self.actions_.call(
                lambda: auth.login(user_id, pin), self._logged_in, self._login_failed
            )

    def _login_failed(self, error: BaseException) -> None:
        self.login.show_error(describe_error(error), locked=isinstance(error, AccountLocked))
        self.actions_.refresh_users(self.login.set_users)

    def _logged_in(self, user: CurrentUser) -> None:
        self._use_language(user)
        self.status_user.setText(f"{user.name} ({i18n.role_name(user.role.value)})")
        self.login.set_lock_mode(None)
        self.stack.setCurrentWidget(self.sale)
        self.sale.enter()
        self.idle_timer.start()
        self.actions_.refresh_users()
        self.resolve_payments(everything=True)
        self.resolve_refunds()
        self._show_phone(True)
        self.actions_.call(self.terminal.shifts.current, self._ask_shift_if_none)
        self.sig_sale_screen_ready.emit()

    def open_manager(self) -> None:
        """The manager's tools (the services decide what each user may do)."""
        if self.stack.currentWidget() is not self.sale:
            return
        exports = self.terminal.db.path.parent / "exports"
        self.manager_menu = ManagerMenu(self, self.actions_, exports)
        self.manager_menu.open()

    def _ask_shift_if_none(self, shift: object) -> None:
        """At login with no shift open: ask for the float now (sales need a shift)."""
        if shift is None and (self.shift_dialog is None or not self.shift_dialog.isVisible()):
            self.shift_dialog = OpenShiftDialog(self, self.actions_, lambda _view: None)
            self.shift_dialog.open()

    def _use_language(self, user: CurrentUser) -> None:
        """The screens speak the user's language: their own, or the one they chose on the
        login screen just now (then kept as theirs for the next login)."""
        chosen = self.login.chosen_language
        if chosen is not None and chosen != user.language:
            auth = self.terminal.auth
            self.actions_.call(lambda: auth.set_language(chosen), lambda _u: None)
            self.login.remember_language(user.user_id, chosen)
        i18n.set_language(chosen or user.language)
        self.refresh_shop()  # the title and status line, built from values, in it too

    def lock(self) -> None:
        """Lock the till now (idle timeout, Ctrl+L): every dialog closes (the manager's
        tools, a receipt, an approval: a locked till shows nothing but its login screen).

        Not while a payment is in progress (an M-Pesa or PayPal request at the customer's
        phone, a card at the terminal): the cashier is idle because they wait with the
        customer, and the payment must not be cut off. The lock comes once the payment is
        answered or given up and the till has been idle again for the policy's time."""
        self.idle_timer.stop()
        if self.stack.currentWidget() is not self.sale:
            return
        if any(d.isVisible() and d.payment_in_progress() for d in self.findChildren(GatewayDialog)):
            self.idle_timer.start()
            return
        user = self.terminal.auth.current
        self._close_dialogs()
        self.actions_.call(self.terminal.auth.lock_screen, lambda _r: None)
        self.actions_.refresh_users(self.login.set_users)  # staff may have changed
        self.login.set_lock_mode(user)
        self.stack.setCurrentWidget(self.login)
        self.status_user.setText(self.tr("Locked"))
        self._show_phone(False)

    def _close_dialogs(self) -> None:
        """Close every open dialog of the window, the innermost first (a tool the
        manager's menu opened before the menu), as Esc would; the login screen that
        follows must not have a dialog left over it, still usable by whoever comes."""

        def depth(widget: QWidget) -> int:
            parent = widget.parentWidget()
            return 0 if parent is None else 1 + depth(parent)

        shown = [d for d in self.findChildren(QDialog) if d.isVisible()]
        for dialog in sorted(shown, key=depth, reverse=True):
            if dialog.isVisible():
                dialog.reject()
            if dialog.isVisible():  # (none refuses today; if one did, it still goes)
                dialog.done(QDialog.DialogCode.Rejected)

    def switch_user(self) -> None:
        """Log out the current user; the open sale stays for whoever logs in next."""
        self.idle_timer.stop()
        self._close_dialogs()
        self.actions_.call(self.terminal.auth.logout, lambda _r: None)
        self.actions_.refresh_users(self.login.set_users)  # staff may have changed
        self.login.set_lock_mode(None)
        self.stack.setCurrentWidget(self.login)
        self.status_user.setText("")
        self._show_phone(False)

    def _set_my_pin(self) -> None:
        """The login screen's "Set my PIN": the head-office code dialog, before any login.
        Afterwards the names are read again (whoever set a PIN can log in with it)."""
        from pos.ui.pin_setup_dialog import PinSetupDialog

        dialog = PinSetupDialog(self, self.actions_)
        dialog.finished.connect(lambda _r: self.actions_.refresh_users(self.login.set_users))
        dialog.finished.connect(lambda _r: self._back_to_pin())
        self.pin_setup = dialog
        dialog.open()

    def _back_to_pin(self) -> None:
        self.activateWindow()  # the dialog had it: typing goes to the PIN field again
        self.login.pin.setFocus()

    def _unlock_user(self, user_id: str) -> None:
        def unlocked(_result: object) -> None:
            self.login.show_info(self.tr("Unlocked. Enter the PIN to log in."))
            self.actions_.refresh_users(self.login.set_users)

        self.actions_.ask_approval(
            self.tr("Unlocking a user locked out after wrong PINs needs a manager."),
            [Permission.UNLOCK_USER],
            lambda approval: self.actions_.call(
                lambda: self.terminal.auth.unlock_user(user_id, approval), unlocked
            ),
        )

    def _ask_close(self, items: int, total: str) -> None:
        dialog = ConfirmDialog(
            self,
            self.tr("Close Kaunta?"),
            (
                self.tr(
                    "A sale is open (1 item, {total}). It is kept and comes back when Kaunta "
                    "starts again."
                )
                if items == 1
                else self.tr(
                    "A sale is open ({items} items, {total}). It is kept and comes back when "
                    "Kaunta starts again."
                )
            ).format(items=f"{items:,}", total=total),
            self.tr("Close anyway"),
            self.tr("Keep selling"),
        )

        def confirmed() -> None:
            self.close_confirmed = True
            self.close()

        dialog.accepted.connect(confirmed)
        dialog.open()

    def users(self) -> list[UserSummary]:
        return self.actions_.users

    def closeEvent(self, event: QCloseEvent) -> None:
        view = self.sale.view
        if not self.close_confirmed and view is not None and (view.lines or view.tender_started):
            # nothing would be lost (the basket is stored), but a cashier closing the till
            # by mistake in the middle of a sale deserves a question, not a surprise
            event.ignore()
            self._ask_close(view.totals.item_count, str(view.totals.total))
            return
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
            app.removeEventFilter(self.scan_guard)
        if self.phone_window is not None:
            self.phone_window.stop()
            self.phone_window.close()
        self._resolve_timer.stop()
        self.network.shutdown(wait=False)  # a hanging gateway call never holds up closing
        self.runner.shutdown()
        self.background.shutdown()
        self._backup_timer.stop()
        self.backup_now("closing")  # close of day: after the till worker's last write
        self.backup_runner.shutdown()
        if self.tray is not None:
            self.tray.hide()  # a closed till leaves no icon behind
        super().closeEvent(event)
