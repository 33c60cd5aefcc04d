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

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

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
        if session is None:
            # Read proxy and CA-bundle settings from the environment once, not on every
            # call (requests rescans os.environ per request otherwise).
            session = requests.Session()
            session.proxies.update(requests.utils.get_environ_proxies(settings.base_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle and settings.verify_tls:
                self._verify = bundle
            session.trust_env = False
        self._session = session
        self._sleep = sleep

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
            except requests.Timeout:
                last = "the gateway did not answer in time"
            except requests.ConnectionError:
                last = "the gateway could not be reached (network down?)"
            except requests.RequestException as exc:
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
