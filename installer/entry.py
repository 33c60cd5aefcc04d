"""The frozen app's entry point: the same ``kaunta`` command as an installed package."""

from __future__ import annotations

import sys

from pos.cli import main

if __name__ == "__main__":
    sys.exit(main())
