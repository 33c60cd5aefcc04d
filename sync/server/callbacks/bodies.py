"""The one way a public callback endpoint reads its body: bounded before and after."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request


def bounded_body(request: HttpRequest | Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than ``limit`` bytes: refused by
    its declared length before anything is read, and by what arrived (a length that
    lied, or chunked transfer) after. A DRF ``Request`` or a plain Django one (the STK
    callback view is plain Django)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > limit:
        return None
    body: bytes = request.body
    return None if len(body) > limit else body
