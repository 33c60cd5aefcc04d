"""The set-up wizard's device and eTIMS tests (part of the composition root).

The wizard (``pos.ui.setup_wizard``) may not touch a port or make an HTTP call; these
do it for it, on the wizard's worker. A device test builds the device's real driver
from the settings typed (the same :class:`pos.device_link.Builder` the till uses, after
the same checks as start-up, :func:`pos.services.device_config.devices_config`), sends
one test (a page, a drawer kick, two lines, or waits for one scan), and closes the port
again: the till opens it itself after Finish. The eTIMS test loads the config the
answers make exactly as a start loads it (so ``[etims]`` is checked by
:func:`sync.etims.config.parse_etims`), then initialises the branch's device with KRA
(or the simulator): the communication key goes to the OS keyring and the device's
identity into the till's eTIMS queue file, where the eTIMS worker finds both at its
first start (it does not initialise twice, which KRA refuses with 902).

:class:`SetupChecks` is mixed into :class:`pos.first_run.FirstRunBackend`.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.transport import FoundPort, list_ports
from pos.services.device_config import DeviceConfigError, devices_config
from pos.services.devices import DeviceEvents, DeviceState, TillDevices
from pos.ui.setup_wizard.backend import DeviceCheck, EtimsCheck
from pos.ui.setup_wizard.model import ShopDetails

if TYPE_CHECKING:
    from pos.config import Config

log = logging.getLogger(__name__)

#: how long a device test waits for the device's worker (a port that does not answer
#: times out well within this)
DEVICE_WAIT_S = 20.0
#: how long the scanner test waits for a code to be scanned
SCAN_WAIT_S = 15.0


class SetupChecks:
    """Ports, device tests and the eTIMS initialisation for the wizard."""

    def _load(self, details: ShopDetails) -> Config:  # FirstRunBackend's
        raise NotImplementedError

    # -- devices -------------------------------------------------------------------------
    def ports(self) -> list[FoundPort]:
        """The serial ports this computer has now (USB adapters plugged in included)."""
        return list_ports()

    def test_device(self, table: str, values: dict[str, Any], action: str) -> DeviceCheck:
        """``action`` on the ``table`` device with ``values`` (a ``[devices.<table>]``
        table): ``print`` (``values`` of the printer), ``drawer``, ``display`` or
        ``scan``. Settings the till would refuse are a ``settings`` answer naming the
        key; the device's own trouble is its status code and words."""
        try:
            config = devices_config({table: values})
        except DeviceConfigError as exc:
            return DeviceCheck(False, "settings", str(exc))
        from pos.device_link import Builder

        events = DeviceEvents()
        builder = Builder(events, poll_interval=3600.0)
        if table == "printer" and config.printer is not None:
            printing = builder.printer(config.printer)
            devices = TillDevices(events, printing=printing, drawer=config.printer.drawer)
            try:
                return _printer_test(devices, action)
            finally:
                printing.printer.close()
        if table == "display" and config.display is not None:
            display = builder.display(config.display)
            try:
                shown = display.show("Kaunta", "Display test").result(DEVICE_WAIT_S)
            except FutureTimeout:
                return DeviceCheck(False, "timeout", "the display's port did not take the text")
            finally:
                display.close()
            if shown:
                return DeviceCheck(True, "shown", "")
            status = events.statuses().get(display.name)
            return DeviceCheck(False, "offline", status.detail if status else "")
        if table == "scanner" and config.scanner is not None:
            return _scanner_test(builder, config.scanner, events)
        return DeviceCheck(False, "settings", f"devices.{table}.port: name a port")

    # -- eTIMS ---------------------------------------------------------------------------
    def test_etims(self, details: ShopDetails, key: str = "") -> EtimsCheck:
        """Initialise ``details``' eTIMS branch device with KRA (or the simulator).

        ``key``: the communication key kept from an earlier initialisation, for a device
        KRA says is installed already (902); it is checked with a keyed call and kept in
        the keyring. A device initialised before by this wizard is checked, not
        initialised again.

        KRA sends the key once, so a keyring that cannot store is a ``keyring`` answer
        before KRA is asked, and a key it refuses after KRA answered is kept in the
        rescue file beside the database (``key_kept``, ``detail`` its path) and moved
        into the keyring by the next test or start that can (:mod:`sync.etims.keykeep`)."""
        from pos.config import ConfigError

        try:
            config = self._load(details)
        except ConfigError as exc:
            return EtimsCheck(False, "settings", str(exc))
        etims = config.etims
        if etims is None:
            return EtimsCheck(False, "settings", "etims.tin must be set")
        from pos.secrets import KeyringSecrets
        from sync.etims.client import (
            DeviceAlreadyInstalled,
            EtimsRejected,
            OscuClient,
            TransportError,
        )
        from sync.etims.keykeep import (
            KeyNotStored,
            KeyStoreUnusable,
            restore_rescued,
            store_key,
            write_rescue,
        )
        from sync.etims.models import CodeCache, EtimsError
        from sync.etims.queue_sqlite import SqliteQueue

        secrets = KeyringSecrets()
        client = OscuClient(etims.branch, etims.settings, secrets)
        queue_path = Path(config.database_path).with_name("etims.sqlite")
        queue_path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteQueue(queue_path)
        try:
            saved = queue.load_state("device")
            try:
                # a key the keyring refused earlier, kept beside the database: into the
                # keyring now if it takes it (else KeyStoreUnusable: it stays in its file)
                restore_rescued(queue_path.parent, etims.branch, secrets)
                had_key = bool(secrets.get(etims.branch.secret_name))
                if key or (saved is not None and had_key):
                    if key:
                        try:
                            return self._initialise(client, queue)
                        except DeviceAlreadyInstalled:
                            store_key(secrets, etims.branch.secret_name, key)
                    client.refresh_codes(CodeCache(), datetime.now(UTC))
                    sdc = str((saved or {}).get("sdc_id", ""))
                    return EtimsCheck(True, "key_works", sdc)
                return self._initialise(client, queue)
            except KeyNotStored as exc:
                # KRA sent the key once and the keyring refused it: kept in a file
                queue.save_state("device", exc.device.to_json())
                path = write_rescue(queue_path.parent, etims.branch, exc.key, datetime.now(UTC))
                log.error("first run: eTIMS key kept in %s (the keyring refused it)", path)
                return EtimsCheck(False, "key_kept", str(path))
            except KeyStoreUnusable as exc:
                return EtimsCheck(False, "keyring", str(exc))
            except DeviceAlreadyInstalled as exc:
                return EtimsCheck(False, "installed", str(exc))
            except TransportError as exc:
                return EtimsCheck(False, "unreachable", str(exc))
            except EtimsRejected as exc:
                return EtimsCheck(False, "refused", exc.envelope.reason())
            except EtimsError as exc:
                return EtimsCheck(False, "refused", str(exc))
        finally:
            queue.close()

    @staticmethod
    def _initialise(client: Any, queue: Any) -> EtimsCheck:
        device = client.initialize()  # the key into the keyring
        queue.save_state("device", device.to_json())
        log.info("first run: eTIMS device initialised, control unit %s", device.sdc_id)
        return EtimsCheck(True, "initialised", device.sdc_id)


def _printer_test(devices: TillDevices, action: str) -> DeviceCheck:
    printing = devices.printing
    assert printing is not None
    printer = printing.printer
    if action == "drawer":
        if not devices.drawer:
            return DeviceCheck(False, "no_drawer", "")
        future = devices.open_drawer()
        assert future is not None
        try:
            future.result(DEVICE_WAIT_S)
        except FutureTimeout:
            return DeviceCheck(False, "timeout", "")
        except Exception as exc:  # the driver's words: the port could not be used
            return DeviceCheck(False, "offline", str(exc))
        return DeviceCheck(True, "drawer_opened", "")
    lines = ["Kaunta", "Test print / Jaribio la kuchapisha", "OK"]
    outcome = devices.test_print(lines)
    assert outcome is not None
    try:
        printed = outcome.result(DEVICE_WAIT_S)
    except FutureTimeout:
        return DeviceCheck(False, "timeout", "")
    if str(printed) == "printed":
        return DeviceCheck(True, "printed", "")
    status = printer.last_status
    if status is None:
        return DeviceCheck(False, "offline", "")
    code = "offline" if status.state is DeviceState.OFFLINE else status.code
    return DeviceCheck(False, code, status.detail)


def _scanner_test(builder: Any, config: Any, events: DeviceEvents) -> DeviceCheck:
    codes: list[str] = []
    got = threading.Event()

    def scanned(code: str) -> None:
        codes.append(code)
        got.set()

    scanner = builder.scanner(config, scanned)
    scanner.start()
    offline = None
    try:
        waited = 0.0
        while not got.wait(0.1) and waited < SCAN_WAIT_S:
            waited += 0.1
            status = events.statuses().get(scanner.name)
            if status is not None and status.state is DeviceState.OFFLINE:
                offline = status  # the port cannot be opened: no use waiting for a scan
                break
    finally:
        scanner.close()
    if codes:
        return DeviceCheck(True, "scanned", codes[0])
    if offline is not None:
        return DeviceCheck(False, "offline", offline.detail)
    return DeviceCheck(False, "no_scan", "")
