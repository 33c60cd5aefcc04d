"""PayPal's error answers, in the spec's exact shape, and ``PayPal-Mock-Response``.

Every error names the operation it answers (``orders.capture``, ``captures.refund``, …)
so that its ``details[].description`` is that operation's own text from the OpenAPI file
(:mod:`.issues`, generated from it), and so that a mock code is checked against what that
operation documents.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from pos.payments.paypal.sandbox import issues
from pos.payments.paypal.sandbox.model import Response

__all__ = [
    "ERROR_NAMES",
    "KAUNTA_CAPTURE_MOCKS",
    "MOCK_HEADER",
    "ApiError",
    "InvalidToken",
    "debug_id",
    "description",
    "documented_status",
    "json_response",
    "mock_code",
    "mock_error",
    "oauth_error",
    "unit_pointer",
]

MOCK_HEADER = "PayPal-Mock-Response"

#: ``name`` and ``message`` per HTTP status (the spec's ``error_4xx``/``error_5xx``).
ERROR_NAMES: dict[int, tuple[str, str]] = {
    400: (
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
    ),
    401: (
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to missing authorization header, or invalid authentication "
        "credentials.",
    ),
    403: ("NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."),
    404: ("RESOURCE_NOT_FOUND", "The specified resource does not exist."),
    409: ("RESOURCE_CONFLICT", "The server has detected a conflict while processing this request."),
    415: (
        "UNSUPPORTED_MEDIA_TYPE",
        "The server does not support the request payload's media type.",
    ),
    422: (
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business "
        "validation.",
    ),
    500: ("INTERNAL_SERVER_ERROR", "An internal server error occurred."),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable."),
}

#: Kaunta's sandbox-only codes for capture (PayPal has no mock code for these): the capture
#: succeeds, with this capture status and reason.
KAUNTA_CAPTURE_MOCKS: dict[str, tuple[str, str]] = {
    "CAPTURE_PENDING": ("PENDING", "PENDING_REVIEW"),
    "CAPTURE_DECLINED": ("DECLINED", ""),
    "CAPTURE_FAILED": ("FAILED", ""),
}


def debug_id() -> str:
    return secrets.token_hex(7)[:13]


def json_response(status: int, payload: Any, debug: str = "") -> Response:
    headers = {"Content-Type": "application/json"}
    if debug:
        headers["Paypal-Debug-Id"] = debug
    return Response(status, json.dumps(payload).encode(), headers)


def documented_status(operation: str, issue: str) -> int | None:
    """The HTTP status ``operation`` answers ``issue`` with, if the spec lists it there."""
    for status, names in issues.OPERATIONS.get(operation, {}).items():
        if issue in names:
            return status
    return None


def description(operation: str, issue: str) -> str:
    """The spec's text for ``issue`` as ``operation`` words it (another operation's text
    when this one does not list the issue; the sandbox's own words as a last resort)."""
    own = issues.OVERRIDES.get(operation, {}).get(issue)
    return own or issues.DESCRIPTIONS.get(issue) or issue.replace("_", " ").capitalize() + "."


def unit_pointer(reference_id: str = "default") -> str:
    """How PayPal points at a purchase unit in ``details[].field``: by its reference id,
    ``/purchase_units/@reference_id=='default'`` (the spec's PATCH description)."""
    return f"/purchase_units/@reference_id=='{reference_id}'"


class ApiError(Exception):
    """Raised inside a handler to answer with the spec's error shape."""

    def __init__(
        self,
        status: int,
        issue: str = "",
        *,
        op: str = "orders.create",
        field_: str = "",
        value: str | None = None,
        location: str = "body",
        links: Sequence[Mapping[str, str]] = (),
        text: str = "",
    ) -> None:
        super().__init__(issue or str(status))
        self.status = status
        self.issue = issue
        self.op = op
        self.field = field_
        self.value = value
        self.location = location
        self.links = links
        self.text = text

    @property
    def docs(self) -> str:
        return "orders/v2" if self.op.startswith("orders.") else "payments/v2"

    def response(self) -> Response:
        name, message = ERROR_NAMES.get(self.status, ERROR_NAMES[500])
        debug = debug_id()
        body: dict[str, Any] = {"name": name, "message": message}
        if self.issue:
            detail: dict[str, str] = {}
            if self.field:
                detail["field"] = self.field
            if self.value is not None:
                detail["value"] = self.value
            if self.field:
                detail["location"] = self.location
            detail["issue"] = self.issue
            detail["description"] = self.text or description(self.op, self.issue)
            body["details"] = [detail]
        body["debug_id"] = debug
        anchor = self.issue or name
        body["links"] = [
            {
                "href": f"https://developer.paypal.com/docs/api/{self.docs}/#error-{anchor}",
                "rel": "information_link",
                "method": "GET",
            },
            *self.links,
        ]
        return json_response(self.status, body, debug)


class InvalidToken(ApiError):
    """PayPal's answer to an unknown or expired token (OAuth shape, not the spec's)."""

    def __init__(self) -> None:
        super().__init__(401)

    def response(self) -> Response:
        return oauth_error(401, "invalid_token", "Access Token not found in cache")


def oauth_error(status: int, error: str, text: str) -> Response:
    return json_response(status, {"error": error, "error_description": text}, debug_id())


def mock_code(headers: Mapping[str, str], operation: str, *, extra: Sequence[str] = ()) -> str:
    """The ``mock_application_codes`` of a ``PayPal-Mock-Response`` header ("" if none).

    A code is honoured when the spec documents it for ``operation`` (or it is one of
    ``extra``, the sandbox's own). Anything else is refused with 400 rather than ignored,
    so that a negative test can never pass by moving money. GUESS: how PayPal's sandbox
    answers an unknown or malformed mock header (it is not documented); here
    INVALID_PARAMETER_VALUE / INVALID_PARAMETER_SYNTAX on the header.
    """
    raw = headers.get(MOCK_HEADER.lower(), "")
    if not raw.strip():
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    code = parsed.get("mock_application_codes") if isinstance(parsed, dict) else None
    if not isinstance(code, str) or not code:
        raise ApiError(
            400, "INVALID_PARAMETER_SYNTAX", op=operation, field_=MOCK_HEADER,
            value=raw[:60], location="header",
            text='Expected {"mock_application_codes": "<ISSUE>"}.',
        )  # fmt: skip
    if documented_status(operation, code) is None and code not in extra:
        raise ApiError(
            400, "INVALID_PARAMETER_VALUE", op=operation, field_=MOCK_HEADER, value=code,
            location="header",
            text=f"{code} is not an error PayPal documents for {operation}; the sandbox "
            "cannot simulate it.",
        )  # fmt: skip
    return code


def mock_error(operation: str, code: str, **extra: Any) -> ApiError:
    """The error a documented mock code stands for, with the operation's status and text."""
    status = documented_status(operation, code)
    assert status is not None, (operation, code)
    return ApiError(status, code, op=operation, **extra)
