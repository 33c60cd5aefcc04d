"""TLS verification is always on for the gateway HTTP path (real HTTPS on 127.0.0.1): the
default CA bundle refuses a self-signed server; ``REQUESTS_CA_BUNDLE`` or the configured
``ca_bundle`` can trust it; nothing turns verification off."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from pos.payments.base import GatewayUnavailable
from pos.payments.http import HttpClient, HttpSettings
from pos.payments.scrubbing import mask_phones


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, key = self_signed(tmp_path)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


def client(
    url: str, *, ca_bundle: str | None = None, session: requests.Session | None = None
) -> HttpClient:
    return HttpClient(
        HttpSettings(url, read_timeout=3, retries=0, ca_bundle=ca_bundle),
        "test",
        mask_phones,
        session=session,
    )


def test_an_untrusted_certificate_is_refused_by_default(https: tuple[str, Path]) -> None:
    url, _cert = https
    with pytest.raises(GatewayUnavailable, match="TLS certificate was not accepted"):
        client(url).request("GET", "/", safe_to_repeat=True)


def test_a_trusted_ca_bundle_is_accepted(
    https: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    response = client(url).request("GET", "/", safe_to_repeat=True)
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_the_configured_ca_bundle_is_trusted_over_the_environment(
    https: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    response = client(url, ca_bundle=str(cert)).request("GET", "/", safe_to_repeat=True)
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_a_session_with_verification_off_is_verified_all_the_same(
    https: tuple[str, Path],
) -> None:
    url, _cert = https
    careless = requests.Session()
    careless.verify = False
    with pytest.raises(GatewayUnavailable, match="TLS certificate was not accepted"):
        client(url, session=careless).request("GET", "/", safe_to_repeat=True)


def test_a_ca_bundle_that_cannot_be_read_is_unavailable_with_a_reason(
    https: tuple[str, Path], tmp_path: Path
) -> None:
    url, _cert = https
    with pytest.raises(GatewayUnavailable, match="CA bundle could not be read"):
        client(url, ca_bundle=str(tmp_path / "missing.pem")).request(
            "GET", "/", safe_to_repeat=True
        )
