"""A small client for the M-Pesa sandbox's customer controls (``/__sandbox__/…``).

Training mode shows a "customer phone" window: it lists the prompts the sandbox is
holding and lets the trainee approve, cancel or type a PIN, as the customer would. That
window (through a service) uses only this public HTTP interface, so it works the same
against a sandbox in this process, in another process or on another machine. Tests use
it too, to script how Daraja's callbacks arrive (late, twice, never).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from pos.payments.mpesa.sandbox import (
    CONTROL_PREFIX,
    CallbackMode,
    CallbackPlan,
    Decision,
    PendingPush,
)

__all__ = ["SandboxControlError", "SandboxCustomer"]


class SandboxControlError(RuntimeError):
    """The sandbox refused a control call or could not be reached; ``str`` says why."""


class SandboxCustomer:
    """Plays the customer's phone of a running :class:`~.sandbox.MpesaSandbox`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        if session is None:
            session = requests.Session()
            # a sandbox on this machine is reached directly, whatever *_proxy says
            host = urlsplit(self.base_url).hostname or ""
            session.trust_env = host not in ("127.0.0.1", "localhost", "::1")
        self._session = session

    def _call(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}{CONTROL_PREFIX}{name}"
        try:
            response = self._session.request(method, url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SandboxControlError(
                f"The M-Pesa sandbox at {self.base_url} could not be reached "
                f"({type(exc).__name__})."
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            detail = data.get("error") if isinstance(data, dict) else None
            raise SandboxControlError(
                f"The M-Pesa sandbox refused {name}: {detail or f'HTTP {response.status_code}'}"
            )
        return data

    def pending(self) -> list[PendingPush]:
        """Prompts waiting on the simulated phone, oldest first."""
        data = self._call("GET", "pending")
        return [PendingPush.from_json(item) for item in data.get("pending", [])]

    def decide(
        self, checkout_request_id: str, decision: Decision | str, pin: str | None = None
    ) -> None:
        """Answer one prompt: ``approve`` (with an optional PIN: a wrong one is ResultCode
        2001), ``cancel``, ``wrong_pin``, ``insufficient``, ``no_answer``, ``slow``."""
        body: dict[str, Any] = {
            "checkout_request_id": checkout_request_id,
            "decision": str(Decision(decision)),
        }
        if pin is not None:
            body["pin"] = pin
        self._call("POST", "customer", body)

    def set_default(self, decision: Decision | str) -> None:
        """What the simulated customer does with prompts that arrive from now on."""
        self._call("POST", "customer", {"default": str(Decision(decision))})

    def set_callback_mode(
        self,
        mode: CallbackMode | str,
        *,
        delay: float = 0.0,
        copies: int = 2,
        checkout_request_id: str | None = None,
    ) -> CallbackPlan:
        """How Daraja's callbacks arrive from now on: ``prompt``, ``delay`` (``delay``
        seconds late), ``duplicate`` (``copies`` times, ``delay`` apart) or ``drop``
        (never); with ``checkout_request_id``, for that open push only."""
        plan = CallbackPlan(CallbackMode(mode), delay, copies)  # refused here if invalid
        body: dict[str, Any] = plan.to_json()
        if checkout_request_id is not None:
            body["checkout_request_id"] = checkout_request_id
        self._call("POST", "callback-mode", body)
        return plan

    def callback_mode(self) -> CallbackPlan:
        """The plan callbacks follow now."""
        data = self._call("GET", "callback-mode")
        return CallbackPlan.from_json(data.get("callback_mode", {}))

    def close(self) -> None:
        self._session.close()
