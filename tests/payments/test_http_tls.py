"""TLS verification is on by default on the gateway HTTP path (real HTTPS on 127.0.0.1)."""

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
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from pos.payments.base import GatewayUnavailable, mask_digits
from pos.payments.http import HttpClient, HttpSettings


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


def client(url: str, *, verify: bool = True) -> HttpClient:
    return HttpClient(
        HttpSettings(url, read_timeout=3, retries=0, verify_tls=verify), "test", mask_digits
    )


def test_an_untrusted_certificate_is_refused_by_default(https: tuple[str, Path]) -> None:
    url, _cert = https
    with pytest.raises(GatewayUnavailable, match="request failed"):
        client(url).request("GET", "/", safe_to_repeat=True)


def test_a_trusted_ca_bundle_is_accepted(
    https: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    response = client(url).request("GET", "/", safe_to_repeat=True)
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_verification_off_only_when_configured(https: tuple[str, Path]) -> None:
    url, _cert = https
    response = client(url, verify=False).request("GET", "/", safe_to_repeat=True)
    assert response.status_code == 200
