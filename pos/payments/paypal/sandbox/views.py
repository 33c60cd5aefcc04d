"""How the sandbox writes orders, captures and refunds: the spec's representations.

Functions of the running sandbox (its base URL, merchant id and ledger); the contract
tests check every shape against PayPal's OpenAPI files.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pos.payments.paypal.sandbox.model import AWAITING, Capture, Order, Refund
from pos.payments.paypal.sandbox.rules import decimals, money

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["approve_url", "capture_json", "order_json", "order_links", "refund_json"]


def approve_url(sb: PayPalSandbox, order: Order) -> str:
    return f"{sb.base_url}/checkoutnow?token={order.id}"


def order_links(sb: PayPalSandbox, order: Order) -> list[dict[str, str]]:
    api = f"{sb.base_url}/v2/checkout/orders/{order.id}"
    links = [{"href": api, "rel": "self", "method": "GET"}]
    if order.status in AWAITING:
        rel = "payer-action" if order.experience else "approve"
        links.append({"href": approve_url(sb, order), "rel": rel, "method": "GET"})
        if not order.experience:
            links.append({"href": api, "rel": "update", "method": "PATCH"})
            links.append({"href": f"{api}/capture", "rel": "capture", "method": "POST"})
    elif order.status == "APPROVED":
        links.append({"href": api, "rel": "update", "method": "PATCH"})
        links.append({"href": f"{api}/capture", "rel": "capture", "method": "POST"})
    return links


def order_json(sb: PayPalSandbox, order: Order, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": order.id}
    if order.payer is not None:
        body["payment_source"] = {
            "paypal": {
                "email_address": order.payer["email_address"],
                "account_id": order.payer["payer_id"],
                "account_status": "VERIFIED",
                "name": order.payer["name"],
                "address": order.payer["address"],
            }
        }
    if full:
        unit: dict[str, Any] = {
            "reference_id": order.reference_id,
            "amount": money(order.value, order.currency),
            "payee": {
                "email_address": "sb-merchant@business.example.com",
                "merchant_id": sb.merchant_id,
            },
        }
        for key in ("description", "custom_id", "invoice_id", "soft_descriptor"):
            if getattr(order, key):
                unit[key] = getattr(order, key)
        captures = [sb._captures[c] for c in order.capture_ids]
        if captures:
            refunds = [r for r in sb._refunds.values() if r.capture_id in order.capture_ids]
            unit["payments"] = {"captures": [capture_json(sb, c) for c in captures]}
            if refunds:
                unit["payments"]["refunds"] = [refund_json(sb, r) for r in refunds]
        body.update({"intent": "CAPTURE", "status": order.status, "purchase_units": [unit]})
        if order.payer is not None:
            body["payer"] = {
                k: order.payer[k] for k in ("name", "email_address", "payer_id", "address")
            }
        body["create_time"] = order.create_time
        body["update_time"] = order.update_time
    else:
        body["status"] = order.status
    body["links"] = order_links(sb, order)
    return body


def capture_json(sb: PayPalSandbox, capture: Capture, standalone: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": capture.id, "status": capture.status}
    if capture.reason:
        body["status_details"] = {"reason": capture.reason}
    body["amount"] = money(capture.value, capture.currency)
    body["final_capture"] = True
    if capture.custom_id:
        body["custom_id"] = capture.custom_id
    body["seller_protection"] = {
        "status": "ELIGIBLE",
        "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
    }
    if capture.status != "PENDING":  # "not available for transactions that are pending"
        fixed = Decimal(40) if decimals(capture.currency) == 0 else Decimal("0.49")
        fee = min(capture.value, capture.value * Decimal("0.0349") + fixed)
        fee = fee.quantize(Decimal(1).scaleb(-decimals(capture.currency)))
        body["seller_receivable_breakdown"] = {
            "gross_amount": money(capture.value, capture.currency),
            "paypal_fee": money(fee, capture.currency),
            "net_amount": money(capture.value - fee, capture.currency),
        }
    api = f"{sb.base_url}/v2/payments/captures/{capture.id}"
    body["links"] = [
        {"href": api, "rel": "self", "method": "GET"},
        {"href": f"{api}/refund", "rel": "refund", "method": "POST"},
        {
            "href": f"{sb.base_url}/v2/checkout/orders/{capture.order_id}",
            "rel": "up",
            "method": "GET",
        },
    ]
    body["create_time"] = capture.create_time
    body["update_time"] = capture.update_time
    if standalone:
        body["supplementary_data"] = {"related_ids": {"order_id": capture.order_id}}
        body["payee"] = {
            "email_address": "sb-merchant@business.example.com",
            "merchant_id": sb.merchant_id,
        }
    return body


def refund_json(sb: PayPalSandbox, refund: Refund) -> dict[str, Any]:
    zero = Decimal(0)
    body: dict[str, Any] = {
        "id": refund.id,
        "status": refund.status,
        "amount": money(refund.value, refund.currency),
    }
    if refund.note:
        body["note_to_payer"] = refund.note
    body["seller_payable_breakdown"] = {
        "gross_amount": money(refund.value, refund.currency),
        "paypal_fee": money(zero, refund.currency),
        "net_amount": money(refund.value, refund.currency),
        "total_refunded_amount": money(refund.total_after, refund.currency),
    }
    payments = f"{sb.base_url}/v2/payments"
    body["links"] = [
        {"href": f"{payments}/refunds/{refund.id}", "rel": "self", "method": "GET"},
        {"href": f"{payments}/captures/{refund.capture_id}", "rel": "up", "method": "GET"},
    ]
    body["create_time"] = refund.create_time
    body["update_time"] = refund.create_time
    return body
