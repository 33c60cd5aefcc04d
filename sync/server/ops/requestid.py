"""Request ids: every request gets one (the proxy's ``X-Request-ID`` when it is sane, else a
new one), every log line written while serving it carries it, and the answer returns it."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        rid = given if _SANE.match(given) else uuid.uuid4().hex
        token = _current.set(rid)
        try:
            request.request_id = rid
            response = self.get_response(request)
            response[HEADER] = rid
            return response
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record made while a request is served (JSON logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = _current.get()
        if rid and not hasattr(record, "request_id"):
            record.request_id = rid
        return True
