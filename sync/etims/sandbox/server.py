"""The eTIMS OSCU simulator: an HTTP server on loopback with KRA's paths, state per
device, a verification page, a control API and fault injection.

``EtimsSandbox`` is used from Python (tests, training mode, the bench) or from the
command line (``kaunta sandbox etims``). Faults (reference 7.10):

* ``refuse(seconds)``: the port is closed (connection refused), then reopened;
* ``hang``: the answer never comes (until released or ``seconds``), with ``record`` the
  sale **is** recorded first: the "recorded but the reply was lost" case;
* ``drop``: the connection is closed without an answer (``record`` as for hang);
* ``slow``: the answer comes after ``seconds``;
* ``code``: HTTP 200 with ``resultCd`` 999, 991, 990 … and nothing recorded;
* ``html``: an HTML error page (HTTP 502);
* a scheduled down window (``down``): every API call gets a 503 HTML page.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.etims.sandbox.api import Api, envelope
from sync.etims.sandbox.checks import Invalid
from sync.etims.sandbox.state import Device, Settings

log = logging.getLogger(__name__)

DEMO_TIN = "P051234567X"
DEMO_SERIAL = "KAUNTA/P051234567X/0"
DEMO_SERIAL_01 = "KAUNTA/P051234567X/1"
API_PREFIX = "/etims-api/"
CONTROL_PREFIX = "/__sandbox__/"
VERIFY_PATH = "/common/link/etims/receipt/indexEtimsReceiptData"
ERROR_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1>{text}</body></html>"


#: what :meth:`EtimsSandbox.handle` acts on; the control API refuses any other kind
FAULT_KINDS = ("code", "drop", "forbidden", "hang", "html", "slow")


@dataclass(slots=True)
class Fault:
    kind: str
    path: str | None = None
    count: int = 1
    seconds: float = 3600.0
    record: bool = False
    code: str = "999"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any] | str | None  #: None: close without answering
    #: run once the answer is written (the control API's ``refuse`` closes the port,
    #: which would otherwise cut its own answer off)
    after: Callable[[], None] | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: EtimsSandbox

    def server_activate(self) -> None:
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every kept-alive connection (a closed port keeps none open)."""
        with self._connections_lock:
            open_now = list(self.open_connections)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server_version = "EtimsSandbox/1.0"
    #: HTTP/1.1 keeps connections alive between calls, as KRA's servers do: a client
    #: then pays for one connect per session, not per invoice
    protocol_version = "HTTP/1.1"
    #: headers and body go in two writes: with Nagle on, a kept-alive client waits for
    #: its delayed ACK (40 ms a call on Linux) before the body comes
    disable_nagle_algorithm = True
    server: _Server

    def _go(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.box.handle(method, self.path, headers, raw)
        if reply.body is None:
            self.close_connection = True
            return
        if isinstance(reply.body, str):
            payload, kind = reply.body.encode(), "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(reply.body, default=_num).encode(), "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            log.debug("eTIMS sandbox: client left before the answer to %s", self.path)
        if reply.after is not None:
            self.close_connection = True
            reply.after()

    def do_GET(self) -> None:
        self._go("GET")

    def do_POST(self) -> None:
        self._go("POST")

    def do_PUT(self) -> None:
        self._go("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("eTIMS sandbox: " + format, *args)


def _num(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


class EtimsSandbox:
    """A local OSCU. ``with EtimsSandbox() as box: box.base_url``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        devices: list[tuple[str, str, str]] | None = None,
        device_branch_01: bool = False,
        clock: Callable[[], datetime] | None = None,
        settings: Settings | None = None,
    ) -> None:
        if devices is None:
            devices = (
                [(DEMO_TIN, "01", DEMO_SERIAL)]
                if device_branch_01
                else [(DEMO_TIN, "00", DEMO_SERIAL), (DEMO_TIN, "01", DEMO_SERIAL_01)]
            )
        self.devices: dict[tuple[str, str, str], Device] = {
            (t, b, s): Device(t, b, s) for t, b, s in devices
        }
        self.settings = settings or Settings()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.activated = 0
        self.down: tuple[datetime, datetime] | None = None
        self.api = Api(self)
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._release = threading.Event()
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._reopen: threading.Timer | None = None
        self.requests = 0
        #: API calls by endpoint (tests check what was sent, and what was not)
        self.calls: Counter[str] = Counter()

    # -- life ------------------------------------------------------------------------
    def start(self) -> EtimsSandbox:
        self._server = _Server((self._host, self._port), _Handler)
        self._server.box = self
        self._port = self._server.server_address[1]
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._reopen is not None:
            self._reopen.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> EtimsSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}{API_PREFIX.rstrip('/')}"

    @property
    def verify_host(self) -> str:
        return f"http://{self._host}:{self._port}"

    # -- faults ----------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._release.clear()
            self._faults.append(fault)

    def release(self) -> None:
        """End every hang now."""
        self._release.set()

    def refuse(self, seconds: float | None = None) -> None:
        """Close the port (connection refused); reopen after ``seconds`` if given."""
        if self._server is not None:
            self._server.drop_connections()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if seconds is not None:
            self._reopen = threading.Timer(seconds, self.start)
            self._reopen.daemon = True
            self._reopen.start()

    def accept(self) -> None:
        """Open the port again after :meth:`refuse`."""
        if self._server is None:
            self.start()

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or fault.path == endpoint:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- requests --------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        path = urlsplit(target).path
        if path.startswith(CONTROL_PREFIX):
            from sync.etims.sandbox.control import handle_control

            return handle_control(self, method, target, raw)
        if path == VERIFY_PATH:
            from sync.etims.sandbox.control import verification_page

            return verification_page(self, parse_qs(urlsplit(target).query).get("Data", [""])[0])
        self.requests += 1
        now = self.clock()
        if self.down is not None and self.down[0] <= now < self.down[1]:
            return Reply(
                503,
                ERROR_PAGE.format(
                    status="503 Service Unavailable", text="eTIMS is down for maintenance."
                ),
            )
        endpoint = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else ""
        with self._lock:
            self.calls[endpoint] += 1
        fault = self._take_fault(endpoint)
        if self.settings.latency_s:
            time.sleep(self.settings.latency_s)
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault.kind == "code":
                return Reply(200, envelope(fault.code, "Simulated failure", now))
            elif fault.kind == "html":
                return Reply(502, ERROR_PAGE.format(status="502 Bad Gateway", text="nginx"))
            elif fault.kind == "forbidden":  # a gateway in front of KRA refusing the caller
                return Reply(403, ERROR_PAGE.format(status="403 Forbidden", text="gateway"))
            elif fault.kind in ("hang", "drop"):
                if fault.record:
                    self._api(method, endpoint, headers, raw, now)
                if fault.kind == "hang":
                    self._release.wait(fault.seconds)
                return Reply(200, None)
        return self._api(method, endpoint, headers, raw, now)

    def _api(
        self, method: str, endpoint: str, headers: dict[str, str], raw: bytes, now: datetime
    ) -> Reply:
        if method != "POST":
            return Reply(405, envelope("895", "Request method not allowed", now))
        routes = _ROUTES
        if endpoint not in routes and endpoint != "selectInitOsdcInfo":
            return Reply(200, envelope("912", "Request method error (no such path)", now))
        if not raw.strip():
            return Reply(200, envelope("911", "No request body", now))
        try:
            body = json.loads(raw, parse_float=Decimal)
        except ValueError:
            return Reply(200, envelope("910", "Invalid request body: not JSON", now))
        if not isinstance(body, dict):
            return Reply(200, envelope("910", "Invalid request body: not an object", now))
        token = self.settings.bearer_token
        if token and headers.get("authorization") != f"Bearer {token}":
            return Reply(401, envelope("900", "Bearer token missing or wrong", now))
        with self._lock:
            try:
                if endpoint == "selectInitOsdcInfo":
                    return Reply(200, self.api.init(body, now))
                device = self._device(headers, body)
                if isinstance(device, str):
                    return Reply(
                        200,
                        envelope(
                            device,
                            "Header information is missing"
                            if device == "900"
                            else "This is not a valid device",
                            now,
                        ),
                    )
                return Reply(200, routes[endpoint](self.api, device, body, now))
            except Invalid as exc:
                return Reply(200, envelope(exc.code, str(exc), now))

    def _device(self, headers: dict[str, str], body: dict[str, Any]) -> Device | str:
        values = {}
        for name in ("tin", "bhfId", "cmcKey"):
            values[name] = headers.get(name.lower()) or body.get(name)
        if not all(values.values()):
            return "900"
        for device in self.devices.values():
            if (device.tin, device.bhf_id) == (values["tin"], values["bhfId"]) and (
                device.cmc_key is not None and device.cmc_key == values["cmcKey"]
            ):
                return device
        return "901"

    def device(self, bhf_id: str = "00", tin: str | None = None) -> Device:
        """The (first) device of a branch, for tests and the control API. Without ``tin``:
        the demo taxpayer's when it has that branch, else the one taxpayer's that has it
        (a simulator started with ``--device`` for another PIN); several: name the PIN."""
        found = [d for d in self.devices.values() if d.bhf_id == bhf_id]
        if tin is not None:
            found = [d for d in found if d.tin == tin]
        elif any(d.tin == DEMO_TIN for d in found):
            found = [d for d in found if d.tin == DEMO_TIN]
        elif len({d.tin for d in found}) > 1:
            pins = ", ".join(sorted({d.tin for d in found}))
            raise KeyError(f"branch {bhf_id} has devices of several PINs ({pins}): give tin")
        if not found:
            raise KeyError(f"no device for {tin or 'any PIN'}/{bhf_id}")
        return found[0]


_ROUTES: dict[str, Callable[[Api, Device, dict[str, Any], datetime], dict[str, Any]]] = {
    "selectCodeList": lambda a, d, b, n: a.select_codes(b, n),
    "selectItemClsList": lambda a, d, b, n: a.select_item_classes(b, n),
    "selectNoticeList": lambda a, d, b, n: a.select_notices(b, n),
    "selectBhfList": Api.select_branches,
    "selectCustomer": lambda a, d, b, n: envelope("001", "There is no search result", n),
    "saveItem": Api.save_item,
    "selectItemList": Api.select_items,
    "saveTrnsSalesOsdc": Api.save_sale,
    "selectInvoiceDetails": Api.invoice_details,
    "insertStockIO": Api.stock_io,
    "saveStockMaster": Api.stock_master,
}
#: the API paths a fault may be bound to
ENDPOINTS = ("selectInitOsdcInfo", *_ROUTES)
