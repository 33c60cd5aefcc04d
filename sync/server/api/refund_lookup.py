"""``GET /api/v1/sales-for-refund?q=…``: a sale of the terminal's own store, as a till needs
it to refund it, with the refunds head office counted already.

A customer brings back goods bought at another till of the shop. The refunding till finds
nothing in its own journal, asks here by what the cashier typed or scanned: the receipt
number (the printed barcode holds it) or a payment reference (M-Pesa receipt, PayPal
capture id, card approval code), matched exactly. Each payment says what its method took
and in which currency (``taken_minor``/``taken_currency``: a PayPal capture's USD), so the
refunding till can give it back through the method without the selling till. Only sales
of the asking terminal's store are searched (a till never sees another branch's
receipts), training sales never.

Each sale comes with every line and tender as the selling till sent them, what was refunded
of each so far (every terminal's refunds in the ledger, the ones applied unchecked too;
refunds head office rejected are not counted: they are in no ledger table) and the refunds
themselves by id, so the till adds its own refunds that have not reached head office yet
without counting any twice. The answer is a read: the refund itself still goes through the
outbox and is checked again by the ledger (:func:`sync.server.ledger.apply._check_refund`),
so of two tills racing on one receipt the second is rejected there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.request import Request
from rest_framework.response import Response

from sync.server.api.auth import terminal_of, touch
from sync.server.api.errors import ApiError
from sync.server.api.serializers import ErrorBody
from sync.server.api.throttles import AddressThrottle, TerminalThrottle
from sync.server.ledger import models as m
from sync.server.terminals.models import Store

#: at most this many sales in one answer (a reference or number names one sale; a few
#: at most share one, e.g. a card approval code)
MAX_SALES = 5
#: what a till may send as ``q``
MAX_QUERY = 100


class RefundLookupThrottle(TerminalThrottle):
    """Lookups per terminal (``KAUNTA_HQ_THROTTLE_REFUND_LOOKUP``, default 60/min): a till
    asks once per search a cashier makes, far below that; a till looping on it is cut
    off without slowing its pushes (their own, larger budget)."""

    scope = "refund_lookup"
    rate = os.environ.get("KAUNTA_HQ_THROTTLE_REFUND_LOOKUP", "60/min")

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = super().get_cache_key(request, view)
        return None if key is None else f"refund_lookup_{key}"


# -- the answer's schema (drf-spectacular reads these) -------------------------------------
class LookupLine(serializers.Serializer):
    line_id = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)
    sku = serializers.CharField(allow_blank=True)
    barcode = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_minor = serializers.IntegerField()
    total_minor = serializers.IntegerField()
    vat_code = serializers.CharField()
    vat_rate = serializers.CharField()
    vat_exempt = serializers.BooleanField()
    refunded_quantity = serializers.IntegerField()
    refunded_minor = serializers.IntegerField()


class LookupPayment(serializers.Serializer):
    payment_id = serializers.CharField()
    method = serializers.CharField()
    amount_minor = serializers.IntegerField()
    reference = serializers.CharField(allow_blank=True)
    details = serializers.DictField(child=serializers.CharField())
    refunded_minor = serializers.IntegerField()
    taken_minor = serializers.IntegerField(
        help_text="what the method took, in the currency it took it (a PayPal capture in "
        "USD: the captured amount; otherwise amount_minor)"
    )
    taken_currency = serializers.CharField(help_text="taken_minor's ISO 4217 code")


class LookupRefundLine(serializers.Serializer):
    line_id = serializers.CharField()
    quantity = serializers.IntegerField()
    total_minor = serializers.IntegerField()


class LookupRefundTender(serializers.Serializer):
    payment_id = serializers.CharField()
    amount_minor = serializers.IntegerField()


class LookupRefund(serializers.Serializer):
    refund_id = serializers.CharField()
    receipt_number = serializers.CharField()
    terminal_id = serializers.CharField()
    total_minor = serializers.IntegerField()
    lines = LookupRefundLine(many=True)
    tenders = LookupRefundTender(many=True)


class LookupBuyer(serializers.Serializer):
    tax_pin = serializers.CharField(allow_null=True, help_text="the buyer's KRA PIN")
    name = serializers.CharField(allow_null=True)


class LookupSale(serializers.Serializer):
    sale_id = serializers.CharField()
    receipt_number = serializers.CharField()
    terminal_id = serializers.CharField()
    status = serializers.CharField(help_text="completed or voided")
    business_date = serializers.DateField()
    closed_at = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    total_minor = serializers.IntegerField()
    lines = LookupLine(many=True)
    payments = LookupPayment(many=True)
    refunds = LookupRefund(many=True)
    buyer = LookupBuyer(
        allow_null=True,
        help_text="the buyer named on the tax invoice (a refund's credit note must name "
        "the same KRA PIN); null when the sale named none",
    )


class LookupAnswer(serializers.Serializer):
    sales = LookupSale(many=True)


_ERR = OpenApiResponse(ErrorBody)


@extend_schema(
    parameters=[OpenApiParameter("q", str, required=True)],
    responses={200: LookupAnswer, 400: _ERR, 401: _ERR, 403: _ERR, 429: _ERR},
)
@api_view(["GET"])
@throttle_classes([TerminalThrottle, AddressThrottle, RefundLookupThrottle])
def sales_for_refund_view(request: Request) -> Response:
    """Sales of this terminal's store whose receipt number or payment reference is ``q``
    (exactly; case ignored), with what was refunded of each line and tender so far and
    the refunds counted, for a refund at another till of the store."""
    terminal = terminal_of(request)
    touch(terminal)
    q = " ".join(str(request.query_params.get("q", "")).split())
    if not q or len(q) > MAX_QUERY or not q.isprintable():  # NUL: PostgreSQL refuses it
        raise ApiError(
            400, "invalid", f"q: say the receipt number or payment reference (1-{MAX_QUERY})."
        )
    return Response({"sales": [_sale(s) for s in find_sales(terminal.store, q)]})


def find_sales(store: Store, q: str) -> list[m.Sale]:
    """The store's sales (real ones, not training) numbered ``q`` or paid with reference
    ``q``, newest first; of a sale both completed and voided, the completed row."""
    real = m.Sale.objects.filter(store=store, event__training=False)
    by_number = real.filter(receipt_number=q.upper())
    by_reference = real.filter(
        sale_id__in=m.SalePayment.objects.filter(
            sale__store=store, sale__event__training=False, reference__iexact=q
        ).values("sale__sale_id")
    )
    found: dict[str, m.Sale] = {}
    rows = (by_number | by_reference).select_related("event", "event__terminal")
    for sale in rows.order_by("-business_date", "-closed_at", "status")[: MAX_SALES * 2]:
        found.setdefault(str(sale.sale_id), sale)
    return list(found.values())[:MAX_SALES]


def _minor(money: Mapping[str, Any] | None) -> int:
    return int(money["minor"]) if money else 0


def _taken(payment: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """What the method took and in which currency: the tender's ``foreign`` amount when it
    was taken in another currency (PayPal in USD), else its amount. A till refunding the
    payment through the method (a PayPal capture refund by the capture id, which is the
    tender's ``reference``) gives back in that currency, in proportion."""
    foreign = payment.get("foreign") or None
    if foreign and foreign.get("amount"):
        return {
            "taken_minor": int(foreign["amount"]["minor"]),
            "taken_currency": str(foreign["amount"]["currency"]),
        }
    return {"taken_minor": _minor(payment["amount"]), "taken_currency": currency}


def _buyer(customer: Any) -> dict[str, Any] | None:
    """The sale's ``customer`` as the answer gives it (None: the invoice named no buyer)."""
    if not isinstance(customer, Mapping) or not customer.get("tax_pin"):
        return None
    return {"tax_pin": str(customer["tax_pin"]), "name": customer.get("name") or None}


def _sale(sale: m.Sale) -> dict[str, Any]:
    body: dict[str, Any] = sale.event.document["body"]
    refunds = (
        m.Refund.objects.filter(
            original_sale_id=sale.sale_id, store_id=sale.store_id, event__training=False
        )
        .select_related("event", "event__terminal")
        .order_by("event__received_at", "event__created_at", "event__seq")
    )
    counted = [(r.event.terminal.code, r.event.document["body"]) for r in refunds]
    qty: dict[str, int] = {}
    money: dict[str, int] = {}
    paid_back: dict[str, int] = {}
    for _, doc in counted:
        for ln in doc["lines"]:
            key = ln.get("original_line_id")
            if key:
                qty[key] = qty.get(key, 0) + int(ln["quantity"])
                money[key] = money.get(key, 0) + _minor(ln["total"])
        for t in doc["tenders"]:
            key = t.get("original_payment_id")
            if key:
                paid_back[key] = paid_back.get(key, 0) + _minor(t["amount"])
    lines = body.get("lines") or []
    return {
        "sale_id": str(sale.sale_id),
        "receipt_number": sale.receipt_number,
        "terminal_id": sale.event.terminal.code,
        "status": sale.status,
        "business_date": sale.business_date.isoformat(),
        "closed_at": body.get("closed_at") or body.get("voided_at"),
        "currency": sale.currency,
        "total_minor": sale.total_minor,
        "buyer": _buyer(body.get("customer")),
        "lines": [
            {
                "line_id": ln["line_id"],
                "product_id": ln.get("product_id"),
                "sku": ln.get("sku") or "",
                "barcode": ln.get("barcode"),
                "name": ln["name"],
                "quantity": int(ln["quantity"]),
                "unit_price_minor": _minor(ln["unit_price"]),
                "total_minor": _minor(ln["total"]),
                "vat_code": ln["vat_class"]["code"],
                "vat_rate": str(ln["vat_class"]["rate"]),
                "vat_exempt": bool(ln["vat_class"]["exempt"]),
                "refunded_quantity": qty.get(ln["line_id"], 0),
                "refunded_minor": money.get(ln["line_id"], 0),
            }
            for ln in lines
        ],
        "payments": [
            {
                "payment_id": p["payment_id"],
                "method": p["method"],
                "amount_minor": _minor(p["amount"]),
                "reference": p.get("reference") or "",
                "details": {str(k): str(v) for k, v in (p.get("details") or {}).items()},
                "refunded_minor": paid_back.get(p["payment_id"], 0),
                **_taken(p, sale.currency),
            }
            for p in body.get("payments") or []
        ],
        "refunds": [
            {
                "refund_id": doc["refund_id"],
                "receipt_number": doc["receipt_number"],
                "terminal_id": code,
                "total_minor": _minor(doc["total"]),
                "lines": [
                    {
                        "line_id": ln["original_line_id"],
                        "quantity": int(ln["quantity"]),
                        "total_minor": _minor(ln["total"]),
                    }
                    for ln in doc["lines"]
                    if ln.get("original_line_id")
                ],
                "tenders": [
                    {"payment_id": t["original_payment_id"], "amount_minor": _minor(t["amount"])}
                    for t in doc["tenders"]
                    if t.get("original_payment_id")
                ],
            }
            for code, doc in counted
        ],
    }
