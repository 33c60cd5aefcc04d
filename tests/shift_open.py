"""Opening a shift for tests that build their own till: a sale needs an open shift.

The ``terminal`` fixture's template is seeded by ``Terminal.seed_demo``, which opens the
demo's first shift; a test over a database it made itself calls :func:`ensure_shift`
before selling (a training till: zero float, opened for the first manager).
"""

from __future__ import annotations

from pos.services.auth import Role
from pos.services.terminal import Terminal


def ensure_shift(term: Terminal) -> None:
    """Open a shift on ``term`` unless one is open."""
    if term.shifts.current() is not None:
        return
    if term.auth.current is not None:
        term.shifts.open({})
        return
    managers = [u for u in term.auth.users() if u.role is Role.MANAGER] or term.auth.users()
    term.shifts.open_for_demo(managers[0].user_id, managers[0].name)
