"""The frozen app's entry point: the same ``kaunta`` command as an installed package.

A windowed build (Windows' ``kaunta.exe``, ``installer/targets.py``) starts with no
standard output or error (``sys.stdout`` is None): what the command prints (a refused
configuration, ``--print-paths``, a backup's report) would be lost, so it is appended to
``console.log`` in the log folder instead (``KAUNTA_LOG_DIR`` or the platform's, as the
till's own ``kaunta.log``), each start headed by its time and arguments.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path


def streams_to_log() -> Path | None:
    """Point a missing stdout/stderr at ``console.log``; returns that file, or None when
    both streams exist (a console program, or a terminal)."""
    if sys.stdout is not None and sys.stderr is not None:
        return None
    from pos.config import default_log_dir

    folder = Path(os.environ.get("KAUNTA_LOG_DIR") or default_log_dir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "console.log"
    stream = path.open("a", encoding="utf-8", buffering=1)  # line-buffered: a crash keeps it
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    stream.write(f"--- {stamp} kaunta {' '.join(sys.argv[1:])}\n")
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream
    return path


if __name__ == "__main__":
    streams_to_log()
    from pos.cli import main

    sys.exit(main())
