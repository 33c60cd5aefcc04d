"""A faithful local simulator of KRA eTIMS OSCU (reference ``etims.md`` section 7).

For training mode, tests, the bench and integrators: ``with EtimsSandbox() as box``, or
``kaunta sandbox etims``. It implements everything it checks itself and imports nothing
of the client (``tests/etims/test_sandbox_independence.py``), so a mistake on one side
is caught by the other. See :mod:`.server` for the fault modes and :mod:`.checks` for the
validation.
"""

from __future__ import annotations

from sync.etims.sandbox.cli import serve
from sync.etims.sandbox.server import (
    API_PREFIX,
    CONTROL_PREFIX,
    DEMO_SERIAL,
    DEMO_SERIAL_01,
    DEMO_TIN,
    EtimsSandbox,
    Fault,
)
from sync.etims.sandbox.state import Settings

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DEMO_SERIAL",
    "DEMO_SERIAL_01",
    "DEMO_TIN",
    "EtimsSandbox",
    "Fault",
    "Settings",
    "serve",
]
