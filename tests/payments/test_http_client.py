"""HttpClient over real HTTP on 127.0.0.1: retries only where the caller marked the call safe,
pooled keep-alive connections, several threads at once, close() that never waits, proxies
from the environment, no cookies, no redirects, nothing secret in the log."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3

from pos.payments.base import GatewayUnavailable
from pos.payments.http import RETRY_STATUSES, HttpClient, HttpSettings, retry_policy
from pos.payments.scrubbing import mask_phones


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    port: int  # the client's port: one per TCP connection


class Gateway:
    """An HTTP/1.1 server (keep-alive) whose paths each behave one way:

    ``/ok/<tag>`` answers 200 with the tag; ``/flaky/<id>`` answers 503 the first time an id
    is seen and 200 after; ``/status/<code>`` answers that status; ``/drop`` reads the
    request and closes the connection without answering; ``/hang`` waits for
    :meth:`release`, then closes; ``/cookie`` sets a cookie; ``/redirect`` answers 302.
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._flaky: set[str] = set()
        self.hanging = threading.Event()
        self._release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, body: bytes, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with gateway._lock:
                    gateway.seen.append(
                        Seen(self.command, self.path, dict(self.headers), self.client_address[1])
                    )
                parts = self.path.strip("/").split("/")
                match parts:
                    case ["ok", tag]:
                        self._answer(200, tag.encode())
                    case ["flaky", call_id]:
                        with gateway._lock:
                            first = call_id not in gateway._flaky
                            gateway._flaky.add(call_id)
                        self._answer(503 if first else 200, call_id.encode())
                    case ["status", code]:
                        self._answer(int(code), b"{}")
                    case ["drop"]:
                        self.close_connection = True
                    case ["hang"]:
                        gateway.hanging.set()
                        gateway._release.wait(10)
                        self.close_connection = True
                    case ["cookie"]:
                        self._answer(200, b"", Set_Cookie="session=abc; Path=/")
                    case ["redirect"]:
                        self._answer(302, b"", Location="/ok/redirected")
                    case _:
                        self._answer(404, b"")

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.path == path)

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    try:
        yield server
    finally:
        server.stop()


def make_client(url: str, **settings: Any) -> HttpClient:
    settings.setdefault("read_timeout", 3.0)
    settings.setdefault("backoff", 0.01)
    return HttpClient(HttpSettings(url, **settings), "test", mask_phones)


# -- retries only where safe -----------------------------------------------------------------


def test_a_lost_answer_is_sent_again_only_for_a_call_marked_safe(gateway: Gateway) -> None:
    http = make_client(gateway.url, retries=2)
    with pytest.raises(GatewayUnavailable, match="could not be reached"):
        http.request("POST", "/drop", safe_to_repeat=False, json={"a": 1})
    assert gateway.count("/drop") == 1  # the outcome is unknown: never sent twice
    with pytest.raises(GatewayUnavailable):
        http.request("POST", "/drop", safe_to_repeat=True, json={"a": 1})
    assert gateway.count("/drop") == 1 + 3


@pytest.mark.parametrize("status", sorted(RETRY_STATUSES))
def test_retryable_statuses_are_retried_only_for_safe_calls(gateway: Gateway, status: int) -> None:
    http = make_client(gateway.url, retries=2)
    path = f"/status/{status}"
    assert http.request("POST", path, safe_to_repeat=False).status_code == status
    assert gateway.count(path) == 1
    assert http.request("POST", path, safe_to_repeat=True).status_code == status  # the last
    assert gateway.count(path) == 1 + 3


def test_a_500_is_an_answer_and_is_not_retried(gateway: Gateway) -> None:
    http = make_client(gateway.url, retries=2)
    assert http.request("GET", "/status/500", safe_to_repeat=True).status_code == 500
    assert gateway.count("/status/500") == 1


def test_a_safe_call_that_succeeds_on_its_retry_returns_the_success(gateway: Gateway) -> None:
    http = make_client(gateway.url, retries=1)
    response = http.request("POST", "/flaky/abc", safe_to_repeat=True)
    assert (response.status_code, response.text) == (200, "abc")
    assert gateway.count("/flaky/abc") == 2


def test_a_connection_never_made_is_retried_even_for_an_unsafe_call() -> None:
    """Refused, unreachable or timed out while connecting: nothing was sent, so trying again
    is safe for any call; a lost answer is not (urllib3's Retry, as configured)."""
    settings = HttpSettings("http://127.0.0.1:9", retries=2)
    once = retry_policy(settings, safe_to_repeat=False)
    refused = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    again = once.increment("POST", "/push", error=refused)
    assert again.connect == 1
    lost = urllib3.exceptions.ReadTimeoutError(None, "/push", "read timed out")  # type: ignore[arg-type]
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        once.increment("POST", "/push", error=lost)
    safe = retry_policy(settings, safe_to_repeat=True)
    assert safe.increment("POST", "/query", error=lost).read == 1


def test_an_unused_port_is_unavailable_after_the_connect_retries() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(GatewayUnavailable, match="could not be reached"):
        make_client(url, retries=1).request("POST", "/push", safe_to_repeat=False)


def test_read_timeouts_after_the_retries_say_the_gateway_did_not_answer(
    gateway: Gateway,
) -> None:
    http = make_client(gateway.url, retries=1, read_timeout=0.2)
    with pytest.raises(GatewayUnavailable, match="did not answer in time"):
        http.request("GET", "/hang", safe_to_repeat=True)
    assert gateway.count("/hang") == 2


def test_the_safety_mark_never_reaches_the_gateway(gateway: Gateway) -> None:
    http = make_client(gateway.url)
    http.request("GET", "/ok/a", safe_to_repeat=True, headers={"X-Custom": "kept"})
    [seen] = gateway.seen
    assert seen.headers["X-Custom"] == "kept"
    assert not [name for name in seen.headers if name.lower().startswith("x-kaunta")]


# -- one session, pooled, shared by threads --------------------------------------------------


def test_calls_reuse_one_pooled_keep_alive_connection(gateway: Gateway) -> None:
    http = make_client(gateway.url)
    for i in range(5):
        assert http.request("GET", f"/ok/{i}", safe_to_repeat=True).text == str(i)
    http.request("POST", "/ok/push", safe_to_repeat=False)
    assert len(gateway.seen) == 6
    # one connection for the repeatable calls, one for the call sent once
    assert len({s.port for s in gateway.seen}) == 2


def test_threads_sharing_a_client_each_get_their_own_answers_and_rules(
    gateway: Gateway,
) -> None:
    http = make_client(gateway.url, retries=1)
    problems: list[str] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        start.wait()
        for i in range(15):
            call_id = f"t{n}-{i}"
            safe = (n + i) % 2 == 0
            response = http.request("POST", f"/flaky/{call_id}", safe_to_repeat=safe)
            expected = 200 if safe else 503
            if (response.status_code, response.text) != (expected, call_id):
                problems.append(f"{call_id}: {response.status_code} {response.text}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert problems == []
    for n in range(4):
        for i in range(15):
            assert gateway.count(f"/flaky/t{n}-{i}") == (2 if (n + i) % 2 == 0 else 1)


def test_close_does_not_wait_for_a_call_in_flight_and_refuses_new_calls(
    gateway: Gateway,
) -> None:
    http = make_client(gateway.url, read_timeout=10)
    outcome: list[BaseException] = []

    def hanging_call() -> None:
        try:
            http.request("POST", "/hang", safe_to_repeat=False)
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=hanging_call)
    caller.start()
    assert gateway.hanging.wait(5)
    closer = threading.Thread(target=http.close)
    closer.start()
    closer.join(5)
    assert not closer.is_alive()  # close() returned ...
    assert caller.is_alive()  # ... while the call was still waiting for its answer
    assert http.closed
    with pytest.raises(GatewayUnavailable, match="closing"):
        http.request("GET", "/ok/late", safe_to_repeat=True)
    assert gateway.count("/ok/late") == 0
    gateway.release()
    caller.join(5)
    assert [type(e) for e in outcome] == [GatewayUnavailable]


# -- what requests does for us ---------------------------------------------------------------


def test_proxies_come_from_the_environment(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", gateway.url)  # the test server plays the proxy
    # plain http is allowed to this machine only; nothing listens on 127.0.0.2:8080
    http = make_client("http://127.0.0.2:8080")
    response = http.request("GET", "/ok/viaproxy", safe_to_repeat=True)
    assert response.status_code == 404  # the proxy was asked for the absolute URL
    [seen] = gateway.seen
    assert seen.path == "http://127.0.0.2:8080/ok/viaproxy"


def test_cookies_are_never_kept(gateway: Gateway) -> None:
    http = make_client(gateway.url)
    http.request("GET", "/cookie", safe_to_repeat=True)
    http.request("GET", "/ok/next", safe_to_repeat=True)
    assert "Cookie" not in gateway.seen[-1].headers


def test_redirects_are_returned_not_followed(gateway: Gateway) -> None:
    response = make_client(gateway.url).request("GET", "/redirect", safe_to_repeat=True)
    assert response.status_code == 302
    assert gateway.count("/ok/redirected") == 0


def test_nothing_secret_reaches_any_log_even_at_debug(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    secret = "Bearer-sekret-token-123456789"
    http = make_client(gateway.url, retries=1)
    http.request(
        "POST",
        "/status/503",
        safe_to_repeat=True,
        headers={"Authorization": f"Bearer {secret}"},
        json={"PhoneNumber": "254712345678", "Password": secret},
    )
    with pytest.raises(GatewayUnavailable):
        http.request("POST", "/drop", safe_to_repeat=True, json={"PhoneNumber": "0712345678"})
    logged = caplog.text
    assert "/status/503" in logged  # the calls were logged ...
    for leak in (secret, "254712345678", "0712345678"):
        assert leak not in logged  # ... without their secrets or the payer's number
