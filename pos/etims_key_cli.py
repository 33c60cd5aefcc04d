"""``kaunta etims-key export FILE`` / ``kaunta etims-key import FILE``: the backup of a
standalone till's eTIMS communication key (docs/etims.md, "The communication key").

KRA sends the key once (a second initialisation answers 902 without it), so a till
that initialised its own device keeps a copy off the computer: ``export`` writes the
key from the OS keyring to a new file readable by this OS user only (keep it on a USB
stick in the safe, as the journal key); ``import`` puts it into the keyring of a new or
repaired computer (a different key already there is not replaced). Both read the same
OS keyring the till reads, so they need nothing the keyring itself does not protect.
An enrolled store's device is initialised by head office, which keeps the key sealed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from pos.config import Config


def run_etims_key(config: Config, action: str, file: Path) -> int:
    """0 done (what was done on stdout), 2 refused (the reason on stderr)."""
    from pos.secrets import KeyringSecrets
    from sync.etims.keykeep import KeyFileError, KeyStoreUnusable, export_key, import_key

    if config.training:
        print("kaunta: training mode keeps no eTIMS key (the simulator's)", file=sys.stderr)
        return 2
    if config.etims is None:
        print("kaunta: this till has no [etims] section (docs/etims.md)", file=sys.stderr)
        return 2
    branch = config.etims.branch
    try:
        if action == "export":
            export_key(KeyringSecrets(), branch, file, datetime.now(UTC))
            print(
                f"The communication key of {branch.tin} branch {branch.bhf_id} is in {file}: "
                "keep it off this computer, somewhere safe (KRA does not send it again)."
            )
        else:
            import_key(KeyringSecrets(), branch, file)
            print(
                f"The communication key of {branch.tin} branch {branch.bhf_id} is in the keyring."
            )
    except (KeyFileError, KeyStoreUnusable) as exc:
        print(f"kaunta: {exc}", file=sys.stderr)
        return 2
    return 0
