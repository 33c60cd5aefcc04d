"""The customer page's token: what the provisional receipt's QR code points at.

A sale made while KRA (or head office) is away prints a provisional receipt; its QR code
is head office's page ``/r/<token>`` where the customer fetches the signed invoice later.
The till prints it before head office has ever seen the sale, so both sides compute the
token from what both hold: the terminal's token hash (SHA-256 of the till's head-office
token, which head office keeps instead of the token) and the document's UUID. An HMAC of
the two, 130 bits in base32: unguessable without the till's secret, and one sale's token
tells nothing about another's. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["PAGE_PREFIX", "customer_url", "receipt_token", "token_hash_of"]

#: head office's path of the customer page (``sync/server/etims/public_views.py``)
PAGE_PREFIX = "/r/"
#: 26 base32 characters = 130 bits
TOKEN_CHARS = 26


def token_hash_of(terminal_token: str) -> str:
    """What head office keeps of a terminal's token (``hq_terminals.digest``)."""
    return hashlib.sha256(terminal_token.encode()).hexdigest()


def receipt_token(token_hash: str, doc_id: str) -> str:
    """The page token of one document (sale or refund) of one terminal."""
    mac = hmac.new(
        token_hash.encode(), f"kaunta-etims-receipt|{doc_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(mac).decode("ascii").lower()[:TOKEN_CHARS]


def customer_url(head_office_url: str, token: str) -> str:
    """The QR code's payload on a provisional receipt."""
    return f"{head_office_url.rstrip('/')}{PAGE_PREFIX}{token}"
