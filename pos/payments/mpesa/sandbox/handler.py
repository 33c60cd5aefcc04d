"""The HTTP face of the M-Pesa sandbox: one handler thread per request, JSON or HTML out."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from pos.payments.mpesa.sandbox.control import CONTROL_PREFIX
from pos.payments.mpesa.sandbox.wire import Reply

if TYPE_CHECKING:
    from pos.payments.mpesa.sandbox.server import MpesaSandbox

__all__ = ["Handler"]

log = logging.getLogger(__name__)


class Handler(BaseHTTPRequestHandler):
    server_version = "MpesaSandbox/1.0"

    def _sandbox(self) -> MpesaSandbox:
        sandbox: MpesaSandbox = self.server.sandbox  # type: ignore[attr-defined]
        return sandbox

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        raw = self._body()
        sandbox = self._sandbox()
        if self.path.startswith(CONTROL_PREFIX):
            reply = sandbox.handle_control(self.path, method, raw)
        else:
            headers = {k: v for k, v in self.headers.items()}
            reply = sandbox.handle_api(self.path, method, headers, raw)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, str):
            payload, kind = reply.body.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(reply.body).encode("utf-8"), "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (read timeout): nothing to answer to
            log.debug("M-Pesa sandbox: client left before the answer to %s", self.path)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("M-Pesa sandbox: " + format, *args)
