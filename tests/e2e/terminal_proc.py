"""One till as a process of its own: sells while its sync agent drains, until the outbox
is empty. Started again after a SIGKILL, it sells only what is still missing (counted from
its journal) and drains what was left.

    KAUNTA_SYNC_TOKEN=... python tests/e2e/terminal_proc.py DIR STORE TERMINAL URL SALES

Prints ``SOLD n`` as it sells and ``DRAINED n`` (events in its outbox) when done.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pos.demo import CATALOG_CSV, DEMO_USERS  # noqa: E402
from pos.domain.money import Money  # noqa: E402
from pos.domain.receipt import StoreInfo  # noqa: E402
from pos.services.auth import Role  # noqa: E402
from pos.services.context import Policy, TerminalContext  # noqa: E402
from pos.services.journal import TrainingKeyFile  # noqa: E402
from pos.services.terminal import DemoUser, Terminal  # noqa: E402
from pos.store import sync_state  # noqa: E402
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent  # noqa: E402

BARCODES = ("6168232712628", "6165383477352", "6169619642552")
#: between two sales: about a busy cashier's pace. Without it the 40 sales take well under
#: a second, and the test's "selling and draining" moment (3 events acknowledged while
#: sales are still being rung up) could pass before the agent's first round came back.
SALE_GAP_S = 0.1


def sales_count(till: Terminal) -> int:
    with till.db.read_session() as s:
        return int(s.connection().exec_driver_sql("SELECT count(*) FROM sales").scalar_one())


def main(folder: Path, store: str, terminal: str, url: str, wanted: int) -> int:
    ctx = TerminalContext(
        StoreInfo(store, f"Store {store}", ("Nairobi",)),
        terminal,
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    till = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    till.startup_checks()
    till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
    pin = next(p for _, r, p in DEMO_USERS if r == "cashier")
    till.auth.login(cashier.user_id, pin)
    if till.shifts.current() is None:  # sales need an open shift (kept across a restart)
        till.shifts.open({})

    drained = threading.Event()
    selling_done = threading.Event()

    def on_status(status: object) -> None:
        if selling_done.is_set() and getattr(status, "waiting", 1) == 0:
            drained.set()

    agent = SyncAgent(
        till.db,
        HeadOfficeClient(
            ClientSettings(url, connect_timeout_s=2, read_timeout_s=5),
            token=os.environ["KAUNTA_SYNC_TOKEN"],
        ),
        store_id=store,
        terminal_id=terminal,
        settings=AgentSettings(
            poll_interval_s=0.2,
            batch_size=20,
            backoff_base_s=0.05,
            backoff_cap_s=1.0,
            training=True,  # its tills are training ones
        ),
        on_status=on_status,
    )
    agent.start()
    sold = sales_count(till)
    while sold < wanted:
        till.checkout.scan(BARCODES[sold % len(BARCODES)], 1 + sold % 3)
        assert till.checkout.pay_cash(Money(10_000_000)).receipt is not None
        sold += 1
        print(f"SOLD {sold}", flush=True)
        if sold % 5 == 0:
            agent.nudge()
        time.sleep(SALE_GAP_S)
    selling_done.set()
    agent.nudge()
    while not drained.wait(0.5):
        agent.refresh()
    agent.stop()
    with till.db.read_session() as s:
        counts = sync_state.outbox_counts(s)
        total = int(s.connection().exec_driver_sql("SELECT count(*) FROM outbox").scalar_one())
    till.close()
    print(f"DRAINED {total} waiting={counts.waiting}", flush=True)
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    sys.exit(main(Path(a[0]), a[1], a[2], a[3], int(a[4])))
