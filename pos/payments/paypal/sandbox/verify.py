"""``POST /v1/notifications/verify-webhook-signature``: the sandbox's postback verification.

PayPal's answer to "did you send this webhook?" (spec ``verify_webhook_signature`` →
``{"verification_status": "SUCCESS" | "FAILURE"}``). The sandbox checks with its own code,
not the head office's: the certificate URL is its own, the algorithm ``SHA256withRSA``, the
webhook id the one it signs for, and the RSA signature over ``transmission id|time|webhook
id|CRC32`` verifies with its signing key, where the CRC is of ``webhook_event`` written the
way the sandbox writes event bodies (compact JSON, keys in the order given). **GUESS**: how
PayPal recovers the exact bytes from a parsed ``webhook_event`` is not documented; a
listener that re-orders keys would fail here and may not at PayPal. Missing fields are 400
``INVALID_REQUEST`` (the spec lists every field as required).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pos.payments.paypal.sandbox.errors import ApiError, debug_id, json_response
from pos.payments.paypal.sandbox.model import Request, Response

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

FIELDS = (
    "auth_algo",
    "cert_url",
    "transmission_id",
    "transmission_sig",
    "transmission_time",
    "webhook_id",
    "webhook_event",
)


def verify_signature(sb: PayPalSandbox, request: Request) -> Response:
    """Answer SUCCESS only for a webhook this sandbox signed, exactly as it signed it."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "MALFORMED_REQUEST_JSON", op="webhooks.verify") from None
    if not isinstance(body, dict) or any(body.get(name) in (None, "") for name in FIELDS):
        raise ApiError(400, "MISSING_REQUIRED_PARAMETER", op="webhooks.verify")
    event = body["webhook_event"]
    raw = json.dumps(event, separators=(",", ":")).encode()
    ok = (
        body["cert_url"] == sb.cert_url
        and body["auth_algo"] == "SHA256withRSA"
        and body["webhook_id"] == sb.webhook_id
        and _signed(sb, body, raw)
    )
    return json_response(200, {"verification_status": "SUCCESS" if ok else "FAILURE"}, debug_id())


def _signed(sb: PayPalSandbox, body: dict[str, object], raw: bytes) -> bool:
    crc = zlib.crc32(raw) & 0xFFFFFFFF
    message = f"{body['transmission_id']}|{body['transmission_time']}|{sb.webhook_id}|{crc}"
    key = sb.signer.leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        signature = base64.b64decode(str(body["transmission_sig"]), validate=True)
        key.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
