"""A serial barcode scanner: one thread reads the port, frames codes, hands them over.

Codes go to ``on_code`` (called on the scanner thread; the till posts them into the same
scan path as keyboard-wedge scanners). A scanner that is unplugged is reopened every
``retry`` seconds until it is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from drivers.scanner.codec import ScanFramer
from drivers.transport import Connection, DeviceError, PortSettings
from drivers.worker import DeviceHandler, DeviceState, DeviceStatus, NullHandler


class SerialScanner:
    def __init__(
        self,
        settings: PortSettings,
        on_code: Callable[[str], None],
        *,
        framer: ScanFramer | None = None,
        name: str = "scanner",
        handler: DeviceHandler | None = None,
        retry: float = 2.0,
    ) -> None:
        self.name = name
        self.connection = Connection(settings)
        self.framer = framer or ScanFramer()
        self.handler: DeviceHandler = handler or NullHandler()
        self._on_code = on_code
        self._retry = retry
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"device-{name}", daemon=True)

    def start(self) -> SerialScanner:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.connection.close()

    def _run(self) -> None:
        online: bool | None = None
        while not self._stop.is_set():
            try:
                data = self.connection.read(256, 0.05)
            except DeviceError as exc:
                if online is not False:
                    online = False
                    self.handler.status(
                        DeviceStatus(self.name, DeviceState.OFFLINE, exc.code, str(exc))
                    )
                self._stop.wait(self._retry)
                continue
            if online is not True:
                online = True
                self.handler.status(DeviceStatus(self.name, DeviceState.OK, "ok"))
            now = time.monotonic()
            codes = self.framer.feed(data, now) if data else self.framer.flush_idle(now)
            for code in codes:
                self._on_code(code)
