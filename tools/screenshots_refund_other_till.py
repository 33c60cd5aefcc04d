"""Real X screenshots of a refund of another till's receipt (docs/screenshots/manager/21-22).

Run: ``bash tools/screenshots_manager.sh``'s way, on a display (Xvfb and openbox at
1366x768)::

    Xvfb :96 -screen 0 1366x768x24 & DISPLAY=:96 openbox &
    DISPLAY=:96 .venv/bin/python tools/screenshots_refund_other_till.py

It starts a real head office (``kaunta-hq serve`` on SQLite in a temporary folder, as the
end-to-end tests do), enrolls two live tills of store DEMO, rings up a sale on the front
till (T2) and syncs it, then opens the back till's (T1) window as the manager: the refund
dialog finds the receipt at head office (21-refund-other-till). The back till refunds a
bottle while the front till refunds both; the front till's refund reaches head office
first, the back till's is refused and parked, and the refund dialog opened again lists it
with what to do (22-refund-refused-by-head-office).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pos.demo import CATALOG_CSV, DEMO_USERS  # noqa: E402
from pos.domain.receipt import StoreInfo  # noqa: E402
from pos.refund_link import sale_lookup  # noqa: E402
from pos.services.auth import Permission, Role  # noqa: E402
from pos.services.context import Policy, TerminalContext  # noqa: E402
from pos.services.headoffice import SyncPhase  # noqa: E402
from pos.services.journal import TrainingKeyFile  # noqa: E402
from pos.services.refunds import RefundRequest  # noqa: E402
from pos.services.terminal import DemoUser, Terminal  # noqa: E402
from pos.ui.main_window import MainWindow  # noqa: E402
from pos.ui.manager.menu import ENTRIES, ManagerMenu  # noqa: E402
from pos.ui.manager.refund_dialog import RefundDialog  # noqa: E402
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent  # noqa: E402
from sync.server.devcluster import free_port  # noqa: E402
from tests.e2e.real_head_office import RealHeadOffice  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "manager"
MILK = "6168232712628"
BREAD = "6168232430898"


def _till(folder: Path, terminal_id: str) -> Terminal:
    folder.mkdir(parents=True)
    ctx = TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue, Nairobi",)),
        terminal_id,
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    t = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
    t.startup_checks()
    t.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    return t


def _login(t: Terminal, role: Role) -> None:
    user = next(u for u in t.auth.users() if u.role is role)
    t.auth.login(user.user_id, next(p for _, r, p in DEMO_USERS if Role(r) is role))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kaunta-refund-shots-"))
    (data / "hq").mkdir()
    hq = RealHeadOffice(data / "hq", free_port())
    hq.start()
    back_code, front_code = hq.codes(["DEMO", "DEMO"])
    anon = HeadOfficeClient(ClientSettings(hq.url))
    back_id, front_id = anon.enroll(back_code, "Back till"), anon.enroll(front_code, "Front")
    front = _till(data / "front", "T2")
    _login(front, Role.CASHIER)
    front.shifts.open({})
    front.checkout.scan(MILK, 2)
    front.checkout.scan(BREAD, 1)
    sold = front.checkout.pay_cash(front.checkout.view().cash_due).receipt
    assert sold is not None
    front_client = HeadOfficeClient(ClientSettings(hq.url), token=front_id.token)
    front_agent = SyncAgent(front.db, front_client, store_id="DEMO", terminal_id="T2")
    front_agent.drain()

    back = _till(data / "back", "T1")
    _login(back, Role.MANAGER)
    back.shifts.open({})
    back.auth.logout()
    back_client = HeadOfficeClient(ClientSettings(hq.url), token=back_id.token)
    back.refunds.use_lookup(sale_lookup(back_client))  # as pos.sync_link does
    back_agent = SyncAgent(back.db, back_client, store_id="DEMO", terminal_id="T1")
    # the status line as a running link shows it (this tool drives the agents by hand)
    back.headoffice.update(phase=SyncPhase.RUNNING, online=True, head_office_url=hq.url)

    app = QApplication(sys.argv[:1])
    window = MainWindow(back)
    window.showMaximized()
    users = {u.name: u.user_id for u in back.auth.users()}

    def shot(name: str) -> None:
        app.processEvents()
        target = OUT / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], check=True)
        print("wrote", target)

    def login() -> None:
        window.login.select_user(users["Carol Njeri"])
        window.login.pin.setText("3333")
        window.login.pin.returnPressed.emit()

    def menu() -> ManagerMenu:
        found = window.manager_menu
        assert found is not None
        return found

    def dialog() -> RefundDialog:
        found = menu().dialog
        assert isinstance(found, RefundDialog)
        return found

    def open_refund() -> None:
        next(e for e in ENTRIES if e.key == "refund").open(menu())

    def find_it() -> None:
        dialog().search.setText(sold.number)
        dialog().search_now(ask_head_office=True)

    def choose() -> None:
        dialog().spins[0].setValue(1)
        dialog().reason.setCurrentIndex(dialog().reason.findData("damaged"))

    def race() -> None:
        # the front till refunds both bottles and syncs first; the back till refunds one
        dialog().refund()

    def sync_both() -> None:
        approval = front.auth.approve(
            next(u.user_id for u in front.auth.users() if u.role is Role.SUPERVISOR),
            next(p for _, r, p in DEMO_USERS if Role(r) is Role.SUPERVISOR),
            Permission.REFUND,
        )
        front.refunds.refund(RefundRequest(sold.sale_id, {1: 2}, "wrong_item"), approval)
        front_agent.drain()
        back_agent.drain()
        dialog().reject()

    def finish() -> None:
        watchdog = threading.Timer(15, os._exit, [0])
        watchdog.daemon = True
        watchdog.start()
        app.quit()

    steps: list[tuple[int, Callable[[], None]]] = [
        (600, login),
        (800, window.open_manager),
        (300, open_refund),
        (500, find_it),
        (1500, choose),
        (1200, lambda: shot("21-refund-other-till")),
        (100, race),
        (1500, sync_both),
        (500, open_refund),
        (1500, lambda: shot("22-refund-refused-by-head-office")),
        (100, finish),
    ]

    def run_next(index: int = 0) -> None:
        if index >= len(steps):
            return
        wait, step = steps[index]

        def go() -> None:
            if window.runner.pending:
                QTimer.singleShot(50, go)
                return
            step()
            run_next(index + 1)

        QTimer.singleShot(wait, go)

    run_next()
    code = app.exec()
    for t in (front, back):
        t.close()
    for c in (front_client, back_client, anon):
        c.close()
    hq.kill()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
