"""The HTTP face of the PayPal sandbox: a threading server and one handler per request."""

from __future__ import annotations

import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from pos.payments.paypal.sandbox.errors import ApiError
from pos.payments.paypal.sandbox.model import Request

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["Handler", "Server"]

log = logging.getLogger(__name__)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: PayPalSandbox


class Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "KauntaPayPalSandbox/1.0"

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        split = urllib.parse.urlsplit(self.path)
        request = Request(
            self.command,
            self.path,
            urllib.parse.parse_qs(split.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        try:
            response = self.server.sandbox._handle(request)
        except Exception:  # a sandbox bug must still answer, as PayPal would: 500
            log.exception("PayPal sandbox failed on %s %s", self.command, split.path)
            response = ApiError(500).response()
        try:
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up (timeout); PayPal would not notice either

    do_GET = _serve
    do_POST = _serve
    do_PATCH = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("paypal sandbox: " + format, *args)
