"""The per-attempt callback token: an HMAC of the attempt id with a head-office secret.

The secret is ``KAUNTA_HQ_CALLBACK_SECRET`` (falling back to the Django secret key, which
``kaunta-hq serve`` already refuses to leave at its development value). The token goes in
the CallBackURL's path; nobody without the secret can make one for another attempt, and it is
compared with :func:`hmac.compare_digest` so timing tells nothing about it.

Rotating the secret must not strand a push in flight: Daraja calls back minutes after the
till registered it, with the token (and against the phone hash) made under the old secret.
So tokens and stored phone hashes are checked against the current secret and then each
retired one still accepted: ``SECRET_KEY_FALLBACKS`` (``KAUNTA_HQ_SECRET_KEY_FALLBACKS``) when
the secret is the Django key, ``KAUNTA_HQ_CALLBACK_SECRET_FALLBACKS`` (comma-separated) when
``KAUNTA_HQ_CALLBACK_SECRET`` is set. New tokens and hashes are always made with the current
secret. docs/deploy.md, "Rotating secrets", says how long to keep a retired key.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings


def _secrets() -> tuple[bytes, ...]:
    """The current secret first, then the retired ones still accepted."""
    own = os.environ.get("KAUNTA_HQ_CALLBACK_SECRET")
    if own:
        old = os.environ.get("KAUNTA_HQ_CALLBACK_SECRET_FALLBACKS", "").split(",")
        keys = [own, *(k.strip() for k in old if k.strip())]
    else:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    return tuple(k.encode() for k in keys)


def _secret() -> bytes:
    return _secrets()[0]


def _token(secret: bytes, attempt_id: str) -> str:
    return hmac.new(secret, b"stk-callback:" + attempt_id.encode(), hashlib.sha256).hexdigest()


def token_for(attempt_id: str) -> str:
    """The token for ``attempt_id`` (hex, 256 bits), made with the current secret."""
    return _token(_secret(), attempt_id)


def token_ok(attempt_id: str, token: str) -> bool:
    """Whether ``token`` is the one for ``attempt_id`` under the current secret or a retired
    one still accepted; each compared in constant time, and every one is compared (no early
    exit), so timing tells neither the token nor which key made it."""
    given = token.encode()
    ok = False
    for secret in _secrets():
        ok |= hmac.compare_digest(_token(secret, attempt_id).encode(), given)
    return ok


def wire_phone_hash(phone_digits: str) -> str:
    """How a till names the payer's phone when it registers a push: SHA-256 hex of
    ``2547XXXXXXXX`` (``pos.payments.mpesa.relay.phone_sha256``). Never stored as such:
    with the masked number on a receipt, every candidate can be tried in seconds."""
    return hashlib.sha256(phone_digits.encode()).hexdigest()


def _stored(secret: bytes, wire_hash: str) -> str:
    return hmac.new(secret, b"payer-phone:" + wire_hash.encode(), hashlib.sha256).hexdigest()


def stored_phone_hash(wire_hash: str) -> str:
    """What head office keeps of a till's :func:`wire_phone_hash`: an HMAC of it with the
    head-office secret, so the database alone gives no way to test candidate numbers."""
    return _stored(_secret(), wire_hash)


def stored_phone_hashes(wire_hash: str) -> tuple[str, ...]:
    """:func:`stored_phone_hash` under the current secret and each retired one still
    accepted: what a push registered before a rotation may have stored."""
    return tuple(_stored(secret, wire_hash) for secret in _secrets())


def phone_hash(phone_digits: str) -> str:
    """The stored form of a full number (what a callback's PhoneNumber is compared by)."""
    return stored_phone_hash(wire_phone_hash(phone_digits))


def phone_hashes(phone_digits: str) -> tuple[str, ...]:
    """Every stored form a full number may have (current secret first; see
    :func:`stored_phone_hashes`)."""
    return stored_phone_hashes(wire_phone_hash(phone_digits))
