"""The one error a protocol parser raises: which field, and why."""

from __future__ import annotations


class ProtocolError(ValueError):
    """A document was refused. ``field`` is a path into it (``body.lines[2].quantity``),
    ``reason`` says what is wrong there, in words an integrator can act on."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason
