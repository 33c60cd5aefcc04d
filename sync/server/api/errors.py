"""Every refusal in one shape: ``{"error": {"code": "...", "message": "..."}}``."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


class ApiError(exceptions.APIException):
    """A refusal with our own code and a message for the person at the till."""

    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(message, code)
        self.status_code = http_status


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_message(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return "; ".join(_message(v) for v in detail)
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "invalid"
        if isinstance(exc, exceptions.Throttled):
            code = "throttled"
            wait = exc.wait or 1
            message = f"Too many requests: try again in {int(wait + 0.999)} seconds."
        else:
            message = _message(exc.detail)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response.status_code = status.HTTP_401_UNAUTHORIZED
        response.data = error_body(str(code), message)
    return response
