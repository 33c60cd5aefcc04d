"""The wizard's devices and KRA eTIMS steps.

Devices: the receipt printer (and the cash drawer on it), the pole display and a serial
scanner, each with the manager's device form (:class:`pos.ui.device_settings.DeviceForm`,
the same fields and choices) and a test that goes through the real driver to the device
(the backend's ``test_device``, on the wizard's worker). The settings are checked as
start-up checks them (:func:`pos.services.device_config.devices_config`) and written at
Finish as the device screen writes them.

eTIMS: the KRA PIN (from the shop page), the branch id KRA assigned (never assumed
``00``), the device serial of the eTIMS service request, where OSCU is (KRA's sandbox,
production, or the simulator ``kaunta sandbox etims``), and, only for a device that was
initialised before, its communication key (to the keyring, never to the file). "Test
connection" initialises the device through the backend. A store enrolled with a head
office has its eTIMS done there, and the step says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos.services.device_config import DeviceConfigError, devices_config
from pos.ui.device_settings import DeviceForm
from pos.ui.setup_wizard import model
from pos.ui.setup_wizard.backend import DeviceCheck, EtimsCheck
from pos.ui.setup_wizard.pages import PageHost, SetupPage

if TYPE_CHECKING:
    from pos.ui.setup_wizard.wizard import SetupWizard

#: ``devices.printer.baudrate: ...`` -> the table and the key
_DEVICE_KEY = re.compile(r"devices\.(\w+)\.(\w+)")
#: ``etims.bhf_id ...`` -> the key
_ETIMS_KEY = re.compile(r"etims\.(\w+)")


class DevicesPage(SetupPage):
    """Printer and drawer, customer display, serial scanner: a tab each."""

    name = "devices"
    setup: SetupWizard

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("deviceTabs")
        self.layout_.addWidget(self.tabs, 1)
        self.forms: dict[str, DeviceForm] = {}
        self.boxes: dict[str, QVBoxLayout] = {}
        self.ports: list[Any] = []
        self._ports_asked = False
        self.test_print = QPushButton(self)
        self.test_print.setObjectName("testPrint")
        self.open_drawer = QPushButton(self)
        self.open_drawer.setObjectName("testDrawer")
        self.test_display = QPushButton(self)
        self.test_display.setObjectName("testDisplay")
        self.test_scanner = QPushButton(self)
        self.test_scanner.setObjectName("testScanner")
        actions: dict[str, list[tuple[QPushButton, str]]] = {
            "printer": [(self.test_print, "print"), (self.open_drawer, "drawer")],
            "display": [(self.test_display, "display")],
            "scanner": [(self.test_scanner, "scan")],
        }
        for table in model.DEVICE_TABLES:
            page = QWidget(self.tabs)
            box = QVBoxLayout(page)
            row = QHBoxLayout()
            for button, action in actions[table]:
                button.setParent(page)
                button.clicked.connect(lambda _c=False, t=table, a=action: self.test(t, a))
                row.addWidget(button)
            row.addStretch(1)
            box.addLayout(row)
            box.addStretch(1)
            self.boxes[table] = box
            self.tabs.addTab(page, "")
        self._build_forms({})
        self.finish_layout()

    # -- the forms -----------------------------------------------------------------------
    def device_name(self, table: str) -> str:
        return {
            "printer": self.tr("Receipt printer and drawer"),
            "display": self.tr("Customer display"),
            "scanner": self.tr("Serial scanner"),
        }[table]

    def _build_forms(self, current: dict[str, dict[str, Any]]) -> None:
        """(Re)build the forms from ``current``: in the screens' language, with the
        ports found (the form's texts are set when it is made)."""
        for index, table in enumerate(model.DEVICE_TABLES):
            old = self.forms.get(table)
            page = self.tabs.widget(index)
            assert page is not None  # one tab per device table, made in __init__
            # no group title: the tab names the device
            form = DeviceForm(page, table, "", current.get(table, {}), self.ports)
            form.port.lineEdit().setPlaceholderText(  # type: ignore[union-attr]
                self.tr("empty: none; COM3, /dev/ttyUSB0 or 192.168.1.50:9100")
            )
            if old is not None:
                self.boxes[table].replaceWidget(old, form)
                old.deleteLater()
            else:
                self.boxes[table].insertWidget(0, form)
            self.forms[table] = form

    def _current(self) -> dict[str, dict[str, Any]]:
        """What the forms hold, as they start from it (stop bits 1, not 1.0)."""
        current = {t: f.values() for t, f in self.forms.items()}
        for values in current.values():
            bits = values.get("stopbits")
            if isinstance(bits, float) and bits.is_integer():
                values["stopbits"] = int(bits)
        return current

    def initializePage(self) -> None:
        """The first time: ask for the ports this computer has (on the worker)."""
        if self._ports_asked:
            return
        self._ports_asked = True

        def found(ports: list[Any]) -> None:
            self.ports = list(ports)
            self._add_ports()

        self.setup.call(self.setup.backend.ports, found, lambda _e: None)

    def _add_ports(self) -> None:
        """Offer the ports found in the forms already shown, as the device screen lists
        them, keeping what was typed meanwhile (the forms are not rebuilt: a manager who
        started typing keeps the field and its focus)."""
        for form in self.forms.values():
            typed = form.port.currentText()
            for port in self.ports:
                if form.port.findText(port.url) < 0:
                    form.port.addItem(port.url, port.url)
                    form.port.setItemData(form.port.count() - 1, port.description)
            form.port.setCurrentText(typed)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Printer, scanner and cash drawer"))
        self.intro.setText(
            self.tr(
                "Type the port of each device the till has (empty: none) and test it: "
                "Test print prints a page, Open drawer kicks the drawer through the "
                "printer. A barcode scanner that types like a keyboard needs nothing "
                "here. Skip to set the devices later in the manager's tools, Devices "
                "(Alt+D)."
            )
        )
        self.test_print.setText(self.tr("Test print"))
        self.open_drawer.setText(self.tr("Open drawer"))
        self.test_display.setText(self.tr("Test display"))
        self.test_scanner.setText(self.tr("Test scanner"))
        for index, table in enumerate(model.DEVICE_TABLES):
            self.tabs.setTabText(index, self.device_name(table))
        if self.forms:
            self._build_forms(self._current())

    # -- checks --------------------------------------------------------------------------
    def table_values(self, table: str) -> dict[str, Any]:
        """The ``[devices.<table>]`` keys as the device screen saves them (empty values
        left out; ``host:port`` made ``socket://host:port``)."""
        values = self.forms[table].values()
        values["port"] = model.normal_port(str(values.get("port", "")))
        return {k: v for k, v in values.items() if v not in ("", None)}

    def check_table(self, table: str) -> tuple[str, QWidget | None] | None:
        form = self.forms[table]
        values = self.table_values(table)
        if values.get("port") and values["port"] != form.port.currentText().strip():
            form.port.setCurrentText(str(values["port"]))  # host:port shown as written
        problem = model.check_port(str(values.get("port", "")), self.device_name(table))
        if problem is not None:
            return problem, form.port
        if not values.get("port"):
            return None
        if not isinstance(values.get("baudrate", 9600), int):  # typed in the editable box
            return self._named(table, f"devices.{table}.baudrate: not a number")
        try:
            devices_config({table: values})
        except DeviceConfigError as exc:
            return self._named(table, str(exc))
        return None

    def _named(self, table: str, text: str) -> tuple[str, QWidget | None]:
        """A device-settings refusal (``devices.printer.baudrate: ...``) as a message
        naming the device and the field, in the screens' language where it is known."""
        form = self.forms[table]
        found = _DEVICE_KEY.search(text)
        key = found.group(2) if found else "port"
        labels = {
            "port": self.tr("Port"),
            "baudrate": self.tr("Speed (baud)"),
            "parity": self.tr("Parity"),
            "stopbits": self.tr("Stop bits"),
            "flow_control": self.tr("Flow control"),
            "profile": self.tr("Paper"),
            "command_set": self.tr("Command set"),
            "terminator": self.tr("Code ends with"),
        }
        hints = {
            "baudrate": self.tr("a serial speed such as 9600, 19200 or 115200."),
        }
        detail = hints.get(key, text.split(": ", 1)[-1])
        widget = form.fields.get(key, form.port)
        message = self.tr("{device}, {field}: {detail}").format(
            device=self.device_name(table), field=labels.get(key, key), detail=detail
        )
        return message, widget

    def check(self) -> tuple[str, QWidget | None] | None:
        chosen: dict[str, dict[str, Any]] = {}
        for index, table in enumerate(model.DEVICE_TABLES):
            problem = self.check_table(table)
            if problem is not None:
                self.tabs.setCurrentIndex(index)
                return problem
            values = self.table_values(table)
            if values.get("port"):
                chosen[table] = values
        self.setup.details.devices = chosen
        return None

    # -- tests ---------------------------------------------------------------------------
    def test(self, table: str, action: str) -> None:
        """The test through the real driver, on the wizard's worker."""
        problem = self.check_table(table)
        if problem is not None:
            self.show_error(*problem)
            return
        values = self.table_values(table)
        if not values.get("port"):
            self.show_error(
                self.tr("{device}, Port: type the device's port first.").format(
                    device=self.device_name(table)
                ),
                self.forms[table].port,
            )
            return
        if action == "scan":
            self.show_info(self.tr("Scan a barcode now (waiting 15 seconds)…"))
        else:
            self.show_info(self.tr("Testing…"))
        backend = self.setup.backend
        self.setup.call(
            lambda: backend.test_device(table, values, action),
            lambda result: self.tested(table, values, result),
            self.show_error,
        )

    def tested(self, table: str, values: dict[str, Any], result: DeviceCheck) -> None:
        device, port, detail = self.device_name(table), str(values.get("port", "")), result.detail
        done = {
            "printed": self.tr(
                "Receipt printer: the test page was printed on {port}. If the paper is "
                "blank or the text garbled, check the paper width and the speed (baud)."
            ),
            "drawer_opened": self.tr(
                "Cash drawer: the printer was told to open it. If it stayed shut, check "
                "the drawer's cable into the printer's drawer port."
            ),
            "shown": self.tr(
                "Customer display: a test text was sent to {port}. If the display shows "
                "nothing or stray signs, try the other command set or speed."
            ),
            "scanned": self.tr("Serial scanner: read {detail}. The scanner works."),
        }
        failed = {
            "no_scan": self.tr(
                "Serial scanner: no code came in 15 seconds. Press Test scanner, then scan "
                "a barcode; check the cable, the speed and what the code ends with."
            ),
            "no_drawer": self.tr("Cash drawer: tick \u201c{box}\u201d first."),
            "settings": self.tr("{device}: {detail}"),
        }
        if result.ok and result.code in done:
            self.show_info(done[result.code].format(port=port, detail=detail))
            return
        if result.code in failed:
            box = self.forms["printer"].fields["drawer"]
            self.show_error(
                failed[result.code].format(
                    device=device,
                    detail=detail,
                    box=box.text() if isinstance(box, QCheckBox) else "",
                )
            )
            return
        if result.code in ("offline", "timeout"):
            text = self.tr(
                "{device}: {port} did not answer ({detail}). Check that the device is "
                "switched on, its cable is in and the port is right, then test again; or "
                "skip and set it later in the manager's tools, Devices (Alt+D)."
            )
        else:  # the printer answered but cannot print: paper out, cover open...
            text = self.tr(
                "{device}: the test page was not printed: {detail}. Put paper in or shut "
                "the cover, then Test print again."
            )
        self.show_error(
            text.format(device=device, port=port, detail=detail or result.code),
            self.forms[table].port,
        )


class EtimsPage(SetupPage):
    """The branch's eTIMS device, or a note that head office does eTIMS."""

    name = "etims"

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.body = QWidget(self)
        form = QFormLayout(self.body)
        self.layout_.addWidget(self.body)
        self.tin = QLineEdit(self.body)
        self.branch = QLineEdit(self.body)
        self.branch.setMaxLength(2)
        self.serial = QLineEdit(self.body)
        self.environment = QComboBox(self.body)
        for code in model.ETIMS_ENVIRONMENTS:
            self.environment.addItem(code, code)
        self.url = QLineEdit(self.body)
        self.key = QLineEdit(self.body)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.widgets: list[QWidget] = [
            self.tin,
            self.branch,
            self.serial,
            self.environment,
            self.url,
            self.key,
        ]
        self.labels: list[QLabel] = []
        for widget in self.widgets:
            label = QLabel(self.body)
            label.setBuddy(widget)
            form.addRow(label, widget)
            self.labels.append(label)
        self.test_button = QPushButton(self.body)
        self.test_button.setObjectName("testEtims")
        self.test_button.clicked.connect(self.test)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        form.addRow("", row)
        self.head_office_note = QLabel(self)
        self.head_office_note.setWordWrap(True)
        self.head_office_note.setObjectName("etimsHeadOffice")
        self.head_office_note.setVisible(False)
        self.layout_.addWidget(self.head_office_note)
        self.environment.currentIndexChanged.connect(lambda _i: self._placeholders())
        self.finish_layout()

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("KRA eTIMS"))
        self.intro.setText(
            self.tr(
                "The branch's eTIMS device as KRA registered it on the eTIMS portal. Test "
                "connection initialises the device with KRA: the communication key KRA "
                "sends is kept in this computer's keyring, never in a file. Skip to keep "
                "the sales and send nothing to KRA until eTIMS is set up (docs/etims.md)."
            )
        )
        texts = (
            self.tr("KRA PIN"),
            self.tr("Branch id"),
            self.tr("Device serial"),
            self.tr("eTIMS service"),
            self.tr("eTIMS address"),
            self.tr("Communication key"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        names = {
            "sandbox": self.tr("KRA sandbox (tests with KRA)"),
            "production": self.tr("KRA production (real invoices)"),
            "simulator": self.tr("Simulator on this computer"),
        }
        for index in range(self.environment.count()):
            code = str(self.environment.itemData(index))
            self.environment.setItemText(index, names[code])
        self.branch.setPlaceholderText(self.tr("e.g. 01, as KRA assigned (not always 00)"))
        self.serial.setPlaceholderText(self.tr("as entered in the eTIMS service request"))
        self.key.setPlaceholderText(
            self.tr("only if this device was initialised before; else empty")
        )
        self.test_button.setText(self.tr("Test connection and initialise"))
        self.head_office_note.setText(
            self.tr(
                "This shop is enrolled with a head office: head office submits the "
                "store's sales to KRA eTIMS (one invoice sequence for all its tills). "
                "Nothing to set on this till; press Next."
            )
        )
        self._placeholders()

    def _placeholders(self) -> None:
        if self.environment.currentData() == "simulator":
            self.url.setPlaceholderText(
                self.tr("the http://127.0.0.1:… address kaunta sandbox etims printed")
            )
        else:
            self.url.setPlaceholderText(self.tr("empty: KRA's own address"))

    def initializePage(self) -> None:
        enrolled = self.setup.details.enrolled
        self.body.setVisible(not enrolled)
        self.head_office_note.setVisible(enrolled)
        if not self.tin.text().strip():
            self.tin.setText(self.setup.details.kra_pin)

    def show_details(self) -> None:
        """Fill the form from the details' ``[etims]`` keys (the key itself stays in the
        keyring: its box starts empty)."""
        etims = self.setup.details.etims
        self.tin.setText(etims.get("tin", ""))
        self.branch.setText(etims.get("bhf_id", ""))
        self.serial.setText(etims.get("device_serial", ""))
        index = self.environment.findData(etims.get("environment", "sandbox"))
        self.environment.setCurrentIndex(max(index, 0))
        self.url.setText(etims.get("base_url", ""))
        self.initializePage()

    def is_empty(self) -> bool:
        """Nothing typed for the device (a till without eTIMS that keeps it so)."""
        return not (self.branch.text().strip() or self.serial.text().strip())

    # -- checks --------------------------------------------------------------------------
    def check(self) -> tuple[str, QWidget | None] | None:
        d = self.setup.details
        if d.enrolled:
            d.etims = {}
            return None
        environment = str(self.environment.currentData())
        for problem, widget in (
            (model.check_kra_pin(self.tin.text(), vat_registered=True), self.tin),
            (model.check_branch_id(self.branch.text()), self.branch),
            (model.check_device_serial(self.serial.text()), self.serial),
            (model.check_etims_url(self.url.text(), environment), self.url),
            (model.check_cmc_key(self.key.text()), self.key),
        ):
            if problem is not None:
                return problem, widget
        section = model.etims_section(
            self.tin.text(), self.branch.text(), self.serial.text(), environment, self.url.text()
        )
        if section != d.etims:
            d.etims, d.etims_tested = section, ""  # a different device: not tested yet
        return None

    def _named(self, text: str) -> tuple[str, QWidget | None]:
        """A refusal of the ``[etims]`` checks (English, naming ``etims.<key>``) with the
        field's name in front, the field focused."""
        found = _ETIMS_KEY.search(text)
        key = found.group(1) if found else ""
        index = {
            "tin": 0,
            "bhf_id": 1,
            "device_serial": 2,
            "environment": 3,
            "base_url": 4,
            "verify_host": 4,
        }.get(key)
        if index is None:
            return text, None
        return f"{self.labels[index].text()}: {text}", self.widgets[index]

    def start(self, done: Callable[[], None]) -> bool:
        """Next: the whole config checked as a start checks it (``[etims]`` included);
        a typed communication key is checked with KRA and kept in the keyring."""
        d = self.setup.details
        if d.enrolled:
            return False
        backend, key = self.setup.backend, self.key.text().strip()

        def checked(problem: str | None) -> None:
            if problem is not None:
                self.show_error(*self._named(problem))
                return
            if key and not d.etims_tested:
                self._run_test(key, then=done)
                return
            done()

        self.setup.call(lambda: backend.check(d), checked, self.show_error)
        return True

    def test(self) -> None:
        problem = self.check()
        if problem is not None:
            self.show_error(*problem)
            return
        self._run_test(self.key.text().strip())

    def _run_test(self, key: str, then: Callable[[], None] | None = None) -> None:
        details, backend = self.setup.details, self.setup.backend
        self.show_info(self.tr("Asking KRA eTIMS…"))

        def tested(result: EtimsCheck) -> None:
            self.tested(result)
            if result.ok and then is not None:
                then()

        self.setup.call(lambda: backend.test_etims(details, key), tested, self.show_error)

    def tested(self, result: EtimsCheck) -> None:
        d = self.setup.details
        if result.ok:
            d.etims_tested = result.code
            self.key.clear()  # kept in the keyring now
            if result.code == "initialised":
                self.show_info(
                    self.tr(
                        "KRA eTIMS: the device is initialised (control unit {unit}). Its "
                        "communication key is kept in this computer's keyring."
                    ).format(unit=result.detail)
                )
            else:
                self.show_info(
                    self.tr(
                        "KRA eTIMS: KRA accepted the communication key; it is kept in this "
                        "computer's keyring."
                    )
                )
            return
        d.etims_tested = ""
        url = d.etims.get("base_url") or self.tr("KRA")
        if result.code == "settings":
            self.show_error(*self._named(result.detail))
        elif result.code == "unreachable":
            self.show_error(
                self.tr(
                    "KRA eTIMS: {url} could not be reached ({detail}). Check the internet "
                    "connection and the address (the simulator: is kaunta sandbox etims "
                    "running?), then test again; or skip: the till keeps its sales and "
                    "sends them once eTIMS is set up."
                ).format(url=url, detail=result.detail),
                self.url,
            )
        elif result.code == "keyring":
            self.show_error(
                self.tr(
                    "KRA eTIMS: this computer's keyring cannot keep the communication key "
                    "({detail}). The device was not initialised: KRA sends its key only "
                    "once. Fix the keyring, then test again."
                ).format(detail=result.detail),
                self.url,
            )
        elif result.code == "key_kept":
            self.show_error(
                self.tr(
                    "KRA eTIMS: the device is initialised, but the keyring refused its "
                    "communication key. The key is kept in {file}: copy that file somewhere "
                    "safe now (KRA does not send the key again), fix the keyring and start "
                    "Kaunta: it moves the key into the keyring and deletes the file."
                ).format(file=result.detail),
                self.url,
            )
        elif result.code == "installed":
            self.show_error(
                self.tr(
                    "Communication key: KRA says this device is installed already and does "
                    "not send its key again. Type the key kept from its first "
                    "initialisation, then test again."
                ),
                self.key,
            )
        else:
            self.show_error(
                self.tr(
                    "KRA eTIMS: KRA refused the device: {detail}. Check the KRA PIN, branch "
                    "id and device serial against the eTIMS portal's service request, then "
                    "test again."
                ).format(detail=result.detail),
                self.branch,
            )
