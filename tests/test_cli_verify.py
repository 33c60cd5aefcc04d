"""``kaunta verify`` as support runs it, in a process of its own: exit 0 when every seal
holds, 1 with a report naming the first bad document, 2 when the journal cannot be checked.

The live till keeps its journal key in the OS keyring; here that is a keyring in a file
(``tests/file_keyring.py``) shared by the test and the ``kaunta`` process.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from pos.app import open_terminal
from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.services.auth import Role
from pos.store.journal_chain import JournalHead
from tests.file_keyring import BACKEND, ENV, FileKeyring
from tests.shift_open import ensure_shift

REPO_ROOT = Path(__file__).resolve().parents[1]
MILK = "6168232712628"
PINS = {Role(role): pin for _, role, pin in DEMO_USERS}


@dataclass(frozen=True, slots=True)
class LiveTill:
    home: Path
    config: Config
    head: JournalHead
    receipts: tuple[str, ...]


def _kaunta(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAUNTA_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        PYTHON_KEYRING_BACKEND=BACKEND,
        **{ENV: str(home / "keyring.json")},
    )
    return subprocess.run(
        [sys.executable, "-m", "pos.cli", "--config", str(home / "kaunta.toml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveTill]:
    """A live till (store NBO01, till T2) that rang up two sales, then was closed."""
    (tmp_path / "kaunta.toml").write_text(
        '[terminal]\nstore_id = "NBO01"\nterminal_id = "T2"\ntraining = false\n\n'
        f'[paths]\ndata_dir = "{tmp_path / "d"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(ENV, str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        config = load_config(
            config_path=tmp_path / "kaunta.toml", data_dir=None, training=None, env={}
        )
        assert not config.training
        terminal, lock = open_terminal(config)
        try:
            terminal.auth.bootstrap_users([(n, Role(r), p) for n, r, p in DEMO_USERS])
            terminal.catalog.import_csv(CATALOG_CSV, operator="test:setup")
            cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
            terminal.auth.login(cashier.user_id, PINS[Role.CASHIER])
            ensure_shift(terminal)  # sales need an open shift
            receipts = []
            for _ in range(2):
                terminal.checkout.scan(MILK, 3)
                receipt = terminal.checkout.pay_cash(Money(50000)).receipt
                assert receipt is not None
                receipts.append(receipt.number)
            head = terminal.journal.head()
            assert head is not None
        finally:
            terminal.close()
            lock.release()
        yield LiveTill(tmp_path, config, head, tuple(receipts))
    finally:
        keyring.set_keyring(previous)


def _tamper(database: Path, *statements: str) -> None:
    """What someone with the file and sqlite3 does: drop the rule, edit, put it back."""
    conn = sqlite3.connect(database)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _trigger_sql(database: Path, name: str) -> str:
    conn = sqlite3.connect(database)
    try:
        return str(
            conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        )
    finally:
        conn.close()


def test_verify_on_a_clean_journal_exits_0_and_prints_the_chain_head(live: LiveTill) -> None:
    result = _kaunta(live.home, "verify")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"OK: the journal of {live.config.database_path} verifies."
    assert "2 sales" in lines[1]
    assert "receipt:T2 at 2" in lines[1]
    assert lines[2] == f"Chain head: entry {live.head.seq}, {live.head.mac}"


def test_verify_after_a_receipt_was_rewritten_exits_1_naming_it(live: LiveTill) -> None:
    database = live.config.database_path
    guard = _trigger_sql(database, "sales_no_update")
    _tamper(
        database,
        "DROP TRIGGER sales_no_update",
        f"UPDATE sales SET total_minor = 100, paid_minor = 100 WHERE number = '{live.receipts[0]}'",
        guard,
    )
    result = _kaunta(live.home, "verify")
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert lines[0] == f"TAMPERED: 1 problem in the journal of {database}."
    assert lines[1].startswith(f"First bad document: sale {live.receipts[0]} (journal entry ")
    assert lines[1].endswith(
        "its rows (totals, lines, VAT or payments) were changed after it was sealed"
    )
    assert "Traceback" not in result.stderr


def test_verify_without_the_journal_key_exits_2(live: LiveTill) -> None:
    (live.home / "keyring.json").write_text("{}", encoding="utf-8")
    result = _kaunta(live.home, "verify")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "kaunta: The journal key journal.key.NBO01-T2 is not where this till keeps it"
    )
    assert result.stdout == ""


def test_verify_with_no_database_exits_2(tmp_path: Path) -> None:
    (tmp_path / "kaunta.toml").write_text(
        '[terminal]\nstore_id = "NBO01"\nterminal_id = "T2"\ntraining = false\n\n'
        f'[paths]\ndata_dir = "{tmp_path / "d"}"\n',
        encoding="utf-8",
    )
    result = _kaunta(tmp_path, "verify")
    assert result.returncode == 2
    assert result.stderr == f"kaunta: There is no database at {tmp_path / 'd' / 'kaunta.sqlite'}.\n"
    assert not (tmp_path / "d" / "kaunta.sqlite").exists()  # verify never creates one


def test_verify_in_training_mode_says_it_is_not_evidence(tmp_path: Path) -> None:
    (tmp_path / "kaunta.toml").write_text("", encoding="utf-8")
    data = tmp_path / "d"
    config = load_config(config_path=tmp_path / "kaunta.toml", data_dir=data, training=True, env={})
    terminal, lock = open_terminal(config)  # seeds the demo users and catalog
    terminal.close()
    lock.release()
    result = _kaunta(tmp_path, "--data-dir", str(data), "--training", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Training mode: its key is kept beside the database, so this is not evidence."
    )
