"""``kaunta verify``: check every seal of the journal from the command line, changing nothing.

Exit 0: the journal verifies. 1: it was tampered with (the report names the first bad
document, then the others). 2: it cannot be checked (no database, not yet upgraded and
sealed, journal key missing or not this file's). It reads one snapshot and takes no lock,
so it can run beside a running till. The eTIMS files beside the database
(``etims.sqlite``, ``etims-headoffice.sqlite``) have their stored KRA signatures'
chains checked too: a rewritten one is exit 1, naming the file, branch and invoice.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pos.config import Config

if TYPE_CHECKING:
    from sync.etims.queue_sqlite import ChainKey


def run_verify(config: Config) -> int:
    from pos.secrets import journal_key_store
    from pos.services.journal import verify_database

    keys = journal_key_store(config.training, config.database_path)
    outcome = verify_database(config.database_path, config.terminal_context(), keys)
    from pos.etims_evidence import verify_key

    etims_key = verify_key(keys, config.terminal_context())
    etims_code, etims_lines = verify_etims(config.database_path, etims_key)
    if outcome.code == 2:
        for line in outcome.lines:
            print(f"kaunta: {line}", file=sys.stderr)
        if etims_code != 1:
            return 2
    else:
        for line in outcome.lines:
            print(line)
    for line in etims_lines:
        print(line, file=sys.stderr if etims_code == 2 else sys.stdout)
    if config.training:
        print("Training mode: its key is kept beside the database, so this is not evidence.")
    if etims_code == 1:
        return 1  # a rewritten KRA signature is tampering whatever the journal says
    return max(outcome.code, etims_code)


#: the eTIMS files beside the database whose stored KRA signatures are evidence: the
#: standalone worker's queue and the enrolled till's copy of head office's answers
ETIMS_FILES = ("etims.sqlite", "etims-headoffice.sqlite")


def verify_etims(database: Path, key: ChainKey | None = None) -> tuple[int, list[str]]:
    """The KRA signature chains of the eTIMS files beside ``database``
    (:func:`sync.etims.chain_check.file_problems`): 0 and a line per file checked, 1
    and the problems, each naming the file, branch and invoice, or 2 when a file cannot
    be read. A file that is not there is not checked (no eTIMS, or not yet). ``key``:
    the chain key from the journal key (None: keyed links cannot be checked, and the
    lines say so)."""
    import sqlite3

    from pos.etims_evidence import was_keyed
    from sync.etims.chain_check import file_problems

    code, lines = 0, []
    for name in ETIMS_FILES:
        path = database.with_name(name)
        if not path.is_file():
            continue
        try:
            problems = file_problems(path, key, was_keyed=was_keyed(database, name))
        except sqlite3.Error as exc:
            code = max(code, 2)
            lines.append(f"kaunta: the eTIMS file {path} cannot be read: {exc}")
            continue
        if problems:
            code = 1
            lines.append(f"TAMPERED: {len(problems)} problems in the KRA signatures of {path}.")
            lines.extend(f"  {path.name}: {problem}" for problem in problems)
        elif key is None:
            lines.append(
                f"KRA signatures of {path.name}: each follows the one before it; their keyed "
                "links were not checked (no journal key)."
            )
        else:
            lines.append(f"KRA signatures of {path.name}: the chain verifies.")
    return code, lines
