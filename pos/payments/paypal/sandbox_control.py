"""The simulated customer, driven over HTTP: what the training "customer phone" uses.

A tiny client for the sandbox's ``/__sandbox__/`` control paths (see
:mod:`pos.payments.paypal.sandbox`), so a window in another thread or process can list
the orders waiting for a customer and approve or cancel them, as a phone would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from pos.payments.paypal.sandbox import Decision


class SandboxControlError(Exception):
    """The sandbox refused a control request (unknown order, already decided, ...)."""


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """An order waiting for the customer."""

    id: str
    status: str
    currency: str
    value: str
    description: str
    brand_name: str
    approve_url: str
    seconds_left: float
    buyer_cancelled: bool = False  # the buyer pressed Cancel (the order is still approvable)


class SandboxCustomer:
    """Acts as the customer of a running :class:`~pos.payments.paypal.sandbox.PayPalSandbox`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._session = session or requests.Session()

    def _call(self, method: str, name: str, payload: dict[str, Any] | None = None) -> Any:
        try:
            response = self._session.request(
                method,
                f"{self.base_url}/__sandbox__/{name}",
                json=payload,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise SandboxControlError(f"the PayPal sandbox is not reachable: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            raise SandboxControlError(str(error or f"sandbox answered {response.status_code}"))
        return body

    def pending(self, *, include_cancelled: bool = False) -> list[PendingOrder]:
        """Orders waiting for the customer, oldest first; those whose buyer pressed Cancel
        only with ``include_cancelled`` (the phone has left the page)."""
        body = self._call("GET", "pending")
        orders = [
            PendingOrder(
                id=str(item["id"]),
                status=str(item["status"]),
                currency=str(item["amount"]["currency_code"]),
                value=str(item["amount"]["value"]),
                description=str(item.get("description", "")),
                brand_name=str(item.get("brand_name", "")),
                approve_url=str(item["approve_url"]),
                seconds_left=float(item.get("seconds_left", 0.0)),
                buyer_cancelled=bool(item.get("buyer_cancelled", False)),
            )
            for item in body.get("orders", [])
        ]
        return [o for o in orders if include_cancelled or not o.buyer_cancelled]

    def decide(self, order_id: str, decision: Decision | str) -> str:
        """Approve, cancel or ignore (``no_answer``) an order; returns its status after.

        ``cancel`` is the approve page's Cancel: as at PayPal the order stays unapproved
        (its status does not change); :meth:`pending` leaves it out from then on."""
        body = self._call(
            "POST", "customer", {"order_id": order_id, "decision": str(Decision(decision))}
        )
        return str(body["status"])

    def set_default(self, decision: Decision | str, delay: float = 0.0) -> None:
        """What every customer does ``delay`` seconds after an order appears."""
        self._call("POST", "customer", {"default": str(Decision(decision)), "delay": delay})
