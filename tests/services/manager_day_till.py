"""A fresh till per Hypothesis example, for the manager's-day property tests.

The ``terminal`` fixture is one till per test function, so every example of a property
would inherit the shifts, sales and Zs of the examples before it. :func:`fresh_till`
copies the session's seeded template (demo users and catalog, the demo shift open, its
journal key and PIN pepper beside it) into a folder of its own and opens a real
:class:`Terminal` over it, exactly as the fixture does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pos.demo import DEMO_USERS
from pos.services.auth import Role, UserSummary
from pos.services.terminal import Terminal
from tests.conftest import FakeClock, make_ctx

#: the demo PINs by role
PINS: dict[Role, str] = {Role(role): pin for _, role, pin in DEMO_USERS}
#: the demo users' names by role (a test may add more users of a role)
NAMES: dict[Role, str] = {Role(role): name for name, role, _ in DEMO_USERS}


@contextmanager
def fresh_till(template: Path, folder: Path) -> Iterator[tuple[Terminal, FakeClock]]:
    """A till over its own copy of ``template`` in ``folder`` (made empty first), closed
    on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "kaunta.sqlite"
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{db_path}{suffix}")
    for pattern in ("journal.*", "auth.*"):
        for key in template.parent.glob(pattern):
            shutil.copyfile(key, folder / key.name)
    clock = FakeClock()
    term = Terminal.open(db_path, make_ctx(), clock)
    try:
        yield term, clock
    finally:
        term.close()


def users_by_role(term: Terminal) -> dict[Role, UserSummary]:
    """The demo users by role (one of each), whatever other users were added."""
    return {u.role: u for u in term.auth.users() if u.name == NAMES[u.role]}


def login(term: Terminal, role: Role) -> None:
    """Log the demo user of ``role`` in with their PIN (unless they are the one logged in:
    a PIN check is the slow part of a step)."""
    current = term.auth.current
    if current is not None and current.role is role:
        return
    term.auth.login(users_by_role(term)[role].user_id, PINS[role])
