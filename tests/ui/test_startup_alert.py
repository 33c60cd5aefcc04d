"""The red start-up alert: a tampered audit log is shown to the person at the till."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.ui.conftest import MakeTill


def test_no_alert_on_a_clean_start(make_till: MakeTill) -> None:
    """A fresh till verifies its audit chain quietly."""
    till = make_till()
    till.until(lambda: till.window.background.pending == 0)
    assert not till.window.alert.isVisible()


def test_tampered_audit_log_raises_a_red_alert(make_till: MakeTill) -> None:
    """Editing a past audit entry by hand is detected at the next start and named."""
    first = make_till()
    first.login()  # writes audit entries (bootstrap users, login)
    first.close()
    conn = sqlite3.connect(first.config.database_path)
    try:
        (guard,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'"
        ).fetchone()
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET result = 'ok' WHERE action = 'user_created'")
        conn.execute(guard)  # put back: a missing rule would stop selling altogether
        conn.commit()
    finally:
        conn.close()

    second = make_till()
    second.until(lambda: second.window.alert.isVisible())
    text = second.window.alert.text()
    assert "audit log was tampered with" in text
    assert "entry 1 " in text
    # the till still works: selling is not blocked by the alert
    second.login()
    assert second.window.stack.currentWidget() is second.window.sale
