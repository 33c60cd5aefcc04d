"""``python -m sync.etims.sandbox``: the simulator with its own options (``--device``)."""

from __future__ import annotations

from sync.etims.sandbox.cli import main

raise SystemExit(main())
