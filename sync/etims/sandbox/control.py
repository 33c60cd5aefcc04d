"""The sandbox's own paths (never at KRA): faults, settings, what it holds; and KRA's
fake receipt-verification page that the receipt's QR code opens."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from sync.etims.sandbox.server import EtimsSandbox, Fault, Reply


def _reply(status: int, body: dict[str, Any] | str) -> Reply:
    from sync.etims.sandbox.server import Reply

    return Reply(status, body)


#: bounds of the control API's numbers: beyond them a value is a typo, not a test
MAX_SECONDS = 86_400.0
MAX_COUNT = 10**9


def _object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError(f"the body must be a JSON object, not {type(body).__name__}")
    return body


def _seconds(field: str, value: object, *, zero: bool) -> float:
    """``value`` as seconds: a JSON number (not true/false, not a text), finite, from 0
    (or more than 0 when ``zero`` is false) up to :data:`MAX_SECONDS`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{field} must be a number of seconds, not {value!r}")
    low = "0" if zero else "more than 0"
    in_range = value >= 0 if zero else value > 0
    if not in_range or not value <= MAX_SECONDS:  # NaN is neither, inf is too much
        raise ValueError(f"{field} must be {low} and at most {MAX_SECONDS:g}, not {value!r}")
    return float(value)


def _fault(body: dict[str, Any]) -> Fault:
    """The fault ``body`` describes, every field checked: a fault the next call would not
    get (a misspelt kind or path) or that would crash it (a text for seconds) is refused."""
    from sync.etims.sandbox.server import ENDPOINTS, FAULT_KINDS, Fault

    unknown = sorted(set(body) - set(Fault.__slots__))
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
    if "kind" not in body:
        raise ValueError("fault kind is missing")
    kind = body["kind"]
    if kind not in FAULT_KINDS or not isinstance(kind, str):
        raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
    path = body.get("path")
    if path is not None and (not isinstance(path, str) or path not in ENDPOINTS):
        raise ValueError(f"fault path {path!r} is not an OSCU path ({', '.join(ENDPOINTS)})")
    fault = Fault(kind, path)
    if "count" in body:
        count = body["count"]
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise ValueError(f"fault count must be a whole number from 1, not {count!r}")
        fault.count = count
    if "seconds" in body:
        fault.seconds = _seconds("fault seconds", body["seconds"], zero=True)
    if "record" in body:
        if not isinstance(body["record"], bool):
            raise ValueError(f"fault record must be true or false, not {body['record']!r}")
        fault.record = body["record"]
    if "code" in body:
        code = body["code"]
        if not isinstance(code, str) or len(code) != 3 or not code.isdigit():
            raise ValueError(f"fault code must be a 3-digit text such as '999', not {code!r}")
        fault.code = code
    return fault


def _moment(body: dict[str, Any], field: str) -> datetime:
    if field not in body:
        raise ValueError(f"down {field} is missing")
    value = body[field]
    if not isinstance(value, str):
        raise ValueError(f"down {field} must be an ISO 8601 text, not {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"down {field}: {exc}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        # the simulator's clock is aware: comparing a naive time with it fails every call
        raise ValueError(f"down {field} {value!r} has no timezone (add +03:00 or Z)")
    return moment


def _down(body: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """The down window ``body`` sets: none for ``start: null``, else an aware start
    before an aware end."""
    unknown = sorted(set(body) - {"start", "end"})
    if unknown:
        raise ValueError(f"unknown down field(s): {', '.join(unknown)}")
    if body.get("start") is None:
        return None
    start, end = _moment(body, "start"), _moment(body, "end")
    if not start < end:
        raise ValueError(f"down start {start.isoformat()} must be before end {end.isoformat()}")
    return start, end


def handle_control(box: EtimsSandbox, method: str, target: str, raw: bytes) -> Reply:
    """One control call. Every request is checked in full before anything changes: a bad
    one is answered 400 naming the field, an unknown path 404."""
    from sync.etims.sandbox.server import CONTROL_PREFIX

    parts = urlsplit(target)
    name = parts.path[len(CONTROL_PREFIX) :]
    try:
        body = json.loads(raw) if raw.strip() else {}
        if name == "fault" and method == "POST":
            box.inject(_fault(_object(body)))
            return _reply(200, {"ok": True})
        if name == "release" and method == "POST":
            box.release()
            return _reply(200, {"ok": True})
        if name == "refuse" and method == "POST":
            seconds = _seconds("seconds", _object(body).get("seconds", 10), zero=False)
            from sync.etims.sandbox.server import Reply

            # closed once this answer is out: refusing first would cut the answer off
            return Reply(200, {"ok": True, "seconds": seconds}, after=lambda: box.refuse(seconds))
        if name == "down" and method == "POST":
            box.down = _down(_object(body))
            return _reply(200, {"ok": True})
        if name == "settings":
            if method == "POST":
                box.settings.update(_object(body))
            return _reply(
                200,
                {
                    s: getattr(box.settings, s)
                    for s in (
                        "reinit",
                        "duplicate",
                        "reject_gaps",
                        "require_registered_items",
                        "credit_check",
                        "tax_mode",
                        "latency_s",
                        "seed",
                    )
                },
            )
        if name == "invoices" and method == "GET":
            query = parse_qs(parts.query)
            device = box.device(query.get("bhfId", ["00"])[0], query.get("tin", [None])[0])
            return _reply(
                200,
                {
                    "invoices": [
                        {
                            "invcNo": s.invc_no,
                            "rcptTyCd": s.kind,
                            "curRcptNo": s.cur_rcpt_no,
                            "rcptSign": s.rcpt_sign,
                        }
                        for s in sorted(device.invoices.values(), key=lambda s: s.invc_no)
                    ],
                    "gaps": device.gaps,
                },
            )
    except (TypeError, ValueError, KeyError) as exc:
        return _reply(400, {"error": str(exc)})
    return _reply(404, {"error": f"no control path {name!r} for {method}"})


def verification_page(box: EtimsSandbox, data: str) -> Reply:
    """ "Found" with the invoice's figures for PIN + branch + signature, else "not found"."""
    for device in box.devices.values():
        prefix = device.tin + device.bhf_id
        if not data.startswith(prefix):
            continue
        for stored in device.invoices.values():
            if data == prefix + stored.rcpt_sign:
                body = stored.body
                rows = "".join(
                    f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(body.get(k)))}</td></tr>"
                    for k in ("invcNo", "rcptTyCd", "custTin", "totTaxAmt", "totAmt", "cfmDt")
                )
                name = html.escape(device.taxpayer)
                page = f"<html><body><h1>Invoice found</h1><p>{name}</p><table>{rows}</table>"
                return _reply(200, page + "</body></html>")
    return _reply(200, "<html><body><h1>Invoice not found</h1></body></html>")
