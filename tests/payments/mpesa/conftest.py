"""Fixtures for the M-Pesa tests: a real sandbox and a real callback receiver, both on
127.0.0.1 with ephemeral ports and always stopped, plus factories for configs, clients and
methods pointed at them. Nothing here mocks the code under test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptRef, PaymentMethod, PaymentRequest, PaymentResult
from pos.payments.mpesa.client import DarajaClient, DarajaConfig
from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    MpesaSandbox,
)

#: The customer's phone in these tests, as the cashier types it and as Daraja wants it.
TYPED_PHONE = "0712 345 678"
MSISDN = "254712345678"


@dataclass(frozen=True)
class Received:
    """One request the callback receiver got."""

    path: str
    content_type: str
    body: bytes


class CallbackReceiver:
    """A tiny HTTP server standing in for the head office's callback endpoint."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._cond:
                    receiver.received.append(
                        Received(self.path, self.headers.get("Content-Type", ""), body)
                    )
                    receiver._cond.notify_all()
                payload = b'{"ResultCode": 0, "ResultDesc": "Accepted"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2.0)


class StepClock:
    """A clock that moves only when told to (timezone-aware UTC)."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    """A running sandbox with short customer delays; the customer waits for decide().
    Callbacks may go to the plain-http receiver on 127.0.0.1 (local_callbacks)."""
    box = MpesaSandbox(prompt_timeout=0.3, slow_delay=0.3, local_callbacks=True).start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., MpesaSandbox]]:
    """Start extra sandboxes with custom settings; all are stopped at the end."""
    started: list[MpesaSandbox] = []

    def make(**kwargs: Any) -> MpesaSandbox:
        kwargs.setdefault("prompt_timeout", 0.3)
        kwargs.setdefault("slow_delay", 0.3)
        kwargs.setdefault("local_callbacks", True)
        box = MpesaSandbox(**kwargs).start()
        started.append(box)
        return box

    try:
        yield make
    finally:
        for box in started:
            box.stop()


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    rec = CallbackReceiver()
    try:
        yield rec
    finally:
        rec.stop()


@pytest.fixture
def make_config(sandbox: MpesaSandbox, receiver: CallbackReceiver) -> Callable[..., DarajaConfig]:
    """A config for the demo credentials against ``sandbox`` (overridable per field)."""

    def make(box: MpesaSandbox | None = None, **changes: Any) -> DarajaConfig:
        config = DarajaConfig(
            base_url=(box or sandbox).base_url,
            consumer_key=DEMO_CONSUMER_KEY,
            consumer_secret=DEMO_CONSUMER_SECRET,
            shortcode=DEMO_SHORTCODE,
            passkey=DEMO_PASSKEY,
            callback_url=receiver.url + "/mpesa/callback/{attempt_id}",
            connect_timeout=1.0,
            read_timeout=2.0,
            backoff=0.01,
        )
        return replace(config, **changes)

    return make


@pytest.fixture
def make_method(make_config: Callable[..., DarajaConfig]) -> Callable[..., MpesaMethod]:
    def make(
        box: MpesaSandbox | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        max_kes: int = 250_000,
        **changes: Any,
    ) -> MpesaMethod:
        config = make_config(box, **changes)
        client = DarajaClient(config, clock=clock) if clock else DarajaClient(config)
        return MpesaMethod(client, max_kes=max_kes)

    return make


@pytest.fixture
def method(make_method: Callable[..., MpesaMethod]) -> MpesaMethod:
    return make_method()


def make_request(
    amount_kes: int = 100, phone: str | None = TYPED_PHONE, attempt: str = "att-1"
) -> PaymentRequest:
    return PaymentRequest(
        attempt_id=attempt,
        sale_id="sale-1",
        amount=Money(amount_kes * 100, "KES"),
        reference="DUKA-T1-42",
        description="Groceries",
        phone=phone,
    )


def ref_for(request: PaymentRequest, result: PaymentResult, **details: str) -> AttemptRef:
    """What the service would store after ``start``: the attempt plus the gateway ref."""
    return AttemptRef(
        attempt_id=request.attempt_id,
        sale_id=request.sale_id,
        amount=request.amount,
        gateway_ref=result.gateway_ref,
        phone=MSISDN,
        details=details,
    )


def wait_final(method: PaymentMethod, ref: AttemptRef, timeout: float = 5.0) -> PaymentResult:
    """Poll ``status`` as the till does, until the attempt is final (or time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        result = method.status(ref)
        if result.state.final or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


@pytest.fixture
def helpers() -> Any:
    """The module-level helpers above, for test modules (conftest is not importable)."""

    class Helpers:
        request = staticmethod(make_request)
        ref = staticmethod(ref_for)
        final = staticmethod(wait_final)
        typed_phone = TYPED_PHONE
        msisdn = MSISDN

        @staticmethod
        def callback_json(received: Received) -> Any:
            return json.loads(received.body)

    return Helpers
