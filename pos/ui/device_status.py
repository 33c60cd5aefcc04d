"""The devices on the sale screen: one short line ("Printer: ready · Display: ready"), and
the Qt side of the devices' news.

Drivers report from their own threads (:class:`pos.services.devices.DeviceEvents`);
:class:`DeviceSignals` re-emits every status, message, serial scan and (training) printed
receipt or card-terminal screen as a Qt signal, so receivers on the GUI thread get them
through queued connections and no device thread ever waits for the GUI. The texts shown
are translated here from the drivers' stable codes.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

from pos.domain.receipt import Receipt
from pos.services.devices import DeviceState, DeviceStatus, TillDevices
from pos.services.etims import KraBlock
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.widgets import clear_error

if TYPE_CHECKING:
    from pos.ui.sale_screen import SaleScreen

log = logging.getLogger(__name__)


#: device names as the cashier reads them
DEVICE_NAMES = {
    "printer": QT_TRANSLATE_NOOP("DeviceStatus", "Printer"),
    "display": QT_TRANSLATE_NOOP("DeviceStatus", "Display"),
    "scanner": QT_TRANSLATE_NOOP("DeviceStatus", "Scanner"),
    "card_terminal": QT_TRANSLATE_NOOP("DeviceStatus", "Card terminal"),
    "drawer": QT_TRANSLATE_NOOP("DeviceStatus", "Cash drawer"),
}
#: shown on the line only while not OK (the drawer: while left open too long)
TRANSIENT = frozenset({"drawer"})
#: a status's ``code`` in words; states without a known code fall back to the state
STATUS_TEXTS = {
    "ok": QT_TRANSLATE_NOOP("DeviceStatus", "ready"),
    "paper_near_end": QT_TRANSLATE_NOOP("DeviceStatus", "paper low"),
    "paper_end": QT_TRANSLATE_NOOP("DeviceStatus", "no paper"),
    "cover_open": QT_TRANSLATE_NOOP("DeviceStatus", "cover open"),
    "offline": QT_TRANSLATE_NOOP("DeviceStatus", "offline"),
    "drawer_open": QT_TRANSLATE_NOOP("DeviceStatus", "still open"),
}
STATE_TEXTS = {
    DeviceState.UNKNOWN: QT_TRANSLATE_NOOP("DeviceStatus", "checking…"),
    DeviceState.OK: QT_TRANSLATE_NOOP("DeviceStatus", "ready"),
    DeviceState.WARNING: QT_TRANSLATE_NOOP("DeviceStatus", "needs attention"),
    DeviceState.ERROR: QT_TRANSLATE_NOOP("DeviceStatus", "not working"),
    DeviceState.OFFLINE: QT_TRANSLATE_NOOP("DeviceStatus", "offline"),
}
#: what the cashier is told when a driver sends a message, by its code
MESSAGE_TEXTS = {
    "receipt_queued": QT_TRANSLATE_NOOP(
        "DeviceStatus",
        "The receipt was not printed ({reason}). The sale is complete; the receipt will "
        "print when the printer is ready.",
    ),
    "report_queued": QT_TRANSLATE_NOOP(
        "DeviceStatus",
        "The report was not printed ({reason}); it will print when the printer is ready.",
    ),
    "queue_printed": QT_TRANSLATE_NOOP(
        "DeviceStatus", "Receipts that were waiting have been printed."
    ),
    "drawer_left_open": QT_TRANSLATE_NOOP(
        "DeviceStatus", "The cash drawer is still open. Close it after giving change."
    ),
}
_STYLES = {
    DeviceState.UNKNOWN: "color: #555;",
    DeviceState.OK: "color: #1b5e20;",
    DeviceState.WARNING: "color: #8a5a00; font-weight: bold;",
    DeviceState.ERROR: "color: white; background: #a11; font-weight: bold; padding: 1px 6px;",
    DeviceState.OFFLINE: "color: white; background: #a11; font-weight: bold; padding: 1px 6px;",
}
_BAD = (DeviceState.ERROR, DeviceState.OFFLINE, DeviceState.WARNING)


def tr(text: str) -> str:
    return QCoreApplication.translate("DeviceStatus", text)


def status_text(status: DeviceStatus) -> str:
    """``Printer: paper low`` in the cashier's language."""
    name = tr(DEVICE_NAMES.get(status.device, status.device))
    if status.state is DeviceState.OK:
        words = STATUS_TEXTS["ok"]
    else:
        words = STATUS_TEXTS.get(status.code) or STATE_TEXTS[status.state]
    return f"{name}: {tr(words)}"


def message_text(code: str, text: str, status: DeviceStatus | None) -> str:
    """A driver's message for the cashier (the English ``text`` goes to the log)."""
    template = MESSAGE_TEXTS.get(code)
    if template is None:
        return text
    reason = status_text(status) if status is not None else tr(STATE_TEXTS[DeviceState.OFFLINE])
    return tr(template).format(reason=reason)


class DeviceSignals(QObject):
    """A :class:`pos.services.devices.DeviceListener` that re-emits on the GUI thread."""

    sig_status = Signal(object)  # DeviceStatus
    sig_message = Signal(str, str, str)  # device, code, English text
    sig_scanned = Signal(str)  # a code from the serial scanner
    sig_printed = Signal(object)  # training: a receipt the emulated printer cut (lines)
    sig_card = Signal(str)  # training: the emulated card terminal's screen changed

    def __init__(self, devices: TillDevices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.devices = devices
        devices.events.listen(self)
        devices.on_scan(self.sig_scanned.emit)
        if devices.training is not None:
            devices.training.on_printed(self.sig_printed.emit)
            devices.training.on_card_changed(self.sig_card.emit)

    def status(self, status: DeviceStatus) -> None:
        self.sig_status.emit(status)

    def message(self, device: str, code: str, text: str) -> None:
        self.sig_message.emit(device, code, text)

    def detach(self) -> None:
        self.devices.events.unlisten(self)


class DeviceStatusLine(QLabel):
    """Each configured device and how it is; red when one cannot work."""

    def __init__(self, parent: QWidget, signals: DeviceSignals) -> None:
        super().__init__(parent)
        self.setObjectName("deviceStatus")
        # longer texts (Kiswahili, four devices) wrap rather than widen the basket column
        self.setWordWrap(True)
        self.signals = signals
        known = signals.devices.events.statuses()
        self.statuses: dict[str, DeviceStatus] = {
            name: known.get(name, DeviceStatus(name, DeviceState.UNKNOWN))
            for name in signals.devices.devices
        }
        signals.sig_status.connect(self.update_status)
        self.setVisible(bool(self.statuses))
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        """The language changed (a login, the login screen's buttons): the line, built
        from the devices' codes, is said again in it at once, not at a device's next news."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "statuses"):
            self._render()

    def update_status(self, status: DeviceStatus) -> None:
        self._follow_devices()
        if status.device in TRANSIENT:
            if status.state is DeviceState.OK:
                self.statuses.pop(status.device, None)
            else:
                self.statuses[status.device] = status
            self.setVisible(bool(self.statuses))
            self._render()
        elif status.device in self.statuses:
            self.statuses[status.device] = status
            self._render()
        else:
            self._render()  # a device switched off: its entry went

    def _follow_devices(self) -> None:
        """The device screen may have added or switched off a device (live settings)."""
        configured = self.signals.devices.devices
        for name in list(self.statuses):
            if name not in configured and name not in TRANSIENT:
                del self.statuses[name]
        for name in configured:
            self.statuses.setdefault(name, DeviceStatus(name, DeviceState.UNKNOWN))
        self.setVisible(bool(self.statuses))

    @property
    def worst(self) -> DeviceState:
        """The state that colours the line."""
        states = [s.state for s in self.statuses.values()]
        for state in (DeviceState.OFFLINE, DeviceState.ERROR, DeviceState.WARNING):
            if state in states:
                return state
        return DeviceState.OK if DeviceState.OK in states else DeviceState.UNKNOWN

    def _render(self) -> None:
        # a warning that comes and goes (the drawer) leads, where the eye starts
        shown = sorted(self.statuses.values(), key=lambda s: s.device not in TRANSIENT)
        self.setText("  ·  ".join(status_text(s) for s in shown))
        self.setStyleSheet(_STYLES[self.worst])
        bad = [s.detail for s in self.statuses.values() if s.state in _BAD and s.detail]
        self.setToolTip("\n".join(bad))


class DeviceHooks:
    """What the sale screen does with the devices: the status line under the basket, the
    printer's messages as the cashier's messages, serial scans into the scan path the
    keyboard-wedge scanners use, the pole display following the basket, the receipt
    printed after each completed sale; in training, the "printed receipt" panel and the
    "card terminal" window playing the emulators."""

    def __init__(self, screen: SaleScreen, devices: TillDevices) -> None:
        import pos.ui.device_settings  # noqa: F401  (registers the manager's device screen)
        from pos.ui.card_terminal_window import CardTerminalWindow
        from pos.ui.printed_receipt_panel import PrintedReceiptPanel

        self.screen = screen
        self.devices = devices
        self.signals = DeviceSignals(devices, screen)
        self.line = DeviceStatusLine(screen, self.signals)
        self.signals.sig_message.connect(self._message)
        self.signals.sig_scanned.connect(screen.scanned_elsewhere)
        screen.sig_view_changed.connect(devices.show_view)
        self.printed_panel: PrintedReceiptPanel | None = None
        self.card_window: CardTerminalWindow | None = None
        training = devices.training
        if training is not None:
            top = screen.window()
            if training.printer is not None:
                self.printed_panel = PrintedReceiptPanel(top, training, self.signals)
            if training.card is not None:
                self.card_window = CardTerminalWindow(top, training, self.signals)

    @property
    def printing(self) -> bool:
        return self.devices.printing is not None

    def sale_completed(self, receipt: Receipt, kra: KraBlock | None = None) -> None:
        """Print (queued when the printer cannot now: the cashier is told by message);
        ``kra``: the KRA eTIMS block to print with it."""
        done = self.devices.sale_completed(receipt, kra)
        if done is not None:
            done.add_done_callback(_log_failure)

    def dialog_opened(self, dialog: QWidget) -> None:
        """A payment dialog opened (tender): the pole display shows the total."""
        from pos.ui.dialogs import TenderDialog
        from pos.ui.payment_dialogs import GatewayDialog

        view = self.screen.view
        if isinstance(dialog, TenderDialog | GatewayDialog) and view is not None:
            self.devices.show_total(view)

    def _message(self, device: str, code: str, text: str) -> None:
        message = self.screen.message
        if code == "drawer_closed":  # the warning it answers goes; nothing else is said
            if message.text() == tr(MESSAGE_TEXTS["drawer_left_open"]):
                clear_error(message)
            return
        status = self.devices.events.statuses().get(device)
        shown = message_text(code, text, status)
        if code == "drawer_left_open" and self.printed_panel is not None:
            self.printed_panel.show()  # training: its drawer switch is how to shut it
        if code in ("receipt_queued", "report_queued", "drawer_left_open"):
            self.screen.show_error(shown)
        else:
            self.screen.show_info(shown)

    def close(self) -> None:
        self.signals.detach()
        if self.card_window is not None:
            self.card_window.release()
        for window in (self.printed_panel, self.card_window):
            if window is not None:
                window.close()


def _log_failure(done: Future[Any]) -> None:
    error = done.exception()
    if error is not None:
        log.error("printing failed: %s", error)
