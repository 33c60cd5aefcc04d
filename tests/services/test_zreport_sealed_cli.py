"""``kaunta verify`` in a process of its own on a live till whose Z was rewritten in the
file (trigger dropped, figures and hash recomputed, trigger put back): exit 1, naming the Z.
Before the rewrite the same till verifies (exit 0)."""

from __future__ import annotations

import keyring

from pos.app import open_terminal
from pos.services.auth import Role
from tests.file_keyring import FileKeyring
from tests.services.test_zreport_sealed import _rewrite_gross
from tests.test_cli_verify import PINS, LiveTill, _kaunta, live  # noqa: F401 (fixture)


def _close_day(till: LiveTill) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        terminal, lock = open_terminal(till.config)
        try:
            manager = next(u for u in terminal.auth.users() if u.role is Role.MANAGER)
            terminal.auth.login(manager.user_id, PINS[Role.MANAGER])
            terminal.shifts.close({}, note="counted short")
            terminal.zreports.z_report()
        finally:
            terminal.close()
            lock.release()
    finally:
        keyring.set_keyring(previous)


def test_kaunta_verify_finds_a_rewritten_z(live: LiveTill) -> None:  # noqa: F811
    _close_day(live)
    clean = _kaunta(live.home, "verify")
    assert clean.returncode == 0, (clean.stdout, clean.stderr)
    _rewrite_gross(str(live.config.database_path), 1)
    result = _kaunta(live.home, "verify")
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert lines[0] == f"TAMPERED: 2 problems in the journal of {live.config.database_path}."
    assert lines[1] == (
        "First bad document: Z report 1 (T2): its hash differs from the one sealed in the "
        "journal when it was made"
    )
    assert "Traceback" not in result.stderr
