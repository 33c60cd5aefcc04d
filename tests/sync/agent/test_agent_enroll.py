"""Enrollment: the one-time code gives the till its identity and token, kept in the secret
store (the OS keyring in the app; memory here); bad input is refused before any call, and
a refused code stores nothing. TLS verification cannot be turned off."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos.secrets import MemorySecrets
from sync.agent import ClientSettings, HeadOfficeClient, RequestRefused, TransientError
from sync.agent.enroll import EnrollmentError, enroll, forget, load
from tests.sync.agent.headoffice import HeadOffice


def test_enrollment_keeps_identity_and_token_in_the_secret_store(
    ho: HeadOffice, ho_url: str
) -> None:
    ho.codes["ABCD-1234"] = ("S1", "T7", "secret-token")
    secrets = MemorySecrets()
    creds = enroll(ho_url + "/", " ABCD-1234 ", "Till 7", secrets)
    assert (creds.url, creds.store_id, creds.terminal_id) == (ho_url, "S1", "T7")
    assert "secret-token" not in repr(creds)
    assert load(secrets) == creds
    forget(secrets)
    assert load(secrets) is None


def test_a_used_or_wrong_code_is_refused_with_the_head_offices_message_and_nothing_kept(
    ho: HeadOffice, ho_url: str
) -> None:
    secrets = MemorySecrets()
    with pytest.raises(RequestRefused, match="Unknown code") as refused:
        enroll(ho_url, "WXYZ-0000", "Till 1", secrets)
    assert refused.value.code == "bad_code"
    assert load(secrets) is None


@pytest.mark.parametrize(
    ("url", "code", "name", "says"),
    [
        ("ftp://ho.example.com", "ABCD-1234", "Till", "not a web address"),
        ("http://ho.example.com", "ABCD-1234", "Till", "must start with https://"),
        ("https://ho.example.com", "a b", "Till", "enrollment code"),
        ("https://ho.example.com", "ABCD-1234", "  ", "name"),
    ],
)
def test_bad_enrollment_input_is_refused_before_any_call(
    url: str, code: str, name: str, says: str
) -> None:
    with pytest.raises(EnrollmentError, match=says):
        enroll(url, code, name, MemorySecrets())


def test_an_unreachable_head_office_is_a_transient_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError, match="cannot be reached"):
        enroll(f"http://127.0.0.1:{port}", "ABCD-1234", "Till", MemorySecrets())


def test_a_missing_private_ca_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CA bundle"):
        HeadOfficeClient(ClientSettings("https://ho.example.com", tmp_path / "none.pem"))


def test_an_untrusted_certificate_is_refused_not_ignored(tmp_path: Path) -> None:
    """TLS is always verified: a server whose certificate no configured CA signed fails
    (here: a TLS server on 127.0.0.1 with a self-signed certificate)."""
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(TransientError, match="certificate was not accepted"):
            enroll(url, "ABCD-1234", "Till", MemorySecrets())
        # trusting the private CA (here the self-signed cert itself) gets past TLS
        with pytest.raises(TransientError, match=r"not JSON|incomplete"):
            enroll(url, "ABCD-1234", "Till", MemorySecrets(), ca_bundle=cert)
    finally:
        server.shutdown()
        server.server_close()
