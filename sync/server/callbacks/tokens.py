"""The per-attempt callback token: an HMAC of the attempt id with a head-office secret.

The secret is ``KAUNTA_HQ_CALLBACK_SECRET`` (falling back to the Django secret key, which
``kaunta-hq serve`` already refuses to leave at its development value). The token goes in
the CallBackURL's path; nobody without the secret can make one for another attempt, and it is
compared with :func:`hmac.compare_digest` so timing tells nothing about it.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings


def _secret() -> bytes:
    return (os.environ.get("KAUNTA_HQ_CALLBACK_SECRET") or settings.SECRET_KEY).encode()


def token_for(attempt_id: str) -> str:
    """The token for ``attempt_id`` (hex, 256 bits)."""
    return hmac.new(_secret(), b"stk-callback:" + attempt_id.encode(), hashlib.sha256).hexdigest()


def token_ok(attempt_id: str, token: str) -> bool:
    """Whether ``token`` is the one for ``attempt_id``, in constant time."""
    return hmac.compare_digest(token_for(attempt_id).encode(), token.encode())


def wire_phone_hash(phone_digits: str) -> str:
    """How a till names the payer's phone when it registers a push: SHA-256 hex of
    ``2547XXXXXXXX`` (``pos.payments.mpesa.relay.phone_sha256``). Never stored as such:
    with the masked number on a receipt, every candidate can be tried in seconds."""
    return hashlib.sha256(phone_digits.encode()).hexdigest()


def stored_phone_hash(wire_hash: str) -> str:
    """What head office keeps of a till's :func:`wire_phone_hash`: an HMAC of it with the
    head-office secret, so the database alone gives no way to test candidate numbers."""
    return hmac.new(_secret(), b"payer-phone:" + wire_hash.encode(), hashlib.sha256).hexdigest()


def phone_hash(phone_digits: str) -> str:
    """The stored form of a full number (what a callback's PhoneNumber is compared by)."""
    return stored_phone_hash(wire_phone_hash(phone_digits))
