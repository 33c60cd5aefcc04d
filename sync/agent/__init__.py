"""The till's sync agent: drains the outbox to the head office, pulls catalog and user
changes, reports its state (see :mod:`sync.agent.agent`).

Imports ``pos.store`` and ``sync.protocol`` (and requests) only; the composition root
(``pos.app``) gives it the database, the credentials from the keyring and a status callback.
"""

from __future__ import annotations

from sync.agent.agent import AgentSettings, DrainResult, SyncAgent, SyncStatus
from sync.agent.client import (
    ClientSettings,
    HeadOfficeClient,
    RequestRefused,
    SyncError,
    TerminalRefused,
    TlsError,
    TransientError,
)
from sync.agent.enroll import Credentials, EnrollmentError, enroll

__all__ = [
    "AgentSettings",
    "ClientSettings",
    "Credentials",
    "DrainResult",
    "EnrollmentError",
    "HeadOfficeClient",
    "RequestRefused",
    "SyncAgent",
    "SyncError",
    "SyncStatus",
    "TerminalRefused",
    "TlsError",
    "TransientError",
    "enroll",
]
