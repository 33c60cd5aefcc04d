"""The HTTP plumbing every gateway client shares: one ``requests.Session`` per gateway.

- A configurable base URL (production, the gateway's sandbox, or a local simulator).
- Separate connect and read timeouts on every call (from the settings), so a dead network
  costs seconds, not minutes.
- Pooled keep-alive connections: ``requests``' ``HTTPAdapter`` (``pool_connections``,
  ``pool_maxsize``) mounted on the session; it never blocks waiting for a free connection.
- Retries through urllib3's ``Retry``, **only where repeating is safe**:

  * a connection that could not be made (refused, unreachable, connect timeout) is always
    tried again: the request never left the till;
  * a lost answer (read timeout, connection dropped) and the statuses in
    :data:`RETRY_STATUSES` are tried again only for calls the caller marks
    ``safe_to_repeat``: reads, and writes the gateway de-duplicates by an idempotency key
    (PayPal-Request-Id). A write without one is sent once; if its answer is lost the outcome
    is unknown and the caller resolves it by asking (query / GET).

  Each marking gets its own urllib3 ``Retry`` and its own pooled ``HTTPAdapter``; a small
  adapter on the session sends each request through the one its marking names. The marking
  travels with the request itself (a header that is removed before anything is sent), so
  calls from several threads never see each other's rules.
- TLS verification always on: ``requests``' CA bundle (certifi), ``REQUESTS_CA_BUNDLE``
  when set, or the configured ``ca_bundle`` path. A base URL must be ``https://``; plain
  ``http://`` is refused when the client is built, except to this machine (127.0.0.0/8,
  ``::1``, ``localhost``), where the sandboxes and simulators listen. Proxies come from
  the environment (``HTTPS_PROXY``, ``NO_PROXY``), read by ``requests`` itself.
- Redirects are not followed (a gateway API does not redirect; a 3xx is returned as it is).
- Cookies are never kept: a gateway call carries all it needs, and a cookie jar would be
  state shared between the threads that use the client.
- Everything logged passes through the client's ``scrub``. ``urllib3``'s own DEBUG lines
  hold the method, the path and the status, never headers or bodies.

Thread safety: one :class:`HttpClient` may be used from several threads at once (the till's
network executor runs gateway calls on a few threads). Its configuration is fixed when it is
built; each call keeps its own state; urllib3's pools are thread-safe. :meth:`HttpClient.close`
never waits for a call in flight (that call ends at its own timeout).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.util.retry import Retry

from pos.payments.base import GatewayUnavailable

__all__ = ["RETRY_STATUSES", "HttpClient", "HttpSettings", "plain_http_problem", "retry_policy"]

log = logging.getLogger(__name__)

#: Statuses worth retrying for a call that is safe to repeat (a 500 is an answer: the
#: gateway looked at the request; 502/503/504 and 429 are the way in saying "not now").
RETRY_STATUSES = frozenset({429, 502, 503, 504})

#: The longest wait between two tries, whatever ``backoff`` and the try number say.
MAX_BACKOFF_S = 2.0

#: Marks a request as safe to repeat on its way from :meth:`HttpClient.request` to the
#: session's adapter, which removes it: it never reaches the gateway.
_REPEATABLE = "X-Kaunta-Safe-To-Repeat"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How one gateway is reached.

    ``retries`` is the number of extra tries (connect failures for every call; lost answers
    and :data:`RETRY_STATUSES` only for calls that are safe to repeat). ``backoff`` is
    urllib3's ``backoff_factor``: no wait before the first retry, then ``2 * backoff``,
    ``4 * backoff``, … (at most :data:`MAX_BACKOFF_S`). ``ca_bundle`` is a PEM file of the CAs
    to trust instead of ``requests``' default; verification itself cannot be turned off.
    """

    base_url: str
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.25
    ca_bundle: str | None = None
    pool_connections: int = 1  # hosts kept: a gateway client talks to its base URL only
    pool_maxsize: int = 4  # keep-alive connections per host: one per network thread


def retry_policy(settings: HttpSettings, *, safe_to_repeat: bool) -> Retry:
    """urllib3's ``Retry`` for calls of one kind (see the module doc)."""
    tries = max(0, settings.retries)
    return Retry(
        total=tries,
        connect=tries,  # no connection, nothing sent: always safe
        # 0: the first lost answer or retryable status uses the count up, and urllib3 stops
        # (a lost answer is raised, a status is handed back); nothing is sent twice.
        read=tries if safe_to_repeat else 0,
        status=tries if safe_to_repeat else 0,
        other=0,  # TLS failures and the like do not heal by trying again
        # Any verb: whether a call may be repeated is the caller's marking, not its verb
        # (a Daraja status query is a POST, and so is a PayPal create with a request id).
        allowed_methods=None,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff,
        backoff_max=MAX_BACKOFF_S,
        respect_retry_after_header=False,  # a gateway asking for minutes gets its answer back
        raise_on_status=False,  # after the last try, the caller reads the answer itself
        raise_on_redirect=False,
    )


class _BySafety(BaseAdapter):
    """The session's adapter: each request goes through the pooled ``HTTPAdapter`` whose
    ``Retry`` matches how safe the request is to repeat."""

    def __init__(self, settings: HttpSettings) -> None:
        super().__init__()
        self.repeatable = self._pooled(settings, safe_to_repeat=True)
        self.once = self._pooled(settings, safe_to_repeat=False)

    @staticmethod
    def _pooled(settings: HttpSettings, *, safe_to_repeat: bool) -> HTTPAdapter:
        return HTTPAdapter(
            pool_connections=settings.pool_connections,
            pool_maxsize=settings.pool_maxsize,
            max_retries=retry_policy(settings, safe_to_repeat=safe_to_repeat),
            pool_block=False,  # never wait for a free connection: open another
        )

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        repeatable = request.headers.pop(_REPEATABLE, None) is not None
        adapter = self.repeatable if repeatable else self.once
        return adapter.send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    def close(self) -> None:
        self.repeatable.close()
        self.once.close()


def _why(exc: requests.RequestException) -> str:
    """What went wrong, in the words of the message the cashier gets."""
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "the gateway's TLS certificate was not accepted (wrong address, a proxy "
            "intercepting the connection, or the computer's clock is wrong)"
        )
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason  # retries used up: what the last try met
    if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
        reason, urllib3.exceptions.ReadTimeoutError
    ):
        return "the gateway did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "the gateway could not be reached (network down?)"
    if isinstance(exc, requests.Timeout):
        return "the gateway did not answer in time"
    return f"the request failed ({type(exc).__name__})"


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` or a loopback address."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(base_url: str) -> str | None:
    """Why ``base_url`` may not be used (None when it may): every gateway is reached over
    TLS; plain HTTP only to this machine (training sandboxes, test servers)."""
    try:
        split = urlsplit(base_url)
        host = split.hostname or ""
    except ValueError:
        return f"the base URL {base_url!r} is not a valid URL"
    if split.scheme == "https" and host:
        return None
    if split.scheme == "http" and _is_loopback(host):
        return None
    if split.scheme == "http":
        return (
            f"the base URL {base_url} is plain HTTP: a gateway is reached over https:// "
            "(plain http:// only to this machine, e.g. a sandbox on 127.0.0.1)"
        )
    return f"the base URL {base_url!r} is not a usable https:// URL"


class HttpClient:
    """A ``requests.Session`` for one gateway, with the house rules of the module doc.

    ``session`` lets a caller (tests do) pass a session of its own; it gets the same adapter
    and the same rules, so what tests drive is the production path. A base URL that is not
    ``https://`` (or plain HTTP to this machine) raises ``ValueError`` naming it.
    """

    def __init__(
        self,
        settings: HttpSettings,
        name: str,
        scrub: Callable[[str], str],
        session: requests.Session | None = None,
    ) -> None:
        problem = plain_http_problem(settings.base_url)
        if problem is not None:
            raise ValueError(f"{name}: {problem}")  # a base URL is config, never a secret
        self.settings = settings
        self.name = name
        self._scrub = scrub
        self._base = settings.base_url.rstrip("/")
        self._verify: bool | str = settings.ca_bundle or True
        self._closed = False
        self._session = session if session is not None else requests.Session()
        adapter = _BySafety(settings)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Refuse further calls and close the idle connections. Returns at once: a call in
        flight on another thread is not waited for; it ends at its own timeout."""
        self._closed = True
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        safe_to_repeat: bool,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        auth: tuple[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request (retried only as the module doc says); return the answer
        whatever its status, the caller maps error bodies.

        Raises :class:`GatewayUnavailable` when no usable answer came back, or when the
        client was closed.
        """
        if self._closed:
            raise GatewayUnavailable(
                f"{self.name}: the till is closing, so the gateway was not asked. The "
                "payment's outcome will be checked when the till starts again."
            )
        settings = self.settings  # timeouts are read per call; retries and pools are fixed
        out = dict(headers or {})
        if safe_to_repeat:
            out[_REPEATABLE] = "1"
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self._base + path,
                headers=out,
                json=json,
                data=data,
                auth=auth,
                params=params,
                timeout=(settings.connect_timeout, settings.read_timeout),
                verify=self._verify,
                allow_redirects=False,
            )
        except (requests.RequestException, OSError) as exc:
            # OSError: requests' own check of the CA bundle path (a wrong ca_bundle or
            # REQUESTS_CA_BUNDLE); socket errors arrive wrapped as RequestException.
            why = (
                _why(exc)
                if isinstance(exc, requests.RequestException)
                else "the TLS CA bundle could not be read (check ca_bundle / REQUESTS_CA_BUNDLE)"
            )
            log.warning(
                "%s %s %s: %s (%s)",
                self.name,
                method,
                self._scrub(path),
                why,
                type(exc).__name__,
            )
            # No exception chaining: urllib3's messages repeat URLs and socket details
            # that have no place in the cashier's message or a traceback.
            raise GatewayUnavailable(
                f"{self.name}: {why}. The payment's outcome is not known yet; it will be "
                "checked again automatically. Check the network, or use another method."
            ) from None
        if log.isEnabledFor(logging.INFO):
            retries = getattr(response.raw, "retries", None)
            tries = 1 + len(retries.history) if isinstance(retries, Retry) else 1
            log.info(
                "%s %s %s -> %s in %.0f ms (%d %s)",
                self.name,
                method,
                self._scrub(path),
                response.status_code,
                (time.monotonic() - started) * 1000,
                tries,
                "try" if tries == 1 else "tries",
            )
        return response
