"""The sandbox's own HTTP control paths (``/__sandbox__/…``): the face of its Python API.

Never at Safaricom. Training mode's customer-phone window, tests and integrators use these
to play the customer and to script how Daraja behaves (failures, late or lost callbacks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pos.payments.mpesa.sandbox.callbacks import CallbackPlan
from pos.payments.mpesa.sandbox.wire import Reply, json_body

if TYPE_CHECKING:
    from pos.payments.mpesa.sandbox.server import MpesaSandbox

__all__ = ["CONTROL_PREFIX", "handle_control"]

CONTROL_PREFIX = "/__sandbox__/"


def handle_control(sandbox: MpesaSandbox, path: str, method: str, raw: bytes) -> Reply:
    """``/__sandbox__/<name>`` → reply. Unknown push 404, already final 409, bad 400."""
    name = urlsplit(path).path[len(CONTROL_PREFIX) :].strip("/")
    try:
        body: Mapping[str, Any] = json_body(raw) if method == "POST" and raw else {}
    except Reply:
        return Reply(400, {"error": "body must be a JSON object"})
    try:
        return _control(sandbox, name, method, body)
    except KeyError as exc:
        return Reply(404, {"error": str(exc.args[0]) if exc.args else "not found"})
    except (ValueError, TypeError) as exc:
        return Reply(409 if "already" in str(exc) else 400, {"error": str(exc)})


def _control(sandbox: MpesaSandbox, name: str, method: str, body: Mapping[str, Any]) -> Reply:
    match (name, method):
        case ("pending", "GET"):
            return Reply(200, {"pending": [p.to_json() for p in sandbox.pending()]})
        case ("callbacks", "GET"):
            return Reply(200, {"callbacks": [c.to_json() for c in sandbox.callbacks_sent]})
        case ("statement", "GET"):
            return Reply(200, {"csv": sandbox.statement_csv()})
        case ("stats", "GET"):
            return Reply(200, {"requests": sandbox.request_counts()})
        case ("expire-tokens", "POST"):
            return Reply(200, {"expired": sandbox.expire_tokens()})
        case ("fail-next", "POST"):
            sandbox.fail_next(
                int(body.get("status", 503)),
                int(body.get("count", 1)),
                endpoint=body.get("endpoint"),
                after_processing=bool(body.get("after_processing", False)),
            )
            return Reply(200, {"ok": True})
        case ("callback-mode", "GET"):
            return Reply(200, {"callback_mode": sandbox.callback_mode().to_json()})
        case ("callback-mode", "POST"):
            plan = CallbackPlan.from_json(body)
            checkout = body.get("checkout_request_id")
            sandbox.set_callback_mode(
                plan.mode,
                delay=plan.delay,
                copies=plan.copies,
                checkout_request_id=None if checkout is None else str(checkout),
            )
            return Reply(200, {"ok": True, "callback_mode": plan.to_json()})
        case ("customer", "POST"):
            if "default" in body:
                sandbox.set_default(str(body["default"]))
                return Reply(200, {"ok": True, "default": str(body["default"])})
            pin = body.get("pin")
            sandbox.decide(
                str(body.get("checkout_request_id", "")),
                str(body.get("decision", "")),
                pin=None if pin is None else str(pin),
            )
            return Reply(200, {"ok": True})
    return Reply(404, {"error": f"no sandbox control {method} {CONTROL_PREFIX}{name}"})
