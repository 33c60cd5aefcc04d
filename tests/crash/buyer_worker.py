"""A till that rings up a basket, puts a buyer's KRA PIN on it, says so and waits to be
SIGKILLed by the parent with the basket still open.

Run as ``python tests/crash/buyer_worker.py DB_PATH`` with the repository root on
``PYTHONPATH``. It opens the till as the app does (instance lock, migrations, demo seed),
scans a milk, sets the buyer's PIN and name, prints ``BUYER <sale_id> <pin>`` once the
call returned (the draft is committed by then) and sleeps until the kill.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.crash.harness import open_till, say

MILK = "6168232712628"  # 65.00, zero-rated (the demo catalog)
PIN, NAME = "P051234567X", "Duka la Mfano Ltd"


def main(db_path: str) -> None:
    terminal, _lock = open_till(Path(db_path))
    terminal.checkout.scan(MILK)
    view = terminal.checkout.set_buyer(PIN, NAME)
    say(f"BUYER {view.sale_id} {view.buyer_pin}")
    time.sleep(120)  # killed here, the basket open


if __name__ == "__main__":
    main(sys.argv[1])
