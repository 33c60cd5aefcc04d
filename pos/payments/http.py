"""The HTTP plumbing every gateway client shares.

- A configurable base URL (sandbox, production, or a local simulator).
- Separate connect and read timeouts on every call, so a dead network costs seconds,
  not minutes.
- Retries **only where repeating is safe**: reads, and writes that carry an idempotency
  key the gateway honours. A write without one is sent once; if its answer is lost the
  outcome is unknown and the caller resolves it by asking (query / GET).
- TLS verification on unless the configuration says otherwise (local sandboxes are
  plain HTTP on 127.0.0.1 and need no certificate).
- Everything logged passes through the client's ``scrub``.
"""

from __future__ import annotations

import base64
import json as _json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from pos.payments.base import GatewayUnavailable

log = logging.getLogger(__name__)

#: Statuses worth retrying for a call that is safe to repeat.
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class HttpSettings:
    base_url: str
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    retries: int = 2  # extra tries for safe calls
    backoff: float = 0.25  # seconds, doubled each retry
    verify_tls: bool = True


class HttpClient:
    """A ``requests.Session`` with the house rules above."""

    def __init__(
        self,
        settings: HttpSettings,
        name: str,
        scrub: Callable[[str], str],
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.name = name
        self._scrub = scrub
        self._verify: bool | str = settings.verify_tls
        self._sleep = sleep
        self._session = session
        self._pool: urllib3.PoolManager | None = None
        if session is None:
            # The production path talks to urllib3 directly: requests adds ~0.7 ms per call
            # (environment scans, hooks, cookie jar) that a till making two or three calls
            # per payment does not need. Proxies and the CA bundle are read once, here.
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            tls: dict[str, Any] = (
                {"cert_reqs": "CERT_REQUIRED", "ca_certs": bundle or certifi.where()}
                if settings.verify_tls
                else {"cert_reqs": "CERT_NONE"}
            )
            proxy = requests.utils.get_environ_proxies(settings.base_url).get(
                urlsplit(settings.base_url).scheme
            )
            self._pool = (
                urllib3.ProxyManager(proxy, retries=False, **tls)
                if proxy
                else urllib3.PoolManager(retries=False, **tls)
            )

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
        """Send one request; retry transport failures and 429/5xx only if safe.

        Returns the response whatever its status (the caller maps error bodies); raises
        :class:`GatewayUnavailable` when no usable answer came back.
        """
        url = self.settings.base_url.rstrip("/") + path
        attempts = 1 + (self.settings.retries if safe_to_repeat else 0)
        delay = self.settings.backoff
        last: str = ""
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                if self._pool is not None:
                    response = self._send(method, url, headers, json, data, auth, params)
                else:
                    assert self._session is not None
                    response = self._session.request(
                        method,
                        url,
                        headers=dict(headers or {}),
                        json=json,
                        data=data,
                        auth=auth,
                        params=params,
                        timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                        verify=self._verify,
                    )
            except (
                requests.ConnectionError,
                urllib3.exceptions.NewConnectionError,  # (a ConnectTimeoutError subclass)
                urllib3.exceptions.ProtocolError,
                urllib3.exceptions.MaxRetryError,
            ):
                last = "the gateway could not be reached (network down?)"
            except (requests.Timeout, urllib3.exceptions.TimeoutError):
                last = "the gateway did not answer in time"
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                last = f"the request failed ({type(exc).__name__})"
            else:
                log.info(
                    "%s %s %s -> %s in %.0f ms (try %d)",
                    self.name,
                    method,
                    self._scrub(path),
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                    attempt,
                )
                if response.status_code in RETRY_STATUSES and attempt < attempts:
                    last = f"HTTP {response.status_code}"
                else:
                    return response
            log.warning(
                "%s %s %s: %s (try %d/%d)",
                self.name,
                method,
                self._scrub(path),
                last,
                attempt,
                attempts,
            )
            if attempt < attempts:
                self._sleep(delay)
                delay *= 2
        raise GatewayUnavailable(
            f"{self.name}: {last}. The payment's outcome is not known yet; it will be "
            "checked again automatically. Check the network, or use another method."
        )

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        json_body: Any,
        data: Any,
        auth: tuple[str, str] | None,
        params: Mapping[str, str] | None,
    ) -> requests.Response:
        """One call through urllib3, answered as a ``requests.Response`` (what callers read)."""
        assert self._pool is not None
        out = dict(headers or {})
        body: bytes | None = None
        if json_body is not None:
            body = _json.dumps(json_body).encode()
            out.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urlencode(data).encode()
            out.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        elif data is not None:
            body = bytes(data)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            out["Authorization"] = f"Basic {token}"
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        raw = self._pool.request(
            method,
            url,
            body=body,
            headers=out,
            timeout=urllib3.Timeout(
                connect=self.settings.connect_timeout, read=self.settings.read_timeout
            ),
            redirect=False,
            preload_content=True,
        )
        response = requests.Response()
        response.status_code = raw.status
        response._content = raw.data
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = url
        response.reason = raw.reason or ""
        return response
