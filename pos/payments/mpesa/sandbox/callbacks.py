"""Sending results to CallBackURLs, in the scripted mode: prompt, late, twice, or never."""

from __future__ import annotations

import logging
import math
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pos.payments.mpesa.sandbox.daraja import is_loopback
from pos.payments.mpesa.sandbox.model import CallbackMode, CallbackRecord

__all__ = ["CallbackPlan", "CallbackSender"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    """How one push's callback is sent (see :class:`CallbackMode`).

    ``delay``: seconds before the callback (DELAY) or between copies (DUPLICATE);
    ``copies``: how many times DUPLICATE sends the same body (at least 2).
    """

    mode: CallbackMode = CallbackMode.PROMPT
    delay: float = 0.0
    copies: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", CallbackMode(self.mode))
        if not math.isfinite(self.delay) or self.delay < 0:
            raise ValueError("delay must be a number of seconds, zero or more")
        if self.mode is CallbackMode.DUPLICATE and self.copies < 2:
            raise ValueError("a duplicate callback is sent at least twice (copies >= 2)")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallbackPlan:
        """``{"mode": "delay", "delay": 2.5}`` / ``{"mode": "duplicate", "copies": 3}``."""
        if "mode" not in data:
            raise ValueError(f"mode is required: one of {[m.value for m in CallbackMode]}")
        return cls(
            CallbackMode(str(data["mode"])),
            float(data.get("delay", 0.0)),
            int(data.get("copies", 2)),
        )

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "delay": self.delay, "copies": self.copies}

    @property
    def waits(self) -> list[float]:
        """Seconds to wait before each copy is sent (empty: none is sent)."""
        if self.mode is CallbackMode.DROP:
            return []
        if self.mode is CallbackMode.DELAY:
            return [self.delay]
        if self.mode is CallbackMode.DUPLICATE:
            return [0.0] + [self.delay] * (self.copies - 1)
        return [0.0]


class CallbackSender:
    """Posts callbacks from background threads and records every try.

    ``wake`` is the sandbox's condition (its lock guards the records); waiting callers are
    notified after each record. Hosts under the reserved ``.invalid`` domain are never
    contacted (recorded as undelivered): training mode's callback URL is one.
    """

    def __init__(
        self, wake: threading.Condition, stopping: threading.Event, timeout: float
    ) -> None:
        self._wake = wake
        self._stopping = stopping
        self.timeout = timeout
        self.records: list[CallbackRecord] = []
        self._threads: list[threading.Thread] = []

    def send(self, checkout_request_id: str, url: str, body: str, plan: CallbackPlan) -> None:
        """Send (or drop) one push's callback as ``plan`` says. Call with the lock held."""
        if plan.mode is CallbackMode.DROP:
            self.records.append(
                CallbackRecord(
                    checkout_request_id,
                    url,
                    body,
                    None,
                    "dropped: callback mode 'drop'",
                    datetime.now(UTC),
                    dropped=True,
                )
            )
            self._wake.notify_all()
            return
        thread = threading.Thread(
            target=self._run,
            args=(checkout_request_id, url, body, plan.waits),
            name="mpesa-sandbox-callback",
            daemon=True,
        )
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def join(self, timeout: float) -> None:
        for thread in list(self._threads):
            thread.join(timeout=timeout)

    def _run(self, checkout_request_id: str, url: str, body: str, waits: list[float]) -> None:
        for wait in waits:
            if wait > 0 and self._stopping.wait(wait):
                return  # the sandbox stopped first: nothing more is sent
            status, error = self._post(url, body)
            record = CallbackRecord(
                checkout_request_id, url, body, status, error, datetime.now(UTC)
            )
            with self._wake:
                self.records.append(record)
                self._wake.notify_all()

    def _post(self, url: str, body: str) -> tuple[int | None, str]:
        host = urlsplit(url).hostname or ""
        if host == "invalid" or host.endswith(".invalid"):
            return None, "not delivered: .invalid hosts never resolve"
        request = urllib.request.Request(
            url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        # A receiver on this machine is reached directly, whatever *_proxy says.
        opener = (
            urllib.request.build_opener(urllib.request.ProxyHandler({}))
            if is_loopback(host)
            else urllib.request.build_opener()
        )
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                return int(answer.status), ""
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            log.debug("M-Pesa sandbox: callback to %s failed: %s", url, exc)
            return None, f"{type(exc).__name__}: {exc}"
