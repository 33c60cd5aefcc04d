"""The manager enrolls a live till through the real window (Ctrl+M, Head office, Enroll)
against the product's head office running as a real process (``kaunta-hq serve`` on
127.0.0.1): a wrong code, an unreachable address and an untrusted certificate are each
named, and a good code enrolls the till, starts its agent and the sale screen shows it
online. The refused events' screen lists what the head office refused, with its reason
and age, and the menu entry shows their count."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from pos.secrets import MemorySecrets
from pos.services.headoffice import SyncPhase
from pos.store import sync_state
from pos.sync_link import SyncLink
from pos.ui.enroll_dialog import EnrollDialog, HeadOfficeDialog
from pos.ui.manager.menu import ManagerMenu
from pos.ui.parked_events import ParkedEventsDialog
from pos.ui.sync_status import SyncStatusLine
from tests.e2e.real_head_office import RealHeadOffice
from tests.shift_open import ensure_shift
from tests.ui.conftest import MakeTill, Till

D = TypeVar("D", bound=QDialog)
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def head_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealHeadOffice]:
    hq = RealHeadOffice(tmp_path_factory.mktemp("hq"), _free_port())
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


@pytest.fixture
def live(make_till: MakeTill) -> Iterator[tuple[Till, SyncLink]]:
    """A live till (DEMO/T1) with its head-office link, not enrolled, manager logged in."""
    till = make_till(training=False)
    link = SyncLink(till.config, till.terminal, MemorySecrets())
    link.start(background=False)
    _open_shift(till)  # its event is the first to sync
    till.login(MANAGER, MANAGER_PIN)
    try:
        yield till, link
    finally:
        link.stop()


def _agent_of(link: SyncLink) -> object:
    return link.agent


def _open_shift(till: Till) -> None:
    """A live till asks for the float at the first login: the manager opens a shift first."""
    auth = till.terminal.auth
    manager = next(u for u in auth.users() if u.name == MANAGER)
    auth.login(manager.user_id, MANAGER_PIN)
    ensure_shift(till.terminal)
    auth.logout()


def _menu(till: Till) -> ManagerMenu:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def _tool(till: Till, menu: ManagerMenu, key: str, kind: type[D]) -> D:
    before = menu.dialog
    till.click(menu.buttons[key])
    till.until(lambda: menu.dialog is not before and menu.dialog is not None)
    dialog = menu.dialog
    assert isinstance(dialog, kind), dialog
    return dialog


def _enroll_dialog(till: Till) -> EnrollDialog:
    office = _tool(till, _menu(till), "head_office", HeadOfficeDialog)
    assert office.enroll_button is not None
    till.click(office.enroll_button)
    dialog = office.enroll_dialog
    assert dialog is not None
    till.until(dialog.isVisible)
    return dialog


def _try(till: Till, dialog: EnrollDialog, url: str, code: str, bundle: str = "") -> str:
    for field, value in ((dialog.url, url), (dialog.code, code), (dialog.ca_bundle, bundle)):
        field.clear()
        till.qtbot.keyClicks(field, value)  # type: ignore[no-untyped-call]
    till.click(dialog.ok_button)
    till.until(lambda: dialog.ok_button.isEnabled(), timeout=60_000)
    till.idle()
    return dialog.message.text()


def test_the_manager_enrolls_the_till_and_each_failure_says_what_to_correct(
    live: tuple[Till, SyncLink], head_office: RealHeadOffice, tmp_path: Path
) -> None:
    till, link = live
    line = till.window.sale.sync_line
    assert isinstance(line, SyncStatusLine)
    assert line.text() == "Not connected to a head office"
    dialog = _enroll_dialog(till)

    said = _try(till, dialog, head_office.url, "WXYZ-0000-1111-2222")
    assert "did not accept the code" in said
    assert dialog.code.hasFocus()

    said = _try(till, dialog, f"http://127.0.0.1:{_free_port()}", "WXYZ-0000-1111-2222")
    assert "cannot be reached" in said

    with _untrusted_tls_server(tmp_path) as tls_url:
        said = _try(till, dialog, tls_url, "WXYZ-0000-1111-2222")
    assert "certificate is not trusted" in said
    assert _agent_of(link) is None  # nothing was enrolled by any of them

    (code,) = head_office.codes(["DEMO"])
    said = _try(till, dialog, head_office.url, code)
    assert said.startswith("Enrolled as DEMO/T1")
    assert _agent_of(link) is not None
    # the agent syncs on its own thread and the sale screen says so
    link.nudge()
    till.until(lambda: line.text().startswith("Online"), timeout=60_000)
    assert till.terminal.headoffice.view().phase is SyncPhase.RUNNING
    assert head_office.applied() >= 1  # the live till's seeded events reached the ledger

    # the same code again: used, refused, and the running enrollment is untouched
    said = _try(till, dialog, head_office.url, code)
    assert "did not accept the code" in said
    assert link.agent is not None


def test_enrollment_is_for_managers_only(make_till: MakeTill, head_office: RealHeadOffice) -> None:
    from pos.services.errors import PermissionDenied
    from pos.services.headoffice import EnrollRequest
    from pos.services.steps import run_inline

    till = make_till(training=False)
    link = SyncLink(till.config, till.terminal, MemorySecrets())
    link.start(background=False)
    try:
        _open_shift(till)
        till.login()  # the demo cashier
        (code,) = head_office.codes(["DEMO"])
        with pytest.raises(PermissionDenied):
            run_inline(
                till.terminal.headoffice.enroll(EnrollRequest(head_office.url, code, "Till"))
            )
        assert link.agent is None
    finally:
        link.stop()


def test_refused_events_are_listed_with_reason_and_age_and_counted_on_the_menu(
    live: tuple[Till, SyncLink],
) -> None:
    till, _link = live
    now = datetime.now(UTC)
    with till.terminal.db.session() as s:
        ids = [str(i) for i in s.connection().exec_driver_sql("SELECT id FROM outbox").scalars()]
        assert len(ids) >= 1
        refused = [(ids[0], "document.lines: the VAT class X is unknown")]
        sync_state.park(s, refused, now - timedelta(hours=3))
    menu = _menu(till)
    till.until(lambda: "Refused sync events (1)" in menu.buttons["parked_events"].text())
    dialog = _tool(till, menu, "parked_events", ParkedEventsDialog)
    till.until(lambda: dialog.table.rowCount() == 1)
    cells = [dialog.table.item(0, c) for c in range(dialog.table.columnCount())]
    row = [c.text() if c is not None else "" for c in cells]
    assert row[2] == "document.lines: the VAT class X is unknown"
    assert row[3] == "3 h ago"
    assert dialog.summary.text().startswith("1 events were refused")


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _untrusted_tls_server:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate nobody trusts."""

    def __init__(self, folder: Path) -> None:
        self.key, self.cert = folder / "k.pem", folder / "c.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(self.key),
                "-out",
                str(self.cert),
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        self.server = HTTPServer(("127.0.0.1", 0), _Ok)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
