"""How the OpenAPI schema describes the terminal token (``Authorization: Token …``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TerminalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sync.server.api.auth.TerminalTokenAuthentication"
    name = "terminalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <token>, as enrollment gave it.",
        }
