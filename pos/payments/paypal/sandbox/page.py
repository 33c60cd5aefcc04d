"""The customer's approve page (``/checkoutnow?token=<order id>``): what the QR code opens.

GET shows the amount with Approve and Cancel buttons; they POST ``decision=approve|cancel``
back. Approve: the order becomes APPROVED and the page says so, with a link back to the
``return_url`` (the sandbox shows a page rather than redirecting, so the training phone
stays on it). Cancel: as at PayPal, the order is left as it was (still CREATED or
PAYER_ACTION_REQUIRED, never approved) and the browser is sent to the ``cancel_url`` with
``?token=<id>`` (303 See Other); the customer may still come back and approve until the
order lapses. Without a ``cancel_url`` the page just says the payment was cancelled.
"""

from __future__ import annotations

import html
import urllib.parse
from typing import TYPE_CHECKING

from pos.payments.paypal.sandbox.errors import debug_id
from pos.payments.paypal.sandbox.model import (
    AWAITING,
    Decision,
    Order,
    Request,
    Response,
    SandboxError,
)
from pos.payments.paypal.sandbox.rules import text_value

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["cancel_redirect", "checkout_page", "render"]


def cancel_redirect(order: Order) -> str:
    """Where PayPal sends a buyer who cancels: ``cancel_url`` plus ``token=<order id>``."""
    split = urllib.parse.urlsplit(order.cancel_url)
    query = urllib.parse.urlencode({"token": order.id})
    joined = f"{split.query}&{query}" if split.query else query
    return urllib.parse.urlunsplit(split._replace(query=joined))


def checkout_page(sb: PayPalSandbox, request: Request) -> Response:
    token = (request.query.get("token") or [""])[0]
    note = ""
    if request.method == "POST":
        form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
        token = (form.get("token") or [token])[0]
        choice = (form.get("decision") or [""])[0]
        try:
            sb.decide(token, choice)
        except (SandboxError, ValueError) as exc:
            note = str(exc)
        else:
            with sb._lock:
                order = sb._orders.get(token)
                if choice == Decision.CANCEL and order is not None and order.cancel_url:
                    where = cancel_redirect(order)
                    return Response(
                        303,
                        b"",
                        {"Location": where, "Content-Length": "0", "Paypal-Debug-Id": debug_id()},
                    )
                if choice == Decision.CANCEL:
                    note = "You cancelled this payment."
    elif request.method != "GET":
        return Response(405, b"", {"Allow": "GET, POST"})
    with sb._lock:
        order = sb._orders.get(token)
        if order is not None:
            sb._tick(order)
        return Response(
            200 if order is not None else 404,
            render(order, token, note).encode(),
            {"Content-Type": "text/html; charset=utf-8"},
        )


_PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f5f7fa;margin:0;padding:1.5rem}"
    "main{max-width:26rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;"
    "box-shadow:0 2px 8px #0002}.badge{background:#ffe08a;padding:.4rem .6rem;"
    "border-radius:6px;font-size:.85rem}.amount{font-size:2rem;font-weight:700}"
    "button{font-size:1.1rem;width:100%;padding:.8rem;margin:.4rem 0;border-radius:24px;"
    "border:0}.approve{background:#0070ba;color:#fff}.cancel{background:#e6e9ee}"
)


def render(order: Order | None, token: str, note: str) -> str:
    """The approve page: what the customer's phone shows after scanning the QR code."""
    esc = html.escape
    if order is None:
        body = "<h1>Payment not found</h1><p>This payment link is not valid.</p>"
    else:
        amount = f"{esc(order.currency)} {esc(text_value(order.value, order.currency))}"
        heading = f"<h1>{esc(order.brand_name or 'Merchant')}</h1><p class='amount'>{amount}</p>"
        if order.description:
            heading += f"<p>{esc(order.description)}</p>"
        if order.expired:
            state = "<p>This payment has expired. Ask the cashier to start again.</p>"
        elif order.status in AWAITING:
            again = (
                "<p>You cancelled earlier; you can still pay.</p>" if order.buyer_cancelled else ""
            )
            state = again + (
                f"<form method='post' action='/checkoutnow?token={esc(order.id)}'>"
                f"<input type='hidden' name='token' value='{esc(order.id)}'>"
                "<button class='approve' name='decision' value='approve'>Approve and pay</button>"
                "<button class='cancel' name='decision' value='cancel'>Cancel</button></form>"
            )
        elif order.status in ("APPROVED", "COMPLETED"):
            back = order.return_url
            link = ""
            if back:
                query = urllib.parse.urlencode(
                    {"token": order.id, "PayerID": (order.payer or {}).get("payer_id", "")}
                )
                link = f"<p><a href='{esc(back)}?{esc(query)}'>Return to merchant</a></p>"
            state = f"<p>You approved this payment. You can go back to the till.</p>{link}"
        else:
            state = f"<p>This payment is {esc(order.status.lower())}.</p>"
        body = heading + state
    if note:
        body += f"<p role='alert'>{esc(note)}</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>PayPal sandbox - {esc(token)}</title><style>{_PAGE_STYLE}</style></head>"
        "<body><main>"
        "<p class='badge'>Kaunta training sandbox: not PayPal, no real money</p>"
        f"{body}</main></body></html>"
    )
