"""The sandbox's own control paths (``/__sandbox__/…``; never at PayPal).

The training "customer phone", tests and integrators drive the simulated customer and
script PayPal's behaviour through these (see the package docstring for the list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pos.payments.paypal.sandbox.checks import parse_object
from pos.payments.paypal.sandbox.errors import ApiError, json_response
from pos.payments.paypal.sandbox.model import Request, Response

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["handle_control"]


def handle_control(sb: PayPalSandbox, method: str, parts: list[str], request: Request) -> Response:
    """``/__sandbox__/<name>`` → reply; a bad request is 400, an impossible one 404/409."""
    name = parts[0] if parts else ""
    try:
        body = parse_object(request.body, op="control", empty_ok=True) if method == "POST" else {}
    except ApiError:
        return json_response(400, {"error": "the body must be a JSON object"})
    try:
        return _action(sb, method, name, body)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": f"bad control request: {exc}"})


def _action(sb: PayPalSandbox, method: str, name: str, body: Mapping[str, Any]) -> Response:
    match (method, name):
        case ("POST", "customer"):
            if "default" in body:
                sb.set_default(body["default"], float(body.get("delay", 0.0)))
                return json_response(200, {"default": body["default"]})
            status = sb.decide(
                str(body["order_id"]),
                str(body["decision"]),
                mock_application_codes=str(body.get("mock_application_codes", "")),
            )
            return json_response(200, {"order_id": body["order_id"], "status": status})
        case ("GET", "pending"):
            return json_response(200, {"orders": sb.pending()})
        case ("POST", "fail-next"):
            sb.fail_next(
                int(body.get("count", 1)),
                int(body.get("status", 503)),
                delay=float(body.get("delay", 0.0)),
                after=bool(body.get("after", False)),
                path=str(body.get("path", "/")),
            )
            return json_response(200, {"ok": True})
        case ("POST", "expire-tokens"):
            sb.expire_tokens()
            return json_response(200, {"ok": True})
        case ("POST", "advance"):
            sb.advance(float(body["seconds"]))
            return json_response(200, {"ok": True})
        case ("POST", "capture-status"):
            sb.settle_capture(str(body["capture_id"]), str(body.get("status", "COMPLETED")))
            return json_response(200, {"ok": True})
        case ("GET", "activity"):
            return json_response(200, {"csv": sb.activity_csv()})
        case ("GET", "ledger"):
            return json_response(200, sb.ledger())
        case ("GET", "webhooks"):
            with sb._lock:
                events = [
                    {
                        "event_type": record.event_type,
                        "id": record.event["id"],
                        "headers": record.headers,
                        "body": record.body.decode(),
                        "deliveries": list(record.deliveries),
                    }
                    for record in sb.webhook_events
                ]
                payload = {
                    "webhook_id": sb.webhook_id,
                    "cert_url": sb.cert_url,
                    "listeners": list(sb.webhook_urls),
                    "events": events,
                }
            return json_response(200, payload)
        case ("POST", "webhooks"):
            sb.add_webhook_listener(str(body["url"]))
            return json_response(200, {"ok": True})
        case ("POST", "ipn"):
            fields = body["fields"]
            if not isinstance(fields, dict):
                raise TypeError("fields must be an object")
            message = sb.ipn_message({str(k): str(v) for k, v in fields.items()})
            return json_response(200, {"body": message.decode()})
    return json_response(404, {"error": f"no control path {method} /__sandbox__/{name}"})
