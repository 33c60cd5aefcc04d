"""Classic PayPal IPN at head office: store exactly as received, answer 200, verify later.

``POST /hooks/paypal/ipn`` (no auth): refused with a :class:`RejectedCallback` when larger
than ``MAX_BODY`` (413 ``too_large``) or not a form-encoded message (400 ``malformed``).
Otherwise the bytes are stored and :func:`~sync.server.callbacks.paypal_tasks.process_ipn`
enqueued in one transaction, then PayPal gets an empty 200 (what it waits for before it
stops resending). The task posts ``cmd=_notify-validate&<the bytes>`` to
``settings.PAYPAL_IPN_URL`` and keeps the message ``verified`` (once per ``txn_id`` and
``payment_status``), ``duplicate`` or ``invalid``. A byte-identical resend of a message
already stored is not stored again. A verified message about a capture head office knows
becomes a result for the till that registered the order (``GET /api/v1/paypal-results``,
beside the webhooks' results; see :mod:`.paypal_tasks` for the matching); every IPN row is
also kept for head-office accounting (the admin lists them).
"""

from __future__ import annotations

import logging
import urllib.parse

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.request import Request
from rest_framework.response import Response

from sync.server.api.throttles import AddressThrottle
from sync.server.callbacks.bodies import bounded_body
from sync.server.callbacks.models import RejectedCallback
from sync.server.callbacks.paypal_models import IpnMessage, IpnState
from sync.server.callbacks.paypal_tasks import ipn_fields, process_ipn
from sync.server.callbacks.redact import refused_body_start
from sync.server.ops.clientip import client_address
from sync.server.ops.paths import safe_path

log = logging.getLogger("kaunta.hq.paypal")
MAX_BODY = 32 * 1024  # an IPN is a couple of KiB; a cart with many items stays far below


def _reject(request: Request, reason: str, status: int, body: bytes) -> Response:
    RejectedCallback.objects.create(
        reason=reason,
        source_ip=client_address(request),
        path=safe_path(request),
        body_start=refused_body_start(body, "latin-1"),
    )
    log.warning("IPN refused: %s from %s", reason, client_address(request))
    return Response({"status": "rejected", "reason": reason}, status=status)


@extend_schema(exclude=True)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([AddressThrottle])
def ipn_view(request: Request) -> Response:
    """PayPal's IPN delivery (see the module doc)."""
    body = bounded_body(request, MAX_BODY)
    if body is None:
        return _reject(request, "too_large", 413, b"")
    try:
        text = body.decode("ascii")  # form encoding is ASCII; anything else is not an IPN
        urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return _reject(request, "malformed", 400, body)
    fields = ipn_fields(body)
    if not fields:
        return _reject(request, "malformed", 400, body)
    if IpnMessage.objects.filter(body=text).exclude(state=IpnState.INVALID).exists():
        log.info("IPN %s sent again; kept once", fields.get("txn_id", "?"))
        return Response(status=200)
    with transaction.atomic():
        row = IpnMessage.objects.create(
            source_ip=client_address(request),
            body=text,
            txn_id=fields.get("txn_id", "")[:40],
            payment_status=fields.get("payment_status", "")[:40],
            mc_gross=fields.get("mc_gross", "")[:30],
            mc_currency=fields.get("mc_currency", "")[:3],
            custom=fields.get("custom", "")[:256],
        )
        process_ipn.enqueue(row.pk)
    return Response(status=200)
