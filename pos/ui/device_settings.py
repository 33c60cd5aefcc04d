"""The manager's device screen (Manager's tools, Alt+D): each device's status, its port
(picked from those found on this computer, or typed: ``socket://host:9100``), profile and
line settings, saved into the config file; test print, open the drawer, test the pole
display; card terminal diagnosis and registration.

The use cases are ``terminal.devices.admin`` (:mod:`pos.services.device_admin`): they
check ``manage_settings`` (a cashier gets the approval dialog's refusal) and are audited;
they run on the till worker, the card terminal's on the network executor. Saved settings
are used at once: the device's worker is stopped and started again with them, and the
sale screen's device line follows (in training the devices stay on their emulators).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos.services.device_admin import DeviceAdmin, FoundPort
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.device_status import status_text
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.menu import ManagerMenu, MenuEntry, register

LABEL = QT_TRANSLATE_NOOP("ManagerMenu", "Devices")
BAUDS = ("9600", "19200", "38400", "57600", "115200")
PROFILES = ("58mm", "80mm-42", "80mm-48")
PARITIES = ("N", "E", "O")
STOPBITS = ("1", "1.5", "2")
FLOWS = ("none", "xonxoff", "rtscts")
COMMAND_SETS = ("cd5220", "dm-d")
TERMINATORS = ("CR", "LF", "CRLF", "TAB")
#: how often the screen re-reads the devices' last statuses
STATUS_REFRESH_MS = 500


def _combo(
    parent: QWidget, values: tuple[str, ...], current: Any, editable: bool = False
) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(editable)
    box.addItems(list(values))
    if current is not None and str(current) not in values:
        box.addItem(str(current))
    if current is not None:
        box.setCurrentText(str(current))
    return box


class DeviceForm(QGroupBox):
    """One device's port and line settings (and its own keys)."""

    def __init__(
        self,
        parent: QWidget,
        table: str,
        title: str,
        current: dict[str, Any],
        ports: list[FoundPort],
    ) -> None:
        super().__init__(title, parent)
        self.table = table
        form = QFormLayout(self)
        self.port = QComboBox(self)
        self.port.setEditable(True)
        self.port.addItem("")
        for p in ports:
            self.port.addItem(f"{p.url}", p.url)
            self.port.setItemData(self.port.count() - 1, p.description)
        self.port.setCurrentText(str(current.get("port", "")))
        self.port.lineEdit().setPlaceholderText(  # type: ignore[union-attr]
            self.tr("COM3, /dev/ttyUSB0, socket://192.168.1.50:9100")
        )
        form.addRow(self.tr("Port"), self.port)
        self.fields: dict[str, QComboBox | QCheckBox] = {}
        self.fields["baudrate"] = _combo(self, BAUDS, current.get("baudrate", 9600), True)
        form.addRow(self.tr("Speed (baud)"), self.fields["baudrate"])
        self.fields["parity"] = _combo(self, PARITIES, current.get("parity", "N"))
        form.addRow(self.tr("Parity"), self.fields["parity"])
        self.fields["stopbits"] = _combo(self, STOPBITS, current.get("stopbits", 1))
        form.addRow(self.tr("Stop bits"), self.fields["stopbits"])
        self.fields["flow_control"] = _combo(self, FLOWS, current.get("flow_control", "none"))
        form.addRow(self.tr("Flow control"), self.fields["flow_control"])
        if table == "printer":
            self.fields["profile"] = _combo(self, PROFILES, current.get("profile", "80mm-48"))
            form.addRow(self.tr("Paper"), self.fields["profile"])
            drawer = QCheckBox(self.tr("A cash drawer hangs on this printer"), self)
            drawer.setChecked(bool(current.get("drawer", True)))
            self.fields["drawer"] = drawer
            form.addRow("", drawer)
        elif table == "display":
            self.fields["command_set"] = _combo(
                self, COMMAND_SETS, current.get("command_set", "cd5220")
            )
            form.addRow(self.tr("Command set"), self.fields["command_set"])
        elif table == "scanner":
            self.fields["terminator"] = _combo(self, TERMINATORS, current.get("terminator", "CR"))
            form.addRow(self.tr("Code ends with"), self.fields["terminator"])
        self.kept = {k: v for k, v in current.items() if k not in self.fields and k != "port"}

    def values(self) -> dict[str, Any]:
        """The table to save (keys this form does not show are kept as they were)."""
        out: dict[str, Any] = {"port": self.port.currentText().strip(), **self.kept}
        for key, widget in self.fields.items():
            if isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
                continue
            text = widget.currentText().strip()
            if key == "baudrate":
                out[key] = int(text) if text.isdigit() else text
            elif key == "stopbits":
                out[key] = float(text) if text in STOPBITS else text
            else:
                out[key] = text
        return out


class DeviceSettingsDialog(KauntaDialog):
    """Tabs per device with its status line, settings form and test buttons."""

    def __init__(self, parent: QWidget, acts: Actions, admin: DeviceAdmin) -> None:
        super().__init__(parent, QCoreApplication.translate("DeviceSettings", "Devices"))
        self.acts = acts
        self.admin = admin
        self.forms: dict[str, DeviceForm] = {}
        layout = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        note = QLabel(
            self.tr(
                "Saved settings go into the configuration file and are used at once: the "
                "device is reconnected with them. In training mode the devices stay on "
                "their emulators, whatever port is typed."
            )
            if admin.live
            else self.tr(
                "Saved settings go into the configuration file and take effect the next "
                "time the till starts. In training mode the devices are emulators."
            ),
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.reject)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self._show_statuses()
        # the devices' statuses as they arrive (memory only): a reconnected device's
        # answer shows here too, not only on the sale screen
        self._status_timer = QTimer(self)
        self._status_timer.timeout.connect(self._show_statuses)
        self._status_timer.start(STATUS_REFRESH_MS)
        acts.call(admin.ports, self._build, self._failed)

    def _show_statuses(self) -> None:
        known = self.admin.devices.events.statuses()
        shown = [status_text(known[n]) for n in self.admin.devices.devices if n in known]
        self.status.setText("  ·  ".join(shown) or self.tr("No device is set up on this till."))

    def _build(self, ports: list[FoundPort]) -> None:
        titles = {
            "printer": self.tr("Receipt printer and drawer"),
            "display": self.tr("Customer display"),
            "scanner": self.tr("Serial scanner"),
        }
        for table, title in titles.items():
            page = QWidget(self.tabs)
            box = QVBoxLayout(page)
            form = DeviceForm(page, table, title, self.admin.settings(table), ports)
            self.forms[table] = form
            box.addWidget(form)
            buttons = QHBoxLayout()
            save = QPushButton(self.tr("Save"), page)
            save.setProperty("role", "primary")
            save.clicked.connect(lambda _c=False, t=table: self.save(t))
            buttons.addWidget(save)
            if table == "printer":
                self._button(page, buttons, self.tr("Test print"), self.test_print)
                self._button(page, buttons, self.tr("Open drawer"), self.open_drawer)
            elif table == "display":
                self._button(page, buttons, self.tr("Test display"), self.test_display)
            box.addLayout(buttons)
            box.addStretch(1)
            self.tabs.addTab(page, title)
        page = QWidget(self.tabs)
        box = QVBoxLayout(page)
        box.addWidget(
            QLabel(
                self.tr(
                    "The card terminal is a payment method: its port and password are set "
                    "under Settings (payment methods)."
                ),
                page,
            )
        )
        buttons = QHBoxLayout()
        self._button(page, buttons, self.tr("Diagnose"), self.card_diagnose)
        self._button(page, buttons, self.tr("Register the till"), self.card_register)
        box.addLayout(buttons)
        box.addStretch(1)
        self.tabs.addTab(page, self.tr("Card terminal"))

    @staticmethod
    def _button(page: QWidget, row: QHBoxLayout, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text, page)
        button.clicked.connect(lambda _c=False: slot())
        row.addWidget(button)
        return button

    # -- actions -----------------------------------------------------------------------
    def save(self, table: str) -> None:
        values = self.forms[table].values()
        done = (
            self.tr("Saved in {path}. The device was reconnected with the new settings.")
            if self.admin.live
            else self.tr("Saved in {path}. Restart the till to use the new settings.")
        )
        self.acts.call(
            lambda: self.admin.save(table, values),
            lambda path: self._saved(done.format(path=path)),
            self._failed,
        )

    def _saved(self, text: str) -> None:
        self.show_info(text)
        self._show_statuses()

    def test_print(self) -> None:
        lines = [self.tr("Kaunta test print"), self.tr("If you can read this, the printer works.")]
        self.acts.call(
            lambda: self.admin.test_print(lines),
            lambda _r: self.show_info(self.tr("Test page sent to the printer.")),
            self._failed,
        )

    def open_drawer(self) -> None:
        self.acts.call(
            self.admin.open_drawer,
            lambda n: self.show_info(
                self.tr("Drawer opened (no sale {n} this shift).").format(n=n)
            ),
            self._failed,
        )

    def test_display(self) -> None:
        self.acts.call(
            lambda: self.admin.test_display("Kaunta", self.tr("Display test")),
            lambda _r: self.show_info(self.tr("Test text sent to the customer display.")),
            self._failed,
        )

    def card_diagnose(self) -> None:
        self.acts.steps(self.admin.card_diagnose, self._terminal_said, self._failed)

    def card_register(self) -> None:
        self.acts.steps(self.admin.card_register, self._terminal_said, self._failed)

    def _terminal_said(self, answer: str) -> None:
        """The card terminal's answer (English, as the method stored it) in the screen's
        language: a marked sentence or a registered outcome with its values."""
        self.show_info(i18n.text(answer))

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))


def _open(menu: ManagerMenu) -> None:
    devices = menu.acts.terminal.devices
    if devices is None or devices.admin is None:
        menu.show_error(
            QCoreApplication.translate(
                "DeviceSettings", "The devices have not started on this till."
            )
        )
        return
    menu.show_dialog(DeviceSettingsDialog(menu, menu.acts, devices.admin))


register(MenuEntry("devices", LABEL, "Alt+D", _open))
