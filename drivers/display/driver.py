"""The customer pole display on its own worker: last item, total, change, idle message.

Every call returns at once (a future); a display that is unplugged is reopened on the next
screen, and a lost screen is simply replaced by the next one.
"""

from __future__ import annotations

from concurrent.futures import Future

from drivers.display.codec import CommandSet, encode_lines, fit
from drivers.transport import Connection, DeviceError, PortSettings
from drivers.worker import DeviceHandler, DeviceState, DeviceStatus, DeviceWorker, NullHandler


class PoleDisplay:
    def __init__(
        self,
        settings: PortSettings,
        command_set: CommandSet = CommandSet.CD5220,
        *,
        name: str = "display",
        handler: DeviceHandler | None = None,
        idle_text: tuple[str, str] = ("Karibu!", "Welcome"),
    ) -> None:
        self.name = name
        self.command_set = command_set
        self.idle_text = idle_text
        self.handler: DeviceHandler = handler or NullHandler()
        self.connection = Connection(settings)
        self.worker = DeviceWorker(name)
        self._last: DeviceStatus | None = None

    def show(self, top: str, bottom: str) -> Future[bool]:
        """Two lines; the future says whether the display took them."""
        data = encode_lines(top, bottom, self.command_set)
        return self.worker.submit(lambda: self._send(data))

    def item(self, name: str, price: str) -> Future[bool]:
        return self.show(name, fit("", price))

    def total(self, currency: str, amount: str) -> Future[bool]:
        return self.show("TOTAL", fit(currency, amount))

    def change(self, amount: str, thanks: str = "Asante! Thank you") -> Future[bool]:
        return self.show(fit("CHANGE", amount), thanks)

    def idle(self) -> Future[bool]:
        return self.show(*self.idle_text)

    def close(self) -> None:
        self.worker.stop()
        self.connection.close()

    def _send(self, data: bytes) -> bool:
        """Write one screen; report the display's state when it changes (a display
        only listens, so a write that went through is all "ok" can mean)."""
        try:
            self.connection.write(data)
        except DeviceError as exc:
            self._report(DeviceStatus(self.name, DeviceState.OFFLINE, exc.code, str(exc)))
            return False
        self._report(DeviceStatus(self.name, DeviceState.OK, "ok"))
        return True

    def _report(self, status: DeviceStatus) -> None:
        if status != self._last:
            self._last = status
            self.handler.status(status)
