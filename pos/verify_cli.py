"""``kaunta verify``: check every seal of the journal from the command line, changing nothing.

Exit 0: the journal verifies. 1: it was tampered with (the report names the first bad
document, then the others). 2: it cannot be checked (no database, not yet upgraded and
sealed, journal key missing or not this file's). It reads one snapshot and takes no lock,
so it can run beside a running till.
"""

from __future__ import annotations

import sys

from pos.config import Config


def run_verify(config: Config) -> int:
    from pos.secrets import journal_key_store
    from pos.services.journal import verify_database

    keys = journal_key_store(config.training, config.database_path)
    outcome = verify_database(config.database_path, config.terminal_context(), keys)
    if outcome.code == 2:
        for line in outcome.lines:
            print(f"kaunta: {line}", file=sys.stderr)
        return 2
    for line in outcome.lines:
        print(line)
    if config.training:
        print("Training mode: its key is kept beside the database, so this is not evidence.")
    return outcome.code
