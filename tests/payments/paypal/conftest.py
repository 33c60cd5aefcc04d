"""Fixtures for the PayPal tests: a live sandbox on 127.0.0.1, a client and a method on it,
a tiny HTTP listener (webhook / IPN counterpart), and an OpenAPI contract checker.

Every server here listens on an ephemeral port and is stopped by its fixture.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from pos.domain.money import Money
from pos.payments.base import PaymentRequest
from pos.payments.paypal.client import PayPalClient, PayPalConfig
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, PayPalSandbox
from pos.payments.paypal.sandbox_control import SandboxCustomer

SPEC_DIR = Path(__file__).resolve().parent / "openapi"
SPEC_FILES = {
    "orders": "checkout_orders_v2.json",
    "payments": "payments_payment_v2.json",
    "webhooks": "notifications_webhooks_v1.json",
}


# -- sandbox, client, method ------------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[PayPalSandbox]:
    box = PayPalSandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def config(sandbox: PayPalSandbox) -> PayPalConfig:
    """Fast settings: short read timeout, tiny backoff, so failure tests stay quick."""
    return PayPalConfig(
        base_url=sandbox.base_url,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        brand_name="Kaunta Demo Duka",
        read_timeout=2.0,
        backoff=0.01,
    )


@pytest.fixture
def client(config: PayPalConfig) -> PayPalClient:
    return PayPalClient(config)


@pytest.fixture
def method(client: PayPalClient) -> PayPalMethod:
    return PayPalMethod(client)


@pytest.fixture
def customer(sandbox: PayPalSandbox) -> SandboxCustomer:
    """The simulated customer, over the sandbox's HTTP control paths."""
    return SandboxCustomer(sandbox.base_url)


@pytest.fixture
def make_method(config: PayPalConfig) -> Callable[..., PayPalMethod]:
    """A method with some config fields changed (timeouts, retries)."""

    def build(**changes: Any) -> PayPalMethod:
        return PayPalMethod(PayPalClient(replace(config, **changes)))

    return build


@pytest.fixture
def new_request() -> Callable[..., PaymentRequest]:
    """A payment request with a fresh attempt id (the idempotency key)."""

    def build(
        minor: int = 1250, currency: str = "USD", reference: str = "DEMO-T1-000042"
    ) -> PaymentRequest:
        return PaymentRequest(
            attempt_id=str(uuid.uuid4()),
            sale_id=str(uuid.uuid4()),
            amount=Money(minor, currency),
            reference=reference,
            description="Kaunta sale",
        )

    return build


# -- a tiny HTTP counterpart (webhook listener, fake IPN endpoint) ------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Listener:
    """Records every request; answers ``status`` with ``body``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def listener() -> Iterator[Listener]:
    state = Listener()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(
                Received("POST", self.path, {k: v for k, v in self.headers.items()}, body)
            )
            self.send_response(state.status)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)
            state.arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- OpenAPI contract checking ----------------------------------------------------------------


class Contract:
    """Validates bodies against PayPal's OpenAPI files with jsonschema.

    ``#/components/schemas/...`` references resolve inside each spec (a referencing
    registry, one resource per file). On top of the schemas, :meth:`unknown_fields` lists
    properties the spec does not define anywhere on the way (through ``allOf``/``anyOf``/
    ``oneOf``): the spec never says ``additionalProperties: false``, so without this a
    misspelled field (``experiance_context``) would pass unnoticed.
    """

    def __init__(self) -> None:
        self.specs: dict[str, dict[str, Any]] = {
            name: json.loads((SPEC_DIR / file).read_text(encoding="utf-8"))
            for name, file in SPEC_FILES.items()
        }
        self.registry: Registry[Any] = Registry().with_resources(
            (f"urn:paypal:{name}", Resource.from_contents(spec, default_specification=DRAFT4))
            for name, spec in self.specs.items()
        )

    # -- schema lookup ---------------------------------------------------------------
    def schema(self, spec: str, name: str) -> dict[str, Any]:
        return {"$ref": f"urn:paypal:{spec}#/components/schemas/{name}"}

    def _operation(self, spec: str, path: str, method: str) -> dict[str, Any]:
        return self.specs[spec]["paths"][path][method.lower()]  # type: ignore[no-any-return]

    def response_schema(self, spec: str, path: str, method: str, status: int) -> dict[str, Any]:
        responses = self._operation(spec, path, method)["responses"]
        answer = responses.get(str(status)) or responses["default"]
        if "$ref" in answer:  # "#/components/responses/default"
            answer = self._resolve(spec, answer["$ref"])
        return self._rebase(spec, answer["content"]["application/json"]["schema"])

    def request_schema(self, spec: str, path: str, method: str) -> dict[str, Any]:
        body = self._operation(spec, path, method)["requestBody"]
        return self._rebase(spec, body["content"]["application/json"]["schema"])

    def _resolve(self, spec: str, ref: str) -> dict[str, Any]:
        node: Any = self.specs[spec]
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node  # type: ignore[no-any-return]

    def _rebase(self, spec: str, schema: Any) -> Any:
        """Point local ``#/...`` refs of an inline schema at the spec's registry entry."""
        if isinstance(schema, dict):
            return {
                k: (
                    f"urn:paypal:{spec}{v}"
                    if k == "$ref" and v.startswith("#")
                    else self._rebase(spec, v)
                )
                for k, v in schema.items()
            }
        if isinstance(schema, list):
            return [self._rebase(spec, v) for v in schema]
        return schema

    # -- checking ------------------------------------------------------------------------
    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        validator = jsonschema.Draft4Validator(
            schema,
            registry=self.registry,
            format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
        )
        found = [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in validator.iter_errors(instance)
        ]
        return found + [
            f"{p}: not defined by the spec" for p in self.unknown_fields(schema, instance)
        ]

    def check(self, schema: dict[str, Any], instance: Any) -> None:
        problems = self.errors(schema, instance)
        assert not problems, "contract violations:\n  " + "\n  ".join(problems)

    # -- unknown fields ----------------------------------------------------------------
    def _parts(self, schema: Any, resolver: Any) -> list[tuple[dict[str, Any], Any]]:
        """The schema and everything it composes, dereferenced, each with the resolver
        that knows its spec (nested ``#/...`` refs are relative to that file)."""
        while isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict):
            return []
        found = [(schema, resolver)]
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(key, []):
                found.extend(self._parts(sub, resolver))
        return found

    def unknown_fields(self, schema: Any, instance: Any) -> list[str]:
        return self._unknown([(schema, self.registry.resolver())], instance, "")

    def _unknown(self, schemas: list[tuple[Any, Any]], instance: Any, path: str) -> list[str]:
        parts = [part for schema, resolver in schemas for part in self._parts(schema, resolver)]
        unknown: list[str] = []
        if isinstance(instance, dict):
            if any(p.get("additionalProperties") not in (None, False) for p, _ in parts):
                return []  # explicitly open (e.g. a webhook's resource)
            properties: dict[str, list[tuple[Any, Any]]] = {}
            for part, resolver in parts:
                for name, sub in part.get("properties", {}).items():
                    properties.setdefault(name, []).append((sub, resolver))
            if not properties:
                return []
            for key, value in instance.items():
                if key not in properties:
                    unknown.append(f"{path}/{key}")
                else:
                    unknown.extend(self._unknown(properties[key], value, f"{path}/{key}"))
        elif isinstance(instance, list):
            items = [(p["items"], resolver) for p, resolver in parts if "items" in p]
            if items:
                for index, value in enumerate(instance):
                    unknown.extend(self._unknown(items, value, f"{path}/{index}"))
        return unknown


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()
