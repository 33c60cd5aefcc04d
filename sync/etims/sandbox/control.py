"""The sandbox's own paths (never at KRA): faults, settings, what it holds; and KRA's
fake receipt-verification page that the receipt's QR code opens."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from sync.etims.sandbox.server import EtimsSandbox, Reply


def _reply(status: int, body: dict[str, Any] | str) -> Reply:
    from sync.etims.sandbox.server import Reply

    return Reply(status, body)


def handle_control(box: EtimsSandbox, method: str, target: str, raw: bytes) -> Reply:
    from sync.etims.sandbox.server import CONTROL_PREFIX, Fault

    parts = urlsplit(target)
    name = parts.path[len(CONTROL_PREFIX) :]
    try:
        body = json.loads(raw) if raw.strip() else {}
        if name == "fault" and method == "POST":
            box.inject(Fault(**body))
            return _reply(200, {"ok": True})
        if name == "release" and method == "POST":
            box.release()
            return _reply(200, {"ok": True})
        if name == "refuse" and method == "POST":
            seconds = float(body.get("seconds", 10))
            if not seconds > 0:
                raise ValueError(f"seconds must be more than 0, not {seconds}")
            from sync.etims.sandbox.server import Reply

            # closed once this answer is out: refusing first would cut the answer off
            return Reply(200, {"ok": True, "seconds": seconds}, after=lambda: box.refuse(seconds))
        if name == "down" and method == "POST":
            box.down = (
                None
                if body.get("start") is None
                else (datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"]))
            )
            return _reply(200, {"ok": True})
        if name == "settings":
            if method == "POST":
                box.settings.update(body)
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
            bhf = parse_qs(parts.query).get("bhfId", ["00"])[0]
            device = box.device(bhf)
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
